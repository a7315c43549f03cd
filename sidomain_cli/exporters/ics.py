"""ICS (RFC 5545 iCalendar) for calendar apps.

One VEVENT per task (in a rollout: per task and group, and per task and staff account for
moments and 1v1):

- ``DTSTART;TZID=<profile timezone>`` with the matching ``VTIMEZONE`` (built by
  icalendar from the IANA data for exactly the years the calendar spans), ``DURATION``;
- ``SUMMARY`` = channel + action (+ group id in a rollout), ``DESCRIPTION`` = the rendered
  message, ``CATEGORIES`` = channel, phase, activity ids, ``LOCATION`` = the store;
- ``X-SIDOMAIN-*`` properties: task, day, segment, send method, metric, store id, group id
  (a group's event), account (who sends it: the owner for a group, or the staff account);
- with ``--alarm MINUTES`` a ``VALARM`` (``ACTION:DISPLAY``) that many minutes before.

Identity: calendars that update, never duplicate
------------------------------------------------
``UID`` is a UUID5 of what the task is, never of its place in the window: (brand, store
id, group id, task id) and then the SOP day for the rhythm of the 60-day SOP (day 3's
welcome is day 3's welcome whatever the start date), or the *date* and node for a dated
task (a 双12 post is the 双12 post: a later start changes its SOP day, not its identity).
Re-importing after a change (a new offer, a later start) therefore updates the events a
calendar already has instead of duplicating them.  A staff account's event (moments, 1v1)
is the account's: (brand, "", "account:<name>", task id, date, node), the same whichever
of the account's stores the row came from.

``X-SIDOMAIN-DIGEST`` is a hash of everything else in the event.  When an export replaces
an earlier one (the ``--force`` target, or ``--previous``), each event is compared with
its earlier version by UID:

- unchanged → the earlier ``SEQUENCE`` and ``DTSTAMP`` are kept (the event's bytes are
  identical);
- changed → ``SEQUENCE`` + 1 and ``DTSTAMP`` = now (or ``SOURCE_DATE_EPOCH``), never
  earlier than the earlier stamp + 1 s, so apps that honour SEQUENCE take the update;
- new → ``SEQUENCE:0`` and the base stamp;
- gone (in the earlier export, not in this plan) → written again from the earlier
  file's lines with ``STATUS:CANCELLED``, ``SEQUENCE`` + 1 and a new ``DTSTAMP`` (its
  alarm dropped), so a re-import removes it; an event the earlier export already
  cancelled is copied as it was.  Starting without ``--previous``/``--force`` drops them.

Without an earlier export every event has ``SEQUENCE:0`` and the base ``DTSTAMP``:
``SOURCE_DATE_EPOCH`` if set, else midnight of the plan's start date (UTC) — no wall
clock, so the same input gives the same bytes.

The earlier export is read as a stream, twice at most: once for UID → (SEQUENCE, DTSTAMP,
digest) packed into one int per event, once more (only if events left the plan) to copy
the gone events.  Memory grows with the number of events, not with the file's size.

Scale
-----
icalendar's object model costs about 0.26 ms and 7 KiB an event, so there is never one
calendar object holding all events: each task's shared part is serialised once per plan
with icalendar, the ``VTIMEZONE`` once per export (not once per owner file), and each
event is streamed as that part plus its few per-group lines, escaped and folded by
:func:`content_line` — the same bytes icalendar writes (tests compare the two), ~15×
faster than its character-by-character fold.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import IO, Callable, ContextManager, Iterable, Iterator

from sidomain_cli.exporters.csvfile import FORMULA_START
from sidomain_cli.exporters.stores import ExportSource, Store, Unit
from sidomain_cli.exporters.table import PerPlan, Progress
from sidomain_cli.safetext import plain
from sidomain_cli.spec import LAST_YEAR

UID_NAMESPACE = uuid.UUID("6f1d3c2a-5b7e-5c1a-9d0e-51d0a1a5e0c3")
PRODID = "-//sidomain//sidomain export//ZH"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
CRLF = b"\r\n"
DEFAULT_DURATION = 15  # minutes
MAX_ALARM = 7 * 24 * 60  # minutes

Opener = Callable[[], ContextManager[IO[bytes]]]


def _when(day: int, date: str | None, node: str | None) -> str:
    return str(day) if date is None else f"{date}\x1f{node or ''}"


def event_uid(brand: str, store_id: str | None, group_id: str | None, task: str,
              day: int, date: str | None = None, node: str | None = None) -> str:
    """The UID of a task's event: its SOP day for the SOP's rhythm, its date (and node)
    for a dated task (``date`` given)."""
    key = "\x1f".join((brand, store_id or "", group_id or "", task, _when(day, date, node)))
    return str(uuid.uuid5(UID_NAMESPACE, key))


# Activities placed on a weekday (the weekly activity and its preview): dated like nodes.
DATED_ACTIVITIES = ("small", "small_preview")


def dated(task) -> bool:
    """A row whose event follows its date: a node's, or the weekly activity's (a weekday)."""
    return bool(task.node) or task.activity in DATED_ACTIVITIES


def account_key(account: str) -> str:
    """What stands for the group in the UID of a staff account's event."""
    return "account:" + account


def task_uid(brand: str, store_id: str | None, group_id: str | None, task,
             account: str | None = None) -> str:
    """``event_uid`` of a calendar row: dated when it belongs to a node or to a weekday.

    With ``account`` (a staff account's row: moments, 1v1), the event is the account's,
    whichever of its stores the row came from: (brand, "", "account:<name>", task) and
    always the date (and node), since an account's rows merge several stores' SOP days."""
    if account is not None:
        return event_uid(brand, None, account_key(account), task.task, task.day, task.date,
                         task.node)
    if dated(task):
        return event_uid(brand, store_id, group_id, task.task, task.day, task.date, task.node)
    return event_uid(brand, store_id, group_id, task.task, task.day)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def format_stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=dt.timezone.utc)


def _seconds(when: dt.datetime) -> int:
    return int((when - _EPOCH).total_seconds())


@functools.lru_cache(maxsize=256)
def _stamp_text(seconds: int) -> str:
    return format_stamp(_EPOCH + dt.timedelta(seconds=seconds))


_STAMP = re.compile(rb"^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$")


def _stamp_seconds(value: bytes) -> int | None:
    m = _STAMP.match(value)
    if not m:
        return None
    try:
        when = dt.datetime(*map(int, m.groups()), tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    if not 1970 <= when.year <= LAST_YEAR:  # 9999-12-31T23:59:59 + 1 s overflowed
        return None
    return _seconds(when)


# ---- encoding -----------------------------------------------------------------------

def text(value: str) -> str:
    """A TEXT value RFC 5545 allows: CR/CRLF become a line break (escaped ``\\n``),
    other control characters (not allowed in TEXT) U+FFFD."""
    return plain(value)


def escape(value: str) -> str:
    """RFC 5545 TEXT escaping, in icalendar's order (``\\N`` first, then ``\\ ; ,``,
    then line breaks), so the bytes are the ones icalendar writes."""
    return (value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
            .replace("\r", "\\n"))


FOLD = 74  # octets a physical line holds before its line break (icalendar folds at >= 75)


def fold(line: str) -> bytes:
    """A content line folded as icalendar folds it: physical lines of at most 74 octets
    (plus the leading space of a continuation), never inside a UTF-8 character, and a
    trailing ``\\`` or ``^`` moves to the next line with what it escapes."""
    b = line.encode("utf-8")
    if len(b) <= FOLD:
        return b
    parts = []
    pos, n = 0, len(b)
    while n - pos > FOLD:
        cut = pos + FOLD
        while b[cut] & 0xC0 == 0x80:  # inside a character: back to its first byte
            cut -= 1
        if cut - pos > 1 and b[cut - 1] in b"\\^":
            cut -= 1
        parts.append(b[pos:cut])
        pos = cut
    parts.append(b[pos:])
    return b"\r\n ".join(parts)


def content_line(name: str, value: str) -> bytes:
    """``NAME:value`` as escaped, folded TEXT with its CRLF."""
    return fold(f"{name}:{escape(text(value))}") + CRLF


_line = content_line


def _strip(component: bytes, kind: bytes) -> bytes:
    head, tail = b"BEGIN:" + kind + CRLF, b"END:" + kind + CRLF
    assert component.startswith(head) and component.endswith(tail)
    return component[len(head):-len(tail)]


@functools.lru_cache(maxsize=8)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE block for the years of the window (icalendar, from IANA data);
    built once per export, ~8 ms each."""
    from icalendar import Timezone

    return Timezone.from_tzid(tzid, first_date=dt.date(first_year, 1, 1),
                              last_date=dt.date(last_year + 1, 1, 1)).to_ical()


def calendar_head(name: str, tzid: str, first: dt.date, last: dt.date) -> bytes:
    """BEGIN:VCALENDAR, its properties and the VTIMEZONE (without END:VCALENDAR), in
    the order icalendar writes them."""
    return b"".join((b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", fold("PRODID:" + PRODID), CRLF,
                     b"CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
                     content_line("NAME", name), content_line("X-WR-CALNAME", name),
                     fold("X-WR-TIMEZONE:" + tzid), CRLF,
                     vtimezone(tzid, first.year, last.year)))


def _alarm(minutes: int, action: str) -> bytes:
    return (b"BEGIN:VALARM\r\nACTION:DISPLAY\r\n" + content_line("DESCRIPTION", action)
            + f"TRIGGER:-PT{minutes}M\r\n".encode() + b"END:VALARM\r\n")


def _task_parts(unit: Unit, tasks: list, duration: int, alarm: int | None
                ) -> list["TaskPart"]:
    """Per task of ``tasks`` (a start date's group rows, or rows of an account's unit):
    what all its events share."""
    from zoneinfo import ZoneInfo

    from icalendar import Event
    from icalendar.prop import vText

    from sidomain_cli.domain import CHANNELS, label

    plan = unit.plan
    tz = ZoneInfo(plan.timezone)
    sep = ":" if plan.locale == "zh-CN" else ": "
    by_date = unit.for_account
    out = []
    for t in tasks:
        ev = Event()
        h, m = (int(x) for x in t.time.split(":"))
        start = dt.datetime.combine(dt.date.fromisoformat(t.date), dt.time(h, m), tzinfo=tz)
        ev.add("dtstart", start)
        ev.add("duration", dt.timedelta(minutes=duration))
        ev.add("description", text(t.message))
        ev.add("categories", [text(c) for c in (t.channel, t.phase, t.activity) if c])
        # X- properties as TEXT: escaped like the standard ones (else raw)
        ev.add("x-sidomain-task", vText(text(t.task)))
        ev.add("x-sidomain-day", str(t.day))
        ev.add("x-sidomain-segment", vText(text(t.segment)))
        ev.add("x-sidomain-send", vText(text(t.send)))
        ev.add("x-sidomain-metric", vText(text(t.metric)))
        if t.node:
            ev.add("x-sidomain-node", vText(text(t.node)))
        summary = label(CHANNELS, t.channel, plan.locale) + sep + t.action
        when = f"{t.date}\x1f{t.node or ''}" if by_date or dated(t) else str(t.day)
        out.append(TaskPart(t, "SUMMARY:" + escape(text(summary)),
                            _strip(ev.to_ical(), b"VEVENT"),
                            _alarm(alarm, summary) if alarm is not None else b"",
                            f"{t.task}\x1f{when}".encode("utf-8")))
    return out


@dataclass(frozen=True)
class TaskPart:
    """What every event of one task shares (per plan, encoded once)."""

    task: object
    summary: str          # "SUMMARY:" + the escaped text, before the group suffix
    shared: bytes         # the event lines every group shares
    alarm: bytes          # the VALARM block, or b""
    uid_tail: bytes       # the task's part of the UID's name (see event_uid)


_NS = UID_NAMESPACE.bytes


def _uuid5(h) -> str:
    """``str(uuid.uuid5(...))`` from the SHA-1 of namespace + name (same string)."""
    b = bytearray(h.digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


# ---- earlier exports --------------------------------------------------------------

# One int per earlier event: SEQUENCE | cancelled | has digest | DTSTAMP | digest.
_DIGEST_BITS, _STAMP_BITS = 64, 40
_STAMP_OFFSET = 1 << 38          # DTSTAMPs before 1970 (a plan may start in 1900)
_HAS_DIGEST = 1 << (_DIGEST_BITS + _STAMP_BITS)
_CANCELLED = _HAS_DIGEST << 1
_SEQ_SHIFT = _DIGEST_BITS + _STAMP_BITS + 2
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Earlier:
    sequence: int
    stamp: int | None       # DTSTAMP, seconds since 1970 (None: missing or malformed)
    digest: int | None
    cancelled: bool = False

    def pack(self) -> int:
        stamp = 0 if self.stamp is None else self.stamp + _STAMP_OFFSET
        return ((self.sequence << _SEQ_SHIFT) | (_CANCELLED if self.cancelled else 0)
                | (0 if self.digest is None else _HAS_DIGEST | self.digest)
                | (stamp << _DIGEST_BITS))

    @classmethod
    def unpack(cls, v: int) -> "Earlier":
        stamp = (v >> _DIGEST_BITS) & ((1 << _STAMP_BITS) - 1)
        return cls(v >> _SEQ_SHIFT, stamp - _STAMP_OFFSET if stamp else None,
                   v & _MASK64 if v & _HAS_DIGEST else None, bool(v & _CANCELLED))


_WANT = (b"UID", b"SEQUENCE", b"DTSTAMP", b"X-SIDOMAIN-DIGEST", b"STATUS")


def scan_events(fh: IO[bytes], *, keep_lines: bool = False
                ) -> Iterator[tuple[dict[bytes, bytes], list[bytes]]]:
    """Each top-level VEVENT of an ICS stream: its UID, SEQUENCE, DTSTAMP, STATUS and
    X-SIDOMAIN-DIGEST values (unfolded) and, with ``keep_lines``, its physical lines
    between BEGIN:VEVENT and END:VEVENT (without line ends).  Properties of components
    inside the event (VALARM) are not the event's."""
    inside = False
    props: dict[bytes, bytes] = {}
    lines: list[bytes] = []
    depth = 0
    current: bytes | None = None
    for raw in bounded_lines(fh):
        line = raw.rstrip(b"\r\n")
        if not inside:
            if line == b"BEGIN:VEVENT":
                inside, props, lines, depth, current = True, {}, [], 0, None
            continue
        if line[:1] in (b" ", b"\t"):
            if keep_lines:
                lines.append(line)
            if current is not None:
                props[current] += line[1:]
            continue
        current = None
        if line.startswith(b"BEGIN:"):
            depth += 1
        elif line.startswith(b"END:"):
            if line == b"END:VEVENT":  # whatever came before: VEVENTs do not nest
                inside = False
                yield props, lines
                continue
            depth = max(0, depth - 1)
        elif not depth:
            head, _, value = line.partition(b":")
            name = head.split(b";", 1)[0].upper()
            if name in _WANT:
                current, props[name] = name, value
        if keep_lines:
            lines.append(line)


def _earlier(props: dict[bytes, bytes]) -> Earlier:
    try:
        seq = max(0, int(props.get(b"SEQUENCE", b"0")))
    except ValueError:
        seq = 0
    digest = props.get(b"X-SIDOMAIN-DIGEST", b"")
    try:
        number = int(digest, 16) if len(digest) == 16 else None
    except ValueError:
        number = None
    return Earlier(min(seq, 1 << 20), _stamp_seconds(props.get(b"DTSTAMP", b"")), number,
                   props.get(b"STATUS", b"").upper() == b"CANCELLED")


def read_earlier(fh: IO[bytes]) -> dict[str, int]:
    """UID → packed :class:`Earlier` of each event in an earlier ICS export (a stream)."""
    out: dict[str, int] = {}
    for props, _ in scan_events(fh):
        uid = props.get(b"UID")
        if uid:
            out[uid.decode("utf-8", "replace")] = _earlier(props).pack()
            if len(out) > MAX_EARLIER_EVENTS:
                raise _not_ours(fh, f"holds more than {MAX_EARLIER_EVENTS:,} events")
    return out


# An earlier export is read as a stream with bounds (a zip member of 3 GB without a line
# break was one readline): sidomain writes lines of at most 75 octets.
MAX_EARLIER_LINE = 64 * 1024
MAX_EARLIER_BYTES = 1 << 30
MAX_EARLIER_EVENTS = 2_000_000


def _not_ours(fh, why: str):
    from sidomain_cli.errors import InputError

    name = getattr(fh, "name", "")
    return InputError(f"the earlier export {why}; it is not a calendar sidomain wrote",
                      path=name if isinstance(name, str) else "",
                      hint="give --previous the earlier export, or leave it out")


def bounded_lines(fh: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``fh``, each at most ``MAX_EARLIER_LINE`` bytes, at most
    ``MAX_EARLIER_BYTES`` in all (else an InputError)."""
    total = 0
    read = getattr(fh, "readline", None)
    source = iter(lambda: read(MAX_EARLIER_LINE + 1), b"") if read else iter(fh)
    for line in source:  # a file reads at most a bounded line; an iterable gives lines
        total += len(line)
        if len(line) > MAX_EARLIER_LINE:
            raise _not_ours(fh, f"has a line longer than {MAX_EARLIER_LINE:,} bytes")
        if total > MAX_EARLIER_BYTES:
            raise _not_ours(fh, f"is larger than {MAX_EARLIER_BYTES:,} bytes")
        yield line


@dataclass
class Stamps:
    """Decides SEQUENCE and DTSTAMP of each event (see the module docstring).

    ``earlier`` loses each UID this export writes, so what is left at the end is what
    left the plan."""

    base: dt.datetime
    now: dt.datetime
    earlier: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    new: int = 0
    cancelled: int = 0

    def __post_init__(self) -> None:
        self.base_text = format_stamp(self.base)
        self.now_seconds = _seconds(self.now)

    def bump(self, old: Earlier) -> tuple[int, str]:
        """SEQUENCE + 1 and a DTSTAMP later than the earlier one."""
        stamp = self.now_seconds if old.stamp is None else max(self.now_seconds, old.stamp + 1)
        return old.sequence + 1, _stamp_text(stamp)

    def __call__(self, uid: str, digest: int) -> tuple[int, str]:
        packed = self.earlier.pop(uid, None)
        if packed is None:
            if self.earlier:
                self.new += 1
            return 0, self.base_text
        old = Earlier.unpack(packed)
        if old.digest == digest and not old.cancelled and old.stamp is not None:
            return old.sequence, _stamp_text(old.stamp)
        self.changed += 1
        return self.bump(old)


_IDENTITY = (b"UID", b"DTSTAMP", b"SEQUENCE", b"STATUS", b"X-SIDOMAIN-DIGEST")


def _without(lines: list[bytes]) -> Iterator[bytes]:
    """An event's lines without its identity/status properties and sub-components."""
    depth, skipping = 0, False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                yield line
            continue
        if line.startswith(b"BEGIN:"):
            depth += 1
        if depth:
            skipping = True
            if line.startswith(b"END:"):
                depth -= 1
            continue
        name = line.partition(b":")[0].split(b";", 1)[0].upper()
        skipping = name in _IDENTITY
        if not skipping:
            yield line


def cancelled_events(fh: IO[bytes], stamps: Stamps) -> Iterator[bytes]:
    """The events of an earlier export left in ``stamps.earlier`` (gone from the plan),
    as STATUS:CANCELLED, in the earlier file's order."""
    left = stamps.earlier
    for props, lines in scan_events(fh, keep_lines=True):
        uid = props.get(b"UID", b"").decode("utf-8", "replace")
        packed = left.pop(uid, None)
        if packed is None:
            continue
        stamps.cancelled += 1
        old = Earlier.unpack(packed)
        if old.cancelled:  # cancelled before: the same bytes again
            yield b"BEGIN:VEVENT\r\n" + b"".join(x + CRLF for x in lines) + b"END:VEVENT\r\n"
            continue
        seq, stamp = stamps.bump(old)
        yield b"".join((b"BEGIN:VEVENT\r\nUID:", props[b"UID"], b"\r\nDTSTAMP:",
                        stamp.encode(), b"\r\nSEQUENCE:", str(seq).encode(), CRLF,
                        b"".join(x + CRLF for x in _without(lines)),
                        b"STATUS:CANCELLED\r\nEND:VEVENT\r\n"))


# ---- events --------------------------------------------------------------------------

class EventWriter:
    """Streams the VEVENTs of units into one calendar file."""

    def __init__(self, source: ExportSource, duration: int, alarm: int | None = None) -> None:
        self.brand = source.profile.brand
        self.locale = source.plan.locale
        self.parts = PerPlan(lambda unit, tasks: _task_parts(unit, tasks, duration, alarm))

    def events(self, unit: Unit, stamps: Stamps) -> Iterable[bytes]:
        store: Store | None = unit.store
        own = b""
        if store is not None:
            where = (f"{store.name}({store.city})" if self.locale == "zh-CN"
                     else f"{store.name}, {store.city}")
            own = (content_line("LOCATION", where)
                   + content_line("X-SIDOMAIN-STORE-ID", store.store_id)
                   + (content_line("X-SIDOMAIN-GROUP-ID", unit.group_id)
                      if unit.group_id else b"")
                   + content_line("X-SIDOMAIN-ACCOUNT", unit.account or ""))
        # escape(a + b) == escape(a) + escape(b) here: the suffix starts with "("
        who = unit.account if unit.for_account else unit.group_id
        suffix = escape(text(f"({who})")) if who else ""
        if unit.for_account:  # the account's event, whichever store the row came from
            name = "\x1f".join((self.brand, "", account_key(unit.account)))
        else:
            name = "\x1f".join((self.brand, store.store_id if store else "",
                                 unit.group_id or ""))
        uid_head = hashlib.sha1(_NS + name.encode("utf-8") + b"\x1f")
        earlier = stamps.earlier
        seq, stamp = b"0", stamps.base_text.encode()
        for p in self.parts(unit):
            h = uid_head.copy()
            h.update(p.uid_tail)
            uid = _uuid5(h)
            line = p.summary + suffix
            body = b"".join((fold(line) if len(line) > FOLD // 4 else line.encode("utf-8"),
                             CRLF, own, p.shared))
            digest = hashlib.sha1(body + p.alarm if p.alarm else body).hexdigest()[:16]
            if earlier:
                n, text_stamp = stamps(uid, int(digest, 16))
                seq, stamp = str(n).encode(), text_stamp.encode()
            yield b"".join((b"BEGIN:VEVENT\r\nUID:", uid.encode(), b"\r\nDTSTAMP:", stamp,
                            b"\r\nSEQUENCE:", seq, CRLF, body, b"X-SIDOMAIN-DIGEST:",
                            digest.encode(), CRLF, p.alarm, b"END:VEVENT\r\n"))


def date_window(source: ExportSource, stores: list[Store] | None = None) -> tuple[dt.date, dt.date]:
    if not source.rollout:
        plan = source.plan
        return plan.start_date, plan.start_date + dt.timedelta(days=plan.days - 1)
    starts = [source.start_of(s) for s in (stores or source.stores)]
    days = source.plan.days
    return min(starts), max(starts) + dt.timedelta(days=days - 1)


def base_stamp(source: ExportSource, epoch: int | None) -> dt.datetime:
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(source.base_start, dt.time(), tzinfo=ZoneInfo(source.plan.timezone))


def read_opener(opener: Opener | None) -> dict[str, int]:
    if opener is None:
        return {}
    with opener() as fh:
        return read_earlier(fh)


def write_calendar(fh: IO[bytes], source: ExportSource, units: Iterable[Unit], *, name: str,
                   window: tuple[dt.date, dt.date], stamps: Stamps, duration: int,
                   progress: Progress = None, writer: EventWriter | None = None,
                   earlier: Opener | None = None) -> int:
    """One calendar file; ``earlier`` opens the earlier version (for cancellations)."""
    writer = writer or EventWriter(source, duration)
    fh.write(calendar_head(name, source.plan.timezone, *window))
    n = 0
    for unit in units:
        batch = list(writer.events(unit, stamps))
        fh.write(b"".join(batch))
        n += len(batch)
        if progress is not None and unit.tick:
            progress(unit.tick)
    if stamps.earlier and earlier is not None:
        with earlier() as old:
            for event in cancelled_events(old, stamps):
                fh.write(event)
    fh.write(b"END:VCALENDAR\r\n")
    return n


def calendar_name(source: ExportSource, owner: str | None = None) -> str:
    zh = source.plan.locale == "zh-CN"
    base = f"{source.profile.brand} 私域SOP" if zh else f"{source.profile.brand} private-domain SOP"
    return f"{base} · {owner}" if owner else base


def write(source: ExportSource, fh: IO[bytes], *, progress: Progress = None,
          duration: int = DEFAULT_DURATION, alarm: int | None = None,
          earlier: Opener | None = None, epoch: int | None = None,
          now: dt.datetime | None = None, **_) -> int:
    """One calendar with every event (the brand's calendar, without --stores)."""
    base = base_stamp(source, epoch)
    stamps = Stamps(base, now or base, read_opener(earlier))
    return write_calendar(fh, source, source.units(), name=calendar_name(source),
                          window=date_window(source), stamps=stamps, duration=duration,
                          progress=progress, writer=EventWriter(source, duration, alarm),
                          earlier=earlier)


# ---- one file per owner ---------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?")
MAX_NAME_BYTES = 200  # a file name holds 255 bytes on ext4/APFS/NTFS: room for "-2.ics"


def _stem(owner: str) -> str:
    """One owner's file stem, the same on every system: NFC (macOS keeps NFD and NFC apart
    only in name), no invisible format characters (``a`` vs ``a`` + U+200B), no Windows
    device name (``CON.ics`` cannot be extracted there), no formula start (``index.csv``
    quoted ``'@o.ics`` for the file ``@o.ics``), at most 200 UTF-8 bytes (80 four-byte
    characters were too long for a folder)."""
    import unicodedata

    stem = unicodedata.normalize("NFC", owner)
    stem = "".join(ch for ch in stem if unicodedata.category(ch) not in ("Cf", "Cc", "Cs"))
    stem = _UNSAFE.sub("_", stem).strip(" .") or "owner"
    if _RESERVED.fullmatch(stem) or stem.startswith(FORMULA_START):
        stem = "_" + stem
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem


def owner_filenames(owners: list[str]) -> dict[str, str]:
    """A safe ``.ics`` file name per owner, unique however a file system folds names
    (case, Unicode normalisation), CJK kept."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for owner in owners:
        stem = _stem(owner)
        name, n = f"{stem}.ics", 1
        while name.casefold() in taken or name.casefold() == "index.csv":
            n += 1
            name = f"{stem}-{n}.ics"
        taken.add(name.casefold())
        names[owner] = name
    return names


INDEX_COLUMNS = ("owner", "file", "stores", "groups", "events", "cancelled")


def _earlier_owners(earlier) -> dict[str, str]:
    """file → owner from the earlier export's index.csv (if it has one)."""
    import csv
    import io

    opener = earlier.opener("index.csv") if earlier is not None else None
    if opener is None:
        return {}
    with opener() as fh:
        rows = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace",
                                               newline=""))
        return {r["file"]: r["owner"] for r in rows if r.get("file") and r.get("owner")}


def write_owner_files(source: ExportSource, sink, *, progress: Progress = None,
                      duration: int = DEFAULT_DURATION, alarm: int | None = None,
                      earlier=None, epoch: int | None = None,
                      now: dt.datetime | None = None) -> int:
    """One calendar per person into ``sink`` (a folder or zip writer) plus ``index.csv``:
    an owner's file holds their stores' groups, a staff account's its moments and 1v1
    (one file when the owner is the account, the default).  ``index.csv``'s ``stores``
    counts the stores a person owns or serves, ``groups`` the groups they own.

    ``earlier`` (``sinks.EarlierFiles``) is the earlier export: each owner's file
    continues from its earlier version, and an earlier owner's file with no owner now
    is written again with all its events cancelled.
    """
    from sidomain_cli.exporters.csvfile import ENCODING, _encode

    base = base_stamp(source, epoch)
    people = source.people()
    names = owner_filenames([p for p, _, _ in people])
    window = date_window(source)
    writer = EventWriter(source, duration, alarm)
    index = [_encode(INDEX_COLUMNS)]
    total = 0

    def one(fname: str, owner: str, units, stores: list[Store], groups: int) -> None:
        nonlocal total
        opener = earlier.opener(fname) if earlier is not None else None
        stamps = Stamps(base, now or base, read_opener(opener))
        with sink.open(fname) as fh:
            n = write_calendar(fh, source, units, name=calendar_name(source, owner), window=window, stamps=stamps,
                               duration=duration, progress=progress, writer=writer,
                               earlier=opener)
        index.append(_encode((owner, fname, len(stores), groups, n, stamps.cancelled)))
        total += n

    for person, owned, served in people:
        stores = list({id(s): s for s in owned + served}.values())
        one(names[person], person, source.person_units(owned, person, served), stores,
            sum(s.groups for s in owned))
    if earlier is not None:
        taken = {n.lower() for n in names.values()}
        was = _earlier_owners(earlier)
        for fname in earlier.names():
            if fname.lower() in taken or not fname.lower().endswith(".ics"):
                continue
            one(fname, was.get(fname, fname[:-4]), (), [], 0)
    with sink.open("index.csv") as fh:
        fh.write("".join(index).encode(ENCODING))
    return total


@contextlib.contextmanager
def _open_file(path: str) -> Iterator[IO[bytes]]:
    with open(path, "rb") as fh:
        yield fh


def file_opener(path: str) -> Opener:
    """An :data:`Opener` for one earlier ``.ics`` file."""
    return lambda: _open_file(path)

"""ICS (RFC 5545 iCalendar) for calendar apps, written with the ``icalendar`` library.

One VEVENT per task (per task and group in a rollout):

- ``DTSTART;TZID=<profile timezone>`` with the matching ``VTIMEZONE`` (built by
  icalendar from the IANA data for exactly the years the calendar spans), ``DURATION``;
- ``SUMMARY`` = channel + action (+ group id in a rollout), ``DESCRIPTION`` = the rendered
  message, ``CATEGORIES`` = channel, phase, activity ids, ``LOCATION`` = the store;
- ``X-SIDOMAIN-*`` properties: task, day, segment, send method, metric, store id, group id.

Stable identity, deterministic bytes
------------------------------------
``UID`` is a UUID5 of (brand, store id, group id, task id, SOP day): it does not depend on
the date, the time or the wording, so re-importing after a change (a new offer, a later
start) updates the events a calendar already has instead of duplicating them.

``X-SIDOMAIN-DIGEST`` is a hash of everything else in the event.  When an export replaces
an earlier one (the ``--force`` target, or ``--previous``), each event is compared with
its earlier version by UID:

- unchanged → the earlier ``SEQUENCE`` and ``DTSTAMP`` are kept (same input, same bytes);
- changed → ``SEQUENCE`` + 1 and ``DTSTAMP`` = now (or ``SOURCE_DATE_EPOCH``), never
  earlier than the earlier stamp + 1 s, so apps that honour SEQUENCE take the update;
- new → ``SEQUENCE:0`` and the base stamp.

Without an earlier export every event has ``SEQUENCE:0`` and the base ``DTSTAMP``:
``SOURCE_DATE_EPOCH`` if set, else midnight of the plan's start date (UTC) — no wall
clock, so the same input gives the same bytes.

Scale
-----
icalendar's object model costs about 0.26 ms and 7 KiB an event, so there is never one
calendar object holding all events: the header (with VTIMEZONE) is serialised once,
each task's shared part once per plan with icalendar, and each event is streamed as
that part plus its few per-group lines (built with icalendar's ``Contentline``, which
escapes and folds them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import IO, Iterable

from sidomain_cli.exporters.stores import ExportSource, Store, Unit
from sidomain_cli.exporters.table import PerPlan, Progress
from sidomain_cli.safetext import plain

UID_NAMESPACE = uuid.UUID("6f1d3c2a-5b7e-5c1a-9d0e-51d0a1a5e0c3")
PRODID = "-//sidomain//sidomain export//ZH"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
CRLF = b"\r\n"
DEFAULT_DURATION = 15  # minutes


def event_uid(brand: str, store_id: str | None, group_id: str | None, task: str,
              day: int) -> str:
    key = "\x1f".join((brand, store_id or "", group_id or "", task, str(day)))
    return str(uuid.uuid5(UID_NAMESPACE, key))


def format_stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=dt.timezone.utc)


# ---- earlier exports --------------------------------------------------------------

@dataclass(frozen=True)
class Earlier:
    sequence: int
    dtstamp: str
    digest: str


def read_earlier(data: bytes) -> dict[str, Earlier]:
    """UID → (SEQUENCE, DTSTAMP, digest) of each event in an earlier ICS export."""
    text = data.decode("utf-8", errors="replace")
    text = re.sub(r"\r?\n[ \t]", "", text)
    out: dict[str, Earlier] = {}
    props: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if line == "BEGIN:VEVENT":
            inside, props = True, {}
        elif line == "END:VEVENT":
            inside = False
            if "UID" in props:
                try:
                    seq = int(props.get("SEQUENCE", "0"))
                    parse_stamp(props.get("DTSTAMP", ""))
                except ValueError:
                    continue
                out[props["UID"]] = Earlier(seq, props["DTSTAMP"],
                                            props.get("X-SIDOMAIN-DIGEST", ""))
        elif inside:
            name, _, value = line.partition(":")
            name = name.split(";", 1)[0].upper()
            if name in ("UID", "SEQUENCE", "DTSTAMP", "X-SIDOMAIN-DIGEST"):
                props[name] = value
    return out


@dataclass
class Stamps:
    """Decides SEQUENCE and DTSTAMP of each event (see the module docstring)."""

    base: dt.datetime
    now: dt.datetime
    earlier: dict[str, Earlier] = field(default_factory=dict)
    changed: int = 0
    new: int = 0

    def __post_init__(self) -> None:
        self.base_text = format_stamp(self.base)
        self.now_text = format_stamp(self.now)

    def __call__(self, uid: str, digest: str) -> tuple[int, str]:
        old = self.earlier.get(uid)
        if old is None:
            if self.earlier:
                self.new += 1
            return 0, self.base_text
        if old.digest == digest:
            return old.sequence, old.dtstamp
        self.changed += 1
        stamp = max(self.now, parse_stamp(old.dtstamp) + dt.timedelta(seconds=1))
        return old.sequence + 1, format_stamp(stamp)


# ---- encoding -----------------------------------------------------------------------

def text(value: str) -> str:
    """A TEXT value RFC 5545 allows: CR/CRLF become a line break (escaped ``\\n`` by
    icalendar), other control characters (not allowed in TEXT) U+FFFD.  icalendar then
    escapes ``\\ ; ,`` and folds lines at 75 octets without splitting a character."""
    return plain(value)


def _line(name: str, value: str) -> bytes:
    from icalendar.parser import Contentline, Parameters
    from icalendar.prop import vText

    return Contentline.from_parts(name, Parameters(), vText(text(value))).to_ical() + CRLF


def _strip(component: bytes, kind: bytes) -> bytes:
    head, tail = b"BEGIN:" + kind + CRLF, b"END:" + kind + CRLF
    assert component.startswith(head) and component.endswith(tail)
    return component[len(head):-len(tail)]


def calendar_head(name: str, tzid: str, first: dt.date, last: dt.date) -> bytes:
    """BEGIN:VCALENDAR, its properties and the VTIMEZONE (without END:VCALENDAR)."""
    from icalendar import Calendar, Timezone
    from icalendar.prop import vText

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", vText(text(name)))  # NAME and X- properties would go out unescaped
    cal.add("x-wr-calname", vText(text(name)))
    cal.add("x-wr-timezone", tzid)
    cal.add_component(Timezone.from_tzid(tzid, first_date=dt.date(first.year, 1, 1),
                                         last_date=dt.date(last.year + 1, 1, 1)))
    return cal.to_ical()[:-len(b"END:VCALENDAR\r\n")]


def _task_parts(plan, duration: int) -> list[tuple[object, str, bytes]]:
    """Per task of a plan: (task, summary, the event lines every group shares)."""
    from zoneinfo import ZoneInfo

    from icalendar import Event
    from icalendar.prop import vText

    from sidomain_cli.domain import CHANNELS, label

    tz = ZoneInfo(plan.timezone)
    sep = ":" if plan.locale == "zh-CN" else ": "
    out = []
    for t in plan.calendar:
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
        out.append((t, summary, _strip(ev.to_ical(), b"VEVENT")))
    return out


class EventWriter:
    """Streams the VEVENTs of units into one calendar file."""

    def __init__(self, source: ExportSource, duration: int) -> None:
        self.brand = source.profile.brand
        self.locale = source.plan.locale
        self.parts = PerPlan(lambda plan: _task_parts(plan, duration))

    def events(self, unit: Unit, stamps: Stamps) -> Iterable[bytes]:
        store: Store | None = unit.store
        own = b""
        if store is not None:
            where = (f"{store.name}({store.city})" if self.locale == "zh-CN"
                     else f"{store.name}, {store.city}")
            own = (_line("LOCATION", where) + _line("X-SIDOMAIN-STORE-ID", store.store_id)
                   + _line("X-SIDOMAIN-GROUP-ID", unit.group_id or ""))
        suffix = f"({unit.group_id})" if unit.group_id else ""
        for t, summary, shared in self.parts(unit.plan):
            uid = event_uid(self.brand, store.store_id if store else None, unit.group_id,
                            t.task, t.day)
            body = _line("SUMMARY", summary + suffix) + own + shared
            digest = hashlib.sha1(body).hexdigest()[:16]
            seq, stamp = stamps(uid, digest)
            yield b"".join((b"BEGIN:VEVENT\r\nUID:", uid.encode(), b"\r\nDTSTAMP:",
                            stamp.encode(), b"\r\nSEQUENCE:", str(seq).encode(), CRLF, body,
                            b"X-SIDOMAIN-DIGEST:", digest.encode(), b"\r\nEND:VEVENT\r\n"))


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


def write_calendar(fh: IO[bytes], source: ExportSource, units: Iterable[Unit], *, name: str,
                   window: tuple[dt.date, dt.date], stamps: Stamps, duration: int,
                   progress: Progress = None, writer: EventWriter | None = None) -> int:
    writer = writer or EventWriter(source, duration)
    fh.write(calendar_head(name, source.plan.timezone, *window))
    n = 0
    for unit in units:
        batch = list(writer.events(unit, stamps))
        fh.write(b"".join(batch))
        n += len(batch)
        if progress is not None:
            progress(1)
    fh.write(b"END:VCALENDAR\r\n")
    return n


def calendar_name(source: ExportSource, owner: str | None = None) -> str:
    zh = source.plan.locale == "zh-CN"
    base = f"{source.profile.brand} 私域SOP" if zh else f"{source.profile.brand} private-domain SOP"
    return f"{base} · {owner}" if owner else base


def write(source: ExportSource, fh: IO[bytes], *, progress: Progress = None,
          duration: int = DEFAULT_DURATION, earlier: dict[str, Earlier] | None = None,
          epoch: int | None = None, now: dt.datetime | None = None, **_) -> int:
    """One calendar with every event (the brand's calendar, without --stores)."""
    base = base_stamp(source, epoch)
    stamps = Stamps(base, now or base, earlier or {})
    return write_calendar(fh, source, source.units(), name=calendar_name(source),
                          window=date_window(source), stamps=stamps, duration=duration,
                          progress=progress)


# ---- one file per owner ---------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def owner_filenames(owners: list[str]) -> dict[str, str]:
    """A safe, unique (case-insensitively) ``.ics`` file name per owner, CJK kept."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for owner in owners:
        stem = _UNSAFE.sub("_", owner).strip(" .") or "owner"
        stem = stem[:80]
        name, n = f"{stem}.ics", 1
        while name.lower() in taken or name.lower() == "index.csv":
            n += 1
            name = f"{stem}-{n}.ics"
        taken.add(name.lower())
        names[owner] = name
    return names


def write_owner_files(source: ExportSource, sink, *, progress: Progress = None,
                      duration: int = DEFAULT_DURATION, earlier_for=None,
                      epoch: int | None = None, now: dt.datetime | None = None) -> int:
    """One calendar per owner into ``sink`` (a folder or zip writer) plus ``index.csv``.

    ``earlier_for(filename)`` returns the earlier version's events of that file, if any.
    """
    from sidomain_cli.exporters.csvfile import ENCODING, _encode

    base = base_stamp(source, epoch)
    owners = source.owners()
    names = owner_filenames([o for o, _ in owners])
    window = date_window(source)
    writer = EventWriter(source, duration)
    index = [_encode(("owner", "file", "stores", "groups", "events"))]
    total = 0
    for owner, stores in owners:
        fname = names[owner]
        stamps = Stamps(base, now or base, (earlier_for(fname) if earlier_for else None) or {})
        with sink.open(fname) as fh:
            n = write_calendar(fh, source, source.units(stores), name=calendar_name(source, owner),
                               window=window, stamps=stamps, duration=duration,
                               progress=progress, writer=writer)
        index.append(_encode((owner, fname, len(stores), sum(s.groups for s in stores), n)))
        total += n
    with sink.open("index.csv") as fh:
        fh.write("".join(index).encode(ENCODING))
    return total

"""WeCom server API calls (``export --format wecom``): one JSON object a line, one line per
call an executor would make.

Each line is ``{endpoint, send_at, store_id, sender, task, payload}``:

- ``endpoint``: the WeCom API path after ``/cgi-bin/`` (``externalcontact/add_msg_template``
  …), or a ``sidomain/…`` value for a task that is not a WeCom API call (``ENDPOINTS``).
- ``send_at``: ISO 8601 local time with the offset of the profile's timezone.
- ``store_id``: the store the call is for; ``null`` when it covers several stores of one
  sender (their group ids say which), or without ``--stores``, or for a company-wide line.
- ``sender``: the placeholder of the WeCom member who confirms the call (the store's
  ``owner`` from the stores file, ``owner`` without one; ``null`` for company-wide lines).
- ``task``: the plan's task id (``daily_deal``, ``moments_am``, …).
- ``payload``: the request body, in WeCom's own field names.

Placeholders a user maps to real ids (``--ids``): senders, group ids (``SH001-G01``),
customer tags (``segment:<segment>``); filled in at run time by the executor: cohorts
(``cohort:<trigger>:<date>[:<condition>]``, the customers who triggered a lifecycle task on
that date) and the add-friend event's code (``event:WelcomeCode``).  Media are asset
references (``asset:<file>``) to upload just before the call: media ids expire after 3 days.

Routing (the README's "Loading the plan into WeCom" has the table):

- ``company_bulk`` on ``wecom_group`` → ``add_msg_template`` with ``chat_type: group``, one call
  per sender and send time over all the sender's groups with the same text, split at 2,000
  groups; on ``wecom_1v1`` → ``chat_type: single`` (a segment becomes a tag filter, a lifecycle
  task's audience its cohort); on ``wecom_moments`` → ``add_moment_task``.
- ``auto_welcome``: the group welcome → ``group_welcome_template/add`` (company material, once
  per distinct text); the add-friend welcome → ``send_welcome_msg`` as the sender's welcome
  configuration (the executor sends it with each add event's ``WelcomeCode``).
- ``staff_reminder`` → ``sidomain/staff_reminder`` (a member posts by hand; an executor can
  deliver it as an app message).  ``subscription_message``, ``oa_broadcast``, ``sms_batch``
  and ``live`` are not WeCom calls: ``sidomain/<send>`` lines for the tool that sends them.

Limits are checked as the API counts them before anything is written for that sender; a
breach is an ``InputError`` naming the task.  Lines go out sender by sender (stores in the
stores file's order of owners), each sender's in time order, company-wide lines last; the
same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Iterator

from sidomain_cli.errors import InputError

if TYPE_CHECKING:  # the line's shapes (``sidomain schema wecom-line`` is built from them)
    from sidomain_cli.exporters.wecom_types import Line, Text

MSG = "externalcontact/add_msg_template"
MOMENT = "externalcontact/add_moment_task"
GROUP_WELCOME = "externalcontact/group_welcome_template/add"
FRIEND_WELCOME = "externalcontact/send_welcome_msg"
REMINDER = "sidomain/staff_reminder"
ELSEWHERE = {s: f"sidomain/{s}" for s in ("subscription_message", "oa_broadcast", "sms_batch",
                                           "live")}
ENDPOINTS = (MSG, MOMENT, GROUP_WELCOME, FRIEND_WELCOME, REMINDER, *ELSEWHERE.values())

# Limits as the API counts them (domain.md §11, §14; WeCom docs 92135, 95094, 92366, 92137).
MSG_TEXT_BYTES = 4000        # add_msg_template / send_welcome_msg text.content, UTF-8 bytes
GROUP_WELCOME_TEXT_BYTES = 3000
MOMENT_TEXT_CHARS = 2000     # add_moment_task text.content, characters
MAX_ATTACHMENTS = 9
CHAT_IDS_PER_CALL = 2000     # add_msg_template chat_id_list
EXTERNAL_USERIDS = 10000     # add_msg_template external_userid
TAGS_PER_GROUP = 100         # tag_filter.group_list[].tag_list
SEND_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
LIMITS = {MSG: ("bytes", MSG_TEXT_BYTES), FRIEND_WELCOME: ("bytes", MSG_TEXT_BYTES),
          GROUP_WELCOME: ("bytes", GROUP_WELCOME_TEXT_BYTES),
          MOMENT: ("characters", MOMENT_TEXT_CHARS)}

NO_STORE_SENDER = "owner"    # without --stores: the member who runs the brand's groups
NO_STORE_GROUP = "G01"
WELCOME_CODE = "event:WelcomeCode"


def segment_tag(segment: str) -> str:
    return f"segment:{segment}"


def cohort(trigger: str, day: dt.date, condition: str | None) -> str:
    return f"cohort:{trigger}:{day.isoformat()}" + (f":{condition}" if condition else "")


IDS_COLUMNS = ("placeholder", "id")
MAX_IDS_BYTES = 32 * 1024 * 1024
MAX_ID = 256


def load_ids(path, *, encoding: str | None = None) -> dict[str, str]:
    """``--ids``: a CSV ``placeholder,id`` mapping the export's placeholders (senders,
    group ids, ``segment:<segment>`` tags) to WeCom's ids; problems name file and line."""
    ids: dict[str, str] = {}
    first: dict[str, int] = {}
    for line, cell in _csv_rows(path, encoding, required=IDS_COLUMNS, columns=IDS_COLUMNS,
                                noun="ids file"):
        key = cell["placeholder"]
        if key in first:
            raise InputError(f"placeholder '{key[:40]}' is mapped twice (first on line "
                             f"{first[key]})", path=str(path), line=line, column=1)
        first[key] = line
        ids[key] = cell["id"]
    return ids


ASSET_COLUMNS = ("task", "msgtype", "asset", "title", "url", "desc", "appid", "page", "date")
MSGTYPES = ("image", "link", "miniprogram", "video", "file")
NEEDS = {"image": ("asset",), "video": ("asset",), "file": ("asset",),
         "link": ("title", "url"), "miniprogram": ("title", "asset", "appid", "page")}
# bytes, as add_msg_template counts them (doc 92135)
FIELD_BYTES = {("link", "title"): 128, ("link", "desc"): 512, ("link", "url"): 2048,
               ("link", "asset"): 2048, ("miniprogram", "title"): 64}
MOMENT_LINK_TITLE_BYTES = 64
MOMENT_KINDS = {"image": 9, "video": 1, "link": 1}


@dataclass(frozen=True)
class Asset:
    """One attachment of ``--assets``: a file (or link, mini-program page) a task sends."""

    path: str
    line: int
    task: str
    msgtype: str
    asset: str = ""
    title: str = ""
    url: str = ""
    desc: str = ""
    appid: str = ""
    page: str = ""
    date: str = ""

    def error(self, message: str, hint: str = "") -> InputError:
        return InputError(message, path=self.path, line=self.line, column=1, hint=hint)

    def ref(self) -> str:
        """What goes where WeCom wants a media id: the asset to upload before the call."""
        return self.asset if self.asset.startswith("asset:") else f"asset:{self.asset}"

    def body(self) -> dict[str, str]:
        """The object named by ``msgtype`` (add_msg_template, send_welcome_msg, welcome)."""
        if self.msgtype == "link":
            link = {"title": self.title}
            if self.asset.startswith(("https://", "http://")):
                link["picurl"] = self.asset  # a cover image's URL
            if self.desc:
                link["desc"] = self.desc
            link["url"] = self.url
            return link
        if self.msgtype == "miniprogram":
            return {"title": self.title, "pic_media_id": self.ref(), "appid": self.appid,
                    "page": self.page}
        return {"media_id": self.ref()}

    def attachment(self) -> dict[str, Any]:
        return {"msgtype": self.msgtype, self.msgtype: self.body()}

    def moment_attachment(self, where: str) -> dict[str, Any]:
        if self.msgtype not in MOMENT_KINDS:
            raise self.error(f"{where} is a moments post: add_moment_task takes images, a "
                             f"video or a link, not a {self.msgtype}")
        if self.msgtype != "link":
            return {"msgtype": self.msgtype, self.msgtype: {"media_id": self.ref()}}
        if not self.asset or self.asset.startswith(("https://", "http://")):
            raise self.error(f"{where} is a moments post: its link needs a cover image file "
                             "in 'asset' (uploaded as the link's media_id)")
        if len(self.title.encode("utf-8")) > MOMENT_LINK_TITLE_BYTES:
            raise self.error(f"{where}: a moments link title takes at most "
                             f"{MOMENT_LINK_TITLE_BYTES} UTF-8 bytes")
        return {"msgtype": "link", "link": {"title": self.title, "url": self.url,
                                            "media_id": self.ref()}}


class Assets:
    """``--assets`` rows by task id; a row with a ``date`` is for that day's send only."""

    def __init__(self, rows: list[Asset] = ()) -> None:
        self.by_task: dict[str, list[Asset]] = {}
        for a in rows:
            self.by_task.setdefault(a.task, []).append(a)

    def of(self, task: str, date: str | None) -> list[Asset]:
        rows = self.by_task.get(task)
        if not rows:
            return []
        return [a for a in rows if not a.date or date is None or a.date == date]

    def check_tasks(self, tasks: set[str]) -> None:
        for task, rows in self.by_task.items():
            if task not in tasks:
                raise rows[0].error(f"task '{task[:40]}' is not in the plan",
                                    hint="use a task id of the export's lines, e.g. "
                                         + ", ".join(sorted(tasks)[:4]))


def load_assets(path, *, encoding: str | None = None) -> Assets:
    """``--assets``: a CSV of the attachments each task sends (columns ``ASSET_COLUMNS``;
    ``task`` and ``msgtype`` required); problems name file and line."""
    rows = []
    for line, cell in _csv_rows(path, encoding, required=("task", "msgtype"),
                                columns=ASSET_COLUMNS, noun="assets file"):
        a = Asset(str(path), line, **cell)
        if a.msgtype not in MSGTYPES:
            raise a.error(f"msgtype: '{a.msgtype[:40]}' is not one of {', '.join(MSGTYPES)}")
        missing = [c for c in NEEDS[a.msgtype] if not cell.get(c)]
        if missing:
            raise a.error(f"a {a.msgtype} needs {', '.join(missing)}")
        for (kind, col), most in FIELD_BYTES.items():
            size = len(cell.get(col, "").encode("utf-8"))
            if kind == a.msgtype and size > most:
                raise a.error(f"{col}: {size:,} UTF-8 bytes; a {kind}'s {col} takes at most "
                              f"{most:,}")
        if a.date:
            try:
                dt.date.fromisoformat(a.date)
            except ValueError:
                raise a.error(f"date: '{a.date[:40]}' is not YYYY-MM-DD") from None
        rows.append(a)
    return Assets(rows)


def _csv_rows(path, encoding, *, required, columns, noun):
    """(line, {column: value}) of a small CSV with a header; bad rows raise InputError."""
    import csv

    from sidomain_cli.yamlio import decode, read_bytes

    name = str(path)
    text = decode(read_bytes(path, max_bytes=MAX_IDS_BYTES, what=noun), name,
                  encoding=encoding, noun=noun, kind="CSV")
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    header = None
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            cells = [c.strip() for c in row]
            if header is None:
                header = [c.lower() for c in cells]
                bad = [c for c in header if c not in columns]
                missing = [c for c in required if c not in header]
                if bad or missing or len(set(header)) != len(header):
                    raise InputError(f"the header is '{','.join(cells)[:80]}'", path=name,
                                     line=line, column=1,
                                     hint=f"first line: {','.join(columns)}"
                                          + ("" if tuple(required) == tuple(columns) else
                                             f" ({', '.join(required)} required)"))
                continue
            if len(cells) != len(header):
                raise InputError(f"row has {len(cells)} fields, the header has {len(header)}",
                                 path=name, line=line, column=1,
                                 hint="quote a field that has a comma")
            for c, v in zip(header, cells):
                if len(v) > 4096 or any(ord(ch) < 32 or ord(ch) == 127 for ch in v):
                    raise InputError(f"{c}: '{v[:40]}' is too long or has control characters",
                                     path=name, line=line, column=1)
            for c in required:
                if not cells[header.index(c)]:
                    raise InputError(f"{c} is empty", path=name, line=line, column=1)
            yield line, dict(zip(header, cells))
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", path=name, line=reader.line_num,
                         column=1) from None
    if header is None:
        raise InputError(f"{noun} is empty", path=name,
                         hint="first line: " + ",".join(columns))


def _people(source) -> list[tuple[str, list, list]]:
    """Who sends: (sender, the stores whose groups they own, the stores whose customers
    are their friends): ``ExportSource.people``."""
    if source.stores is None:
        return [(NO_STORE_SENDER, [None], [None])]
    return source.people()


def _account_rows(source, account: str, served: list) -> list:
    """(row, store) of one staff account's moments and 1v1 tasks over the stores it
    serves (``ExportSource.account_units``: once per date, channel and task, within the
    account's caps; a row the caps demote is a staff reminder)."""
    if not served:
        return []
    if served == [None]:
        return [(t, None) for t in source.plan.calendar if t.scope == "account"]
    return [(t, unit.store) for unit in source.account_units(account, served)
            for t in unit.tasks]


class _Clock:
    """``send_at`` strings in one timezone (offsets cached per date and time)."""

    def __init__(self, tz: str) -> None:
        from zoneinfo import ZoneInfo

        self.zone = ZoneInfo(tz)
        self._cache: dict[tuple[str, str], str] = {}

    def at(self, date: str, hhmm: str) -> str:
        key = (date, hhmm)
        hit = self._cache.get(key)
        if hit is None:
            local = dt.datetime.fromisoformat(f"{date}T{hhmm}").replace(tzinfo=self.zone)
            hit = self._cache[key] = local.isoformat(timespec="seconds")
        return hit


def _hhmm(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


class _Entry:
    """One call (before splitting by group count) and what it gathers from the stores."""

    __slots__ = ("order", "endpoint", "date", "time", "task", "sender", "payload", "store_id",
                 "stores", "chat_ids")

    def __init__(self, order, endpoint, date, time, task, sender, payload, groups) -> None:
        self.order = order
        self.endpoint = endpoint
        self.date = date
        self.time = time
        self.task = task
        self.sender = sender
        self.payload = payload
        self.store_id: str | None = None
        self.stores = 0  # 0 none yet, 1 one store, 2 several
        self.chat_ids: list[str] | None = [] if groups else None

    def add(self, store_id: str | None, groups: list[str] | None) -> None:
        if self.stores == 0:
            self.store_id, self.stores = store_id, 1
        elif store_id != self.store_id:
            self.store_id, self.stores = None, 2
        if groups and self.chat_ids is not None:
            self.chat_ids.extend(groups)


class _Calls:
    """The calls of one batch (a sender's, or the company-wide ones), merged and ordered."""

    def __init__(self, source, clock: _Clock, ids: dict[str, str], assets: Assets) -> None:
        self.source = source
        self.clock = clock
        self.ids = ids
        self.assets = assets
        self.entries: dict[tuple, _Entry] = {}

    def put(self, key: tuple, endpoint: str, t, date: str, time: str, sender: str | None,
            payload: dict, store_id: str | None, groups: list[str] | None = None) -> None:
        """Add task ``t``'s call (merged with an earlier one of the same ``key``)."""
        entry = self.entries.get(key)
        if entry is None:
            where = _where(t, date, time)
            config = endpoint in (GROUP_WELCOME, FRIEND_WELCOME)
            attach = self.assets.of(t.task, None if config else date)
            if attach:
                payload = _with_assets(endpoint, payload, attach, where)
            _check(self.source, endpoint, where, payload)
            entry = self.entries[key] = _Entry(len(self.entries), endpoint, date, time, t.task,
                                               sender, payload, groups)
        elif (date, time) < (entry.date, entry.time):  # configuration: the earliest launch
            entry.date, entry.time = date, time
        entry.add(store_id, groups)

    def lines(self) -> Iterator["Line"]:
        for e in sorted(self.entries.values(), key=lambda e: (e.date, e.time, e.order)):
            base = {"endpoint": e.endpoint, "send_at": self.clock.at(e.date, e.time),
                    "store_id": e.store_id, "sender": e.sender, "task": e.task}
            if e.chat_ids is None:
                yield {**base, "payload": e.payload}
                continue
            for i in range(0, len(e.chat_ids), CHAT_IDS_PER_CALL):
                payload = dict(e.payload)
                payload["chat_id_list"] = e.chat_ids[i:i + CHAT_IDS_PER_CALL]
                yield {**base, "payload": _ordered(payload)}


_KEY_ORDER = ("chat_type", "sender", "external_userid", "chat_id_list", "tag_filter",
              "welcome_code", "msgtype", "channel", "segment", "action", "audience", "text",
              "attachments", *MSGTYPES, "visible_range")


def _ordered(payload: dict) -> dict:
    return {k: payload[k] for k in _KEY_ORDER if k in payload}


def _where(t, date: str, time: str) -> str:
    return (f"task '{t.task}'" + (f" (template {t.template})" if t.template else "")
            + f" on {date} {time}")


def _check(source, endpoint: str, where: str, payload: dict) -> None:
    """Refuse a text WeCom would refuse, naming the task (and its template)."""
    limit = LIMITS.get(endpoint)
    if limit is None:
        return
    text = payload.get("text", {}).get("content", "")
    unit, most = limit
    size = len(text.encode("utf-8")) if unit == "bytes" else len(text)
    if size > most:
        raise InputError(f"{where}: text is {size:,} {'UTF-8 bytes' if unit == 'bytes' else 'characters'}; "
                         f"WeCom's {endpoint} takes at most {most:,}",
                         path=source.profile.path,
                         hint="shorten the message template or the offers it quotes")


def _with_assets(endpoint: str, payload: dict, assets: list[Asset], where: str) -> dict:
    """The payload with its task's attachments, in the shape (and within the limits) of
    the endpoint; a breach names the assets file's line and the task."""
    payload = dict(payload)
    if endpoint == MOMENT:
        kinds = list(dict.fromkeys(a.msgtype for a in assets))
        if len(kinds) > 1:
            second = next(a for a in assets if a.msgtype == kinds[1])
            raise second.error(f"{where} is a moments post: 9 images, or 1 video, or 1 link, "
                               f"never mixed ({kinds[0]} and {kinds[1]})")
        most = MOMENT_KINDS.get(kinds[0], 0)
        if len(assets) > most > 0:
            raise assets[most].error(f"{where} is a moments post: at most {most} "
                                     f"{kinds[0]}{'s' if most > 1 else ''}")
        payload["attachments"] = [a.moment_attachment(where) for a in assets]
    elif endpoint == GROUP_WELCOME:
        if len(assets) > 1:
            raise assets[1].error(f"{where}: a group welcome takes its text and one "
                                  "attachment")
        payload[assets[0].msgtype] = assets[0].body()
    else:
        if len(assets) > MAX_ATTACHMENTS:
            raise assets[MAX_ATTACHMENTS].error(
                f"{where}: {len(assets)} attachments; WeCom's {endpoint} takes at most "
                f"{MAX_ATTACHMENTS}")
        payload["attachments"] = [a.attachment() for a in assets]
    return _ordered(payload)


def _text(message: str) -> "Text":
    return {"content": message}


def _put_task(calls: _Calls, company: _Calls, t, *, date: str, time: str | None,
              sender: str, store_id: str | None, groups: list[str] | None,
              audience: str | None, config: tuple[str, str]) -> None:
    """Route one task occurrence (a calendar row, or a lifecycle task for one cohort)."""
    send, channel, message = t.send, t.channel, t.message
    if send == "auto_welcome":
        if channel == "wecom_group":
            company.put((GROUP_WELCOME, message), GROUP_WELCOME, t, *config, None,
                        {"text": _text(message)}, None)
        else:
            calls.put((FRIEND_WELCOME, t.task, message), FRIEND_WELCOME, t, *config, sender,
                      {"welcome_code": WELCOME_CODE, "text": _text(message)}, store_id)
        return
    assert time is not None
    key = (date, time, t.task, message, audience)
    if send == "staff_reminder":
        payload: dict[str, Any] = {"msgtype": "text", "channel": channel,
                                   "segment": t.segment, "action": t.action}
        if audience is not None:
            payload["audience"] = audience
        payload["text"] = _text(message)
        calls.put((REMINDER,) + key, REMINDER, t, date, time, sender, payload, store_id,
                  groups if t.scope == "group" and audience is None else None)
        return
    if send in ELSEWHERE or (send == "company_bulk" and t.scope == "brand"):
        endpoint = ELSEWHERE.get(send, f"sidomain/{channel}")
        payload = {"channel": channel, "segment": t.segment, "action": t.action}
        if audience is not None:
            payload["audience"] = audience
        payload["text"] = _text(message)
        company.put((endpoint,) + key, endpoint, t, date, time, None, payload, None)
        return
    # company_bulk on a WeCom channel
    tag = calls.ids.get(segment_tag(t.segment), segment_tag(t.segment))
    if channel == "wecom_moments":
        visible: dict[str, Any] = {"sender_list": {"user_list": [sender]}}
        if t.segment != "all":
            visible["external_contact_list"] = {"tag_list": [tag]}
        calls.put((MOMENT,) + key, MOMENT, t, date, time, sender,
                  {"text": _text(message), "visible_range": visible}, store_id)
        return
    if channel == "wecom_group" and audience is None:
        calls.put((MSG, "group") + key, MSG, t, date, time, sender,
                  {"chat_type": "group", "sender": sender, "text": _text(message)},
                  store_id, groups)
        return
    payload = {"chat_type": "single", "sender": sender}
    if audience is not None:
        payload["external_userid"] = [audience]
    elif t.segment != "all":
        payload["tag_filter"] = {"group_list": [{"tag_list": [tag]}]}
    payload["text"] = _text(message)
    calls.put((MSG, "single") + key, MSG, t, date, time, sender, payload, store_id)


def _put_lifecycle(calls: _Calls, company: _Calls, plan, t, **where) -> None:
    """A lifecycle task: the welcome is configuration; a timed task is one call per day's
    cohort (the customers who triggered it that day) while the window lasts."""
    first = plan.start_date
    if t.time is None:
        _put_task(calls, company, t, date="", time=None, audience=None, **where)
        return
    for n in range(plan.days - t.offset_day):
        joined = first + dt.timedelta(days=n)
        day = joined + dt.timedelta(days=t.offset_day)
        _put_task(calls, company, t, date=day.isoformat(), time=t.time,
                  audience=cohort(t.trigger, joined, t.condition), **where)


def _put_person(calls: _Calls, company: _Calls, sender: str, owned: list, served: list) -> None:
    """Every call one sender makes: their stores' group tasks, their own account's tasks."""
    source, ids = calls.source, calls.ids
    sender = ids.get(sender, sender)
    config_time = _hhmm(source.profile.quiet_hours[1])

    def config(plan) -> tuple[str, str]:  # welcomes are set up the day before the launch
        return (plan.start_date - dt.timedelta(days=1)).isoformat(), config_time

    for store in owned:
        plan = source.plan if store is None else source.plan_for(source.start_of(store))
        where = dict(sender=sender, store_id=store.store_id if store else None,
                     groups=[ids.get(g, g) for g in
                             (store.group_ids() if store else [NO_STORE_GROUP])],
                     config=config(plan))
        for t in plan.calendar:
            if t.scope != "account":
                _put_task(calls, company, t, date=t.date, time=t.time, audience=None, **where)
        for t in plan.lifecycle:
            if t.scope != "account":
                _put_lifecycle(calls, company, plan, t, **where)
    # the account's own lines name a store only when it serves one
    account_store = served[0].store_id if len(served) == 1 and served[0] else None
    for t, store in _account_rows(source, sender, served):
        plan = source.plan if store is None else source.plan_for(source.start_of(store))
        _put_task(calls, company, t, date=t.date, time=t.time, audience=None, sender=sender,
                  store_id=account_store, groups=None, config=config(plan))
    starts: set = set()
    for store in served:
        plan = source.plan if store is None else source.plan_for(source.start_of(store))
        if plan.start_date in starts:
            continue
        starts.add(plan.start_date)
        for t in plan.lifecycle:
            if t.scope == "account":
                _put_lifecycle(calls, company, plan, t, sender=sender,
                               store_id=account_store, groups=None, config=config(plan))


def calls(source, ids: dict[str, str] | None = None,
          assets: Assets | None = None) -> Iterator[dict[str, Any]]:
    """Every line of the export, as dicts in output order; ``ids`` maps placeholders,
    ``assets`` gives tasks their attachments."""
    yield from _calls(source, None, ids or {}, assets or Assets())


def _calls(source, progress, ids: dict[str, str], assets: Assets) -> Iterator[dict[str, Any]]:
    clock = _Clock(source.plan.timezone)
    company = _Calls(source, clock, ids, assets)
    for sender, owned, served in _people(source):
        batch = _Calls(source, clock, ids, assets)
        _put_person(batch, company, sender, owned, served)
        yield from batch.lines()
        if progress is not None:
            progress(sum(s.groups for s in owned) + bool(served) if source.stores else 1)
    yield from company.lines()


def write(source, fh: IO[bytes], *, progress=None, ids: dict[str, str] | None = None,
          assets: Assets | None = None, **_) -> int:
    """Write the JSON Lines (UTF-8, ``\\n``); returns the number of lines."""
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    n = 0
    buf: list[str] = []
    try:
        for obj in _calls(source, progress, ids or {}, assets or Assets()):
            buf.append(dumps(obj) + "\n")
            n += 1
            if len(buf) >= 64:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))
        out.flush()
    finally:
        out.detach()
    return n

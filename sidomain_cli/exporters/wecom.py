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
from typing import IO, Any, Iterator

from sidomain_cli.errors import InputError

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


def group_sender(store) -> str:
    """Who sends a store's group tasks: the owner of its groups."""
    return store.owner if store is not None else NO_STORE_SENDER


def account_sender(store) -> str:
    """Whose account posts moments and 1v1 sends for a store (until staff accounts land:
    the store's owner)."""
    return store.owner if store is not None else NO_STORE_SENDER


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

    def __init__(self, source, clock: _Clock) -> None:
        self.source = source
        self.clock = clock
        self.entries: dict[tuple, _Entry] = {}

    def put(self, key: tuple, endpoint: str, t, date: str, time: str, sender: str | None,
            payload: dict, store_id: str | None, groups: list[str] | None = None) -> None:
        """Add task ``t``'s call (merged with an earlier one of the same ``key``)."""
        entry = self.entries.get(key)
        if entry is None:
            _check(self.source, endpoint, t.task, t.template, date, time, payload)
            entry = self.entries[key] = _Entry(len(self.entries), endpoint, date, time, t.task,
                                               sender, payload, groups)
        elif (date, time) < (entry.date, entry.time):  # configuration: the earliest launch
            entry.date, entry.time = date, time
        entry.add(store_id, groups)

    def lines(self) -> Iterator[dict[str, Any]]:
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
              "attachments", "visible_range")


def _ordered(payload: dict) -> dict:
    return {k: payload[k] for k in _KEY_ORDER if k in payload}


def _check(source, endpoint: str, task: str, template: str, date: str, time: str,
           payload: dict) -> None:
    """Refuse a call WeCom would refuse, naming the task (and its template)."""
    where = (f"task '{task}'" + (f" (template {template})" if template else "")
             + f" on {date} {time}")
    text = payload.get("text", {}).get("content", "")
    limit = LIMITS.get(endpoint)
    if limit is not None:
        unit, most = limit
        size = len(text.encode("utf-8")) if unit == "bytes" else len(text)
        if size > most:
            raise InputError(f"{where}: text is {size:,} {'UTF-8 bytes' if unit == 'bytes' else 'characters'}; "
                             f"WeCom's {endpoint} takes at most {most:,}",
                             path=source.profile.path,
                             hint="shorten the message template or the offers it quotes")
    attachments = payload.get("attachments") or ()
    if len(attachments) > MAX_ATTACHMENTS:
        raise InputError(f"{where}: {len(attachments)} attachments; WeCom's {endpoint} takes "
                         f"at most {MAX_ATTACHMENTS}", path=source.profile.path)


def _text(message: str) -> dict[str, str]:
    return {"content": message}


def _put_task(calls: _Calls, company: _Calls, *, t, date: str, time: str | None,
              store_id: str | None, groups: list[str], store, audience: str | None,
              config_day: str, config_time: str) -> None:
    """Route one task occurrence (a calendar row, or a lifecycle task for one cohort)."""
    send, channel, message = t.send, t.channel, t.message
    if send == "auto_welcome":
        if channel == "wecom_group":
            company.put((GROUP_WELCOME, message), GROUP_WELCOME, t, config_day, config_time,
                        None, {"text": _text(message)}, None)
        else:
            sender = account_sender(store)
            calls.put((FRIEND_WELCOME, t.task, message), FRIEND_WELCOME, t, config_day,
                      config_time, sender,
                      {"welcome_code": WELCOME_CODE, "text": _text(message)}, store_id)
        return
    assert time is not None
    key = (date, time, t.task, message, audience)
    if send == "staff_reminder":
        group_task = t.scope == "group" and audience is None
        sender = group_sender(store) if t.scope == "group" else account_sender(store)
        payload: dict[str, Any] = {"msgtype": "text", "channel": channel,
                                   "segment": t.segment, "action": t.action}
        if audience is not None:
            payload["audience"] = audience
        payload["text"] = _text(message)
        calls.put((REMINDER,) + key, REMINDER, t, date, time, sender, payload, store_id,
                  groups if group_task else None)
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
    if channel == "wecom_moments":
        sender = account_sender(store)
        visible: dict[str, Any] = {"sender_list": {"user_list": [sender]}}
        if t.segment != "all":
            visible["external_contact_list"] = {"tag_list": [segment_tag(t.segment)]}
        calls.put((MOMENT,) + key, MOMENT, t, date, time, sender,
                  {"text": _text(message), "visible_range": visible}, store_id)
        return
    if channel == "wecom_group" and audience is None:
        sender = group_sender(store)
        calls.put((MSG, "group") + key, MSG, t, date, time, sender,
                  {"chat_type": "group", "sender": sender, "text": _text(message)},
                  store_id, groups)
        return
    sender = account_sender(store)
    payload = {"chat_type": "single", "sender": sender}
    if audience is not None:
        payload["external_userid"] = [audience]
    elif t.segment != "all":
        payload["tag_filter"] = {"group_list": [{"tag_list": [segment_tag(t.segment)]}]}
    payload["text"] = _text(message)
    calls.put((MSG, "single") + key, MSG, t, date, time, sender, payload,
              store_id)


def _put_plan(calls: _Calls, company: _Calls, plan, store, groups: list[str]) -> None:
    """Every call of one store's plan (or the brand's, without stores)."""
    store_id = store.store_id if store is not None else None
    quiet_end = calls.source.profile.quiet_hours[1]
    first = plan.start_date
    config_day = (first - dt.timedelta(days=1)).isoformat()
    config_time = _hhmm(quiet_end)
    common = dict(store_id=store_id, groups=groups, store=store, config_day=config_day,
                  config_time=config_time)
    for t in plan.calendar:
        _put_task(calls, company, t=t, date=t.date, time=t.time, audience=None, **common)
    last = first + dt.timedelta(days=plan.days - 1)
    for t in plan.lifecycle:
        if t.time is None:  # the automatic welcome: configuration, not a dated send
            _put_task(calls, company, t=t, date=config_day, time=None, audience=None, **common)
            continue
        for n in range((last - first).days - t.offset_day + 1):
            joined = first + dt.timedelta(days=n)
            day = joined + dt.timedelta(days=t.offset_day)
            _put_task(calls, company, t=t, date=day.isoformat(), time=t.time,
                      audience=cohort(t.trigger, joined, t.condition), **common)


def calls(source) -> Iterator[dict[str, Any]]:
    """Every line of the export, as dicts in output order."""
    yield from _calls(source, None)


def _calls(source, progress) -> Iterator[dict[str, Any]]:
    clock = _Clock(source.plan.timezone)
    company = _Calls(source, clock)
    if source.stores is None:
        batch = _Calls(source, clock)
        _put_plan(batch, company, source.plan, None, [NO_STORE_GROUP])
        yield from batch.lines()
        if progress is not None:
            progress(1)
    else:
        for _owner, stores in source.owners():
            batch = _Calls(source, clock)
            for store in stores:
                _put_plan(batch, company, source.plan_for(source.start_of(store)), store,
                          store.group_ids())
            yield from batch.lines()
            if progress is not None:
                progress(sum(s.groups for s in stores))
    yield from company.lines()


def write(source, fh: IO[bytes], *, progress=None, **_) -> int:
    """Write the JSON Lines (UTF-8, ``\\n``); returns the number of lines."""
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    n = 0
    buf: list[str] = []
    try:
        for obj in _calls(source, progress):
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

"""What a practitioner strikes in a plan's copy (domain.md §12), as one rule book.

Each check reads a finished plan and yields :class:`Finding` — the test suite asserts
that the built-in packs and playbooks give none, and ``sidomain lint`` (rules C002–C009)
reports them at the profile, pack, playbook or template line that caused them (a finding's
``cause`` says which input to look at, its ``needle`` the words to look for there).  The word lists
are data (``playbooks/copy_rules.yaml``), defaults a team may extend.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator

from sidomain_cli.domain import SEGMENT_AUDIENCES
from sidomain_cli.planning.copy import normalise

CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
HALF_WIDTH = re.compile(rf"(?<={CJK})[,!?;:](?=\s*{CJK})|(?<={CJK})[,!?;:]\s*$|"
                        rf"(?<={CJK})[,!?;:](?=[“”「」《》])")


@dataclass(frozen=True)
class Finding:
    code: str
    task: str
    date: str           # ISO date, or "+N" for a lifecycle step
    message: str        # the finding, one line
    text: str = ""      # the copy that broke the rule
    cause: str = ""     # "offer:<key>", "template:<pool>", "task" — where to point
    needle: str = ""    # the words of ``text`` that broke the rule, to find their source


@lru_cache(maxsize=1)
def copy_rules() -> dict:
    from sidomain_cli.resources import playbooks_dir
    from sidomain_cli.yamlio import load_yaml

    return load_yaml(playbooks_dir() / "copy_rules.yaml", what="copy rules").data or {}


def _rows(plan):
    for t in plan.calendar:
        yield t, t.date
    for t in plan.lifecycle:
        yield t, f"+{t.offset_day}"


_WEEKDAY = re.compile(r"(?<![每逢])(?:周|星期)([一二三四五六日天])")
_EN_WEEKDAY = re.compile(r"\b(?<!every )(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
                         r"s?\b", re.I)


def timing_mismatch(message: str, date: dt.date, time: str, locale: str,
                    workday: bool | None = None) -> str:
    """The word of a text that says another day or hour than it goes out at, or "".

    ``workday``: whether people work that day (a 调休 Saturday does, 国庆 does not); by
    default Monday to Friday."""
    words = copy_rules().get("timing_words", {})
    low = message.lower()
    if workday is None:
        workday = date.weekday() < 5
    if not workday:
        for w in words.get("workday", {}).get(locale, []):
            if w.lower() in low:
                return w
    zh_day = "一二三四五六日"[date.weekday()]
    for m in _WEEKDAY.finditer(message):
        if m.group(1).replace("天", "日") != zh_day:
            return m.group(0)
    today = date.strftime("%A").lower()
    for m in _EN_WEEKDAY.finditer(message):
        if m.group(1).lower() != today:
            return m.group(0)
    if date.weekday() < 5:
        for w in words.get("weekend", {}).get(locale, []):
            if w.lower() in low and f"每{w}" not in message:
                return w
    if time:
        minute = int(time[:2]) * 60 + int(time[3:5])
        for part, bad in (("morning", minute >= 11 * 60), ("evening", minute < 15 * 60)):
            if bad:
                for w in words.get(part, {}).get(locale, []):
                    if w.lower() in low:
                        return w
    return ""


def plan_workday(plan) -> Callable[[dt.date], bool]:
    """Whether a date of the plan is a working day: Monday to Friday outside a public
    holiday's days off, or an adjusted working day (调休补班) the plan lists."""
    adjusted = {w["date"] for w in plan.workdays}
    off = [(n["date"], n["end_date"]) for n in plan.nodes if n["kind"] == "public_holiday"]

    def workday(d: dt.date) -> bool:
        iso = d.isoformat()
        if iso in adjusted:
            return True
        return d.weekday() < 5 and not any(a <= iso <= b for a, b in off)
    return workday


def timing(plan) -> Iterator[Finding]:
    workday = plan_workday(plan)
    for t in plan.calendar:
        day = dt.date.fromisoformat(t.date)
        word = timing_mismatch(t.message, day, t.time, plan.locale, workday(day))
        if word:
            yield Finding("C011", t.task, t.date, f"'{word}' in copy sent on {t.date} at "
                          f"{t.time}", t.message, f"template:{t.template}",
                          _found(t.message, word))


def check_plan(plan, method=None, pack=None, offers: dict[str, str] | None = None
               ) -> Iterator[Finding]:
    """Every finding of every copy rule on a plan.

    ``offers`` (key → the text the plan quotes, ``pipeline.offers_for``) lets the audience
    rules also catch an offer a template quotes by itself (``{{ offers.first_order }}``)."""
    yield from repeated_copy(plan, method)
    yield from jargon(plan)
    if plan.locale == "zh-CN":
        yield from half_width(plan)
    yield from node_tone(plan)
    yield from offer_audience(plan, method, offers)
    yield from other_trade(plan, pack)
    yield from service_peaks(plan, pack)
    yield from timing(plan)


def repeated_copy(plan, method=None) -> Iterator[Finding]:
    window = method.copy_rules["repeat_window_days"] if method else 14
    most = method.copy_rules["max_repeats"] if method else 5
    last: dict[tuple[str, str], dt.date] = {}
    count: dict[str, int] = {}
    for t in plan.calendar:
        norm = normalise(t.message)
        day = dt.date.fromisoformat(t.date)
        prev = last.get((t.channel, norm))
        if prev is not None and (day - prev).days < window:
            yield Finding("C002", t.task, t.date, f"the same text on {t.channel} on {prev} and "
                          f"{t.date}, {(day - prev).days} days apart (at least {window})",
                          t.message, f"template:{t.template}")
        last[(t.channel, norm)] = day
        count[norm] = count.get(norm, 0) + 1
        if count[norm] == most + 1:
            yield Finding("C002", t.task, t.date, f"the same text sent more than {most} times",
                          t.message, f"template:{t.template}")
    # the member's own clock: one member gets every step, so two steps on one channel
    # must not say the same thing within the window either
    step: dict[tuple[str, str], int] = {}
    for t in sorted(plan.lifecycle, key=lambda t: t.offset_day):
        norm = normalise(t.message)
        prev = step.get((t.channel, norm))
        if prev is not None and t.offset_day - prev < window:
            yield Finding("C002", t.task, f"+{t.offset_day}", f"the same text on {t.channel} "
                          f"to one member on day +{prev} and +{t.offset_day} of their clock "
                          f"(at least {window} days apart)", t.message, f"template:{t.template}")
        step[(t.channel, norm)] = t.offset_day


def jargon(plan) -> Iterator[Finding]:
    words = copy_rules().get("ops_jargon", {}).get(plan.locale, [])
    for t, date in _rows(plan):
        for w in words:
            if w.lower() in t.message.lower():
                yield Finding("C003", t.task, date, f"ops jargon '{w}' in customer copy",
                              t.message, _cause_of(t, w, plan), _found(t.message, w))
                break


def half_width(plan) -> Iterator[Finding]:
    for t, date in _rows(plan):
        m = HALF_WIDTH.search(t.message)
        if m:
            yield Finding("C004", t.task, date, f"half-width '{m.group(0)}' in Chinese copy "
                          "(use ,。!?;:)", t.message, f"template:{t.template}",
                          t.message[max(m.start() - 3, 0):m.end() + 3].strip())


def node_tone(plan) -> Iterator[Finding]:
    rules = copy_rules().get("tone", {})
    happy = re.compile(rules.get("greeting_pattern", {}).get(plan.locale, "快乐"), re.I)
    sale = [w.lower() for w in rules.get("sale_words", {}).get(plan.locale, [])]
    price = re.compile(rules.get("price_pattern") or r"(?!x)x")
    tones = {n["day"]: n["tone"] for n in plan.nodes if n.get("tone")}
    for t in plan.calendar:
        if not t.node:
            continue
        tone = tones.get(t.date)
        low = t.message.lower()
        greeting = happy.search(t.message)
        priced = price.search(t.message)
        sold = next((w for w in sale if w in low), None)
        if tone == "solemn" and (greeting or priced or sold):
            yield Finding("C005", t.task, t.date, f"a greeting or promotion on {t.node}, a "
                          "solemn day", t.message, f"template:{t.template}",
                          greeting.group(0) if greeting else priced.group(0) if priced
                          else _found(t.message, sold))
        elif tone == "commercial" and greeting and t.activity in ("node", "peak"):
            yield Finding("C006", t.task, t.date, f"a festive greeting for {t.node}, a "
                          "campaign, not a festival", t.message, f"template:{t.template}",
                          greeting.group(0))


def offer_audience(plan, method=None, offers: dict[str, str] | None = None
                   ) -> Iterator[Finding]:
    audiences = method.offer_audiences if method else {}
    member_days = {n["day"] for n in plan.nodes if n.get("kind") == "member_day"}
    eves = {(dt.date.fromisoformat(d) - dt.timedelta(days=1)).isoformat() for d in member_days}
    quoted = {k: v for k, v in (offers or {}).items() if isinstance(v, str) and len(v) >= 4}
    for t, date in _rows(plan):
        # the task's own offer, and any other offer its template quotes word for word
        keys = [t.offer] if t.offer else []
        keys += [k for k, v in quoted.items() if k != t.offer and v in t.message
                 and (audiences.get(k, {}).get("window") != "member_day"
                      or not date.startswith("+"))]  # a welcome may name the member day
        for key in keys:
            own = key == t.offer
            cause = f"offer:{key}" if own else f"template:{t.template}"
            how = "" if own else f" (its template quotes offers.{key})"
            rule = audiences.get(key) or {"audience": "all"}
            seg = SEGMENT_AUDIENCES.get(t.segment, frozenset())
            if rule["audience"] != "all" and not seg <= {rule["audience"]}:
                yield Finding("C007", t.task, date, f"the {key} offer is for "
                              f"{rule['audience']} customers, sent to segment {t.segment}{how}",
                              t.message, cause)
            if rule.get("window") == "member_day" and date not in member_days | eves:
                yield Finding("C008", t.task, date, f"the member-day offer off the member "
                              f"day{how}", t.message, cause)


def other_trade(plan, pack) -> Iterator[Finding]:
    """Words that belong to other trades (包邮/小样 in a restaurant …)."""
    if pack is None:
        return
    banned = copy_rules().get("other_trade", {}).get(pack.id, {}).get(plan.locale, [])
    for t, date in _rows(plan):
        for w in banned:
            if w.lower() in t.message.lower():
                yield Finding("C009", t.task, date, f"'{w}' is another trade's wording for a "
                              f"{pack.id} brand", t.message, _cause_of(t, w, plan),
                              _found(t.message, w))
                break


def service_peaks(plan, pack) -> Iterator[Finding]:
    if pack is None:
        return
    from sidomain_cli.planning.schedule import in_span, minutes

    for t, date in _rows(plan):
        if t.send == "staff_reminder" and t.time and any(
                in_span(minutes(t.time), s) for s in pack.service_peaks):
            yield Finding("C010", t.task, date, f"a post staff make by hand at {t.time}, inside "
                          f"the trade's service peak", t.message, "task")


def _cause_of(task, word: str, plan) -> str:
    """Where a word came from: the profile's offer it is in, else the template."""
    return f"offer:{task.offer}" if task.offer else f"template:{task.template}"


def _found(message: str, word: str) -> str:
    """``word`` as the message spells it (the lists match case-insensitively)."""
    at = message.lower().find(word.lower())
    return message[at:at + len(word)] if at >= 0 else word

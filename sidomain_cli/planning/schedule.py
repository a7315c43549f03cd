"""Schedule both clocks: the group calendar's dated runs and the member's lifecycle.

Pure functions over typed objects.  ``group_runs`` says which playbook task runs on which
plan day (routine, the weekly and monthly rhythm, nodes by level and tone, S-node
campaigns, the member day); ``send_time`` places a task in the trade's day-parts, out of
quiet hours and (for staff reminders) out of service peaks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sidomain_cli.domain import CAMPAIGN_STAGES, SEGMENT_AUDIENCES
from sidomain_cli.playbook import Playbook, TaskPattern

ACTIVITY_RANK = {"peak": 5, "warmup": 4, "encore": 3, "node": 3, "member_day": 3, "big": 2,
                 "member_day_eve": 1, "small": 1, "small_preview": 1}


@dataclass
class Run:
    """One planned run of a task pattern on a plan day (before caps and copy)."""

    pattern: TaskPattern
    day: int
    time: str
    activity: str | None = None
    send: str = "company_bulk"
    node: Any = None            # the calendar node (a node, member day or campaign peak)
    stage: str | None = None
    event_time: str = ""

    @property
    def priority(self) -> int:
        return self.pattern.priority

    def rank(self) -> tuple:
        return (-self.pattern.priority, -ACTIVITY_RANK.get(self.activity or "", 0), self.day,
                self.pattern.index)


@dataclass
class Rhythm:
    """The activity days of a plan window, by kind, and the node each day carries."""

    small: set[int] = field(default_factory=set)
    big: set[int] = field(default_factory=set)
    node: dict[int, list[Any]] = field(default_factory=dict)      # A/B nodes by plan day
    warmup: dict[int, Any] = field(default_factory=dict)          # S node by warm-up day
    peak: dict[int, Any] = field(default_factory=dict)
    encore: dict[int, Any] = field(default_factory=dict)
    member_day: dict[int, Any] = field(default_factory=dict)
    member_day_eve: dict[int, Any] = field(default_factory=dict)


# ---- times ------------------------------------------------------------------------------

def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hhmm(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def in_span(minute: int, span: tuple[int, int]) -> bool:
    a, b = span
    return (a <= minute < b) if a < b else (minute >= a or minute < b)


def shift_out_of_quiet(time: str, quiet: tuple[int, int]) -> str:
    """Move a time out of quiet hours to the nearest allowed time (the quiet end wins ties)."""
    minute = minutes(time)
    if not in_span(minute, quiet):
        return time
    a, b = quiet
    candidates = [b]
    earlier = a - 30
    if earlier >= 0 and not in_span(earlier, quiet):
        candidates.append(earlier)
    best = min(candidates, key=lambda c: (min((c - minute) % 1440, (minute - c) % 1440), c != b))
    return hhmm(best)


def send_time(pattern: TaskPattern, pack, quiet: tuple[int, int], send: str) -> str:
    """The local time of a task: its day-part in the pack (or its own time), out of quiet
    hours, and — for posts staff make by hand — out of the trade's service peaks."""
    daypart = pack.task_dayparts.get(pattern.id) or pattern.daypart
    time = pack.send_time(daypart) if daypart and (pattern.id in pack.task_dayparts
                                                   or not pattern.time) else pattern.time
    time = shift_out_of_quiet(time, quiet)
    return out_of_service_peaks(time, pack, quiet) if send == "staff_reminder" else time


def out_of_service_peaks(time: str, pack, quiet: tuple[int, int]) -> str:
    """A time staff can post by hand: outside the trade's service peaks (15 minutes before
    or after the peak, whichever is nearer and allowed)."""
    minute = minutes(time)
    for span in pack.service_peaks:
        if in_span(minute, span):
            before, after = span[0] - 15, span[1] + 15
            for cand in sorted((before, after), key=lambda c: abs(c - minute)):
                if not in_span(cand % 1440, quiet) and not any(
                        in_span(cand % 1440, s) for s in pack.service_peaks):
                    return hhmm(cand)
    return time


def open_with_welcome(runs: list[Run], pack, quiet: tuple[int, int]) -> list[Run]:
    """A group that launches on a node day opens with its welcome, not a promotion.

    On plan day 1 (the launch day of the groups: a store's, or a rollout wave's), the
    group's opening post — a task that runs on day 1 only, the host's welcome (``persona``)
    — goes first in its channel: if node, campaign or other posts were timed before it,
    it takes the earliest of their times and they follow in their order at the times left
    (all allowed times already; a post staff make by hand keeps out of service peaks).
    Returns the runs whose time changed."""
    from sidomain_cli.domain import CHANNEL_SCOPE

    moved: list[Run] = []
    day1 = [r for r in runs if r.day == 1 and CHANNEL_SCOPE.get(r.pattern.channel) == "group"]
    for channel in sorted({r.pattern.channel for r in day1}):
        mine = sorted((r for r in day1 if r.pattern.channel == channel),
                      key=lambda r: (minutes(r.time), r.pattern.index))
        opening = next((r for r in mine if tuple(r.pattern.days) == (1,)), None)
        if opening is None:
            continue
        before = [r for r in mine if r is not opening
                  and minutes(r.time) < minutes(opening.time)]
        if not before:
            continue
        times = sorted([opening.time] + [r.time for r in before], key=minutes)
        for r, time in zip([opening] + before, times):
            r.time = out_of_service_peaks(time, pack, quiet) if r.send == "staff_reminder" \
                else time
            moved.append(r)
        if minutes(opening.time) > min(minutes(r.time) for r in before):
            # the hand-posted welcome had to leave a service peak: the others wait for it
            later = hhmm(minutes(opening.time) + 15)
            for r in before:
                if minutes(r.time) < minutes(opening.time) and not in_span(minutes(later), quiet):
                    r.time = later
    return moved


# ---- the rhythm -------------------------------------------------------------------------

def rhythm(playbook: Playbook, cal, campaigns, start: dt.date, days: int,
           small_weekday: int | None) -> tuple[Rhythm, list[dict[str, Any]]]:
    """Activity days of the window; the big activity folds into a nearby S node.

    Returns the rhythm and the campaigns as plan dicts (node, warm-up, peak, encore)."""
    r = Rhythm()
    day_of = lambda d: (d - start).days + 1  # noqa: E731
    if small_weekday is not None and playbook.small_every == 7:
        r.small = {d for d in range(4, days + 1)
                   if (start + dt.timedelta(days=d - 1)).weekday() == small_weekday}
    else:
        every = playbook.small_every
        r.small = set(range(every, days + 1, every))
    merged = {d for c in campaigns for d in c.merged_big_days}
    big = set(range(playbook.big_every, days + 1, playbook.big_every))
    r.big = {b for b in big if start + dt.timedelta(days=b - 1) not in merged}
    out = []
    for c in campaigns:
        for d in c.warmup:
            r.warmup.setdefault(day_of(d), c.node)
        if 1 <= day_of(c.peak) <= days:
            r.peak[day_of(c.peak)] = c.node
        for d in c.encore:
            r.encore.setdefault(day_of(d), c.node)
        out.append({**c.as_dict(), "tasks": []})
    for n in cal.nodes:
        d = day_of(n.day)
        if not 1 <= d <= days:
            continue
        if n.kind == "member_day":
            r.member_day[d] = n
            if d > 1:
                r.member_day_eve[d - 1] = n
        elif n.level in ("A", "B") and d not in r.peak:
            r.node.setdefault(d, []).append(n)
    for d in list(r.small):  # the weekly activity steps aside for a campaign, member or big day
        if d in r.peak or d in r.warmup or d in r.encore or d in r.member_day or d in r.big:
            r.small.discard(d)
    return r, out


def _routine(t: TaskPattern, day: int, days: int) -> bool:
    if t.days:
        return day in t.days
    end = t.end or days
    return t.start <= day <= end and (day - t.start) % (t.every or 1) == 0


def group_runs(playbook: Playbook, r: Rhythm, days: int, *, touchpoints: set[str],
               one_on_one_daily: bool, has_member_day: bool) -> tuple[list[Run], list[tuple]]:
    """Every run of every dated task, and what was left out before caps (with reasons)."""
    runs: list[Run] = []
    left: list[tuple[TaskPattern, int, str]] = []
    by_id = {t.id: t for t in playbook.tasks}
    for day in range(1, days + 1):
        key_day = day in r.big or day in r.peak or day in playbook.key_days or \
            (day in r.warmup and min(k for k in r.warmup if r.warmup[k] is r.warmup[day]) == day)
        for t in playbook.tasks:
            hit: list[tuple[str | None, Any]] = []
            if t.on is None:
                if _routine(t, day, days):
                    hit.append((None, None))
            elif t.on == "node":
                hit += [("node", n) for n in r.node.get(day, ()) if n.level in t.levels][:1]
            elif t.on in (*CAMPAIGN_STAGES, "member_day", "member_day_eve"):
                stage = getattr(r, t.on)
                n = stage.get(day)
                if n is not None and not (t.once and stage.get(day - 1) is n):
                    hit.append((t.on, n))
            elif t.on in ("small", "small_preview"):
                if day in r.small:
                    hit.append((t.on, None))
            elif t.on == "big" and day in r.big:
                hit.append(("big", None))
            for activity, node in hit:
                if t.phase and t.phase != _phase_id(playbook, day):
                    continue
                if t.channel not in touchpoints:
                    continue
                announced = by_id.get(t.announce) if t.announce else None
                if announced is not None and announced.channel not in touchpoints:
                    continue  # nothing to announce: the brand lacks the announced channel
                if t.on in ("member_day", "member_day_eve") and not has_member_day:
                    continue
                if t.channel == "wecom_1v1" and not one_on_one_daily and not key_day and \
                        not SEGMENT_AUDIENCES.get(t.segment, frozenset()) <= {"loyal"}:
                    left.append((t, day, "1v1 outside key days"))
                    continue
                runs.append(Run(t, day, "", activity, t.send, node,
                                activity if activity in CAMPAIGN_STAGES else None))
    return runs, left


def _phase_id(playbook: Playbook, day: int) -> str:
    return phase_of(playbook, day).id


def phase_of(playbook: Playbook, day: int):
    for p in playbook.phases:
        if p.first <= day <= p.last:
            return p
    return playbook.phases[-1] if day > playbook.phases[-1].last else playbook.phases[0]


def daily_one_on_one(playbook_id: str, group_type: str) -> bool:
    """True if 1v1 chat may run on any day (1V1 service model); else only on key days."""
    return playbook_id == "one_on_one" or group_type == "service"

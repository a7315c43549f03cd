"""Spend the caps by priority over the whole plan, per audience.

Every run competes for the day's and the week's budget in one pass ordered by priority
(node and campaign greetings, then the lifecycle, the monthly and weekly activities, then
routine care), so a routine "how are you" early in a week never takes the place of a
festival greeting later in it.  Company bulk sends over WeCom's daily cap become staff
reminders (demoted, not left out); other runs over a cap are left out.  Both are returned
with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from sidomain_cli.domain import SEGMENT_AUDIENCES

# Channels whose company bulk sends count against WeCom's per-customer/per-group cap.
WECOM_BULK_CHANNELS = ("wecom_1v1", "wecom_group")

REASONS = {
    "1v1 outside key days": {"zh-CN": "非关键节点不做1v1私聊", "en": "no 1v1 chat outside key days"},
    "no allowed local time (clock change)": {"zh-CN": "夏令时调整当天无可用时间",
                                             "en": "the clock change leaves no allowed time"},
    "moments cap": {"zh-CN": "超出每日朋友圈条数上限", "en": "over the daily moments cap"},
    "channel cap": {"zh-CN": "超出渠道每日上限", "en": "over the channel's daily cap"},
    "group posts cap": {"zh-CN": "超出每日社群发送上限", "en": "over the daily group posts cap"},
    "1v1 weekly cap": {"zh-CN": "超出每周1v1上限", "en": "over the weekly 1v1 cap"},
    "bulk cap": {"zh-CN": "超出企业群发每日上限", "en": "over WeCom's daily company bulk cap"},
    "no offer": {"zh-CN": "品牌与行业包都没有给出这条话术要用的优惠",
                 "en": "neither the profile nor the pack gives the offer this copy needs"},
    "offer audience": {"zh-CN": "优惠的适用人群与任务人群不符",
                       "en": "the offer is for another audience than the task's"},
    "member day window": {"zh-CN": "会员日优惠只在会员日及前一天使用",
                          "en": "the member-day offer runs only on the member day and the day before"},
    "no fresh copy": {"zh-CN": "话术池没有14天内未发过的新话术",
                      "en": "the copy pool has no text not sent in the last 14 days"},
    "1v1 gap": {"zh-CN": "同一批顾客的1v1私聊不连续两天发送",
                "en": "no 1v1 chat to the same customers two days running"},
    "own offer": {"zh-CN": "会员日、大促和活动当天由当天的活动承担优惠,不再单独推券",
                  "en": "the member day, the campaign or the day's activity carries the day's offer"},
    "greetings only": {"zh-CN": "除夕、春节、清明和门店休息日只发问候,不做活动和促销",
                       "en": "New Year's Eve, Spring Festival, Qingming and days the stores close "
                             "get greetings only, no activity or sale"},
    "tone": {"zh-CN": "该节点的基调不适合这类消息(如清明不做促销)",
             "en": "the node's tone does not allow this message (no sale on a day of mourning)"},
}


@dataclass
class Allocation:
    kept: list = field(default_factory=list)
    left_out: list[tuple] = field(default_factory=list)   # (run, reason)
    demoted: list[tuple] = field(default_factory=list)    # (run, reason)


SLIP_DAYS = 2  # a weekly routine post that finds its day full moves up to 2 days later


def allocate(runs: list, channels: dict[str, dict], caps: dict[str, int],
             days: int | None = None) -> Allocation:
    """Apply per-day and per-week caps in priority order over the whole period.

    A routine task that runs weekly or less often and finds its day full (its weekday is
    the weekly activity's, say) slips to the next day with room instead of being lost.
    """
    out = Allocation()
    per_channel: dict[tuple[int, str], int] = defaultdict(int)
    week_1v1: dict[tuple[int, str], int] = defaultdict(int)
    days_1v1: dict[str, set[int]] = defaultdict(set)
    gap = caps.get("one_on_one_gap_days", 1)
    bulk: dict[tuple[int, str, str], int] = defaultdict(int)
    def place(run) -> str | None:
        ch = run.pattern.channel
        ch_cap = channels.get(ch, {}).get("max_per_day", 1)
        reason = "channel cap"
        if ch == "wecom_moments":
            ch_cap, reason = min(ch_cap, caps["moments_per_day"]), "moments cap"
        elif ch == "wecom_group":
            ch_cap, reason = min(ch_cap, caps["group_posts_per_day"]), "group posts cap"
        if per_channel[(run.day, ch)] >= ch_cap:
            return reason
        audiences = SEGMENT_AUDIENCES.get(run.pattern.segment, SEGMENT_AUDIENCES["all"])
        if ch == "wecom_1v1":
            week = (run.day - 1) // 7
            if any(week_1v1[(week, a)] >= caps["one_on_one_per_week"] for a in audiences):
                return "1v1 weekly cap"
            near = range(run.day - gap + 1, run.day + gap)
            if gap > 1 and any(d in days_1v1[a] for a in audiences for d in near):
                return "1v1 gap"
            for a in audiences:
                week_1v1[(week, a)] += 1
                days_1v1[a].add(run.day)
        per_channel[(run.day, ch)] += 1
        if ch in WECOM_BULK_CHANNELS and run.send == "company_bulk":
            if any(bulk[(run.day, ch, a)] >= caps["company_bulk_per_day"] for a in audiences):
                run.send = "staff_reminder"
                out.demoted.append((run, "bulk cap"))
            else:
                for a in audiences:
                    bulk[(run.day, ch, a)] += 1
        out.kept.append(run)
        return None

    for run in sorted(runs, key=lambda r: r.rank()):
        reason = place(run)
        if reason is None:
            continue
        slips = run.activity is None and (run.pattern.every or 0) >= 7
        for later in range(1, SLIP_DAYS + 1) if slips else ():
            day = run.day + later
            if days is not None and day > days:
                break
            moved = replace(run, day=day)
            if place(moved) is None:
                break
        else:
            out.left_out.append((run, reason))
    return out


@dataclass(frozen=True)
class _RowPattern:
    """What ``allocate`` reads of a task pattern, for a calendar row (no slipping)."""

    channel: str
    segment: str
    priority: int
    index: int
    every: None = None


def allocate_rows(rows: list, channels: dict[str, dict], caps: dict[str, int],
                  first: dt.date) -> Allocation:
    """``allocate`` over calendar rows that already have a date and a time (``SopTask``s
    merged from several plans: a staff account's rows over its stores), with day 1 =
    ``first``: the same caps, spent in the same priority order.  A row keeps its date (no
    slipping).  The result holds indices into ``rows``: ``kept`` (in ``rows``' order),
    ``left_out`` and ``demoted`` as (index, reason); a demoted row is kept, sent by hand
    (``staff_reminder``) instead of as a company bulk send."""
    from sidomain_cli.planning.schedule import Run

    runs = [Run(_RowPattern(t.channel, t.segment, t.priority, i),
                (dt.date.fromisoformat(t.date) - first).days + 1, t.time, t.activity, t.send,
                None, t.stage) for i, t in enumerate(rows)]
    done = allocate(runs, channels, caps)
    return Allocation(kept=sorted(r.pattern.index for r in done.kept),
                      left_out=[(r.pattern.index, why) for r, why in done.left_out],
                      demoted=[(r.pattern.index, why) for r, why in done.demoted])

"""From a brand profile to a plan, in stages:

diagnose (pack, store type, model) → calendar (nodes, campaigns) → schedule (group calendar
and lifecycle clock) → allocate (caps by priority) → copy (pools, offers, tone) → forecast.

``make_plan`` is the one public entry point; ``plan``, ``export`` and ``lint`` all use it.
Nothing here prints, prompts or exits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

from sidomain_cli.domain import (CHANNEL_SCOPE, CHANNELS, SEGMENT_AUDIENCES, SEGMENTS, label,
                                 text)
from sidomain_cli.errors import InputError
from sidomain_cli.planning.allocate import REASONS, allocate
from sidomain_cli.planning.checks import copy_rules, timing_mismatch
from sidomain_cli.planning.copy import Copywriter, Pools
from sidomain_cli.planning.model import Adjustment, LifecycleTask, Plan, SopTask
from sidomain_cli.localtime import existing_time
from sidomain_cli.planning.limits import check_plan_size
from sidomain_cli.planning.schedule import (daily_one_on_one, group_runs, in_span, minutes,
                                            open_with_welcome, phase_of, rhythm, send_time)
from sidomain_cli.playbook import Method, Playbook, TaskPattern
from sidomain_cli.profile import OFFER_KEYS, Profile
from sidomain_cli.spec import FIRST_YEAR, LAST_YEAR

# The variables a message template can use: exactly the keys of the context the copy stage
# renders with (`sidomain lint` rule T003 checks templates against it; docs/packs.md).
TEMPLATE_VARIABLES = ("brand", "industry", "offers", "day", "date", "date_text", "weekday",
                      "time", "segment", "segment_id", "channel", "node", "activity", "phase",
                      "stores", "group_size", "offer", "deal", "product", "products", "reward",
                      "scene", "persona", "persona_role", "node_tone", "node_greeting",
                      "node_id", "stage", "event_date_text", "event_time", "member_day",
                      "offset_day", "season", "is_weekend", "last_stage")
SLOTS = ("product", "reward", "scene")
SHARED = ("deal", "product")  # what a preview and its event must agree on
SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
           6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
MAX_CALENDAR_ROWS = 20_000


def date_text(date: dt.date, locale: str) -> str:
    return f"{date.month}月{date.day}日" if locale == "zh-CN" else date.strftime("%b ") + str(date.day)


def season_of(date: dt.date) -> str:
    """Meteorological season in China's climate (default): Dec–Feb winter, Mar–May spring …"""
    return SEASONS[date.month]


def weekday_text(date: dt.date, locale: str) -> str:
    if locale == "zh-CN":
        return "周" + "一二三四五六日"[date.weekday()]
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
            "Sunday")[date.weekday()]


# ---- inputs ---------------------------------------------------------------------------

def offers_for(profile: Profile, pack, locale: str, playbook: Playbook | None = None
               ) -> dict[str, str]:
    """Offer texts by key: the profile's over a user playbook's over the pack's (never
    another trade's)."""
    out = {k: text(v, locale) for k, v in pack.offers.items()}
    if playbook is not None:
        out.update({k: text(v, locale) for k, v in playbook.offers.items()})
    out.update({k: text(v, locale) for k, v in profile.offers.items()})
    return {k: v for k, v in out.items() if v}


def deals_for(profile: Profile, pack, locale: str) -> list[str]:
    if profile.deals:
        return [text(d, locale) for d in profile.deals]
    return list(pack.deals.get(locale) or pack.deals.get("zh-CN") or [])


def persona_for(profile: Profile, pack, locale: str) -> tuple[str, str]:
    p = {**pack.persona, **profile.persona}
    return text(p.get("name"), locale), text(p.get("role"), locale)


def offer_problem(pattern: TaskPattern, method: Method, run_activity: str | None,
                  has_member_day: bool) -> str | None:
    """Why a task may not quote its offer to its segment on this day, or None."""
    if not pattern.offer:
        return None
    rule = method.offer_audiences.get(pattern.offer) or {"audience": "all"}
    audience = rule["audience"]
    if audience != "all" and not SEGMENT_AUDIENCES.get(pattern.segment, frozenset()) <= {audience}:
        return "offer audience"
    if rule.get("window") == "member_day" and (
            not has_member_day or run_activity not in ("member_day", "member_day_eve")):
        return "member day window"
    return None


# ---- the plan -----------------------------------------------------------------------------

def make_plan(profile: Profile, *, playbook: str | Playbook | None = None,
              method: Method | None = None, start: dt.date | None = None,
              days: int | None = None, locale: str | None = None,
              template_dirs: tuple[Path, ...] = (), packs: dict | None = None) -> Plan:
    from sidomain_cli.planning.diagnose import diagnose
    from sidomain_cli.planning.forecast import forecast
    from sidomain_cli.planning.mix import acquisition_plan, channel_mix, kpis
    from sidomain_cli.planning.packs import choose_pack, pack_reason, select_pack
    from sidomain_cli.playbook import load_method
    from sidomain_cli.render import Renderer

    locale = locale or profile.locale
    method = method or load_method()
    if packs is None:  # the built-in packs: only the chosen one is parsed
        pack, why = select_pack(profile.industry, profile.industry_pack)
    else:
        pack, why = choose_pack(profile.industry, profile.industry_pack, packs)
    diag = diagnose(profile, method, locale, pack,
                    pack_reason(pack, why, profile.industry, locale))
    playbook = resolve_playbook(profile, playbook, diag.operating_model)
    days = days or playbook.days
    if not 1 <= days <= 366:
        raise InputError(f"--days is {days}, must be between 1 and 366")
    start = start or profile.start_date
    if not FIRST_YEAR <= start.year <= LAST_YEAR:  # --start and rollout waves, as profiles
        raise InputError(f"start date {start.isoformat()} is outside the years "
                         f"{FIRST_YEAR}-{LAST_YEAR}",
                         hint="check the year of --start, and with --stores the launch "
                              "dates and waves")
    end = start + dt.timedelta(days=days - 1)
    caps = {**playbook.caps, **profile.caps}
    notes: list[str] = []

    # calendar: nodes by the trade's levels, then S nodes as campaigns
    cal, campaigns = marketing_calendar(profile, method, pack, start, end, days, locale,
                                        playbook)
    notes.extend(cal.notes)
    rh, campaign_dicts = rhythm(playbook, cal, campaigns, start, days,
                                pack.small_weekday)

    # schedule the group calendar, then spend the caps by priority
    runs, early = group_runs(playbook, rh, days, touchpoints=set(profile.touchpoints),
                             one_on_one_daily=daily_one_on_one(playbook.id, playbook.group_type),
                             has_member_day=bool(profile.member_day))
    check_plan_size(len(runs), playbook.path, before_caps=True)
    alloc = allocate(runs, playbook.channels, caps, days)
    check_plan_size(len(alloc.kept), playbook.path)
    adjustments = [Adjustment(t.id, (start + dt.timedelta(days=d - 1)).isoformat(),
                              "left_out", r) for t, d, r in early]

    # copy: chronological, so the repeat window reads as a customer would
    renderer = Renderer(locale, template_dirs)
    pools = Pools(renderer, pack.id)
    writer = Copywriter(pools, window=method.copy_rules["repeat_window_days"],
                        max_repeats=method.copy_rules["max_repeats"])
    offers = offers_for(profile, pack, locale, playbook)
    persona, persona_role = persona_for(profile, pack, locale)
    slots = {s: pack.words(s + "s", locale) for s in SLOTS}
    slots["deal"] = deals_for(profile, pack, locale)
    base = {
        "brand": profile.brand, "industry": profile.industry,
        "offers": {k: offers.get(k, "") for k in OFFER_KEYS}, "stores": profile.stores,
        "group_size": profile.group_size, "products": slots["product"], "persona": persona,
        "persona_role": persona_role, "member_day": profile.member_day or "",
    }
    times = {}
    kept = []
    for run in alloc.kept:
        run.time = send_time(run.pattern, pack, profile.quiet_hours, run.send)
        # a time the clock skips (DST) moves to the first that exists outside quiet hours
        when = existing_time(start + dt.timedelta(days=run.day - 1), run.time,
                             profile.timezone,
                             lambda hm: not in_span(minutes(hm), profile.quiet_hours))
        if when is None:
            adjustments.append(Adjustment(run.pattern.id, (start + dt.timedelta(
                days=run.day - 1)).isoformat(), "left_out", "no allowed local time (clock change)"))
            continue
        run.time = when
        kept.append(run)
        times[(run.pattern.id, run.day)] = run.time
    alloc.kept[:] = kept
    for run in open_with_welcome(alloc.kept, pack, profile.quiet_hours):  # launch day
        times[(run.pattern.id, run.day)] = run.time
    from sidomain_cli.planning import calendar as calmod

    by_id = {t.id: t for t in playbook.tasks}
    quiet_days = {n.day for n in cal.nodes if n.id in method.greetings_only}
    closed = profile.closed_days if profile.closed_days is not None else tuple(
        pack.operations.get("spring_festival_closed") or ())
    closures = calmod.spring_festival_closures(cal, closed)
    quiet_days |= {d for d, _ in closures}
    shipping = [w.lower() for w in copy_rules().get("shipping_words", {}).get(locale, [])]
    no_ship = lambda m: any(w in m.lower() for w in shipping)  # noqa: E731
    sale_words = [w.lower() for w in
                  copy_rules().get("tone", {}).get("sale_words", {}).get(locale, [])]
    price = re.compile(copy_rules().get("tone", {}).get("price_pattern") or r"(?!x)x")
    selling = lambda m: (no_ship(m) or price.search(m) is not None  # noqa: E731
                         or any(w in m.lower() for w in sale_words))
    calendar: list[SopTask] = []
    counts: Counter[str] = Counter()
    written_for: dict[int, Any] = {}  # id(run) → Written, for events a preview rendered first
    ordered = sorted(alloc.kept, key=lambda r: (r.day, r.time, r.pattern.index))
    same_day = {(r.pattern.id, r.day): r for r in ordered}

    announced = {(t.announce) for t in playbook.tasks if t.announce}
    node_deal = {n.day: text(pack.node_deals[n.id], locale) for n in cal.nodes
                 if n.id in pack.node_deals and text(pack.node_deals[n.id], locale)}

    def write(run, fixed=None):
        """The run's copy, or the reason it is left out."""
        t = run.pattern
        date = start + dt.timedelta(days=run.day - 1)
        problem = offer_problem(t, method, run.activity, bool(profile.member_day))
        if problem:
            return problem
        if run.activity is None and t.offer == "deals" and (
                run.day in rh.member_day or run.day in rh.peak or (
                    t.channel == "wecom_group" and any(run.day in d for d in (
                        rh.small, rh.big, rh.warmup, rh.encore)))):
            return "own offer"  # the day's activity carries the day's offer
        node = run.node
        pool_names = t.pools
        reject = no_ship if date in cal.no_shipping else None
        if date in quiet_days:
            if run.activity not in ("node", "peak") or node is None:
                return "greetings only"
            # the festival itself: its greeting, not the campaign's sale
            pool_names = tuple("node_moments" if t.channel == "wecom_moments" else "node"
                               for _ in t.pools)
            reject = selling
        if run.activity == "node" or pool_names != t.pools:
            pool_names = tuple(f"{p}_{node.tone}" for p in pool_names)
            if not all(pools.exists(p) for p in pool_names):
                return "tone"
        if node is not None and node.tone == "solemn" and t.offer:
            return "tone"
        if node is not None:  # a pack may give a node its own copy: <pool>_<node id>
            pool_names = tuple(f"{p}_{node.id}" if pools.exists(f"{p}_{node.id}") else p
                               for p in pool_names)
        phase = phase_of(playbook, run.day)
        event_time = ""
        if t.announce and t.announce in by_id:
            event_time = times.get((t.announce, run.day)) or send_time(
                by_id[t.announce], pack, profile.quiet_hours, by_id[t.announce].send)
        ctx = {
            **base, "day": run.day, "date": date.isoformat(),
            "date_text": date_text(date, locale), "weekday": weekday_text(date, locale),
            "is_weekend": date.weekday() >= 5, "season": season_of(date),
            "time": run.time, "segment": label(SEGMENTS, t.segment, locale),
            "segment_id": t.segment, "channel": label(CHANNELS, t.channel, locale),
            "node": node.name if node is not None else "", "activity": run.activity or "",
            "phase": phase.id, "offer": offers.get(t.offer, "") if t.offer and t.offer != "deals"
            else "", "node_tone": node.tone if node is not None else "",
            "node_greeting": node.greeting if node is not None else "",
            "node_id": node.id if node is not None else "",
            "stage": run.stage or "",
            "event_date_text": date_text(node.day if run.stage and node is not None else date,
                                         locale),
            "event_time": event_time, "offset_day": "",
            "last_stage": bool(run.stage) and not any(
                d > run.day and n is node for d, n in getattr(rh, run.stage, {}).items()),
        }
        workday = calmod.is_workday(date, cal)

        def refuse(message, first=reject):  # a delivery or sale word, or the wrong day or hour
            return (first is not None and first(message)) or bool(
                timing_mismatch(message, date, run.time, locale, workday))

        written = writer.write(task=t.id, pools=pool_names, run=counts[t.id], day=run.day,
                               channel=t.channel, context=ctx, slots=slots,
                               where=f"{playbook.path} (task {t.id})", fixed=fixed,
                               reject=refuse,
                               names="deal" if t.id in announced or t.announce else None)
        if written is None:
            return ("no offer" if t.offer and t.offer != "deals" and not ctx["offer"]
                    else "no fresh copy")
        counts[t.id] += 1
        return written

    for run in ordered:
        t = run.pattern
        date = start + dt.timedelta(days=run.day - 1)
        fixed = None
        event = same_day.get((t.announce, run.day)) if t.announce else None
        if event is not None:  # write the event first: the preview names what it offers
            if id(event) not in written_for:
                written_for[id(event)] = write(event)
            if not isinstance(written_for[id(event)], str):
                fixed = {k: v for k, v in written_for[id(event)].slots.items() if k in SHARED}
        if date in node_deal:  # a node's own deal of the day (the pack's node_deals)
            fixed = {**(fixed or {}), "deal": node_deal[date]}
        elif fixed is None and run.stage and run.node is not None and slots["deal"]:
            # a campaign's warm-up, peak and encore quote one deal: the peak day's
            peak_day = (run.node.day - start).days + 1
            fixed = {"deal": slots["deal"][peak_day % len(slots["deal"])]}
        result = written_for.pop(id(run), None) or write(run, fixed)
        if isinstance(result, str):
            adjustments.append(Adjustment(t.id, date.isoformat(), "left_out", result))
            continue
        phase = phase_of(playbook, run.day)
        node = run.node
        calendar.append(SopTask(
            day=run.day, date=date.isoformat(), time=run.time, channel=t.channel,
            phase=phase.id, activity=run.activity, segment=t.segment,
            action=text(t.action, locale), template=result.pool, message=result.message,
            metric=t.metric or (phase.north_star[0] if phase.north_star else ""), task=t.id,
            send=run.send, node=node.name if node is not None else None,
            scope=CHANNEL_SCOPE.get(t.channel, "group"), offer=t.offer, stage=run.stage,
            priority=t.priority))
        if len(calendar) > MAX_CALENDAR_ROWS:
            raise InputError(f"the plan has more than {MAX_CALENDAR_ROWS:,} calendar rows",
                             path=playbook.path,
                             hint="a real playbook has a few tasks a day: lower the task count, "
                                  "`every` or the caps")
    adjustments += [Adjustment(r.pattern.id, (start + dt.timedelta(days=r.day - 1)).isoformat(),
                               "left_out", reason) for r, reason in alloc.left_out]
    adjustments += [Adjustment(r.pattern.id, (start + dt.timedelta(days=r.day - 1)).isoformat(),
                               "demoted", reason) for r, reason in alloc.demoted]
    for c in campaign_dicts:
        days_of = set(c["warmup"]) | {c["peak"]} | set(c["encore"])
        c["tasks"] = sorted({r.task for r in calendar if r.date in days_of and r.stage})

    lifecycle = lifecycle_tasks(playbook, pack, profile, method, writer, base, caps, locale,
                                offers, slots, adjustments)
    adjustments.sort(key=lambda a: (a.date, a.task, a.action, a.reason))
    notes.extend(adjustment_notes(adjustments, locale))

    mix, gaps = channel_mix(profile, playbook, caps, locale)
    notice = text(playbook.notice, locale) if playbook.notice else ""
    if diag.operating_model == "online_counter" and not notice:
        notice = text(method.grid[diag.store_type]["why"], locale)
    phases = [{"id": p.id, "first_day": p.first, "last_day": min(p.last, days) if p is not
               playbook.phases[-1] else days, "north_star": list(p.north_star),
               "strategies": p.strategies.get(locale) or p.strategies.get("zh-CN") or []}
              for p in playbook.phases if p.first <= days]
    kpi_rows = kpis(playbook, locale, pack)
    plan = Plan(
        brand=profile.brand, industry=profile.industry, locale=locale, start_date=start,
        days=days, timezone=profile.timezone, quiet_hours=profile.quiet_hours_text,
        playbook=playbook.id, diagnosis=diag, channel_mix=mix, gaps=gaps,
        acquisition=acquisition_plan(profile, method, locale), calendar=calendar,
        kpis=kpi_rows, nodes=[node_dict(n) for n in cal.nodes], phases=phases, notes=notes,
        notice=notice, industry_pack=pack.id, lifecycle=lifecycle,
        workdays=[{"date": d.isoformat(), "name": n} for d, n in cal.workdays],
        campaigns=campaign_dicts, adjustments=adjustments, stores=profile.stores,
        group_size=profile.group_size)
    plan.forecast = forecast(plan, profile, pack, method, playbook, closed_days=closures)
    return plan


def resolve_playbook(profile: Profile, playbook: str | Playbook | None,
                     operating_model: str) -> Playbook:
    """The playbook a plan uses: the one given (object, built-in id or path), else the
    profile's ``playbook:`` (relative to the profile, as lint's B003 resolves it), else
    the diagnosed operating model's built-in one."""
    from sidomain_cli.playbook import load_playbook, load_profile_playbook

    if isinstance(playbook, Playbook):
        return playbook
    if playbook is None and profile.playbook:
        return load_profile_playbook(profile)
    return load_playbook(playbook or operating_model)


def node_dict(n) -> dict[str, Any]:
    d = n.as_dict()
    d.pop("greeting", None)
    return d


def marketing_calendar(profile: Profile, method: Method, pack, start: dt.date, end: dt.date,
                       days: int, locale: str, playbook: Playbook):
    from sidomain_cli.planning import calendar as calmod

    levels = [(f"pack:{pack.id}", pack.nodes), ("profile", profile.node_levels)]
    cal = calmod.build_calendar(start, end, locale=locale, levels=levels,
                                brand_nodes=profile.marketing_nodes,
                                member_day=profile.member_day,
                                member_day_name=method.member_day_name)
    spans = [(n.date, n.end_date, n.name) for n in cal.nodes if n.id in method.member_day_pauses]
    paused = [(n, name) for n in cal.nodes if n.kind == "member_day"
              for a, b, name in spans if a <= n.day <= b]
    if paused:
        skipped = {id(n) for n, _ in paused}
        cal.nodes[:] = [n for n in cal.nodes if id(n) not in skipped]
        cal.notes.extend(
            (f"{n.day.isoformat()} 的会员日在{name}假期内,本期不做(method.yaml member_day_pauses)"
             if locale == "zh-CN" else
             f"The member day of {n.day.isoformat()} falls in the {name} holidays and is "
             f"skipped this time (method.yaml member_day_pauses)") for n, name in paused)
    big_days = {start + dt.timedelta(days=d - 1)
                for d in range(playbook.big_every, days + 1, playbook.big_every)}
    campaigns = calmod.shape_campaigns(cal, start, end, big_days,
                                       warmup_days=method.campaign["warmup_days"],
                                       encore_days=method.campaign["encore_days"],
                                       merge_within=method.campaign["merge_within"])
    return cal, campaigns


def lifecycle_tasks(playbook: Playbook, pack, profile: Profile, method: Method,
                    writer: Copywriter, base: dict, caps: dict, locale: str,
                    offers: dict[str, str], slots: dict, adjustments: list) -> list[LifecycleTask]:
    """The member's own clock: each step once, relative to the day they join."""
    out: list[LifecycleTask] = []
    week_1v1: Counter[int] = Counter()
    bulk_day: Counter[tuple[int, str]] = Counter()
    for t in sorted(playbook.lifecycle, key=lambda t: (-t.priority, t.offset_day, t.index)):
        if t.channel not in profile.touchpoints:
            continue
        if offer_problem(t, method, None, bool(profile.member_day)):
            adjustments.append(Adjustment(t.id, f"+{t.offset_day}", "left_out", "offer audience"))
            continue
        send = t.send
        if t.channel == "wecom_1v1" and send not in ("auto_welcome",):
            week = t.offset_day // 7
            if week_1v1[week] >= caps["lifecycle_1v1_per_week"]:
                adjustments.append(Adjustment(t.id, f"+{t.offset_day}", "left_out",
                                              "1v1 weekly cap"))
                continue
            week_1v1[week] += 1
        if send == "company_bulk":
            if bulk_day[(t.offset_day, t.channel)] >= caps["company_bulk_per_day"]:
                send = "staff_reminder"
                adjustments.append(Adjustment(t.id, f"+{t.offset_day}", "demoted", "bulk cap"))
            else:
                bulk_day[(t.offset_day, t.channel)] += 1
        ctx = {**base, "day": "", "date": "", "date_text": "", "weekday": "", "time": "",
               "segment": label(SEGMENTS, t.segment, locale), "segment_id": t.segment,
               "channel": label(CHANNELS, t.channel, locale), "node": "", "activity": "",
               "phase": "retention", "offer": offers.get(t.offer, "") if t.offer else "",
               "node_tone": "", "node_greeting": "", "node_id": "", "stage": "",
               "event_date_text": "", "event_time": "", "offset_day": t.offset_day,
               "season": "", "is_weekend": False, "last_stage": False}
        time = None if send == "auto_welcome" else send_time(t, pack, profile.quiet_hours, send)
        ctx["time"] = time or ""
        written = writer.write(task=t.id, pools=t.pools, run=t.offset_day,
                               day=10_000 + t.offset_day,
                               channel="lifecycle:" + t.channel, context=ctx, slots=slots,
                               where=f"{playbook.path} (lifecycle {t.id})", repeatable=True)
        if written is None:
            adjustments.append(Adjustment(t.id, f"+{t.offset_day}", "left_out", "no offer"))
            continue
        phase = phase_of(playbook, t.offset_day + 1)
        out.append(LifecycleTask(
            task=t.id, offset_day=t.offset_day, time=time, channel=t.channel,
            segment=t.segment, action=text(t.action, locale), template=written.pool,
            message=written.message, send=send, scope=CHANNEL_SCOPE.get(t.channel, "group"),
            metric=t.metric or (phase.north_star[0] if phase.north_star else ""),
            trigger=t.trigger, condition=t.condition, offer=t.offer, priority=t.priority))
    out.sort(key=lambda x: (x.offset_day, x.time or "", x.task))
    return out


def adjustment_notes(adjustments: list[Adjustment], locale: str) -> list[str]:
    """One line per (action, reason): what happened, to which tasks, in words that match it."""
    counts = Counter((a.action, a.reason) for a in adjustments)
    out = []
    for (action, reason), n in sorted(counts.items()):
        why = REASONS.get(reason, {}).get(locale) or REASONS.get(reason, {}).get("zh-CN") or reason
        tasks = Counter(a.task for a in adjustments if (a.action, a.reason) == (action, reason))
        which = ", ".join(f"{t}×{k}" if k > 1 else t for t, k in sorted(tasks.items()))
        if action == "demoted":
            out.append(f"{n} 个企业群发任务改为员工手动发送:{why}({which})" if locale == "zh-CN"
                       else f"{n} company bulk send(s) became staff reminders: {why} ({which})")
        else:
            out.append(f"按规则略去 {n} 个任务:{why}({which})" if locale == "zh-CN" else
                       f"{n} task(s) left out: {why} ({which})")
    return out

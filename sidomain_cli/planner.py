"""From a brand profile to a plan: diagnosis, channel mix, 60-day SOP calendar, KPIs.

Pure functions over typed objects: nothing here prints, prompts or exits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sidomain_cli.domain import (ACQUISITION, CHANNELS, MODELS, SEGMENTS, label, text)
from sidomain_cli.errors import InputError
from sidomain_cli.playbook import Method, Playbook, TaskPattern
from sidomain_cli.profile import Profile
from sidomain_cli.spec import FIRST_YEAR, LAST_YEAR

ACTIVITY_RANK = {"node": 3, "big": 2, "small": 1}
# Channels whose company bulk sends count against WeCom's per-customer/per-group cap.
WECOM_BULK_CHANNELS = ("wecom_1v1", "wecom_group")
# The variables a message template can use: exactly the keys of the context that
# build_calendar renders with (`sidomain lint` rule T003 checks templates against it).
TEMPLATE_VARIABLES = ("brand", "industry", "offers", "day", "date", "date_text", "weekday",
                      "time", "segment", "segment_id", "channel", "node", "activity", "phase",
                      "stores", "group_size")


def daily_one_on_one(playbook_id: str, group_type: str) -> bool:
    """True if 1v1 chat may run on any day (1V1 service model); else only on key days."""
    return playbook_id == "one_on_one" or group_type == "service"


@dataclass(frozen=True)
class Diagnosis:
    """诊断: what the numbers say the business is, and why that model."""

    price_band: str
    frequency_band: str
    store_type: str
    operating_model: str
    group_type: str
    named_by_method: bool
    avg_ticket: float | None
    purchases_per_month: float | None
    why: str


@dataclass(frozen=True)
class ChannelShare:
    channel: str
    label: str
    role: str
    share: float
    max_per_day: int
    disturbance: str


@dataclass(frozen=True)
class SopTask:
    """One calendar row (SOP任务): a day, a time, a channel, a segment, an action."""

    day: int
    date: str
    time: str
    channel: str
    phase: str
    activity: str | None
    segment: str
    action: str
    template: str
    message: str
    metric: str
    task: str
    send: str
    node: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plan:
    brand: str
    industry: str
    locale: str
    start_date: dt.date
    days: int
    timezone: str
    quiet_hours: str
    playbook: str
    diagnosis: Diagnosis
    channel_mix: list[ChannelShare]
    gaps: list[dict[str, str]]
    acquisition: list[dict[str, Any]]
    calendar: list[SopTask]
    kpis: list[dict[str, Any]]
    nodes: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    notice: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = self.diagnosis
        return {
            "brand": self.brand,
            "industry": self.industry,
            "locale": self.locale,
            "start_date": self.start_date.isoformat(),
            "days": self.days,
            "timezone": self.timezone,
            "quiet_hours": self.quiet_hours,
            "store_type": d.store_type,
            "operating_model": d.operating_model,
            "playbook": self.playbook,
            "diagnosis": asdict(d),
            "notice": self.notice or None,
            "channel_mix": [asdict(c) for c in self.channel_mix],
            "gaps": self.gaps,
            "acquisition": self.acquisition,
            "phases": self.phases,
            "nodes": self.nodes,
            "calendar": [t.as_dict() for t in self.calendar],
            "kpis": self.kpis,
            "notes": self.notes,
        }


# ---- diagnosis ----------------------------------------------------------------------

def band(value: float, mid_from: float, high_from: float) -> str:
    if value >= high_from:
        return "high"
    if value >= mid_from:
        return "mid"
    return "low"


def diagnose(profile: Profile, method: Method, locale: str) -> Diagnosis:
    if profile.avg_ticket is not None:
        price = band(profile.avg_ticket, method.price_mid, method.price_high)
    else:
        price = profile.price_band or "mid"
    if profile.purchases_per_month is not None:
        freq = band(profile.purchases_per_month, method.freq_mid, method.freq_high)
    else:
        freq = profile.frequency or "mid"
    store_type = f"{price}_price_{freq}_frequency"
    cell = method.grid[store_type]
    model = cell["model"]
    group_type = cell.get("group_type", "info_flow")
    zh = locale == "zh-CN"
    read = []
    if profile.avg_ticket is not None:
        limit = {"low": f"< {method.price_mid:g}", "mid": f"{method.price_mid:g}–{method.price_high:g}",
                 "high": f"≥ {method.price_high:g}"}[price]
        read.append(f"客单价 {profile.avg_ticket:g} 元({limit},{_zh_band(price)}价)" if zh else
                    f"average ticket {profile.avg_ticket:g} CNY ({limit}: {price} price)")
    else:
        read.append(f"价格带 {_zh_band(price)}" if zh else f"price band {price}")
    if profile.purchases_per_month is not None:
        per_year = profile.purchases_per_month * 12
        read.append(f"每月购买 {profile.purchases_per_month:g} 次(约 {per_year:.3g} 次/年,"
                    f"{_zh_band(freq)}频)" if zh else
                    f"{profile.purchases_per_month:g} purchases a month (≈ {per_year:.3g} a year: "
                    f"{freq} frequency)")
    else:
        read.append(f"频次带 {_zh_band(freq)}" if zh else f"frequency band {freq}")
    gt = text(method.group_types.get(group_type, group_type), locale)
    if zh:
        why = (f"读取:{';'.join(read)}。门店类型 {store_type}。运营模式:{label(MODELS, model, locale)}"
               f"({model})。{text(cell['why'], locale)} 群类型:{gt}。")
    else:
        why = (f"Read: {'; '.join(read)}. Store type {store_type}. Operating model: "
               f"{label(MODELS, model, locale)} ({model}). {text(cell['why'], locale)} "
               f"Group type: {gt}.")
    return Diagnosis(price, freq, store_type, model, group_type, bool(cell.get("named", False)),
                     profile.avg_ticket, profile.purchases_per_month, why)


def _zh_band(b: str) -> str:
    return {"low": "低", "mid": "中", "high": "高"}[b]


# ---- marketing nodes ------------------------------------------------------------------

_SKIP_HOLIDAY = ("补假", "休息日", "observed", "day off", "in lieu")


def node_days(profile: Profile, method: Method, start: dt.date, end: dt.date,
              locale: str) -> dict[dt.date, list[dict[str, Any]]]:
    """Every marketing node inside [start, end], by date, in a stable order."""
    from dateutil.rrule import MONTHLY, rrule

    nodes: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)

    def add(day: dt.date, name: str, level: str, source: str) -> None:
        if start <= day <= end and all(n["name"] != name for n in nodes[day]):
            nodes[day].append({"date": day.isoformat(), "name": name, "level": level,
                               "source": source})

    for year in range(start.year, end.year + 1):
        for n in method.nodes:
            try:
                day = dt.date(year, n["month"], n["day"])
            except ValueError:
                continue
            add(day, text(n["name"], locale), n.get("level", "A"), "method")
    if method.public_holidays:
        for day, name in _public_holidays(start, end, locale):
            add(day, name, "A", "public_holiday")
    if profile.member_day:
        first = dt.datetime.combine(start.replace(day=1), dt.time())
        for when in rrule(MONTHLY, dtstart=first, bymonthday=profile.member_day,
                          until=dt.datetime.combine(end, dt.time())):
            add(when.date(), text(method.member_day_name, locale), "A", "member_day")
    for n in profile.marketing_nodes:
        add(n.date, n.name, n.level, "profile")
    return nodes


def _public_holidays(start: dt.date, end: dt.date, locale: str) -> list[tuple[dt.date, str]]:
    """First day of each of China's public holidays in the window.

    Years in ``playbooks/holidays_cn.yaml`` are read from it (fast, editable); other
    years are computed with the ``holidays`` package.
    """
    first, last, table = _holiday_table()
    years = range(start.year, end.year + 1)
    out = [(d, names.get(locale) or names["zh-CN"]) for d, names in table
           if first <= d.year <= last and start <= d <= end]
    missing = [y for y in years if not first <= y <= last]
    if missing:
        lang = "zh_CN" if locale == "zh-CN" else "en_US"
        out += [(d, n) for d, n in holiday_first_days(missing, lang) if start <= d <= end]
    return sorted(out)


def holiday_first_days(years, language: str) -> list[tuple[dt.date, str]]:
    """From the ``holidays`` package: the first day of each holiday, in-lieu days dropped."""
    import holidays

    cal = holidays.country_holidays("CN", years=years, language=language)
    out: list[tuple[dt.date, str]] = []
    previous: tuple[dt.date, str] | None = None
    for day in sorted(cal):
        name = cal[day]
        if any(s in name.lower() for s in _SKIP_HOLIDAY):
            continue
        base = name.split("(")[0].split("\uff08")[0].strip()
        if previous and previous[1] == base and (day - previous[0]).days <= 1:
            previous = (day, base)
            continue
        previous = (day, base)
        out.append((day, base))
    return out


def _holiday_table() -> tuple[int, int, list[tuple[dt.date, dict[str, str]]]]:
    from sidomain_cli.resources import playbooks_dir
    from sidomain_cli.yamlio import load_yaml

    path = playbooks_dir() / "holidays_cn.yaml"
    if not path.exists():
        return (0, -1, [])
    data = load_yaml(path, what="holiday table").data or {}
    first, last = data.get("years", [0, -1])
    rows = [(h["date"] if isinstance(h["date"], dt.date) else dt.date.fromisoformat(h["date"]),
             {"zh-CN": h["zh-CN"], "en": h.get("en") or h["zh-CN"]})
            for h in data.get("holidays", [])]
    return first, last, rows


# ---- calendar ---------------------------------------------------------------------------

def activity_days(start: dt.date, days: int, every: int) -> set[int]:
    """Plan days (1-based) of an activity that recurs every ``every`` days."""
    from dateutil.rrule import DAILY, rrule

    if every > days:
        return set()
    first = dt.datetime.combine(start, dt.time()) + dt.timedelta(days=every - 1)
    until = dt.datetime.combine(start, dt.time()) + dt.timedelta(days=days - 1)
    return {(d.date() - start).days + 1 for d in rrule(DAILY, interval=every, dtstart=first,
                                                         until=until)}


def _in_quiet(minute: int, quiet: tuple[int, int]) -> bool:
    a, b = quiet
    return (a <= minute < b) if a < b else (minute >= a or minute < b)


def shift_out_of_quiet(hhmm: str, quiet: tuple[int, int]) -> str:
    """Move a time out of quiet hours to the nearest allowed time (the quiet end wins ties)."""
    h, m = hhmm.split(":")
    minute = int(h) * 60 + int(m)
    if not _in_quiet(minute, quiet):
        return hhmm
    a, b = quiet
    candidates = [b]
    earlier = a - 30
    if earlier >= 0 and not _in_quiet(earlier, quiet):
        candidates.append(earlier)
    best = min(candidates, key=lambda c: (min((c - minute) % 1440, (minute - c) % 1440), c != b))
    return f"{best // 60:02d}:{best % 60:02d}"


def _matches(t: TaskPattern, day: int, days: int, activities: set[str]) -> str | None:
    """'' if the pattern runs on ``day`` as routine, the activity if triggered, else None."""
    if t.on:
        return t.on if t.on in activities else None
    if t.days:
        return "" if day in t.days else None
    end = t.end or days
    if t.start <= day <= end and (day - t.start) % (t.every or 1) == 0:
        return ""
    return None


def phase_of(playbook: Playbook, day: int):
    for p in playbook.phases:
        if p.first <= day <= p.last:
            return p
    return playbook.phases[-1] if day > playbook.phases[-1].last else playbook.phases[0]


@dataclass
class _Candidate:
    pattern: TaskPattern
    day: int
    time: str
    activity: str | None
    send: str
    node: str | None


def build_calendar(profile: Profile, playbook: Playbook, method: Method, start: dt.date,
                   days: int, locale: str, renderer, notes: list[str],
                   nodes: dict[dt.date, list[dict[str, Any]]]) -> list[SopTask]:
    caps = {**playbook.caps, **profile.caps}
    model_is_1v1 = daily_one_on_one(playbook.id, playbook.group_type)
    small = activity_days(start, days, playbook.small_every)
    big = activity_days(start, days, playbook.big_every)
    has = set(profile.touchpoints)
    offers = {k: text(v, locale) for k, v in playbook.offers.items()}
    offers.update({k: text(v, locale) for k, v in profile.offers.items()})
    dropped: dict[str, int] = defaultdict(int)
    candidates: list[_Candidate] = []
    for day in range(1, days + 1):
        date = start + dt.timedelta(days=day - 1)
        acts = set()
        if day in small:
            acts.add("small")
        if day in big:
            acts.add("big")
        day_nodes = nodes.get(date, [])
        if day_nodes:
            acts.add("node")
        phase = phase_of(playbook, day)
        key_day = bool(acts & {"big", "node"}) or day in playbook.key_days
        for t in playbook.tasks:
            hit = _matches(t, day, days, acts)
            if hit is None or (t.phase and t.phase != phase.id):
                continue
            if t.channel not in has:
                continue
            if t.channel == "wecom_1v1" and not model_is_1v1 and not key_day:
                dropped["1v1 outside key days"] += 1
                continue
            node_name = "、".join(n["name"] for n in day_nodes) if hit == "node" else None
            if node_name and locale != "zh-CN":
                node_name = ", ".join(n["name"] for n in day_nodes)
            candidates.append(_Candidate(t, day, shift_out_of_quiet(t.time, profile.quiet_hours),
                                         hit or None, t.send, node_name))
    kept = _apply_caps(candidates, playbook, caps, dropped)
    if dropped:
        for reason, n in sorted(dropped.items()):
            notes.append(f"{n} task(s) left out: {reason}" if locale != "zh-CN"
                         else f"按规则略去 {n} 个任务:{_zh_reason(reason)}")
    kept.sort(key=lambda c: (c.day, c.time, c.pattern.index))
    calendar = []
    for c in kept:
        date = start + dt.timedelta(days=c.day - 1)
        phase = phase_of(playbook, c.day)
        metric = c.pattern.metric or (phase.north_star[0] if phase.north_star else "")
        context = {
            "brand": profile.brand, "industry": profile.industry, "offers": offers,
            "day": c.day, "date": date.isoformat(), "date_text": _date_text(date, locale),
            "weekday": _weekday(date, locale), "time": c.time,
            "segment": label(SEGMENTS, c.pattern.segment, locale),
            "segment_id": c.pattern.segment, "channel": label(CHANNELS, c.pattern.channel, locale),
            "node": c.node or "", "activity": c.activity or "", "phase": phase.id,
            "stores": profile.stores, "group_size": profile.group_size,
        }
        message = renderer.render(c.pattern.template, context,
                                  where=f"{playbook.path} (task {c.pattern.id})")
        calendar.append(SopTask(
            day=c.day, date=date.isoformat(), time=c.time, channel=c.pattern.channel,
            phase=phase.id, activity=c.activity, segment=c.pattern.segment,
            action=text(c.pattern.action, locale), template=c.pattern.template,
            message=message, metric=metric, task=c.pattern.id, send=c.send, node=c.node))
    return calendar


def _zh_reason(reason: str) -> str:
    return {"1v1 outside key days": "非关键节点不做1v1私聊",
            "moments cap": "超出每日朋友圈条数上限",
            "channel cap": "超出渠道每日上限",
            "group posts cap": "超出每日社群发送上限",
            "1v1 weekly cap": "超出每周1v1上限",
            "bulk cap → staff reminder": "超出企业群发上限,改为提醒员工手动发送"}.get(reason, reason)


def _apply_caps(cands: list[_Candidate], playbook: Playbook, caps: dict[str, int],
                dropped: dict[str, int]) -> list[_Candidate]:
    """Enforce per-day and per-week caps; higher priority wins, then earlier in the playbook."""
    by_day: dict[int, list[_Candidate]] = defaultdict(list)
    for c in cands:
        by_day[c.day].append(c)
    rank = lambda c: (-c.pattern.priority, -ACTIVITY_RANK.get(c.activity or "", 0),  # noqa: E731
                      c.pattern.index)
    kept: list[_Candidate] = []
    week_1v1: dict[int, int] = defaultdict(int)
    for day in sorted(by_day):
        per_channel: dict[str, int] = defaultdict(int)
        bulk: dict[str, int] = defaultdict(int)
        for c in sorted(by_day[day], key=rank):
            ch = c.pattern.channel
            ch_cap = playbook.channels.get(ch, {}).get("max_per_day", 1)
            if ch == "wecom_moments":
                ch_cap = min(ch_cap, caps["moments_per_day"])
                reason = "moments cap"
            elif ch == "wecom_group":
                ch_cap = min(ch_cap, caps["group_posts_per_day"])
                reason = "group posts cap"
            else:
                reason = "channel cap"
            if per_channel[ch] >= ch_cap:
                dropped[reason] += 1
                continue
            if ch == "wecom_1v1":
                week = (day - 1) // 7
                if week_1v1[week] >= caps["one_on_one_per_week"]:
                    dropped["1v1 weekly cap"] += 1
                    continue
                week_1v1[week] += 1
            per_channel[ch] += 1
            if ch in WECOM_BULK_CHANNELS and c.send == "company_bulk":
                if bulk[ch] >= caps["company_bulk_per_day"]:
                    c.send = "staff_reminder"
                    dropped["bulk cap → staff reminder"] += 1
                else:
                    bulk[ch] += 1
            kept.append(c)
    return kept


def _date_text(date: dt.date, locale: str) -> str:
    return f"{date.month}月{date.day}日" if locale == "zh-CN" else date.strftime("%b ") + str(date.day)


def _weekday(date: dt.date, locale: str) -> str:
    if locale == "zh-CN":
        return "周" + "一二三四五六日"[date.weekday()]
    return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[date.weekday()]


# ---- channel mix, acquisition, KPIs ---------------------------------------------------

def channel_mix(profile: Profile, playbook: Playbook, caps: dict[str, int],
                locale: str) -> tuple[list[ChannelShare], list[dict[str, str]]]:
    has = [c for c in CHANNELS if c in profile.touchpoints]
    used = [c for c in has if playbook.channels.get(c, {}).get("weight", 0) > 0]
    total = sum(playbook.channels[c]["weight"] for c in used)
    mix = []
    shares = {c: round(playbook.channels[c]["weight"] / total, 4) for c in used} if total else {}
    if shares:  # make the rounded shares sum to exactly 1 (largest absorbs the remainder)
        top = max(shares, key=lambda c: (shares[c], -has.index(c)))
        shares[top] = round(1 - sum(v for c, v in shares.items() if c != top), 4)
    for c in has:
        spec = playbook.channels.get(c)
        if spec and c in shares:
            cap = spec["max_per_day"]
            if c == "wecom_moments":
                cap = min(cap, caps["moments_per_day"])
            if c == "wecom_group":
                cap = min(cap, caps["group_posts_per_day"])
            mix.append(ChannelShare(c, label(CHANNELS, c, locale), text(spec["role"], locale),
                                    shares[c], cap, spec["disturbance"]))
        else:
            mix.append(ChannelShare(c, label(CHANNELS, c, locale),
                                    "本剧本不使用" if locale == "zh-CN" else "not used by this playbook",
                                    0.0, 0, (spec or {}).get("disturbance", "weak")))
    gaps = []
    for c, spec in playbook.channels.items():
        if spec.get("weight", 0) > 0 and c not in profile.touchpoints:
            gaps.append({"channel": c, "label": label(CHANNELS, c, locale),
                         "role": text(spec["role"], locale),
                         "weight": spec["weight"]})
    return mix, gaps


def acquisition_plan(profile: Profile, method: Method, locale: str) -> list[dict[str, Any]]:
    out = []
    for a in ACQUISITION:
        if a not in profile.touchpoints:
            continue
        spec = method.acquisition.get(a, {})
        out.append({"touchpoint": a, "label": label(ACQUISITION, a, locale),
                    "conversion": spec.get("conversion"),
                    "source": text(spec.get("source"), locale),
                    "how": text(spec.get("how"), locale)})
    return out


KPI_LABELS = {
    "diversion_rate": {"zh-CN": "引流率(公域→私域)", "en": "diversion rate (public → private)"},
    "first_order_rate": {"zh-CN": "首购开单率", "en": "first-order rate"},
    "interaction_rate": {"zh-CN": "互动率", "en": "interaction rate"},
    "content_seeding": {"zh-CN": "内容种草", "en": "content seeding"},
    "social_power": {"zh-CN": "社交力(老带新)", "en": "social power (referrals)"},
    "repurchase_ratio": {"zh-CN": "复购比", "en": "repurchase ratio"},
    "group_retention_7d": {"zh-CN": "7日留群率", "en": "7-day group retention"},
    "mini_program_diversion_rate": {"zh-CN": "小程序导流率", "en": "mini-program diversion rate"},
    "group_consumption_rate": {"zh-CN": "社群消费率", "en": "group consumption rate"},
}


def kpis(playbook: Playbook, locale: str) -> list[dict[str, Any]]:
    return [{"name": k["name"], "label": label(KPI_LABELS, k["name"], locale),
             "target": k["target"], "unit": k["unit"], "source": k["source"]}
            for k in playbook.kpis]


# ---- the whole plan -------------------------------------------------------------------------

def make_plan(profile: Profile, *, playbook: str | Playbook | None = None,
              method: Method | None = None, start: dt.date | None = None,
              days: int | None = None, locale: str | None = None,
              template_dirs: tuple[Path, ...] = ()) -> Plan:
    from sidomain_cli.playbook import load_method, load_playbook
    from sidomain_cli.render import Renderer

    locale = locale or profile.locale
    method = method or load_method()
    diag = diagnose(profile, method, locale)
    if isinstance(playbook, str) or playbook is None:
        playbook = load_playbook(playbook or profile.playbook or diag.operating_model)
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
    notes: list[str] = []
    nodes = node_days(profile, method, start, end, locale)
    caps = {**playbook.caps, **profile.caps}
    calendar = build_calendar(profile, playbook, method, start, days, locale,
                              Renderer(locale, template_dirs), notes, nodes)
    mix, gaps = channel_mix(profile, playbook, caps, locale)
    notice = text(playbook.notice, locale) if playbook.notice else ""
    if diag.operating_model == "online_counter" and not notice:
        notice = text(method.grid[diag.store_type]["why"], locale)
    phases = [{"id": p.id, "first_day": p.first, "last_day": min(p.last, days) if p is not
               playbook.phases[-1] else days, "north_star": list(p.north_star),
               "strategies": p.strategies.get(locale) or p.strategies.get("zh-CN") or []}
              for p in playbook.phases if p.first <= days]
    return Plan(
        brand=profile.brand, industry=profile.industry, locale=locale, start_date=start,
        days=days, timezone=profile.timezone, quiet_hours=profile.quiet_hours_text,
        playbook=playbook.id, diagnosis=diag, channel_mix=mix, gaps=gaps,
        acquisition=acquisition_plan(profile, method, locale), calendar=calendar,
        kpis=kpis(playbook, locale),
        nodes=[n for d in sorted(nodes) for n in nodes[d]], phases=phases, notes=notes,
        notice=notice)

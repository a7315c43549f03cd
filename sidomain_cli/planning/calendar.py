"""China's marketing calendar (营销日历): nodes, official holidays with 调休, campaigns.

Pure functions over data (domain.md §13): nothing here prints, prompts or exits.

- ``playbooks/calendar/nodes.yaml``: the catalog of nodes (id, names, kind, tone, default
  level, greeting, date rule).
- ``playbooks/calendar/holidays_cn.yaml``: the official holiday spans and adjusted working
  days (补班) per year, generated from ``chinesecalendar``; a user file of the same format
  adds or replaces years. A year in neither is *estimated* from the lunar calendar.
- ``sidomain_cli/planning/_astro.py``: lunar months and solar terms 1899–2099 (generated).

The planner calls :func:`build_calendar` for a window and :func:`shape_campaigns` for the
S-level nodes; :func:`is_workday` answers "is this a working day in China" with 调休.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from sidomain_cli.domain import CLOSURE_KEYS
from sidomain_cli.domain import SPRING_FESTIVAL_DAYS as SPRING_DAYS
from sidomain_cli.errors import InputError, Problem, problems_error

KINDS = ("public_holiday", "shopping_festival", "traditional", "solar_term", "industry",
         "brand", "member_day")
TONES = ("festive", "solemn", "commercial")
LEVELS = ("S", "A", "B")
OFF = "off"

# The 24 solar terms from 小寒 (two per Gregorian month): ids and Chinese names.
SOLAR_TERMS = (
    ("minor_cold", "小寒"), ("major_cold", "大寒"), ("start_of_spring", "立春"),
    ("rain_water", "雨水"), ("awakening_of_insects", "惊蛰"), ("spring_equinox", "春分"),
    ("pure_brightness", "清明"), ("grain_rain", "谷雨"), ("start_of_summer", "立夏"),
    ("grain_buds", "小满"), ("grain_in_ear", "芒种"), ("summer_solstice", "夏至"),
    ("minor_heat", "小暑"), ("major_heat", "大暑"), ("start_of_autumn", "立秋"),
    ("end_of_heat", "处暑"), ("white_dew", "白露"), ("autumn_equinox", "秋分"),
    ("cold_dew", "寒露"), ("frost_descent", "霜降"), ("start_of_winter", "立冬"),
    ("minor_snow", "小雪"), ("major_snow", "大雪"), ("winter_solstice", "冬至"),
)
_TERM_INDEX = {tid: i for i, (tid, _) in enumerate(SOLAR_TERMS)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# 除夕 and 初一 … 初七: keys of MarketingCalendar.spring_festival[year]
_GENG_REF = dt.date(2026, 7, 15).toordinal()  # a 庚 day (庚午); 庚 days repeat every 10 days
ONE_DAY = dt.timedelta(days=1)


# ---- data types -------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """One occurrence of a marketing node (营销节点) in a plan's window.

    ``date``..``end_date`` is the node's span: for a public holiday the first and last day
    off (official, or estimated when ``estimated``); ``day`` is the festival's own day, where
    greetings and a campaign's peak (爆发) go (春节 2026: 2/15–2/23, day 2/17).
    """

    date: dt.date
    id: str
    name: str
    end_date: dt.date
    day: dt.date
    kind: str
    tone: str
    level: str
    estimated: bool = False
    source: str = "catalog"
    greeting: str = ""
    level_source: str = "default"  # "default" (the catalog's) or the levels layer that set it

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "date": self.date.isoformat(),
                "end_date": self.end_date.isoformat(), "day": self.day.isoformat(),
                "kind": self.kind, "tone": self.tone, "level": self.level,
                "level_source": self.level_source, "estimated": self.estimated,
                "source": self.source, "greeting": self.greeting}


@dataclass(frozen=True)
class Campaign:
    """An S-level node as a campaign: 预热 warm-up days, the 爆发 peak, 返场 encore days."""

    node: Node
    warmup: tuple[dt.date, ...]
    peak: dt.date
    encore: tuple[dt.date, ...]
    merged_big_days: tuple[dt.date, ...] = ()  # 30-day big activity days folded into it

    @property
    def merged_big_day(self) -> dt.date | None:
        return self.merged_big_days[0] if self.merged_big_days else None

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node.name, "node_id": self.node.id, "level": self.node.level,
                "warmup": [d.isoformat() for d in self.warmup], "peak": self.peak.isoformat(),
                "encore": [d.isoformat() for d in self.encore],
                "merged_big_days": [d.isoformat() for d in self.merged_big_days]}


@dataclass
class MarketingCalendar:
    """Everything the planner needs to know about China's calendar in a window."""

    start: dt.date
    end: dt.date
    nodes: list[Node] = field(default_factory=list)
    workdays: list[tuple[dt.date, str]] = field(default_factory=list)  # 补班 in the window
    days_off: set[dt.date] = field(default_factory=set)  # public-holiday days off (whole years)
    estimated_years: list[int] = field(default_factory=list)
    spring_festival: dict[int, dict[str, dt.date]] = field(default_factory=dict)
    no_shipping: set[dt.date] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    adjusted_workdays: set[dt.date] = field(default_factory=set)  # all 补班 known (whole years)

    def nodes_on(self, day: dt.date) -> list[Node]:
        """Nodes whose span covers ``day``."""
        return [n for n in self.nodes if n.date <= day <= n.end_date]

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": [n.as_dict() for n in self.nodes],
                "workdays": [{"date": d.isoformat(), "name": name} for d, name in self.workdays],
                "estimated_years": list(self.estimated_years),
                "no_shipping": sorted(d.isoformat() for d in self.no_shipping
                                      if self.start <= d <= self.end),
                "notes": list(self.notes)}


# Internal records are NamedTuples: creating a dataclass costs ~1 ms of start-up each.

class CatalogNode(NamedTuple):
    """A node of ``nodes.yaml``: what it is and how its date is found."""

    id: str
    names: Mapping[str, str]
    kind: str
    tone: str
    level: str  # S, A, B or off (the catalog default)
    rule: Mapping[str, Any]
    greeting: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    estimate: Mapping[str, Any] | None = None  # public holidays: how to guess a year
    campaign: Mapping[str, int] | None = None  # its own campaign shape when S (default: none)

    def name(self, locale: str) -> str:
        return _text(self.names, locale)


class Catalog(NamedTuple):
    nodes: dict[str, CatalogNode]
    no_shipping: Mapping[str, Any]
    path: str


class HolidayYear(NamedTuple):
    """One year's official schedule: holiday id → (first, last day off); 补班 date → id."""

    holidays: Mapping[str, tuple[dt.date, dt.date]]
    workdays: Mapping[dt.date, str]
    source: str


def _text(value: Mapping[str, str] | str | None, locale: str) -> str:
    if isinstance(value, Mapping):
        return value.get(locale) or value.get("zh-CN") or ""
    return "" if value is None else str(value)


# ---- loading the data -------------------------------------------------------------------

def _calendar_dir() -> Path:
    from sidomain_cli.resources import playbooks_dir

    return playbooks_dir() / "calendar"


def _level(value: Any) -> str | None:
    """A level as written in YAML: S/A/B; off, false or null mean "drop"; else None."""
    if value is None or value is False:
        return OFF
    if isinstance(value, str) and value.strip().upper() in LEVELS:
        return value.strip().upper()
    if isinstance(value, str) and value.strip().lower() == OFF:
        return OFF
    return None


_RULE_KEYS = ("date", "lunar", "solar_term", "weekday", "geng_day", "offset",
              "first_workday_after")


class _NoPositions:
    """Stands in for a YAML ``Doc`` when the catalog comes from its compiled JSON."""

    duplicates: list[Problem] = []

    def __init__(self, path: str) -> None:
        self.path = path

    def problem(self, key, message: str, *, hint: str = "", **_: Any) -> Problem:
        return Problem(self.path, 0, 0, "", "error", message, hint)


def catalog_fingerprint(text: bytes) -> str:
    """What nodes.json records of the nodes.yaml it was compiled from (size and CRC-32)."""
    import zlib

    return f"{len(text)}:{zlib.crc32(text):08x}"


def _compiled_catalog(yaml_path: Path) -> Any:
    """nodes.json's data when it was compiled from this very nodes.yaml, else None.

    PyYAML needs ~10-20 ms to build the catalog, json ~0.2 ms; a stale or missing
    nodes.json only costs that time (the YAML is read instead), never wrong data.
    """
    import json

    try:
        compiled = json.loads(yaml_path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if compiled.get("compiled_from") != catalog_fingerprint(yaml_path.read_bytes()):
        return None
    return compiled.get("catalog")


@cache
def load_catalog(path: str | None = None) -> Catalog:
    """Read and check ``nodes.yaml`` (the built-in one unless ``path`` is given)."""
    from sidomain_cli.yamlio import load_yaml

    p = path or str(_calendar_dir() / "nodes.yaml")
    if path is None:
        data = _compiled_catalog(Path(p))
        if data is not None:
            try:
                return _catalog_from(data, _NoPositions(p), p)
            except InputError:
                pass  # read the YAML itself, for the line and column of each problem
    doc = load_yaml(p, what="marketing-node catalog")
    return _catalog_from(doc.data, doc, p)


def _catalog_from(data: Any, doc, p: str) -> Catalog:
    problems = list(doc.duplicates)
    data = data if isinstance(data, dict) else {}
    if data.get("kind") != "marketing_nodes":
        problems.append(doc.problem(("kind",), "expected 'kind: marketing_nodes'"))
    nodes: dict[str, CatalogNode] = {}
    raw = data.get("nodes")
    if not isinstance(raw, list):
        problems.append(doc.problem(("nodes",), "'nodes' must be a list of nodes"))
        raw = []
    for i, n in enumerate(raw):
        key = ("nodes", i)
        if not isinstance(n, dict):
            problems.append(doc.problem(key, "a node must be a mapping"))
            continue
        nid = n.get("id")
        if not isinstance(nid, str) or not nid.isascii() or not nid.replace("_", "a").isalnum() \
                or not nid[:1].isalpha() or nid != nid.lower():
            problems.append(doc.problem(key + ("id",), f"node id {nid!r} must be ASCII snake_case"))
            continue
        if nid in nodes:
            problems.append(doc.problem(key + ("id",), f"node id '{nid}' appears twice"))
        kind, tone, level = n.get("kind"), n.get("tone"), _level(n.get("level"))
        if kind not in KINDS[:5]:
            problems.append(doc.problem(key + ("kind",), f"kind {kind!r} is not one of "
                                        + ", ".join(KINDS[:5])))
        if tone not in TONES:
            problems.append(doc.problem(key + ("tone",), f"tone {tone!r} is not one of "
                                        + ", ".join(TONES)))
        if level is None:
            problems.append(doc.problem(key + ("level",), "level must be S, A, B or \"off\""))
        names = n.get("name")
        if not isinstance(names, dict) or not names.get("zh-CN"):
            problems.append(doc.problem(key + ("name",), "name needs at least {zh-CN: …}"))
            names = {"zh-CN": nid}
        rule = n.get("rule")
        if not isinstance(rule, dict) or sum(k in rule for k in _RULE_KEYS) != 1:
            problems.append(doc.problem(key + ("rule",), "rule needs exactly one of "
                                        + ", ".join(_RULE_KEYS)))
            rule = {}
        else:
            problems += _check_rule(rule, doc, key + ("rule",))
        holiday = n.get("holiday")
        estimate = holiday.get("estimate") if isinstance(holiday, dict) else None
        if kind == "public_holiday" and not isinstance(estimate, dict):
            problems.append(doc.problem(key, "a public holiday needs holiday: {estimate: {days: N}}"))
            estimate = {"days": 1}
        nodes[nid] = CatalogNode(
            id=nid, names={str(k): str(v) for k, v in names.items()}, kind=str(kind),
            tone=str(tone), level=level or OFF, rule=rule,
            greeting={str(k): str(v) for k, v in (n.get("greeting") or {}).items()},
            aliases=tuple(str(a) for a in n.get("aliases") or ()), estimate=estimate,
            campaign=_campaign_shape(n.get("campaign"), doc, key + ("campaign",), problems))
    for i, n in enumerate(raw):  # references between nodes
        if isinstance(n, dict) and isinstance(n.get("rule"), dict):
            for ref in ("offset", "first_workday_after"):
                target = n["rule"].get(ref)
                if ref in n["rule"] and target not in nodes:
                    problems.append(doc.problem(("nodes", i, "rule", ref),
                                                f"{ref} names unknown node {target!r}"))
    if problems:
        raise problems_error(sorted(problems))
    return Catalog(nodes, data.get("no_shipping") or {"from": "chuxi", "start": -5, "end": 7}, p)


CAMPAIGN_KEYS = ("warmup_days", "encore_days", "every")


def _campaign_shape(value: Any, doc, key, problems: list) -> Mapping[str, int] | None:
    """A node's own campaign shape: warm-up and encore lengths, and a step that thins them
    (a booking window of four weeks is worked weekly, not daily)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(CAMPAIGN_KEYS) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 60
            for v in value.values()) or value.get("every", 1) < 1:
        problems.append(doc.problem(key, "campaign takes warmup_days, encore_days and every "
                                         "(whole numbers 0-60; every ≥ 1)"))
        return None
    return {str(k): int(v) for k, v in value.items()}


def _check_rule(rule: Mapping[str, Any], doc, key) -> list[Problem]:
    def mmdd(v: Any) -> bool:
        try:
            m, d = str(v).split("-")
            return 1 <= int(m) <= 12 and (d == "last" or 1 <= int(d) <= 31)
        except ValueError:
            return False

    out = []
    if "date" in rule and not (mmdd(rule["date"]) and "last" not in str(rule["date"])):
        out.append(doc.problem(key + ("date",), "date must be \"MM-DD\""))
    if "lunar" in rule and not mmdd(rule["lunar"]):
        out.append(doc.problem(key + ("lunar",), "lunar must be \"MM-DD\" or \"12-last\""))
    if "solar_term" in rule and rule["solar_term"] not in _TERM_INDEX:
        out.append(doc.problem(key + ("solar_term",), f"unknown solar term {rule['solar_term']!r}",
                               hint=_did_you_mean(rule["solar_term"], _TERM_INDEX)))
    if "geng_day" in rule and rule.get("after") not in _TERM_INDEX:
        out.append(doc.problem(key + ("after",), "geng_day needs after: a solar term id"))
    if "weekday" in rule and (rule["weekday"] not in WEEKDAYS or rule.get("n") not in range(1, 6)
                              or rule.get("month") not in range(1, 13)):
        out.append(doc.problem(key + ("weekday",), "weekday needs weekday: mon…sun, n: 1-5, month: 1-12"))
    for k in ("days", "span"):
        if k in rule and not isinstance(rule[k], int):
            out.append(doc.problem(key + (k,), f"{k} must be a whole number"))
    return out


def _did_you_mean(word: Any, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


def _holiday_year(year: Any, y: Any, source: str, problem) -> HolidayYear | None:
    """One year of a holidays file, checked; ``problem(key, message)`` records a fault."""
    key = ("years", year)
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2999:
        problem(key, f"{year!r} is not a year (1900-2999)")
        return None
    if not isinstance(y, dict) or not isinstance(y.get("holidays"), dict):
        problem(key, f"{year} needs holidays: {{id: [first, last]}}")
        return None
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for hid, span in y["holidays"].items():
        hkey = key + ("holidays", hid)
        if (not isinstance(span, list) or len(span) != 2
                or not all(type(d) is dt.date for d in span) or span[0] > span[1]):
            problem(hkey, f"'{hid}' must be [first day, last day] as YYYY-MM-DD")
        elif (span[1] - span[0]).days > 31:
            problem(hkey, f"'{hid}' spans more than a month")
        else:
            spans[str(hid)] = (span[0], span[1])
    workdays: dict[dt.date, str] = {}
    raw = y.get("workdays") or {}
    if not isinstance(raw, dict):
        problem(key + ("workdays",), "workdays must map a date to the holiday it makes up for")
        raw = {}
    for day, hid in raw.items():
        if type(day) is not dt.date:
            problem(key + ("workdays", str(day)), f"workday {day!r} must be a date YYYY-MM-DD")
        else:
            workdays[day] = str(hid)
    return HolidayYear(spans, workdays, source)


@cache
def _load_holidays(path: str) -> dict[int, HolidayYear]:
    """Read a user's holidays file (same format as the built-in table), all years."""
    from sidomain_cli.yamlio import load_yaml

    doc = load_yaml(path, what="holidays file")
    problems = list(doc.duplicates)

    def problem(key, message):  # YAML keys are positioned by their text (2027, not int)
        problems.append(doc.problem(tuple(str(k) for k in key), message))

    data = doc.data if isinstance(doc.data, dict) else {}
    if data.get("kind") != "official_holidays":
        problems.append(doc.problem(("kind",), "expected 'kind: official_holidays'",
                                    hint="a holidays file starts with 'kind: official_holidays'"))
    years_raw = data.get("years")
    if not isinstance(years_raw, dict):
        problems.append(doc.problem(("years",), "'years' must map a year to its holidays",
                                    hint="years: {2027: {holidays: {…}, workdays: {…}}}"))
        years_raw = {}
    out = {}
    for year, y in years_raw.items():
        hy = _holiday_year(year, y, f"override:{Path(path).name}", problem)
        if hy is not None:
            out[year] = hy
    if problems:
        raise problems_error(sorted(problems))
    return out


@cache
def _builtin_holiday_lines() -> tuple[str, dict[int, tuple[int, str]]]:
    """The built-in table's path and, per year, its line number and text (one line a year)."""
    path = _calendar_dir() / "holidays_cn.yaml"
    lines: dict[int, tuple[int, str]] = {}
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("  ") and line[2:6].isdigit() and line[6:8] == ": ":
            lines[int(line[2:6])] = (no, line[8:])
    return str(path), lines


@cache
def _builtin_year(year: int) -> HolidayYear | None:
    """One year of the built-in table, parsing only its line (the whole table costs ~20 ms)."""
    from sidomain_cli.yamlio import parse_yaml

    path, lines = _builtin_holiday_lines()
    if year not in lines:
        return None
    no, text = lines[year]
    problems: list[Problem] = []
    hy = _holiday_year(year, parse_yaml(text, path).data, "official",
                       lambda key, msg: problems.append(Problem(path, no, 3, "", "error", msg)))
    if problems:
        raise problems_error(problems)
    return hy


def builtin_holiday_range() -> tuple[int, int]:
    """First and last year of the built-in official table."""
    _, lines = _builtin_holiday_lines()
    return min(lines), max(lines)


def holiday_years(years: Iterable[int], user_overrides: str | Path | None = None
                  ) -> dict[int, HolidayYear]:
    """The official schedules known for ``years``: the user's file wins over the built-in
    table (a year there replaces the built-in year whole)."""
    user = _load_holidays(str(user_overrides)) if user_overrides is not None else {}
    out = {}
    for year in years:
        hy = user.get(year) or _builtin_year(year)
        if hy is not None:
            out[year] = hy
    return out


# ---- dates from rules -------------------------------------------------------------------

def lunar_range() -> tuple[int, int]:
    from sidomain_cli.planning import _astro

    return _astro.FIRST_LUNAR_YEAR, _astro.LAST_LUNAR_YEAR


def lunar_to_date(year: int, month: int, day: int | str, *, leap: bool = False) -> dt.date | None:
    """Gregorian date of lunar year/month/day (``day="last"``: the month's last day).

    None outside the table (1899–2099) or when the month has no such day.
    """
    from sidomain_cli.planning import _astro

    row = _astro.LUNAR.get(year)
    if row is None:  # the first month after the table's last year is still known
        prev = _astro.LUNAR.get(year - 1)
        if prev is None or month != 1 or leap or day == "last" or int(day) > 29:
            return None
        return dt.date.fromordinal(prev[0] + sum(29 + int(c) for c in prev[2]) + int(day) - 1)
    first, leap_month, lengths = row
    if leap and leap_month != month:
        return None
    idx = month - 1 + (1 if leap_month and (month > leap_month or leap) else 0)
    if month == 12 and day == "last" and not leap:  # 除夕: the last day of the lunar year
        return dt.date.fromordinal(first + sum(29 + int(c) for c in lengths) - 1)
    length = 29 + int(lengths[idx])
    d = length if day == "last" else int(day)
    if d > length:
        return None
    return dt.date.fromordinal(first + sum(29 + int(c) for c in lengths[:idx]) + d - 1)


def solar_term(year: int, term: str) -> dt.date | None:
    """The day of a solar term (Beijing time) in a Gregorian year; None outside 1900–2099."""
    from sidomain_cli.planning import _astro

    digits = _astro.TERMS.get(year)
    if digits is None:
        return None
    i = _TERM_INDEX[term]
    return dt.date(year, i // 2 + 1, int(digits[2 * i:2 * i + 2]))


def geng_day(start: dt.date, n: int) -> dt.date:
    """The n-th 庚 day counting from ``start`` (itself included): 入伏 is the 3rd from 夏至."""
    first = start.toordinal() + (_GENG_REF - start.toordinal()) % 10
    return dt.date.fromordinal(first + 10 * (n - 1))


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    first = dt.date(year, month, 1)
    d = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return d if d.month == month else None


def chuxi(lunar_year: int) -> dt.date | None:
    """除夕 of a lunar year (it falls in January or February of the next Gregorian year)."""
    return lunar_to_date(lunar_year, 12, "last")


# ---- official holidays and estimates ----------------------------------------------------

class _Holidays(NamedTuple):
    spans: dict[tuple[str, int], tuple[dt.date, dt.date, bool, str]]  # (id, year) → span
    days_off: set[dt.date]
    workdays: dict[dt.date, str]
    estimated_years: list[int]


def _festival_day(node: CatalogNode, year: int) -> dt.date | None:
    """The day of a public holiday's festival in a Gregorian year (from its rule)."""
    rule = node.rule
    if "date" in rule:
        m, d = (int(x) for x in str(rule["date"]).split("-"))
        return dt.date(year, m, d)
    if "lunar" in rule:
        m, d = str(rule["lunar"]).split("-")
        # a lunar festival of Gregorian year Y: lunar year Y (Y-1 for days before 正月初一)
        for ly in (year, year - 1):
            day = lunar_to_date(ly, int(m), d if d == "last" else int(d))
            if day and day.year == year:
                return day
        return None
    if "solar_term" in rule:
        return solar_term(year, rule["solar_term"])
    return None


def _estimate_year(catalog: Catalog, year: int) -> dict[str, tuple[dt.date, dt.date]]:
    """Days off of a year the State Council has not published, by the catalog's rules.

    Default rules (nodes.yaml ``holiday.estimate``): N days from the festival's day (or from
    ``from``); a one-day holiday on a Saturday or Sunday gets the Monday after it (补休);
    国庆 and a 中秋 that touches it become one break of ``merged_days``; every break is
    joined to an adjacent weekend. No 补班 workdays are estimated.
    """
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    holidays = [n for n in catalog.nodes.values() if n.kind == "public_holiday"]
    for n in holidays:
        est = n.estimate or {"days": 1}
        if est.get("from") == "chuxi":
            day = None
            for ly in (year, year - 1):
                c = chuxi(ly)
                if c and c.year == year and c.month <= 2:
                    day = c
                    break
        else:
            day = _festival_day(n, year)
        if day is None:
            continue
        last = day + dt.timedelta(days=int(est.get("days", 1)) - 1)
        if last == day and day.weekday() >= 5:
            last = day + dt.timedelta(days=7 - day.weekday())  # the Monday after
        spans[n.id] = (day, last)
    for n in holidays:
        est = n.estimate or {}
        other = est.get("merge")
        if other in spans and n.id in spans:
            a, b = spans[n.id]
            c, _ = spans[other]
            if a - ONE_DAY <= c <= b + ONE_DAY:
                first = min(a, c)
                merged = (first, first + dt.timedelta(days=int(est.get("merged_days", 8)) - 1))
                spans[n.id] = spans[other] = merged
    for hid, (a, b) in list(spans.items()):
        while (a - ONE_DAY).weekday() >= 5:
            a -= ONE_DAY
        while (b + ONE_DAY).weekday() >= 5:
            b += ONE_DAY
        spans[hid] = (a, b)
    return spans


def _holidays(catalog: Catalog, years: Iterable[int], known: Mapping[int, HolidayYear]) -> _Holidays:
    out = _Holidays({}, set(), {}, [])
    for year in sorted(set(years)):
        if year in known:
            hy = known[year]
            for hid, (a, b) in hy.holidays.items():
                out.spans[(hid, year)] = (a, b, False, hy.source)
            out.workdays.update(hy.workdays)
        else:
            out.estimated_years.append(year)
            for hid, (a, b) in _estimate_year(catalog, year).items():
                out.spans[(hid, year)] = (a, b, True, "estimate")
    for a, b, _, _ in out.spans.values():
        d = a
        while d <= b:
            if d not in out.workdays:
                out.days_off.add(d)
            d += ONE_DAY
    return out


def is_workday(day: dt.date, cal: MarketingCalendar) -> bool:
    """A working day in China: an adjusted working Saturday/Sunday (补班) is one; a weekday
    inside a holiday's days off is not."""
    if day in cal.adjusted_workdays:
        return True
    if day in cal.days_off:
        return False
    return day.weekday() < 5


def day_kind(day: dt.date, cal: MarketingCalendar) -> str:
    """What kind of day it is: ``workday``, ``adjusted_workday`` (a 补班 Saturday or Sunday:
    plan it as a working day, no "周六早安"), ``weekend`` or ``holiday`` (a day off of a
    public holiday's span, weekends inside it included)."""
    if day in cal.adjusted_workdays:
        return "adjusted_workday"
    if day in cal.days_off:
        return "holiday"
    return "workday" if day.weekday() < 5 else "weekend"


# What a pack or profile may name as closed over 春节 (``spring_festival_closed``).


def spring_festival_closures(cal: MarketingCalendar, keys: Iterable[str]
                             ) -> list[tuple[dt.date, str]]:
    """The dates a store is closed over 春节 in the window, from keys like ``chuxi``,
    ``chuxi_evening`` (除夕 from the afternoon: 年夜饭-only service), ``chuyi`` … ``chuqi``;
    (date, key) sorted. An unknown key raises InputError naming the valid ones."""
    keys = list(keys)
    bad = [k for k in keys if k not in CLOSURE_KEYS]
    if bad:
        raise InputError(f"unknown 春节 closure '{bad[0]}'",
                         hint=_did_you_mean(bad[0], CLOSURE_KEYS) or
                         "use " + ", ".join(CLOSURE_KEYS))
    out = set()
    for days in cal.spring_festival.values():
        for k in keys:
            day = days["chuxi" if k == "chuxi_evening" else k]
            if cal.start <= day <= cal.end:
                out.add((day, k))
    return sorted(out)


def next_workday(day: dt.date, cal: MarketingCalendar) -> dt.date:
    """The first working day on or after ``day``."""
    while not is_workday(day, cal):
        day += ONE_DAY
    return day


# ---- building the calendar --------------------------------------------------------------

def _workday_name(hid: str, catalog: Catalog, locale: str) -> str:
    node = catalog.nodes.get(hid)
    holiday = node.name(locale) if node else hid
    return f"{holiday}调休补班" if locale == "zh-CN" else f"{holiday} make-up workday"


def _occurrences(node: CatalogNode, catalog: Catalog, years: range, hol: _Holidays,
                 cal: MarketingCalendar, memo: dict) -> list[tuple[dt.date, dt.date, dt.date, bool, str]]:
    """(first, last, day, estimated, source) of a catalog node for the Gregorian years."""
    if node.id in memo:
        return memo[node.id]
    rule = node.rule
    out: list[tuple[dt.date, dt.date, dt.date, bool, str]] = []
    if node.kind == "public_holiday":
        for year in years:
            day = _festival_day(node, year)
            span = hol.spans.get((node.id, year))
            if span is None:
                continue
            a, b, est, src = span
            if day is None or not a <= day <= b:
                day = a
            out.append((a, b, day, est, src))
    elif "date" in rule or "weekday" in rule or "solar_term" in rule or "geng_day" in rule:
        for year in years:
            if "date" in rule:
                m, d = (int(x) for x in str(rule["date"]).split("-"))
                try:
                    day = dt.date(year, m, d)
                except ValueError:
                    continue
            elif "weekday" in rule:
                day = nth_weekday(year, int(rule["month"]), WEEKDAYS.index(rule["weekday"]),
                                  int(rule["n"]))
            elif "solar_term" in rule:
                day = solar_term(year, rule["solar_term"])
            else:
                term = solar_term(year, rule["after"])
                day = geng_day(term, int(rule["geng_day"])) if term else None
            if day is not None:
                span = int(rule.get("days", 1))
                out.append((day, day + dt.timedelta(days=span - 1), day, False, "catalog"))
    elif "lunar" in rule:
        m, d = str(rule["lunar"]).split("-")
        for ly in range(years.start - 1, years.stop):
            day = lunar_to_date(ly, int(m), d if d == "last" else int(d))
            if day is not None:
                out.append((day, day, day, False, "catalog"))
    elif "offset" in rule:
        base = _occurrences(catalog.nodes[rule["offset"]], catalog, years, hol, cal, memo)
        shift = dt.timedelta(days=int(rule.get("days", 0)))
        span = dt.timedelta(days=int(rule.get("span", 1)) - 1)
        out = [(day + shift, day + shift + span, day + shift, est, src)
               for _, _, day, est, src in base]
    elif "first_workday_after" in rule:
        base = _occurrences(catalog.nodes[rule["first_workday_after"]], catalog, years, hol,
                            cal, memo)
        for _, last, _, est, src in base:
            day = next_workday(last + ONE_DAY, cal)
            out.append((day, day, day, est, src))
    memo[node.id] = out
    return out


def catalog_ids() -> list[str]:
    """The ids of the built-in catalog, in catalog order (for packs and lint)."""
    return list(load_catalog().nodes)


def check_levels(levels: Mapping[str, Any], *, path: str = "", doc=None,
                 key: tuple = ()) -> list[Problem]:
    """Problems with a ``levels`` mapping (node id → S/A/B/off/null): unknown ids, bad levels."""
    catalog = load_catalog()
    known = set(catalog.nodes) | {"member_day"}
    out = []
    for nid, value in levels.items():
        where = doc.problem(key + (nid,), "") if doc is not None else Problem(path)
        if nid not in known:
            out.append(Problem(where.path, where.line, where.column, "", "error",
                               f"unknown marketing node '{nid}'",
                               _did_you_mean(nid, known) or "see playbooks/calendar/nodes.yaml"))
        elif _level(value) is None:
            out.append(Problem(where.path, where.line, where.column, "", "error",
                               f"level of '{nid}' is {value!r}; use S, A, B or null (drop)"))
    return out


def _brand_attr(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _level_layers(levels: Any) -> dict[str, tuple[str, str]]:
    """node id → (level, the layer that set it); later layers win."""
    if not levels:
        return {}
    layers = [("levels", levels)] if isinstance(levels, Mapping) else list(levels)
    problems, out = [], {}
    for name, mapping in layers:
        problems += check_levels(mapping)
        for nid, value in mapping.items():
            out[nid] = (_level(value), str(name))
    if problems:
        raise problems_error(problems)
    return out


def build_calendar(start: dt.date, end: dt.date, *, locale: str = "zh-CN",
                   levels: Any = None, brand_nodes: Iterable[Any] = (),
                   member_day: int | None = None, member_day_name: Mapping[str, str] | str = "",
                   user_overrides: str | Path | None = None,
                   no_shipping: tuple[int, int] | None = None) -> MarketingCalendar:
    """The marketing calendar of the window [start, end].

    ``levels``: node id → "S"/"A"/"B", or None/"off"/False to drop it; nodes not listed keep
    the catalog's default level (``off`` ones stay out). It may also be a list of named
    layers, later ones winning, e.g. ``[("pack:hotpot", pack.nodes), ("profile", p.nodes)]``:
    each node's ``level_source`` then names the layer that set its level. ``brand_nodes``: the profile's own
    dated nodes (objects or mappings with ``date``, ``name``, ``level``; optional ``end_date``,
    ``tone``); one whose name is a catalog node's name or alias on that node's day re-levels
    that node instead of doubling it. ``member_day``: day of the month (1–28) of the brand's
    member day. ``user_overrides``: a holidays file that adds or replaces official years.
    ``no_shipping``: the courier stop around 春节 as (first, last) days from 除夕, replacing
    the catalog's default (−5, 7), e.g. from a pack or profile setting.
    """
    if end < start:
        raise InputError(f"calendar window ends ({end}) before it starts ({start})")
    levels = _level_layers(levels)
    catalog = load_catalog()
    # whole years around the window, so spans and 补班 at its edges are known
    years = range(start.year - 1, end.year + 2)
    known = holiday_years(years, user_overrides)
    hol = _holidays(catalog, years, known)
    cal = MarketingCalendar(start, end, days_off=hol.days_off,
                            adjusted_workdays=set(hol.workdays))
    cal.workdays = [(d, _workday_name(hid, catalog, locale))
                    for d, hid in sorted(hol.workdays.items()) if start <= d <= end]

    memo: dict = {}
    nodes: dict[tuple[str, dt.date], Node] = {}
    for cn in catalog.nodes.values():
        level, why = levels.get(cn.id, (cn.level, "default"))
        if level == OFF:
            continue
        for a, b, day, est, src in _occurrences(cn, catalog, years, hol, cal, memo):
            if b < start or a > end:
                continue
            nodes[(cn.id, a)] = Node(a, cn.id, cn.name(locale), b, day, cn.kind, cn.tone, level,
                                     est, src, _text(cn.greeting, locale), why)

    # the brand's own nodes
    by_name: dict[str, str] = {}
    for cn in catalog.nodes.values():
        for alias in (*cn.names.values(), *cn.aliases):
            by_name.setdefault(alias.strip().lower(), cn.id)
    count: dict[dt.date, int] = {}
    for item in brand_nodes:
        day, name = _brand_attr(item, "date"), str(_brand_attr(item, "name", ""))
        level = _level(_brand_attr(item, "level", "A")) or "A"
        if not isinstance(day, dt.date) or not start <= day <= end:
            continue
        cid = by_name.get(name.strip().lower())
        if cid:  # a catalog node under its own name: re-level (or drop) it, do not double it
            cn = catalog.nodes[cid]
            hits = [o for o in _occurrences(cn, catalog, years, hol, cal, memo)
                    if o[0] <= day <= o[1]]
            for a, b, d, est, src in hits:
                nodes.pop((cid, a), None)
                if level != OFF:
                    nodes[(cid, a)] = Node(a, cid, cn.name(locale), b, d, cn.kind, cn.tone,
                                           level, est, src, _text(cn.greeting, locale),
                                           "profile")
            if hits:
                continue
        if level == OFF:
            continue
        count[day] = count.get(day, 0) + 1
        nid = f"brand_{day:%Y%m%d}" + (f"_{count[day]}" if count[day] > 1 else "")
        last = _brand_attr(item, "end_date") or day
        tone = _brand_attr(item, "tone") or "commercial"
        nodes[(nid, day)] = Node(day, nid, name, last, day, "brand", tone, level, False,
                                 "profile", "", "profile")

    # the member day (会员日)
    md_level, md_why = levels.get("member_day", ("A", "default"))
    if member_day and md_level != OFF:
        name = _text(member_day_name, locale) or ("会员日" if locale == "zh-CN" else "member day")
        y, m = start.year, start.month
        while dt.date(y, m, 1) <= end:
            try:
                day = dt.date(y, m, member_day)
            except ValueError:
                day = None
            if day and start <= day <= end:
                nodes[("member_day", day)] = Node(day, "member_day", name, day, day, "member_day",
                                                  "commercial", md_level, False, "profile", "",
                                                  md_why)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)

    cal.nodes = sorted(nodes.values(), key=lambda n: (n.date, n.day, "SAB".index(n.level), n.id))

    # 春节 days and the courier stop
    ns = catalog.no_shipping
    first_off, last_off = no_shipping or (int(ns.get("start", -5)), int(ns.get("end", 7)))
    if first_off > last_off:
        raise InputError(f"no-shipping days {first_off}..{last_off} around 除夕 are reversed")
    for ly in range(start.year - 1, end.year + 1):
        c = chuxi(ly)
        if c is None:
            continue
        days = {k: c + dt.timedelta(days=i) for i, k in enumerate(SPRING_DAYS)}
        if days["chuqi"] < start - dt.timedelta(days=40) or c > end + dt.timedelta(days=40):
            continue
        cal.spring_festival[days["chuyi"].year] = days
        a, b = c + dt.timedelta(days=first_off), c + dt.timedelta(days=last_off)
        while a <= b:
            cal.no_shipping.add(a)
            a += ONE_DAY

    # what the plan must say
    window_years = [y for y in range(start.year, end.year + 1)]
    cal.estimated_years = [y for y in hol.estimated_years if y in window_years]
    if cal.estimated_years:
        ys = "、".join(map(str, cal.estimated_years)) if locale == "zh-CN" else \
            ", ".join(map(str, cal.estimated_years))
        cal.notes.append(
            f"{ys} 年的法定节假日尚未载入官方安排,按农历估算(放假天数按默认规则,未估算调休补班);"
            "国务院公布后请用节假日覆盖文件补上。" if locale == "zh-CN" else
            f"{ys}: the official holiday schedule is not loaded; holidays are estimated from the "
            "lunar calendar (days off by default rules, no make-up workdays); add the State "
            "Council's schedule with a holidays override file once published.")
    lo, hi = lunar_range()
    outside = [y for y in window_years if not lo < y <= hi]
    if outside:
        cal.notes.append(
            f"{outside[0]}–{outside[-1]} 年超出农历表(1900–2099),农历节日与节气未排入。"
            if locale == "zh-CN" else
            f"{outside[0]}–{outside[-1]} is outside the lunar table (1900–2099): lunar festivals "
            "and solar terms are left out.")
    return cal


# ---- campaigns --------------------------------------------------------------------------

def shape_campaigns(cal: MarketingCalendar, start: dt.date, end: dt.date,
                    big_days: Iterable[dt.date] = (), *, warmup_days: int = 3,
                    encore_days: int = 1, merge_within: int = 3) -> list[Campaign]:
    """S-level nodes as campaigns: 预热 (``warmup_days`` before the peak), 爆发 on the node's
    day, 返场 (``encore_days`` after), clipped to [start, end].

    A big activity day (the 30-day 大促) within ``merge_within`` days of an S node's peak is
    merged into that campaign (``merged_big_days``; the nearest S node takes it, ties go to
    the earlier node): the planner drops it as a separate activity. Warm-up and encore days
    never take another campaign's peak.
    """
    s_nodes = sorted({(n.day, n.id): n for n in cal.nodes
                      if n.level == "S" and start <= n.day <= end}.values(),
                     key=lambda n: (n.day, n.id))
    peaks = {n.day for n in s_nodes}
    absorbed: dict[tuple[dt.date, str], list[dt.date]] = {}
    for big in sorted(set(big_days)):
        near = [(abs((n.day - big).days), n.day, n.id) for n in s_nodes
                if abs((n.day - big).days) <= merge_within]
        if near:
            _, day, nid = min(near)
            absorbed.setdefault((day, nid), []).append(big)
    out = []
    shapes = {cid: c.campaign for cid, c in load_catalog().nodes.items() if c.campaign}
    for n in s_nodes:
        shape = shapes.get(n.id) or {}
        w, e = shape.get("warmup_days", warmup_days), shape.get("encore_days", encore_days)
        every = shape.get("every", 1)
        enc_steps = sorted({*range(every, e + 1, every), e} - {0}) if e else []
        warm = (n.day - dt.timedelta(days=k) for k in range(w, 0, -1))
        enc = (n.day + dt.timedelta(days=k) for k in enc_steps)
        out.append(Campaign(n, tuple(d for d in warm if start <= d <= end and d not in peaks),
                            n.day,
                            tuple(d for d in enc if start <= d <= end and d not in peaks),
                            tuple(absorbed.get((n.day, n.id), ()))))
    return out

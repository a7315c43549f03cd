"""The plan JSON contract as types: what ``Plan.as_dict()`` writes (``plan --format json``).

``model.py`` holds the dataclasses the stages pass on (``SopTask``, ``LifecycleTask``,
``Adjustment``, ``Diagnosis``, ``ChannelShare``); the parts of a plan that stay plain dicts
(nodes, campaigns, KPIs, the forecast …) are described here as ``TypedDict``s, and
``PlanJSON`` is the serialised plan itself, key by key in the order ``as_dict`` writes them.
``RULES`` adds what a type cannot say (enums from ``domain``, the ``HH:MM`` and date
patterns, bounds). ``sidomain schema plan`` builds its JSON Schema from exactly these
(``plan_schema``); tests validate real plans against it and check that ``as_dict`` and
the producers of each dict write the keys declared here, no more, no less.

This module is imported by the schema command and by tests, never when a plan is made
(``model.py`` names these types only in annotations).
"""

from __future__ import annotations

from typing import Any, TypedDict

from sidomain_cli.planning.model import (Adjustment, ChannelShare, Diagnosis, LifecycleTask,
                                         SopTask)

__all__ = ["PlanJSON", "RULES", "plan_schema", "NodeJSON", "CampaignJSON", "Workday", "Gap",
           "Acquisition", "Phase", "Kpi", "KpiDefinition", "Forecast", "Assumption",
           "ForecastWeek", "StaffLoad", "PerStore", "ForecastTotals",
           "Adjustment", "ChannelShare", "Diagnosis", "LifecycleTask", "SopTask"]


class NodeJSON(TypedDict):
    """A marketing node (营销节点) in the window: ``date``..``end_date`` is its span (a public
    holiday's days off), ``day`` the festival's own day (greetings, a campaign's peak)."""

    id: str
    name: str
    date: str
    end_date: str
    day: str
    kind: str
    tone: str
    level: str
    level_source: str
    estimated: bool
    source: str


class Workday(TypedDict):
    """An adjusted working day (调休 补班) in the window."""

    date: str
    name: str


class CampaignJSON(TypedDict):
    """An S-level node as a campaign: 预热 warm-up days, the 爆发 peak, 返场 encore days."""

    node: str
    node_id: str
    level: str
    warmup: list[str]
    peak: str
    encore: list[str]
    merged_big_days: list[str]
    tasks: list[str]


class Gap(TypedDict):
    """A channel the playbook uses that the brand does not have."""

    channel: str
    label: str
    role: str
    weight: float


class Acquisition(TypedDict):
    """An acquisition touchpoint (引流触点) the brand has, with its benchmark."""

    touchpoint: str
    label: str
    conversion: float | None
    source: str
    how: str


class Phase(TypedDict):
    id: str
    first_day: int
    last_day: int
    north_star: list[str]
    strategies: list[str]


class KpiDefinition(TypedDict):
    numerator: str
    denominator: str
    basis: str


class Kpi(TypedDict):
    name: str
    label: str
    target: float
    unit: str
    source: str
    definition: KpiDefinition
    count: int | None


class Assumption(TypedDict):
    """One input of the forecast and where it came from."""

    name: str
    value: float
    unit: str
    source: str


class ForecastWeek(TypedDict):
    week: int
    start_date: str
    members: int
    groups: int
    first_orders: int
    orders: int
    gmv: int


class StaffLoad(TypedDict):
    group_posts_per_group_per_day: float
    groups_per_store: int
    account_posts_per_day: float
    lifecycle_1v1_per_day: float
    manual_posts_per_staff_per_day: float
    bulk_confirmations_per_day: float
    minutes_per_staff_per_day: int


class PerStore(TypedDict):
    recruits_per_day: float
    members_at_end: int
    groups_at_end: int
    first_orders: int
    orders: int
    gmv: int


class ForecastTotals(TypedDict):
    recruits: int
    first_orders: int
    orders: int
    gmv: int


class Forecast(TypedDict):
    """Members, groups, first orders, orders and GMV by week, and the staff load."""

    assumptions: list[Assumption]
    weeks: list[ForecastWeek]
    staff_load: StaffLoad
    per_store: PerStore
    totals: ForecastTotals
    formula: str


class PlanJSON(TypedDict):
    """A sidomain plan (``sidomain plan --format json``)."""

    brand: str
    industry: str
    industry_pack: str
    locale: str
    start_date: str
    days: int
    timezone: str
    quiet_hours: str
    stores: int
    group_size: int
    store_type: str
    operating_model: str
    playbook: str
    diagnosis: Diagnosis
    notice: str | None
    channel_mix: list[ChannelShare]
    gaps: list[Gap]
    acquisition: list[Acquisition]
    phases: list[Phase]
    nodes: list[NodeJSON]
    workdays: list[Workday]
    campaigns: list[CampaignJSON]
    lifecycle: list[LifecycleTask]
    calendar: list[SopTask]
    kpis: list[Kpi]
    forecast: Forecast | None
    adjustments: list[Adjustment]
    notes: list[str]


def rules() -> dict[str, dict[str, dict[str, Any]]]:
    """What the types cannot say: type name → field → JSON Schema keywords.

    Enums come from the tables the planner itself uses (``domain``, ``playbook``,
    ``allocate.REASONS``), so a new channel or send method is in the schema at once."""
    from sidomain_cli.domain import (ACQUISITION, ACTIVITIES, CAMPAIGN_STAGES, CHANNELS,
                                     CONDITIONS, DISTURBANCES, GROUP_TYPES, LEVELS, LOCALES, MODELS,
                                     NODE_KINDS, NODE_TONES, PHASES, SCOPES, SEGMENTS,
                                     SEND_METHODS, STORE_TYPES, TRIGGERS)
    from sidomain_cli.planning.allocate import REASONS
    from sidomain_cli.playbook import METRICS, NAME_RE, OFFER_REFS
    from sidomain_cli.spec import TIME_RE
    from sidomain_cli.typeschema import DATE, enum

    hhmm = {"pattern": TIME_RE.pattern}
    name = {"pattern": NAME_RE}
    levels = enum(("S", "A", "B"))  # a node set to "off" is not in the plan
    metric = enum(METRICS, "")  # "" when a task names none and its phase has no north star
    share = {"minimum": 0, "maximum": 1}
    count = {"minimum": 0}
    day_of_plan = {"minimum": 1, "maximum": 366}
    priority = {"minimum": 0, "maximum": 100}
    dates = {"items": DATE}
    task = {"day": day_of_plan, "date": DATE, "time": hhmm, "channel": enum(CHANNELS),
            "phase": enum(PHASES), "activity": enum(ACTIVITIES), "segment": enum(SEGMENTS),
            "template": name, "metric": metric, "task": name, "send": enum(SEND_METHODS),
            "scope": enum(SCOPES), "offer": enum(OFFER_REFS), "stage": enum(CAMPAIGN_STAGES),
            "priority": priority}
    return {
        "PlanJSON": {"locale": enum(LOCALES), "start_date": DATE, "days": day_of_plan,
                     "quiet_hours": {"pattern": TIME_RE.pattern[:-1] + "-"
                                     + TIME_RE.pattern[1:]},
                     "stores": {"minimum": 1}, "group_size": {"minimum": 1},
                     "store_type": enum(STORE_TYPES), "operating_model": enum(MODELS),
                     "industry_pack": name, "playbook": name, "timezone": {"minLength": 1}},
        "Diagnosis": {"price_band": enum(LEVELS), "frequency_band": enum(LEVELS),
                      "store_type": enum(STORE_TYPES), "operating_model": enum(MODELS),
                      "group_type": enum(GROUP_TYPES), "avg_ticket": count,
                      "purchases_per_month": count, "industry_pack": name},
        "ChannelShare": {"channel": enum(CHANNELS), "share": share, "max_per_day": count,
                         "disturbance": enum(DISTURBANCES)},
        "Gap": {"channel": enum(CHANNELS), "weight": share},
        "Acquisition": {"touchpoint": enum(ACQUISITION), "conversion": share},
        "Phase": {"id": enum(PHASES), "first_day": day_of_plan, "last_day": day_of_plan,
                  "north_star": {"items": enum(METRICS)}},
        "NodeJSON": {"id": name, "date": DATE, "end_date": DATE, "day": DATE,
                     "kind": enum(NODE_KINDS), "tone": enum(NODE_TONES), "level": levels,
                     "level_source": {"pattern": r"^(default|profile|pack:[a-z][a-z0-9_]*)$"}},
        "Workday": {"date": DATE},
        "CampaignJSON": {"node_id": name, "level": levels, "warmup": dates, "peak": DATE,
                         "encore": dates, "merged_big_days": dates, "tasks": {"items": name}},
        "SopTask": task,
        "LifecycleTask": {**{k: v for k, v in task.items() if k not in (
                              "day", "date", "phase", "activity", "stage")},
                          "offset_day": {"minimum": 0, "maximum": 366},
                          "trigger": enum(TRIGGERS), "condition": enum(CONDITIONS)},
        "Adjustment": {"task": name, "action": enum(("left_out", "demoted")),
                       "reason": enum(REASONS),
                       # a dated task's day, or "+N": the day of a lifecycle step
                       "date": {"pattern": r"^(\d{4}-\d{2}-\d{2}|\+\d+)$"}},
        "Kpi": {"name": enum(METRICS), "count": count},
        "KpiDefinition": {"basis": enum(("period", "cohort"))},
        "Assumption": {"source": enum(("profile", "pack", "method", "default"))},
        "ForecastWeek": {"week": {"minimum": 1}, "start_date": DATE, "members": count,
                         "groups": count, "first_orders": count, "orders": count,
                         "gmv": count},
    }


def plan_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``sidomain plan --format json``."""
    from sidomain_cli.typeschema import Builder

    b = Builder(rules(), namespace=globals())
    root = b.object(PlanJSON)
    return b.document(
        root, id="urn:sidomain:schema:plan", title="sidomain plan (运营方案)",
        description="The output of `sidomain plan --format json`. Generated from the "
                    "planner's own types (sidomain_cli/planning/contract.py).")

"""The words of a plan: the typed objects the stages pass on and the JSON contract.

``Plan.as_dict()`` is what ``plan --format json`` prints (README, "The JSON contract").
The dict-shaped parts (nodes, campaigns, KPIs, forecast …) and the serialised plan are typed
in ``contract.py``, with the constraints ``sidomain schema plan`` adds (enums, patterns):
change a field here or there and the schema follows; the tests say where they disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: contract.py is not imported when a plan is made
    from sidomain_cli.planning.contract import (Acquisition, CampaignJSON, Forecast, Gap, Kpi,
                                                NodeJSON, Phase, PlanJSON, Workday)


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
    industry_pack: str = "general"
    pack_reason: str = ""


@dataclass(frozen=True)
class ChannelShare:
    channel: str
    label: str
    role: str
    share: float
    max_per_day: int
    disturbance: str


@dataclass
class SopTask:
    """One row of the group calendar (SOP任务): a date, a time, a channel, an action."""

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
    scope: str = "group"
    offer: str | None = None
    stage: str | None = None
    priority: int = 50

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LifecycleTask:
    """One step of the member's own clock (客户SOP, "添加后第N天")."""

    task: str
    offset_day: int
    time: str | None  # None: an automatic welcome goes out when the member joins
    channel: str
    segment: str
    action: str
    template: str
    message: str
    send: str
    scope: str
    metric: str
    trigger: str
    condition: str | None = None
    offer: str | None = None
    priority: int = 85

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Adjustment:
    """What a cap or a rule did to a task, and why (the notes say the same)."""

    task: str
    date: str
    action: str  # left_out | demoted
    reason: str

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
    gaps: list[Gap]
    acquisition: list[Acquisition]
    calendar: list[SopTask]
    kpis: list[Kpi]
    nodes: list[NodeJSON]
    phases: list[Phase]
    notes: list[str] = field(default_factory=list)
    notice: str = ""
    industry_pack: str = "general"
    lifecycle: list[LifecycleTask] = field(default_factory=list)
    workdays: list[Workday] = field(default_factory=list)
    campaigns: list[CampaignJSON] = field(default_factory=list)
    forecast: Forecast | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    stores: int = 1
    group_size: int = 200

    def as_dict(self) -> PlanJSON:
        """The plan JSON; its keys and their order are ``contract.PlanJSON``'s."""
        d = self.diagnosis
        return {
            "brand": self.brand,
            "industry": self.industry,
            "industry_pack": self.industry_pack,
            "locale": self.locale,
            "start_date": self.start_date.isoformat(),
            "days": self.days,
            "timezone": self.timezone,
            "quiet_hours": self.quiet_hours,
            "stores": self.stores,
            "group_size": self.group_size,
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
            "workdays": self.workdays,
            "campaigns": self.campaigns,
            "lifecycle": [t.as_dict() for t in self.lifecycle],
            "calendar": [t.as_dict() for t in self.calendar],
            "kpis": self.kpis,
            "forecast": self.forecast,
            "adjustments": [a.as_dict() for a in self.adjustments],
            "notes": self.notes,
        }

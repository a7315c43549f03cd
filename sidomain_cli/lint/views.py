"""Tolerant views of a playbook for the calendar rules.

A playbook under lint may be half broken.  The view keeps only the parts that pass
the schema (a task with a bad field is left to the S rules), so calendar rules can
reason about the rest without guarding every access.  Day expansion and the cap
simulation reuse the planner's own functions, so lint and plan cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sidomain_cli.domain import DEFAULT_CAPS, SEGMENT_AUDIENCES
from sidomain_cli.playbook import (MAX_TASKS, METHOD_SPEC, PLAYBOOK_SPEC, TASK_SPEC, Phase,
                                   TaskPattern, task_from_dict)
from sidomain_cli.planning.packs import PACK_SPEC
from sidomain_cli.profile import PROFILE_SPEC
from sidomain_cli.yamlio import Doc

SPECS = {"profile": PROFILE_SPEC, "playbook": PLAYBOOK_SPEC, "method": METHOD_SPEC,
         "industry_pack": PACK_SPEC}
DEFAULT_DAYS = 60


def _check(spec, value, key, doc: Doc) -> bool:
    return next(iter(spec.check(value, key, doc)), None) is None


@dataclass
class Run:
    """One task on one plan day, as the planner would consider it."""

    task: TaskPattern
    day: int
    activity: str | None  # None for routine days, else small/big/node


@dataclass
class PlaybookView:
    id: str
    group_type: str
    days: int | None  # None when `days` itself is broken
    caps: dict[str, int]
    caps_given: dict[str, Any]
    key_days: tuple[int, ...]
    small_every: int
    big_every: int
    channels: dict[str, dict[str, Any]] | None
    phases: tuple[Phase, ...]
    tasks: list[TaskPattern] = field(default_factory=list)

    @classmethod
    def build(cls, ctx) -> PlaybookView | None:
        data, doc = ctx.data, ctx.doc
        if not isinstance(data, dict):
            return None
        fields = PLAYBOOK_SPEC.fields
        broken = bool(ctx.schema_problems)  # usually not: then every part is valid

        def _valid(spec, value, key, doc) -> bool:
            return not broken or _check(spec, value, key, doc)

        def good(name: str, default: Any) -> Any:
            v = data.get(name, default)
            return v if name not in data or _valid(fields[name], v, (name,), doc) else default

        days = data.get("days", DEFAULT_DAYS)
        if not _valid(fields["days"], days, ("days",), doc):
            days = None
        caps_given = good("caps", {}) or {}
        rhythm = good("rhythm", {}) or {}
        phases = []
        for i, p in enumerate(data.get("phases") or () if isinstance(data.get("phases"), list)
                              else ()):
            if _valid(fields["phases"].item, p, ("phases", i), doc) and p["days"][0] <= p["days"][1]:
                phases.append(Phase(p["id"], p["days"][0], p["days"][1], tuple(p["north_star"])))
        tasks = []
        raw_tasks = data.get("tasks")
        if not isinstance(raw_tasks, list) or len(raw_tasks) > MAX_TASKS:
            raw_tasks = []  # S004 names the count; plan refuses it before any calendar
        for i, t in enumerate(raw_tasks):
            if not _valid(TASK_SPEC, t, ("tasks", i), doc):
                continue
            tasks.append(task_from_dict(t, i))
        channels = good("channels", None)
        pid = data.get("id") if isinstance(data.get("id"), str) else ""
        gtype = good("group_type", "info_flow")
        return cls(id=pid, group_type=gtype, days=days, caps={**DEFAULT_CAPS, **caps_given},
                   caps_given=caps_given, key_days=tuple(good("key_days", []) or ()),
                   small_every=rhythm.get("small_every", 7), big_every=rhythm.get("big_every", 30),
                   channels=channels, phases=tuple(phases), tasks=tasks)

    # -- the calendar, as far as a playbook alone decides it ------------------------------
    def activity_days(self, kind: str) -> set[int]:
        every = self.small_every if kind == "small" else self.big_every
        return set(range(every, (self.days or 0) + 1, every))

    def phase_of(self, day: int) -> str | None:
        from sidomain_cli.planner import phase_of

        return phase_of(self, day).id if self.phases else None

    def runs(self, task: TaskPattern) -> list[Run]:
        """Days the task runs on (node tasks: none — node dates come from the profile)."""
        n = self.days or 0
        if task.on in ("small", "small_preview", "big"):
            days, act = sorted(self.activity_days("big" if task.on == "big" else "small")), task.on
        elif task.on:  # node, campaign and member-day dates come from the profile
            return []
        elif task.days:
            days, act = sorted(d for d in task.days if d <= n), None
        else:
            days, act = list(range(task.start, min(task.end or n, n) + 1, task.every or 1)), None
        if task.phase:
            days = [d for d in days if self.phase_of(d) == task.phase]
        return [Run(task, d, act) for d in days]

    def is_key_day(self, day: int) -> bool:
        # as in planner.build_calendar: big activity days, node days and key_days
        return day in self.key_days or day in self.activity_days("big")

    @property
    def daily_one_on_one(self) -> bool:
        from sidomain_cli.planner import daily_one_on_one

        return daily_one_on_one(self.id, self.group_type)

    def simulate(self, caps: dict[str, int]):
        """The planner's cap pass over every routine and activity run of the playbook.

        Returns (candidates, kept): ``_apply_caps`` itself decides what is dropped and
        which company bulk sends become staff reminders.  1v1 runs on non-key days are
        left out first, as the planner does.
        """
        from sidomain_cli.planning.allocate import allocate
        from sidomain_cli.planning.schedule import Run as PlanRun

        from sidomain_cli.planning.limits import MAX_CANDIDATES

        cands = []
        for t in self.tasks:
            for r in self.runs(t):
                if t.channel == "wecom_1v1" and not self.one_on_one_allowed(t, r.day):
                    continue
                cands.append(PlanRun(t, r.day, t.time or "", r.activity, t.send))
            if len(cands) > MAX_CANDIDATES:  # plan refuses such a playbook outright
                return [], []
        originals = [(c, c.send) for c in cands]
        kept = allocate(list(cands), self.channels or {}, {**DEFAULT_CAPS, **caps}).kept
        return originals, kept

    def one_on_one_allowed(self, task: TaskPattern, day: int) -> bool:
        """As the planner: any day in the 1V1 model or for the loyal core, else key days."""
        return self.daily_one_on_one or self.is_key_day(day) or \
            SEGMENT_AUDIENCES.get(task.segment, frozenset()) <= {"loyal"}

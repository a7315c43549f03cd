"""Playbooks (运营剧本) and the method file, as validated data.

A playbook is one operating model's channel roles, caps, phases with north-star
metrics, task patterns and activity rhythm.  ``PLAYBOOK_SPEC`` drives validation,
``sidomain schema playbook`` and the lint schema rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sidomain_cli.domain import (CAP_KEYS, CHANNELS, CONDITIONS, DAYPARTS, DEFAULT_CAPS,
                                 DISTURBANCES, GROUP_TYPES, LOCALES, MODELS, PHASES, SEGMENTS,
                                 SEND_METHODS, STORE_TYPES, TRIGGERS, text)
from sidomain_cli.errors import InputError, problems_error
from sidomain_cli.profile import OFFER_KEYS
from sidomain_cli.spec import (BAD_VALUE, Bool, Date, DictOf, Enum, ListOf, Localized, Map,
                               Nullable, Num, Str, Time)
from sidomain_cli.yamlio import Doc, load_yaml

METRICS = ("group_retention_7d", "mini_program_diversion_rate", "group_consumption_rate",
           "diversion_rate", "first_order_rate", "interaction_rate", "content_seeding",
           "social_power", "repurchase_ratio")


NAME_RE = r"^[a-z][a-z0-9_]*$"
MAX_TASKS = 1_000  # task patterns in a playbook; the built-in ones have about twenty

# When a dated task runs: routine (days/every), or on the days of an activity or node.
WHEN = {
    "small": "the weekly small activity (every `rhythm.small_every` days)",
    "small_preview": "the morning of a small activity, to announce it",
    "big": "the monthly big activity (every `rhythm.big_every` days; merged into an S node "
           "within a few days)",
    "node": "A-level node days (and B with `levels: [A, B]`), by the node's tone",
    "warmup": "the warm-up days before an S-level node (预热)",
    "peak": "the day of an S-level node (爆发)",
    "encore": "the days after an S-level node (返场)",
    "member_day": "the brand's member day (only if the profile has one)",
    "member_day_eve": "the day before the member day",
}
OFFER_REFS = OFFER_KEYS + ("deals",)

_COMMON = {
    "id": Str(pattern=NAME_RE, pattern_help="a lower-case id like welcome_gift", max_len=60,
              doc="Stable task id (unique in the playbook)."),
    "time": Time(doc="Local time of the task (or give `daypart`)."),
    "daypart": Enum(DAYPARTS, doc="Part of the day; the industry pack gives its send time."),
    "channel": Enum(tuple(CHANNELS), doc="Reach channel."),
    "segment": Enum(tuple(SEGMENTS), doc="User segment (domain.md §6)."),
    "send": Enum(tuple(SEND_METHODS), doc="How it goes out: " + ", ".join(SEND_METHODS)
                 + " (only company_bulk counts against WeCom's caps)."),
    "action": Localized(max_len=200, doc="What to do, for the person doing it."),
    "template": Str(pattern=r"^[a-z][a-z0-9_]*\Z", pattern_help="a template name",
                    max_len=80, doc="Copy pool under templates/<locale>/ (one .j2 file)."),
    "rotate": ListOf(Str(pattern=r"^[a-z][a-z0-9_]*\Z", pattern_help="a template name",
                         max_len=80), min_items=1,
                     doc="Copy pools taken in turn, run by run (a content rotation)."),
    "offer": Enum(OFFER_REFS, doc="The offer the copy quotes (its audience must fit the "
                                  "segment)."),
    "metric": Enum(METRICS, doc="North-star metric (default: the phase's first)."),
    "priority": Num(integer=True, minimum=0, maximum=100,
                    doc="Higher wins when a cap forces a choice (default 50)."),
}

TASK_SPEC = Map(
    fields={
        **_COMMON,
        "days": ListOf(Num(integer=True, minimum=1, maximum=366), min_items=1, unique=True,
                       doc="Run on these plan days (1-based)."),
        "every": Num(integer=True, minimum=1, maximum=366, doc="Run every N days …"),
        "from": Num(integer=True, minimum=1, maximum=366, doc="… starting on this day (default 1)"),
        "to": Num(integer=True, minimum=1, maximum=366, doc="… up to this day (default: the end)"),
        "when": Enum(tuple(WHEN), doc="Run on activity or node days: " + "; ".join(
            f"`{k}` {v}" for k, v in WHEN.items()) + "."),
        "levels": ListOf(Enum(("S", "A", "B")), min_items=1, unique=True,
                         doc="Node levels a `when: node` task runs on (default [A])."),
        "announce": Str(pattern=NAME_RE, pattern_help="a task id", max_len=60,
                        doc="The task this one announces ahead (its time is `event_time`)."),
        "once": Bool(doc="With `when: warmup` or `encore`: only on a campaign's first such "
                         "day (one 1v1 preview per campaign, not one a day)."),
        "phase": Enum(tuple(PHASES), doc="Only run in this phase."),
    },
    required=("id", "channel", "action"),
    one_of=(("days", "every", "when"), ("time", "daypart"), ("template", "rotate")),
)

LIFECYCLE_SPEC = Map(
    fields={
        **_COMMON,
        "offset_day": Num(integer=True, minimum=0, maximum=366,
                          doc="Days after the trigger (0 = the same day)."),
        "trigger": Enum(tuple(TRIGGERS), doc="What starts the clock: " + ", ".join(TRIGGERS)
                        + "."),
        "condition": Enum(tuple(CONDITIONS), doc="Only if: no_order (has not ordered yet)."),
    },
    required=("id", "offset_day", "trigger", "channel", "action"),
    one_of=(("time", "daypart"), ("template", "rotate")),
)

PLAYBOOK_SPEC = Map(
    fields={
        "kind": Enum(("playbook",), doc="Always `playbook`."),
        "id": Str(pattern=NAME_RE, pattern_help="a lower-case id", max_len=60,
                  doc="Playbook id (the built-ins are the operating models)."),
        "name": Localized(max_len=80, doc="Display name."),
        "group_type": Enum(GROUP_TYPES, doc="Kind of group (domain.md §3)."),
        "days": Num(integer=True, minimum=1, maximum=366, doc="Length of the SOP in days."),
        "notice": Localized(max_len=1000, doc="A warning shown at the top of the plan."),
        "caps": DictOf(Num(integer=True, minimum=0, maximum=100), keys=CAP_KEYS,
                       doc="Per-day/week caps (defaults: moments 3, company bulk 1)."),
        "key_days": ListOf(Num(integer=True, minimum=1, maximum=366), unique=True,
                           doc="Lifecycle days on which 1v1 chat is allowed."),
        "rhythm": Map({"small_every": Num(integer=True, minimum=1, maximum=366),
                       "big_every": Num(integer=True, minimum=1, maximum=366)},
                      doc="Small activity every N days, big every M days."),
        "channels": DictOf(Map({
            "role": Localized(max_len=200),
            "weight": Num(minimum=0, maximum=1),
            "max_per_day": Num(integer=True, minimum=0, maximum=100),
            "disturbance": Enum(DISTURBANCES),
        }, required=("role", "weight", "max_per_day", "disturbance")), keys=tuple(CHANNELS),
            doc="Channel roles, share weights, daily caps and disturbance."),
        "phases": ListOf(Map({
            "id": Enum(tuple(PHASES)),
            "days": ListOf(Num(integer=True, minimum=1, maximum=366), min_items=2, max_items=2),
            "north_star": ListOf(Enum(METRICS), min_items=0),
            "strategies": DictOf(ListOf(Str(max_len=80)), keys=LOCALES),
        }, required=("id", "days", "north_star")), min_items=1, doc="Phases with north-star metrics."),
        "offers": DictOf(Localized(max_len=120), keys=OFFER_KEYS,
                         doc="Offer texts this playbook quotes over the industry pack's (the "
                             "profile's win). The built-in playbooks have none."),
        "tasks": ListOf(TASK_SPEC, min_items=1, max_items=MAX_TASKS,
                        doc=f"Dated task patterns (the group calendar; at most {MAX_TASKS:,})."),
        "lifecycle": ListOf(LIFECYCLE_SPEC, min_items=0,
                            doc="Per-member tasks on the member's own clock (客户SOP)."),
        "kpis": ListOf(Map({
            "name": Enum(METRICS),
            "target": Num(minimum=0),
            "unit": Str(max_len=40),
            "source": Enum(("youzan", "miniso", "weiban", "default")),
        }, required=("name", "target", "unit", "source")), doc="KPI targets."),
    },
    required=("kind", "id", "name", "days", "channels", "phases", "tasks"),
)



@dataclass(frozen=True)
class TaskPattern:
    """One SOP task pattern (任务模板): when, where, for whom, what."""

    id: str
    time: str | None
    channel: str
    action: Any
    template: str
    segment: str = "all"
    send: str = "company_bulk"
    days: tuple[int, ...] = ()
    every: int | None = None
    start: int = 1
    end: int | None = None
    on: str | None = None
    metric: str | None = None
    priority: int = 50
    phase: str | None = None
    index: int = 0  # position in the playbook, for stable ordering and lint positions
    daypart: str | None = None
    rotate: tuple[str, ...] = ()  # pools taken in turn; () = just `template`
    offer: str | None = None
    levels: tuple[str, ...] = ("A",)
    announce: str | None = None
    once: bool = False
    # lifecycle tasks (客户SOP): the member's own clock
    offset_day: int | None = None
    trigger: str | None = None
    condition: str | None = None

    @property
    def pools(self) -> tuple[str, ...]:
        return self.rotate or (self.template,)


@dataclass(frozen=True)
class Phase:
    """阶段: a day range with its north-star metrics."""

    id: str
    first: int
    last: int
    north_star: tuple[str, ...]
    strategies: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Playbook:
    id: str
    path: str
    name: Any
    days: int
    group_type: str
    caps: dict[str, int]
    key_days: tuple[int, ...]
    small_every: int
    big_every: int
    channels: dict[str, dict[str, Any]]
    phases: tuple[Phase, ...]
    tasks: tuple[TaskPattern, ...]
    lifecycle: tuple[TaskPattern, ...]
    offers: dict[str, Any]
    kpis: tuple[dict[str, Any], ...]
    notice: Any = None
    doc: Doc | None = None

    def display_name(self, locale: str) -> str:
        return text(self.name, locale)


def task_from_dict(t: dict[str, Any], index: int) -> TaskPattern:
    """A validated task mapping (a dated task or a lifecycle task) as a TaskPattern."""
    rotate = tuple(t.get("rotate") or ())
    return TaskPattern(
        id=t["id"], time=t.get("time"), channel=t["channel"], action=t["action"],
        template=t.get("template") or rotate[0], segment=t.get("segment", "all"),
        send=t.get("send", "company_bulk"), days=tuple(t.get("days") or ()),
        every=t.get("every"), start=t.get("from", 1), end=t.get("to"), on=t.get("when"),
        metric=t.get("metric"), priority=t.get("priority", 50), phase=t.get("phase"),
        index=index, daypart=t.get("daypart"), rotate=rotate, offer=t.get("offer"),
        levels=tuple(t.get("levels") or ("A",)), announce=t.get("announce"),
        once=bool(t.get("once", False)), offset_day=t.get("offset_day"), trigger=t.get("trigger"), condition=t.get("condition"))


def playbook_from_doc(doc: Doc) -> Playbook:
    problems = list(doc.duplicates)
    data = doc.data
    if data is None:
        raise problems_error([doc.problem((), "playbook is empty", code="S001")])
    problems.extend(PLAYBOOK_SPEC.check(data, (), doc))
    if problems:
        raise problems_error(problems)
    seen: set[str] = set()
    tasks: list[TaskPattern] = []
    lifecycle: list[TaskPattern] = []
    for section, out in (("tasks", tasks), ("lifecycle", lifecycle)):
        for i, t in enumerate(data.get(section) or ()):
            if t["id"] in seen:
                problems.append(doc.problem((section, i, "id"), f"duplicate task id '{t['id']}'",
                                            code="P005", value=True))
            seen.add(t["id"])
            out.append(task_from_dict(t, i if section == "tasks" else 1000 + i))
    phases = []
    for i, p in enumerate(data["phases"]):
        a, b = p["days"]
        if a > b:
            problems.append(doc.problem(("phases", i, "days"), f"phase '{p['id']}' ends before "
                                        "it starts", code=BAD_VALUE, value=True))
        phases.append(Phase(p["id"], a, b, tuple(p["north_star"]), dict(p.get("strategies") or {})))
    if problems:
        raise problems_error(problems)
    rhythm = data.get("rhythm") or {}
    return Playbook(
        id=data["id"], path=doc.path, name=data["name"], days=data["days"],
        group_type=data.get("group_type", "info_flow"),
        caps={**DEFAULT_CAPS, **(data.get("caps") or {})},
        key_days=tuple(data.get("key_days") or ()),
        small_every=rhythm.get("small_every", 7), big_every=rhythm.get("big_every", 30),
        channels={k: dict(v) for k, v in data["channels"].items()},
        phases=tuple(phases), tasks=tuple(tasks), lifecycle=tuple(lifecycle),
        offers=dict(data.get("offers") or {}),
        kpis=tuple(data.get("kpis") or ()), notice=data.get("notice"), doc=doc)


def resolve_playbook(name_or_path: str) -> Path:
    """A built-in name (``tiered``) or a path to a YAML file."""
    from sidomain_cli.resources import builtin_playbooks

    builtins = builtin_playbooks()
    if name_or_path in builtins:
        return builtins[name_or_path]
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists() or "/" in name_or_path:
        return p
    import difflib

    near = difflib.get_close_matches(name_or_path, list(builtins), n=1)
    raise InputError(f"unknown playbook '{name_or_path}'",
                     hint=(f"did you mean '{near[0]}'? " if near else "")
                     + "built-in: " + ", ".join(builtins) + "; or give a path to a YAML file")


def profile_playbook(value: str, profile_path: str | Path) -> tuple[Path | None, str, str]:
    """Where a profile's ``playbook:`` leads — one rule for ``plan`` and ``lint`` (B003).

    A built-in name, or a YAML path resolved against the profile's folder (not the folder
    ``plan`` runs in) that stays inside it: a client's profile cannot make sidomain read
    ``/etc/passwd``, and a missing file gets no "did you mean" from outside the folder.
    Returns (path, "", "") or (None, message, hint).
    """
    import difflib
    import os

    from sidomain_cli.resources import builtin_playbooks

    builtins = builtin_playbooks()
    if value in builtins:
        return builtins[value], "", ""
    if not (value.endswith((".yaml", ".yml")) or "/" in value or "\\" in value):
        near = difflib.get_close_matches(value, list(builtins), n=1)
        return None, f"unknown playbook '{value}'", ((f"did you mean '{near[0]}'? " if near
                                                      else "") + "built-in: "
                                                     + ", ".join(builtins))
    folder = Path(profile_path).parent
    path = folder / value
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    if Path(value).is_absolute() or real == root or not real.is_relative_to(root):
        return None, f"playbook file '{value}' is outside the profile's folder", \
            "put the playbook beside the profile (or below it), or pass --playbook"
    if not path.is_file():
        return None, f"playbook file '{value}' not found", \
            "a path in a profile is relative to the profile's folder"
    return path, "", ""


def load_profile_playbook(profile, *, encoding: str | None = None) -> Playbook:
    """The playbook a profile names (see :func:`profile_playbook`), read as a stranger's."""
    path, message, hint = profile_playbook(profile.playbook, profile.path)
    if path is None:
        line, column = profile.playbook_at
        raise InputError(f"B003 {message}", path=profile.path, line=line, column=column,
                         hint=hint)
    from sidomain_cli.resources import builtin_playbooks

    within = None if path in builtin_playbooks().values() else Path(profile.path).parent
    return playbook_from_doc(load_yaml(path, what="playbook", encoding=encoding,
                                       within=within))


def load_playbook(name_or_path: str, *, encoding: str | None = None) -> Playbook:
    return playbook_from_doc(load_yaml(resolve_playbook(name_or_path), what="playbook",
                                       encoding=encoding))


# ---- the method file: thresholds, grid, nodes, acquisition ------------------------

METHOD_SPEC = Map(
    fields={
        "kind": Enum(("method",)),
        "thresholds": Map({
            "price": Map({"mid_from": Num(minimum=0, exclusive_min=True),
                          "high_from": Num(minimum=0, exclusive_min=True)},
                         required=("mid_from", "high_from")),
            "frequency": Map({"mid_from": Num(minimum=0, exclusive_min=True),
                              "high_from": Num(minimum=0, exclusive_min=True)},
                             required=("mid_from", "high_from")),
        }, required=("price", "frequency")),
        "grid": DictOf(Map({
            "model": Enum(tuple(MODELS)),
            "named": Bool(),
            "group_type": Enum(GROUP_TYPES),
            "why": Localized(max_len=600),
        }, required=("model", "why")), keys=STORE_TYPES),
        "group_types": DictOf(Localized(max_len=200)),
        "member_day_name": Localized(max_len=40),
        "acquisition": DictOf(Map({"conversion": Nullable(Num(minimum=0, maximum=1)),
                                   "source": Localized(max_len=300),
                                   "how": Localized(max_len=300)},
                                  required=("source",))),
        "offer_audiences": DictOf(Map({"audience": Enum(("new", "loyal", "silent", "all")),
                                       "window": Enum(("member_day",))},
                                      required=("audience",)), keys=OFFER_KEYS + ("deals",)),
        "greetings_only": ListOf(Str(max_len=60), min_items=0, unique=True,
                                 doc="Node ids whose day gets greetings only (no activity, "
                                     "deal or live)."),
        "member_day_pauses": ListOf(Str(max_len=60), min_items=0, unique=True,
                                    doc="Holiday node ids whose days off get no member day "
                                        "(full-price peak demand or closed stores)."),
        "copy_rules": Map({"repeat_window_days": Num(integer=True, minimum=0, maximum=366),
                           "max_repeats": Num(integer=True, minimum=1, maximum=366)}),
        "campaign": Map({"warmup_days": Num(integer=True, minimum=0, maximum=30),
                         "encore_days": Num(integer=True, minimum=0, maximum=30),
                         "merge_within": Num(integer=True, minimum=0, maximum=30)}),
        "forecast": Map({"recruits_per_store_per_day": Num(minimum=0, maximum=100_000),
                         "weekly_churn": Num(minimum=0, maximum=1),
                         "friend_share": Num(minimum=0, maximum=1),
                         "staff_minutes_per_post": Num(minimum=0, maximum=600),
                         "node_order_uplift": Map({lv: Num(minimum=0, maximum=20)
                                                   for lv in ("S", "A", "B")}),
                         "half_day_factor": Num(minimum=0, maximum=1)}),
        "date": Date(),
    },
    required=("kind", "thresholds", "grid"),
)


@dataclass
class Method:
    """The method file: thresholds, grid, nodes, acquisition benchmarks."""

    path: str
    price_mid: float
    price_high: float
    freq_mid: float
    freq_high: float
    grid: dict[str, dict[str, Any]]
    group_types: dict[str, Any]
    member_day_name: Any
    acquisition: dict[str, dict[str, Any]]
    offer_audiences: dict[str, dict[str, str]] = field(default_factory=dict)
    copy_rules: dict[str, int] = field(default_factory=dict)
    greetings_only: tuple[str, ...] = ()
    member_day_pauses: tuple[str, ...] = ("spring_festival",)
    campaign: dict[str, int] = field(default_factory=dict)
    forecast: dict[str, float] = field(default_factory=dict)


def method_from_doc(doc: Doc) -> Method:
    problems = list(doc.duplicates)
    if doc.data is None:
        raise problems_error([doc.problem((), "method file is empty", code="S001")])
    problems.extend(METHOD_SPEC.check(doc.data, (), doc))
    if problems:
        raise problems_error(problems)
    d = doc.data
    th = d["thresholds"]
    for band in ("price", "frequency"):
        if th[band]["mid_from"] >= th[band]["high_from"]:
            raise problems_error([doc.problem(("thresholds", band, "high_from"),
                                              f"{band}: high_from must be above mid_from",
                                              code=BAD_VALUE, value=True)])
    missing = [st for st in STORE_TYPES if st not in d["grid"]]
    if missing:
        raise problems_error([doc.problem(("grid",), "grid lacks store type(s): "
                                          + ", ".join(missing), code="S001")])
    return Method(
        path=doc.path,
        price_mid=th["price"]["mid_from"], price_high=th["price"]["high_from"],
        freq_mid=th["frequency"]["mid_from"], freq_high=th["frequency"]["high_from"],
        grid=d["grid"], group_types=d.get("group_types") or {},
        member_day_name=d.get("member_day_name", {"zh-CN": "会员日", "en": "member day"}),
        acquisition=d.get("acquisition") or {},
        offer_audiences=dict(d.get("offer_audiences") or {}),
        greetings_only=tuple(d.get("greetings_only") or ()),
        member_day_pauses=tuple(d.get("member_day_pauses", ("spring_festival",)) or ()),
        copy_rules={"repeat_window_days": 14, "max_repeats": 5, **(d.get("copy_rules") or {})},
        campaign={"warmup_days": 3, "encore_days": 1, "merge_within": 3,
                  **(d.get("campaign") or {})},
        forecast={"recruits_per_store_per_day": 30, "weekly_churn": 0.03, "friend_share": 0.7,
                  "staff_minutes_per_post": 2, "node_order_uplift": {"S": 1.5, "A": 1.2},
                  "half_day_factor": 0.5, **(d.get("forecast") or {})},
    )


def load_method(path: str | Path | None = None, *, encoding: str | None = None) -> Method:
    from sidomain_cli.resources import playbooks_dir

    if path is None:  # the built-in one is UTF-8, whatever --encoding says of the user's files
        path, encoding = playbooks_dir() / "method.yaml", None
    return method_from_doc(load_yaml(path, what="method file", encoding=encoding))

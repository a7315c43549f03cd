"""The rule table: code → module.  Adding a rule is adding one module and one row here.

Each rule module defines ``CODE``, ``NAME``, ``SEVERITY``, ``KINDS`` (file kinds it
checks: profile, playbook, method, industry_pack, template), ``SUMMARY``, a docstring with the sections
*What it does*, *Why it matters*, *Failing example*, *Passing example* (shown by
``sidomain rules CODE``), and ``check(ctx)`` yielding :class:`~sidomain_cli.errors.Problem`
objects made with ``ctx.report(...)``.  Codes are stable and never reused.

Families: ``S`` schema (every YAML kind), ``B`` brand profiles, ``P`` playbooks,
``T`` templates and messages, ``C`` compliance and content (the copy of the plan a
profile gets).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Callable, Iterator

TABLE: dict[str, str] = {
    # S: schema, shared with `sidomain plan`'s validation (sidomain_cli/spec.py)
    "S000": "yaml_syntax",
    "S001": "missing_field",
    "S002": "wrong_type",
    "S003": "unknown_key",
    "S004": "bad_value",
    "S005": "duplicate_key",
    # B: brand profiles
    "B001": "unknown_timezone",
    "B002": "empty_quiet_hours",
    "B003": "unknown_playbook",
    "B004": "profile_caps_over_platform",
    # P: playbooks (calendar sanity)
    "P001": "day_outside_playbook",
    "P002": "time_in_quiet_hours",
    "P003": "too_many_moments",
    "P004": "one_on_one_off_key_day",
    "P005": "duplicate_task_id",
    "P006": "bulk_over_wecom_cap",
    "P007": "phase_without_north_star",
    "P008": "channel_not_in_playbook",
    # T: templates and messages
    "T001": "template_not_found",
    "T002": "template_syntax",
    "T003": "unknown_variable",
    "T004": "message_too_long",
    "T005": "template_refused",
    # C: compliance
    "C001": "absolute_terms",
    # C: content of the plan a profile gets (planning/checks.py, issue 9 item 7)
    "C002": "copy_repeated",
    "C003": "ops_jargon",
    "C004": "half_width_punctuation",
    "C005": "solemn_node_tone",
    "C006": "commercial_node_greeting",
    "C007": "offer_wrong_audience",
    "C008": "member_day_offer_off_day",
    "C009": "other_trade_wording",
    "C010": "staff_post_in_service_peak",
}

FAMILIES = {"S": "schema", "B": "brand profiles", "P": "playbooks",
            "T": "templates and messages",
            "C": "compliance and content"}
DOC_SECTIONS = ("What it does", "Why it matters", "Failing example", "Passing example")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    kinds: tuple[str, ...]
    summary: str
    doc: str
    check: Callable[..., Iterator]
    module: ModuleType


@lru_cache(maxsize=None)
def all_rules() -> dict[str, Rule]:
    rules = {}
    for code, modname in TABLE.items():
        mod = importlib.import_module(f"{__name__}.{modname}")
        if mod.CODE != code:  # a table row must point at its own module
            raise RuntimeError(f"rule table: {code} → {modname} defines {mod.CODE}")
        rules[code] = Rule(code, mod.NAME, mod.SEVERITY, tuple(mod.KINDS), mod.SUMMARY,
                           (mod.__doc__ or "").strip(), mod.check, mod)
    return rules


def matches(code: str, selectors: tuple[str, ...]) -> bool:
    return any(code.startswith(s) for s in selectors)


def valid_selector(sel: str) -> bool:
    return sel == "ALL" or any(code.startswith(sel) for code in TABLE)


def selected(select: tuple[str, ...], ignore: tuple[str, ...]) -> list[Rule]:
    """Rules to run: ``select`` (default all) minus ``ignore``; prefixes allowed."""
    sel = tuple("" if s == "ALL" else s for s in select) or ("",)
    ign = tuple("" if s == "ALL" else s for s in ignore)
    return [r for c, r in all_rules().items() if matches(c, sel) and not (ign and matches(c, ign))]

"""The brand profile (品牌档案): what the business is, read from YAML.

``PROFILE_SPEC`` is the single source for validation, ``sidomain schema profile``
and the README's field table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sidomain_cli.domain import CAP_KEYS, CLOSURE_KEYS, LEVELS, LOCALES, TOUCHPOINTS
from sidomain_cli.errors import problems_error
from sidomain_cli.spec import (Date, DictOf, Enum, ListOf, Localized, Map, Nullable, Num,
                               Str)
from sidomain_cli.yamlio import Doc, load_yaml

OFFER_KEYS = ("welcome_gift", "new_member_coupon", "first_order", "referral_reward",
              "member_day_offer", "stored_value", "recall_offer", "loyal_offer")

PROFILE_SPEC = Map(
    fields={
        "brand": Str(doc="Brand name as customers know it; used in every message.", max_len=60,
                     example="熊猫咖啡"),
        "industry": Str(doc="Free text: coffee, hotpot, apparel, jewellery …", max_len=60,
                        example="coffee"),
        "avg_ticket": Num(doc="Average ticket (客单价) in CNY. Give this or price_band.",
                          minimum=0, exclusive_min=True, maximum=10_000_000, example=28),
        "price_band": Enum(LEVELS, doc="Price band if you have no ticket figure. "
                                       "Give this or avg_ticket.", example="low"),
        "purchases_per_month": Num(doc="Purchases per customer per month (4 a year ≈ 0.33). "
                                       "Give this or frequency.",
                                   minimum=0, exclusive_min=True, maximum=1000, example=6),
        "frequency": Enum(LEVELS, doc="Purchase frequency band. Give this or "
                                      "purchases_per_month.", example="high"),
        "touchpoints": ListOf(Enum(TOUCHPOINTS), min_items=1, unique=True,
                              doc="Reach channels and acquisition touchpoints the brand has.",
                              example=["wecom_group", "wecom_moments", "store_qr"]),
        "stores": Num(integer=True, minimum=1, maximum=1_000_000,
                      doc="Number of stores (1 for a single shop).", example=120),
        "start_date": Date(doc="First day of the plan; `--start` overrides it.",
                           example="2026-12-01"),
        "timezone": Str(doc="IANA timezone of the stores (default `Asia/Shanghai`).",
                        max_len=64, example="Asia/Shanghai"),
        "quiet_hours": Str(doc='No task is scheduled inside these hours (default "22:00-08:00").',
                           pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
                           pattern_help='"HH:MM-HH:MM", e.g. "22:00-08:00"',
                           example="22:00-08:00"),
        "locale": Enum(LOCALES, doc="Language of the plan and scripts (default `zh-CN`); "
                                    "`--locale` overrides it.", example="zh-CN"),
        "member_day": Num(integer=True, minimum=1, maximum=28,
                          doc="Day of the month of the brand's member day (会员日), e.g. 18.",
                          example=18),
        "marketing_nodes": ListOf(Map(
            fields={"name": Str(max_len=40, doc="Node name, e.g. 周年庆"),
                    "date": Date(doc="Date of the node"),
                    "level": Enum(("S", "A", "B"), doc="Promotion level (default A)")},
            required=("name", "date")),
            doc="Extra marketing nodes (brand anniversary, launches …): name + date. "
                "618, 双11, 双12 and China's public holidays are added for you.",
            example=[{"name": "周年庆", "date": "2026-12-20", "level": "S"}]),
        "offers": DictOf(Localized(max_len=120), keys=OFFER_KEYS,
                         doc="Offers the scripts quote: " + ", ".join(f"`{k}`" for k in OFFER_KEYS)
                             + ". Each is text; the industry pack has defaults. Audiences: docs/packs.md.",
                         example={"welcome_gift": "第二杯半价券"}),
        "industry_pack": Str(doc="Industry pack to use instead of the one `industry` maps to "
                                 "(e.g. `hotpot`; see docs/packs.md).",
                             pattern=r"^[a-z][a-z0-9_]*$", pattern_help="a pack id like coffee",
                             max_len=60, example="coffee"),
        "deals": ListOf(Localized(max_len=120), doc="The deals of the day the group calendar "
                                                   "rotates through (replace the pack's).",
                        example=["燕麦拿铁第二杯半价", "满39减8"]),
        "persona": Map({"name": Localized(max_len=20, doc="Name the group owner signs with"),
                        "role": Localized(max_len=20, doc="Their role: 店长, 咖啡师, 顾问 …")},
                       doc="The group owner's persona (人设) the copy signs as (default: the pack's).",
                       example={"name": "小鹿", "role": "咖啡师"}),
        "node_levels": DictOf(Nullable(Enum(("S", "A", "B"))),
                              doc="Re-level or drop calendar nodes by id: `{christmas: S, "
                                  "double11: null}` (ids in playbooks/calendar/nodes.yaml).",
                              example={"christmas": "S", "double11": None}),
        "recruits_per_store_per_day": Num(minimum=0, maximum=100_000,
                                          doc="New members a store recruits a day (forecast; "
                                              "default: the pack's).", example=60),
        "closed_days": ListOf(Enum(CLOSURE_KEYS), min_items=0, unique=True,
                              doc="Days of 春节 the stores close (除夕 chuxi or from its afternoon "
                                  "chuxi_evening, 初一 chuyi … 初七 chuqi; default: the pack's). "
                                  "Closed days get greetings only.",
                              example=["chuxi_evening", "chuyi"]),
        "staff_per_store": Num(integer=True, minimum=1, maximum=1000,
                               doc="Staff accounts that post per store (forecast's staff load; "
                                   "default 1).", example=2),
        "playbook": Str(doc="Playbook to use instead of the diagnosed one: a built-in name "
                            "or a path to a YAML file relative to the profile's folder and "
                            "inside it (`--playbook` overrides it).",
                        max_len=500, example="tiered"),
        "group_size": Num(integer=True, minimum=2, maximum=2000,
                          doc="Members per customer group (200 or 500 depending on who is in "
                              "it; default 200).", example=200),
        "caps": DictOf(Num(integer=True, minimum=0, maximum=100),
                       keys=CAP_KEYS,
                       doc="Override the playbook's caps, e.g. `company_bulk_per_day: 1`.",
                       example={"moments_per_day": 3}),
    },
    required=("brand", "industry", "touchpoints", "start_date"),
    one_of=(("avg_ticket", "price_band"), ("purchases_per_month", "frequency")),
)


@dataclass(frozen=True)
class MarketingNode:
    """营销节点: a named date the calendar plans around."""

    name: str
    date: dt.date
    level: str = "A"
    source: str = "profile"


@dataclass(frozen=True)
class Profile:
    """A validated brand profile (品牌档案)."""

    path: str
    brand: str
    industry: str
    touchpoints: tuple[str, ...]
    start_date: dt.date
    avg_ticket: float | None = None
    price_band: str | None = None
    purchases_per_month: float | None = None
    frequency: str | None = None
    stores: int = 1
    timezone: str = "Asia/Shanghai"
    quiet_hours: tuple[int, int] = (22 * 60, 8 * 60)  # minutes after midnight
    locale: str = "zh-CN"
    member_day: int | None = None
    marketing_nodes: tuple[MarketingNode, ...] = ()
    offers: dict[str, Any] = field(default_factory=dict)
    playbook: str | None = None
    industry_pack: str | None = None
    deals: tuple[Any, ...] = ()
    persona: dict[str, Any] = field(default_factory=dict)
    node_levels: dict[str, str | None] = field(default_factory=dict)
    recruits_per_store_per_day: float | None = None
    staff_per_store: int = 1
    closed_days: tuple[str, ...] | None = None
    playbook_at: tuple[int, int] = (1, 1)  # line, column of the `playbook:` value
    group_size: int = 200
    caps: dict[str, int] = field(default_factory=dict)

    @property
    def quiet_hours_text(self) -> str:
        a, b = self.quiet_hours
        return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _as_date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(v)


def profile_from_doc(doc: Doc) -> Profile:
    problems = list(doc.duplicates)
    data = doc.data
    if data is None:
        problems.append(doc.problem((), "profile is empty", code="S001",
                                    hint="start from a file in examples/"))
        raise problems_error(problems)
    problems.extend(PROFILE_SPEC.check(data, (), doc))
    if not problems:
        # the rules lint's B001 and B002 apply, with their codes and messages
        for key, found in (("timezone", timezone_problem(data.get("timezone"))),
                           ("quiet_hours", quiet_hours_problem(data.get("quiet_hours")))):
            if found:
                code, message, hint = found
                problems.append(doc.problem((key,), message, code=code, value=True, hint=hint))
    if problems:
        raise problems_error(problems)
    qh = data.get("quiet_hours", "22:00-08:00")
    a, b = (_minutes(x) for x in qh.split("-"))
    nodes = tuple(MarketingNode(str(n["name"]), _as_date(n["date"]), n.get("level", "A"))
                  for n in data.get("marketing_nodes") or ())
    return Profile(
        path=doc.path,
        brand=data["brand"].strip(),
        industry=data["industry"].strip(),
        touchpoints=tuple(data["touchpoints"]),
        start_date=_as_date(data["start_date"]),
        avg_ticket=data.get("avg_ticket"),
        price_band=data.get("price_band"),
        purchases_per_month=data.get("purchases_per_month"),
        frequency=data.get("frequency"),
        stores=data.get("stores", 1),
        timezone=data.get("timezone", "Asia/Shanghai"),
        quiet_hours=(a, b),
        locale=data.get("locale", "zh-CN"),
        member_day=data.get("member_day"),
        marketing_nodes=nodes,
        offers=dict(data.get("offers") or {}),
        playbook=data.get("playbook"),
        industry_pack=data.get("industry_pack"),
        deals=tuple(data.get("deals") or ()),
        persona=dict(data.get("persona") or {}),
        node_levels=dict(data.get("node_levels") or {}),
        recruits_per_store_per_day=data.get("recruits_per_store_per_day"),
        staff_per_store=data.get("staff_per_store", 1),
        closed_days=tuple(data["closed_days"]) if "closed_days" in data else None,
        playbook_at=doc.where(("playbook",), value=True),
        group_size=data.get("group_size", 200),
        caps=dict(data.get("caps") or {}),
    )


def timezone_problem(tz) -> tuple[str, str, str] | None:
    """B001 (plan and lint): (code, message, hint) for a timezone that is not IANA's."""
    if isinstance(tz, str) and tz.strip() and not valid_timezone(tz):
        return "B001", f"unknown timezone '{tz}'", "use an IANA name such as Asia/Shanghai"
    return None


def quiet_hours_problem(qh) -> tuple[str, str, str] | None:
    """B002 (plan and lint): quiet hours that start and end at the same time."""
    import re

    m = re.fullmatch(r"(\d\d:\d\d)-(\d\d:\d\d)", qh) if isinstance(qh, str) else None
    if m and m.group(1) == m.group(2):
        return ("B002", f"quiet hours '{qh}' start and end at the same time",
                'give the night to keep free, e.g. "22:00-08:00"')
    return None


def valid_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    if not isinstance(name, str) or not name or ".." in name or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True


def load_profile(path: str | Path, *, encoding: str | None = None) -> Profile:
    return profile_from_doc(load_yaml(path, what="profile", encoding=encoding))

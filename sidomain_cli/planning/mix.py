"""Channel mix, acquisition plan and KPI targets."""

from __future__ import annotations

from typing import Any

from sidomain_cli.domain import ACQUISITION, CHANNELS, label, text
from sidomain_cli.planning.model import ChannelShare
from sidomain_cli.playbook import Method, Playbook
from sidomain_cli.profile import Profile


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


# How each KPI is measured: numerator ÷ denominator, over a join cohort or a period.
KPI_DEFINITIONS = {
    "diversion_rate": ("new members (friends or group members) in the month",
                       "store customers in the month", "period"),
    "first_order_rate": ("members of a join cohort who order within 30 days of joining",
                         "members of that cohort", "cohort"),
    "interaction_rate": ("members who post, reply or react in the group in the week",
                         "group members at the start of the week", "period"),
    "content_seeding": ("clicks on products in moments and group posts",
                        "members reached by those posts", "period"),
    "social_power": ("members who bring at least one new member", "members", "period"),
    "repurchase_ratio": ("orders per member in the plan window", "orders per store customer "
                         "who is not a member, same window", "period"),
    "group_retention_7d": ("members still in the group 7 days after joining",
                           "members who joined (by join cohort)", "cohort"),
    "mini_program_diversion_rate": ("members who open the mini program from a group or 1v1 "
                                    "link in the month", "members", "period"),
    "group_consumption_rate": ("members with an order attributed to the group (coupon code "
                               "or UnionID) in the month", "members", "period"),
}


def kpis(playbook: Playbook, locale: str, pack=None) -> list[dict[str, Any]]:
    refined = pack.kpis if pack is not None else {}
    out = []
    for k in playbook.kpis:
        num, den, basis = KPI_DEFINITIONS[k["name"]]
        in_pack = k["name"] in refined
        out.append({"name": k["name"], "label": label(KPI_LABELS, k["name"], locale),
                    "target": refined[k["name"]] if in_pack else k["target"], "unit": k["unit"],
                    "source": "pack" if in_pack else k["source"],
                    "definition": {"numerator": num, "denominator": den, "basis": basis},
                    "count": None})
    return out



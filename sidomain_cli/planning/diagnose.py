"""Diagnose: price band × purchase frequency → store type → operating model (domain.md §2).

An industry pack may run another model where the method's grid leaves a cell open
(`models:` in the pack).
"""

from __future__ import annotations

from sidomain_cli.domain import MODELS, label, text
from sidomain_cli.playbook import Method
from sidomain_cli.planning.model import Diagnosis
from sidomain_cli.profile import Profile


def band(value: float, mid_from: float, high_from: float) -> str:
    if value >= high_from:
        return "high"
    if value >= mid_from:
        return "mid"
    return "low"


def diagnose(profile: Profile, method: Method, locale: str, pack=None, pack_reason: str = "") -> Diagnosis:
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
    if pack is not None and store_type in pack.models:  # the trade runs this cell its own way
        cell = {**pack.models[store_type], "named": False}
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
    if pack_reason:
        why = f"{why}{'' if zh else ' '}{pack_reason}"
    return Diagnosis(price, freq, store_type, model, group_type, bool(cell.get("named", False)),
                     profile.avg_ticket, profile.purchases_per_month, why,
                     pack.id if pack is not None else "general", pack_reason)


def _zh_band(b: str) -> str:
    return {"low": "低", "mid": "中", "high": "高"}[b]



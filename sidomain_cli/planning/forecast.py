"""Forecast: members, groups, first orders, orders and GMV by week, and the staff load.

Every input is listed in ``assumptions`` with where it came from (the profile, the
industry pack, the method's sources, or our default).  The formula, week by week:

    open      = Σ over the week's days of 1, 0 on a day the stores close over 春节, or
                half_day_factor on a half day (除夕 from the afternoon)
    sales     = Σ over the week's days of the same, times node_order_uplift[level] on an S
                campaign's peak day or an A node's day
    recruits  = stores × recruits_per_store_per_day × open
    members   = members last week × (1 − weekly_churn) + recruits
    groups    = stores × ⌈members per store ÷ group_size⌉
    first     = recruits × first_order_rate
    repeat    = members last week × group_consumption_rate × purchases_per_month × sales ÷ 30
    orders    = first + repeat;   gmv = orders × avg_ticket
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

# Used only when the profile gives a band instead of a figure (defaults).
BAND_TICKET = {"low": 30.0, "mid": 200.0, "high": 1000.0}
BAND_PURCHASES = {"low": 0.25, "mid": 1.0, "high": 3.0}


def _kpi(plan, name: str, fallback: float) -> tuple[float, str]:
    for k in plan.kpis:
        if k["name"] == name:
            src = k["source"] if k["source"] in ("pack", "default") else "method"
            return float(k["target"]) / 100.0, src
    return fallback, "default"


def forecast(plan, profile, pack, method, playbook, closed_days=()) -> dict[str, Any]:
    """``closed_days``: (date, closure key) of the stores' 春节 closures in the window."""
    a: list[dict[str, Any]] = []

    def put(name: str, value, unit: str, source: str):
        a.append({"name": name, "value": value, "unit": unit, "source": source})
        return value

    stores = put("stores", profile.stores, "stores", "profile")
    if profile.recruits_per_store_per_day is not None:
        r = put("recruits_per_store_per_day", profile.recruits_per_store_per_day, "members/day",
                "profile")
    elif "recruits_per_store_per_day" in pack.forecast:
        r = put("recruits_per_store_per_day", pack.forecast["recruits_per_store_per_day"],
                "members/day", "method" if pack.forecast.get("source") == "method" else "pack")
    else:
        r = put("recruits_per_store_per_day", method.forecast["recruits_per_store_per_day"],
                "members/day", "default")
    size = put("group_size", profile.group_size, "members/group", "profile")
    churn = put("weekly_churn", method.forecast["weekly_churn"], "share/week", "default")
    first_rate, src = _kpi(plan, "first_order_rate", 0.2)
    put("first_order_rate", first_rate, "share of recruits", src)
    gcr, src = _kpi(plan, "group_consumption_rate", 0.2)
    put("group_consumption_rate", gcr, "share of members/month", src)
    if profile.purchases_per_month is not None:
        ppm = put("purchases_per_month", profile.purchases_per_month, "orders/buyer/month",
                  "profile")
    else:
        ppm = put("purchases_per_month", BAND_PURCHASES[plan.diagnosis.frequency_band],
                  "orders/buyer/month", "default")
    if profile.avg_ticket is not None:
        ticket = put("avg_ticket", profile.avg_ticket, "CNY", "profile")
    else:
        ticket = put("avg_ticket", BAND_TICKET[plan.diagnosis.price_band], "CNY", "default")
    friends = put("friend_share", method.forecast["friend_share"], "share of recruits",
                  "default")
    staff = put("staff_per_store", profile.staff_per_store, "accounts/store", "profile")
    minutes_per = put("staff_minutes_per_post", method.forecast["staff_minutes_per_post"],
                      "minutes", "default")

    uplift = {**method.forecast.get("node_order_uplift", {}),
              **(pack.forecast.get("node_order_uplift") or {})}
    src_up = "pack" if pack.forecast.get("node_order_uplift") else "default"
    for lv in ("S", "A"):
        put(f"node_order_uplift_{lv}", float(uplift.get(lv, 1.0)), "× orders on the day", src_up)
    half = put("half_day_factor", method.forecast.get("half_day_factor", 0.5), "× a usual day",
               "default")
    day_factor: dict[int, float] = {}   # a date closed all day and from 除夕 evening: closed
    for day, key in closed_days or ():
        i = (day - plan.start_date).days
        day_factor[i] = min(day_factor.get(i, 1.0), half if key == "chuxi_evening" else 0.0)
    put("closed_days", sum(1 for f in day_factor.values() if f == 0.0), "days",
        "profile" if profile.closed_days is not None else "pack")
    sale_factor = dict(day_factor)   # a closed or half day keeps its factor: no uplift
    peaks = {c["peak"] for c in plan.campaigns if c.get("level") == "S"}
    for n in plan.nodes:
        lv, on = n.get("level"), n.get("day") or n["date"]
        if lv == "A" or (lv == "S" and on in peaks):
            i = (dt.date.fromisoformat(on) - plan.start_date).days
            if 0 <= i < plan.days and i not in day_factor:
                sale_factor[i] = max(sale_factor.get(i, 1.0), float(uplift.get(lv, 1.0)))

    weeks = []
    members = 0.0
    totals = {"recruits": 0.0, "first_orders": 0.0, "orders": 0.0, "gmv": 0.0}
    for w in range(math.ceil(plan.days / 7)):
        n = min(7, plan.days - 7 * w)
        days = range(7 * w, 7 * w + n)
        open_days = sum(day_factor.get(i, 1.0) for i in days)
        sales_days = sum(sale_factor.get(i, 1.0) for i in days)
        recruits = stores * r * open_days
        repeat = members * gcr * ppm * sales_days / 30.0
        members = members * (1 - churn) + recruits
        first = recruits * first_rate
        orders = first + repeat
        groups = stores * math.ceil(members / stores / size) if members else 0
        totals["recruits"] += recruits
        totals["first_orders"] += first
        totals["orders"] += orders
        totals["gmv"] += orders * ticket
        start = plan.start_date.toordinal() + 7 * w
        weeks.append({"week": w + 1, "start_date": dt.date.fromordinal(start).isoformat(),
                      "members": round(members), "groups": groups,
                      "first_orders": round(first), "orders": round(orders),
                      "gmv": round(orders * ticket)})

    end_members = members / stores if stores else 0
    groups_per_store = math.ceil(end_members / size) if end_members else 0
    per_day = lambda rows: len(rows) / plan.days if plan.days else 0  # noqa: E731
    group_manual = per_day([t for t in plan.calendar
                            if t.send == "staff_reminder" and t.scope == "group"])
    account_manual = per_day([t for t in plan.calendar
                              if t.send == "staff_reminder" and t.scope == "account"])
    lifecycle_manual = sum(1 for t in plan.lifecycle if t.send == "staff_reminder"
                           and t.channel == "wecom_1v1")
    # a company bulk send is one confirmation in the staff app, whatever it reaches
    confirmations = per_day([t for t in plan.calendar if t.send == "company_bulk"
                             and t.scope in ("group", "account")]) + sum(
        1 for t in plan.lifecycle if t.send == "company_bulk")
    per_store_posts = (group_manual * groups_per_store + account_manual
                       + r * friends * lifecycle_manual)
    per_staff = per_store_posts / staff
    staff_load = {
        "group_posts_per_group_per_day": round(group_manual, 2),
        "groups_per_store": groups_per_store,
        "account_posts_per_day": round(account_manual, 2),
        "lifecycle_1v1_per_day": round(r * friends * lifecycle_manual, 1),
        "manual_posts_per_staff_per_day": round(per_staff, 1),
        "bulk_confirmations_per_day": round(confirmations, 1),
        "minutes_per_staff_per_day": round(per_staff * minutes_per),
    }
    per_store = {
        "recruits_per_day": r,
        "members_at_end": round(end_members),
        "groups_at_end": groups_per_store,
        "first_orders": round(totals["first_orders"] / stores) if stores else 0,
        "orders": round(totals["orders"] / stores) if stores else 0,
        "gmv": round(totals["gmv"] / stores) if stores else 0,
    }
    counts = {"first_order_rate": round(totals["first_orders"]),
              "group_consumption_rate": round(members * gcr)}
    for k in plan.kpis:
        if k["name"] in counts:
            k["count"] = counts[k["name"]]
        elif k["name"] == "group_retention_7d":
            k["count"] = round(totals["recruits"] * float(k["target"]) / 100)
    return {"assumptions": a, "weeks": weeks, "staff_load": staff_load, "per_store": per_store,
            "totals": {k: round(v) for k, v in totals.items()},
            "formula": __doc__.split("week by week:")[1].strip()}

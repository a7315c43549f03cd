"""Words the plan reports share: section titles and column names in zh-CN and en,
number formats, and the one rule for text quoted from a profile (:func:`clean`)."""

from __future__ import annotations

from sidomain_cli.domain import ACTIVITIES
from sidomain_cli.safetext import plain

T = {
    "diagnosis": {"zh-CN": "诊断", "en": "Diagnosis"},
    "channel_mix": {"zh-CN": "渠道组合", "en": "Channel mix"},
    "gaps": {"zh-CN": "渠道缺口(剧本需要但品牌没有)", "en": "Gaps (the playbook wants these; the brand lacks them)"},
    "acquisition": {"zh-CN": "引流计划", "en": "Acquisition plan"},
    "kpis": {"zh-CN": "KPI目标", "en": "KPI targets"},
    "calendar": {"zh-CN": "SOP日历", "en": "SOP calendar"},
    "week": {"zh-CN": "第{n}周", "en": "Week {n}"},
    "nodes": {"zh-CN": "营销节点", "en": "Marketing nodes"},
    "notes": {"zh-CN": "说明", "en": "Notes"},
    "phases": {"zh-CN": "阶段与北极星指标", "en": "Phases and north-star metrics"},
    "channel": {"zh-CN": "渠道", "en": "Channel"},
    "role": {"zh-CN": "角色", "en": "Role"},
    "share": {"zh-CN": "精力占比", "en": "Share"},
    "max_per_day": {"zh-CN": "每日上限", "en": "Max/day"},
    "disturbance": {"zh-CN": "打扰度", "en": "Disturbance"},
    "metric": {"zh-CN": "指标", "en": "Metric"},
    "target": {"zh-CN": "目标", "en": "Target"},
    "unit": {"zh-CN": "单位", "en": "Unit"},
    "source": {"zh-CN": "来源", "en": "Source"},
    "day": {"zh-CN": "天", "en": "Day"},
    "date": {"zh-CN": "日期", "en": "Date"},
    "time": {"zh-CN": "时间", "en": "Time"},
    "segment": {"zh-CN": "人群", "en": "Segment"},
    "action": {"zh-CN": "动作", "en": "Action"},
    "activity": {"zh-CN": "活动", "en": "Activity"},
    "message": {"zh-CN": "话术", "en": "Message"},
    "send": {"zh-CN": "发送方式", "en": "Send"},
    "touchpoint": {"zh-CN": "触点", "en": "Touchpoint"},
    "conversion": {"zh-CN": "预期转化", "en": "Expected conversion"},
    "how": {"zh-CN": "做法", "en": "How"},
    "store_type": {"zh-CN": "门店类型", "en": "Store type"},
    "model": {"zh-CN": "运营模式", "en": "Operating model"},
    "playbook": {"zh-CN": "剧本", "en": "Playbook"},
    "window": {"zh-CN": "计划周期", "en": "Window"},
    "phase": {"zh-CN": "阶段", "en": "Phase"},
    "north_star": {"zh-CN": "北极星指标", "en": "North star"},
    "strategies": {"zh-CN": "策略", "en": "Strategies"},
    "name": {"zh-CN": "名称", "en": "Name"},
    "none": {"zh-CN": "无", "en": "none"},
    "no_benchmark": {"zh-CN": "无公开基准", "en": "no public benchmark"},
    "plan_title": {"zh-CN": "{brand} 私域运营计划", "en": "{brand} private-domain plan"},
    "lifecycle": {"zh-CN": "生命周期SOP(按入群/加好友日计)", "en": "Lifecycle SOP (from the join day)"},
    "offset_day": {"zh-CN": "第几天", "en": "Day"},
    "trigger": {"zh-CN": "触发", "en": "Trigger"},
    "forecast": {"zh-CN": "预测", "en": "Forecast"},
    "members": {"zh-CN": "会员", "en": "Members"},
    "groups": {"zh-CN": "群数", "en": "Groups"},
    "first_orders": {"zh-CN": "首单", "en": "First orders"},
    "orders": {"zh-CN": "订单", "en": "Orders"},
    "gmv": {"zh-CN": "GMV(元)", "en": "GMV (CNY)"},
    "assumptions": {"zh-CN": "假设", "en": "Assumptions"},
    "value": {"zh-CN": "数值", "en": "Value"},
    "campaigns": {"zh-CN": "节点战役", "en": "Campaigns"},
    "warmup": {"zh-CN": "预热", "en": "Warm-up"},
    "peak": {"zh-CN": "爆发", "en": "Peak"},
    "encore": {"zh-CN": "返场", "en": "Encore"},
    "workdays": {"zh-CN": "调休上班日", "en": "Adjusted working days"},
    "workdays_planned": {"zh-CN": "按工作日排期", "en": "planned as working days"},
    "level": {"zh-CN": "级别", "en": "Level"},
    "kind": {"zh-CN": "类型", "en": "Kind"},
    "tone": {"zh-CN": "基调", "en": "Tone"},
    "why": {"zh-CN": "依据", "en": "Why"},
    "levels_legend": {"zh-CN": "S级=节点战役(预热、爆发、返场) · A级=当天一场活动 · B级=当天一句问候",
                      "en": "S = a campaign (warm-up, peak, encore) · A = a day of its own · "
                            "B = a mention on the day"},
    "estimated_legend": {"zh-CN": "* 放假安排为估算,官方尚未公布(见说明)",
                         "en": "* estimated: the official schedule is not out yet (see the notes)"},
    "scripts": {"zh-CN": "话术", "en": "Message scripts"},
    "definition": {"zh-CN": "口径", "en": "Definition"},
    "day_n": {"zh-CN": "第{n}天", "en": "Day {n}"},
    "days_range": {"zh-CN": "第{a}–{b}天", "en": "days {a}–{b}"},
    "no_tasks": {"zh-CN": "这一天没有任务。", "en": "No tasks on this day."},
    "summary": {"zh-CN": "{days}天 · {tasks}个任务 · {weeks}周 · {nodes}个营销节点 · {channels}个渠道",
                "en": "{days} days · {tasks} tasks · {weeks} weeks · {nodes} marketing nodes · "
                      "{channels} channels"},
    "see_more": {"zh-CN": "查看更多", "en": "See more"},
    "more_week": {"zh-CN": "一周的完整话术", "en": "one week with full scripts"},
    "more_day": {"zh-CN": "一天的完整话术", "en": "one day with full scripts"},
    "more_html": {"zh-CN": "给客户的报告(图表、日历)", "en": "the client report (charts, calendar)"},
    "more_json": {"zh-CN": "完整数据", "en": "every field, for tools"},
    "more_wide": {"zh-CN": "终端更宽时日历显示话术和发送方式",
                  "en": "a wider terminal shows each message and send method in the calendar"},
}

# Every calendar activity the planner emits: one list, in domain.py.
ACTIVITY_LABELS = ACTIVITIES
# Short labels where a column is narrow.
ACTIVITY_SHORT = {
    "small": {"zh-CN": "小活动", "en": "small"},
    "small_preview": {"zh-CN": "小预告", "en": "preview"},
    "big": {"zh-CN": "大活动", "en": "big"},
    "node": {"zh-CN": "节点", "en": "node"},
    "warmup": {"zh-CN": "预热", "en": "warm-up"},
    "peak": {"zh-CN": "爆发", "en": "peak"},
    "encore": {"zh-CN": "返场", "en": "encore"},
    "member_day": {"zh-CN": "会员日", "en": "member day"},
    "member_day_eve": {"zh-CN": "会员日前", "en": "m-day eve"},
}
# How strongly a day is marked (calendar grid colour): node-like 3, big-like 2, small-like 1.
ACTIVITY_RANK = {"node": 3, "peak": 3, "member_day": 3, "big": 2, "warmup": 2, "encore": 2,
                 "small": 1, "small_preview": 1, "member_day_eve": 1}
ACTIVITY_CLASS = {3: "node", 2: "big", 1: "small"}
SEND_SHORT = {
    "company_bulk": {"zh-CN": "企业群发", "en": "bulk send"},
    "staff_reminder": {"zh-CN": "员工手动", "en": "staff by hand"},
    "auto_welcome": {"zh-CN": "自动欢迎语", "en": "auto welcome"},
    "subscription_message": {"zh-CN": "订阅消息", "en": "subscription msg"},
    "oa_broadcast": {"zh-CN": "公众号群发", "en": "OA broadcast"},
    "sms_batch": {"zh-CN": "短信批量", "en": "SMS batch"},
    "live": {"zh-CN": "直播", "en": "live"},
}
STAGES = {
    "warmup": {"zh-CN": "预热", "en": "warm-up"},
    "peak": {"zh-CN": "爆发", "en": "peak"},
    "encore": {"zh-CN": "返场", "en": "encore"},
}
WEEKDAYS = {"zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def t(key: str, locale: str, **kw) -> str:
    s = T[key].get(locale) or T[key]["zh-CN"]
    return s.format(**kw) if kw else s


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def conv(v) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"




def clean(s) -> str:
    """Text without control characters: line breaks become ``\\n``, the rest U+FFFD."""
    return plain(str(s))


def weekday(iso_date: str, locale: str) -> str:
    import datetime as dt

    return WEEKDAYS.get(locale, WEEKDAYS["zh-CN"])[dt.date.fromisoformat(iso_date).weekday()]


def week_of(day: int) -> int:
    """The plan week (1-based) of a plan day (1-based): days 1–7 are week 1."""
    return (day - 1) // 7 + 1


# How a marketing node is explained in the reports (kind, tone, span, who set its level).
NODE_WORDS = {
    "public_holiday": {"zh-CN": "法定节假日", "en": "public holiday"},
    "shopping_festival": {"zh-CN": "电商大促", "en": "shopping festival"},
    "traditional": {"zh-CN": "传统节日", "en": "traditional festival"},
    "solar_term": {"zh-CN": "节气", "en": "solar term"},
    "industry": {"zh-CN": "行业节点", "en": "trade date"},
    "brand": {"zh-CN": "品牌节点", "en": "brand date"},
    "member_day": {"zh-CN": "会员日", "en": "member day"},
    "festive": {"zh-CN": "节日问候", "en": "festive"},
    "solemn": {"zh-CN": "肃穆(不促销)", "en": "solemn (no sale)"},
    "commercial": {"zh-CN": "活动", "en": "campaign"},
    "span": {"zh-CN": "放假 {a}–{b}", "en": "days off {a}–{b}"},
    "dates": {"zh-CN": "{a}–{b}", "en": "{a} to {b}"},
    "by_pack": {"zh-CN": "行业包设定级别", "en": "level set by the industry pack"},
    "by_profile": {"zh-CN": "档案设定级别", "en": "level set by the profile"},
    "by_catalog": {"zh-CN": "日历默认级别", "en": "the calendar's default level"},
    "estimated": {"zh-CN": "估算,官方安排未公布", "en": "estimated: the official schedule is not out"},
}


def node_words(key: str, locale: str) -> str:
    return NODE_WORDS[key].get(locale) or NODE_WORDS[key]["zh-CN"]


def node_span(n: dict, locale: str) -> str:
    """The days a node covers: its date, or ``放假 a–b`` for a public holiday's span."""
    if n.get("end_date") and n["end_date"] != n["date"]:
        span = "span" if n["kind"] == "public_holiday" else "dates"
        return node_words(span, locale).format(a=n["date"], b=n["end_date"])
    return ""


def node_source(n: dict, locale: str) -> str:
    """Who set a node's level: the profile, the industry pack or the calendar."""
    src = n.get("level_source") or "default"
    return node_words("by_profile" if src == "profile" else "by_pack" if src.startswith("pack")
                      else "by_catalog", locale)


def node_why(n: dict, locale: str) -> str:
    """A node's level, kind, tone, span and who set its level, in one line."""
    parts = [n["level"], node_words(n["kind"], locale), node_words(n["tone"], locale)]
    if node_span(n, locale):
        parts.append(node_span(n, locale))
    parts.append(node_source(n, locale))
    if n.get("estimated"):
        parts.append(node_words("estimated", locale))
    return " · ".join(parts)

"""Names from the domain: channels, touchpoints, segments, phases, activities.

Ids are the machine contract (JSON, CSV, ICS categories); labels are for people.
"""

from __future__ import annotations

# 触达渠道 reach channels: where SOP tasks are sent
CHANNELS: dict[str, dict[str, str]] = {
    "wecom_1v1": {"zh-CN": "企微1v1私聊", "en": "WeCom 1v1 chat"},
    "wecom_group": {"zh-CN": "企微社群", "en": "WeCom customer group"},
    "wecom_moments": {"zh-CN": "企微朋友圈", "en": "WeCom moments"},
    "channels_live": {"zh-CN": "视频号直播", "en": "Channels live"},
    "official_account": {"zh-CN": "公众号", "en": "Official account"},
    "mini_program": {"zh-CN": "小程序", "en": "Mini program"},
    "sms": {"zh-CN": "短信", "en": "SMS"},
}

# 引流触点 acquisition touchpoints: where followers come from
ACQUISITION: dict[str, dict[str, str]] = {
    "store_qr": {"zh-CN": "门店立牌二维码", "en": "Store standee QR code"},
    "package_card": {"zh-CN": "包裹卡", "en": "Package card"},
    "lbs_group": {"zh-CN": "LBS就近入群", "en": "LBS nearest-group join"},
    "ecommerce_cs": {"zh-CN": "电商客服引导", "en": "E-commerce customer service"},
    "takeaway_card": {"zh-CN": "外卖卡", "en": "Takeaway card"},
    "poster": {"zh-CN": "海报/易拉宝", "en": "Poster / roll-up banner"},
}

TOUCHPOINTS = tuple(CHANNELS) + tuple(ACQUISITION)

LEVELS = ("low", "mid", "high")

MODELS: dict[str, dict[str, str]] = {
    "community_promotion": {"zh-CN": "社群+促销", "en": "Community + promotions"},
    "tiered": {"zh-CN": "分层运营", "en": "Tiered operations"},
    "one_on_one": {"zh-CN": "1V1服务", "en": "1v1 service"},
    "online_counter": {"zh-CN": "柜台/线上为主,不做门店私域",
                       "en": "Counter/online: no store-led private domain"},
}

# 用户分层 (domain.md §6), plus 'all' and 'new' for non-tiered models
SEGMENTS: dict[str, dict[str, str]] = {
    "all": {"zh-CN": "全体群成员", "en": "all members"},
    "new": {"zh-CN": "新客", "en": "new customers"},
    "loyal_high": {"zh-CN": "老客·高消费(忠诚核心)", "en": "old, high spend (loyal core)"},
    "new_mid": {"zh-CN": "新客·中消费", "en": "new, mid spend"},
    "new_low": {"zh-CN": "新客·低消费", "en": "new, low spend"},
    "silent": {"zh-CN": "老客·低消费(沉默)", "en": "old, low spend (silent)"},
    "high_value": {"zh-CN": "高价值用户", "en": "high-value users"},
}

PHASES: dict[str, dict[str, str]] = {
    "retention": {"zh-CN": "留存期", "en": "retention"},
    "conversion": {"zh-CN": "转化期", "en": "conversion"},
}

ACTIVITIES: dict[str, dict[str, str]] = {
    "small": {"zh-CN": "小活动(每7天)", "en": "small activity (every 7 days)"},
    "big": {"zh-CN": "大活动(每30天)", "en": "big activity (every 30 days)"},
    "node": {"zh-CN": "营销节点", "en": "marketing node"},
}

SEND_METHODS: dict[str, dict[str, str]] = {
    "company_bulk": {"zh-CN": "企业群发(计入上限)", "en": "company bulk send (counts against caps)"},
    "staff_reminder": {"zh-CN": "提醒员工手动发送", "en": "reminder to staff to post by hand"},
}

LOCALES = ("zh-CN", "en")


def label(table: dict[str, dict[str, str]], key: str | None, locale: str) -> str:
    if key is None:
        return ""
    entry = table.get(key)
    if not entry:
        return key
    return entry.get(locale) or entry["zh-CN"]


def text(value, locale: str) -> str:
    """A playbook's localized text: a plain string or ``{zh-CN: …, en: …}``."""
    if isinstance(value, dict):
        return value.get(locale) or value.get("zh-CN") or ""
    return "" if value is None else str(value)

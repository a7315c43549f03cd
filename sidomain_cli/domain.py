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
# 门店类型: price band × purchase frequency (domain.md §2), the method grid's cells
STORE_TYPES = tuple(f"{p}_price_{f}_frequency" for p in LEVELS for f in LEVELS)
# 群类型 (domain.md §3): subscription info flow, service group, interest group
GROUP_TYPES = ("info_flow", "service", "interest")
# how much a channel disturbs the customer (a playbook's channels)
DISTURBANCES = ("weak", "medium", "strong")

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
    # every calendar activity the planner emits: the one list (reports, schema, exports)
    "small": {"zh-CN": "小活动(每7天)", "en": "small activity (every 7 days)"},
    "small_preview": {"zh-CN": "小活动预告", "en": "small-activity preview"},
    "big": {"zh-CN": "大活动(每30天)", "en": "big activity (every 30 days)"},
    "node": {"zh-CN": "营销节点", "en": "marketing node"},
    "warmup": {"zh-CN": "节点预热", "en": "node warm-up"},
    "peak": {"zh-CN": "节点爆发", "en": "node peak"},
    "encore": {"zh-CN": "节点返场", "en": "node encore"},
    "member_day": {"zh-CN": "会员日", "en": "member day"},
    "member_day_eve": {"zh-CN": "会员日预告", "en": "member-day eve"},
}

# 发送方式: how a task goes out, and so which platform quota it counts against
# (domain.md §11, §14).
SEND_METHODS: dict[str, dict[str, str]] = {
    "company_bulk": {"zh-CN": "企业群发(计入上限)", "en": "company bulk send (counts against caps)"},
    "staff_reminder": {"zh-CN": "提醒员工手动发送", "en": "reminder to staff to post by hand"},
    "auto_welcome": {"zh-CN": "自动欢迎语(配置)", "en": "automatic welcome message (configured)"},
    "subscription_message": {"zh-CN": "小程序订阅消息(需用户订阅)",
                             "en": "mini-program subscription message (needs opt-in)"},
    "oa_broadcast": {"zh-CN": "公众号群发(公众号配额)", "en": "official-account broadcast (its own quota)"},
    "sms_batch": {"zh-CN": "短信批量发送(含退订)", "en": "SMS batch (with opt-out)"},
    "live": {"zh-CN": "直播", "en": "live stream"},
}

# A campaign's stages around an S-level node: 预热 warm-up, 爆发 peak, 返场 encore.
CAMPAIGN_STAGES = ("warmup", "peak", "encore")

# Who a task reaches, and so what a cap counts: one customer group, one staff account's
# contacts (moments and 1v1 belong to the account, not to a group), or the brand's channel.
SCOPES: dict[str, dict[str, str]] = {
    "group": {"zh-CN": "每个社群", "en": "per customer group"},
    "account": {"zh-CN": "每个员工账号", "en": "per staff account"},
    "brand": {"zh-CN": "品牌账号", "en": "brand channel"},
}
CHANNEL_SCOPE = {"wecom_group": "group", "wecom_moments": "account", "wecom_1v1": "account",
                 "official_account": "brand", "mini_program": "brand", "sms": "brand",
                 "channels_live": "brand"}

# Who an offer or a task is for: the base audiences a segment covers (domain.md §6).
AUDIENCES: dict[str, dict[str, str]] = {
    "new": {"zh-CN": "未下单的新客", "en": "members who have not bought yet"},
    "loyal": {"zh-CN": "老客/高价值", "en": "regulars and high-value customers"},
    "silent": {"zh-CN": "沉默老客", "en": "lapsed customers"},
    "all": {"zh-CN": "所有人", "en": "everyone"},
}
SEGMENT_AUDIENCES: dict[str, frozenset[str]] = {
    "all": frozenset({"new", "loyal", "silent"}),
    "new": frozenset({"new"}), "new_low": frozenset({"new"}), "new_mid": frozenset({"new"}),
    "loyal_high": frozenset({"loyal"}), "high_value": frozenset({"loyal"}),
    "silent": frozenset({"silent"}),
}

# 时段: parts of the day a pack gives send times for.
DAYPARTS = ("early", "morning", "lunch", "afternoon", "dinner", "evening", "late")

# What starts a lifecycle task's clock (客户SOP: "添加后第N天").
TRIGGERS: dict[str, dict[str, str]] = {
    "join_group": {"zh-CN": "入群后", "en": "after joining the group"},
    "add_friend": {"zh-CN": "加好友后", "en": "after adding the staff member"},
    "group_full": {"zh-CN": "社群满员时", "en": "when the group fills"},
    "first_purchase": {"zh-CN": "首次购买后", "en": "after the first purchase"},
}
CONDITIONS: dict[str, dict[str, str]] = {
    "no_order": {"zh-CN": "仍未下单", "en": "has not ordered yet"},
    "no_repeat_order": {"zh-CN": "首单后没有再下单", "en": "has not ordered again since the first order"},
}

# 除夕 and 初一 … 初七, and the keys a store's closures over 春节 are given in (chuxi_evening:
# from the afternoon of 除夕, 年夜饭-only service).
SPRING_FESTIVAL_DAYS = ("chuxi", "chuyi", "chuer", "chusan", "chusi", "chuwu", "chuliu", "chuqi")
CLOSURE_KEYS = ("chuxi_evening", *SPRING_FESTIVAL_DAYS)

NODE_KINDS = ("public_holiday", "shopping_festival", "traditional", "solar_term", "industry",
              "brand", "member_day")
NODE_TONES = ("festive", "solemn", "commercial")

LOCALES = ("zh-CN", "en")

# Caps a playbook sets and a profile may override (domain.md §11; values are defaults).
DEFAULT_CAPS = {"moments_per_day": 3, "company_bulk_per_day": 1, "one_on_one_per_week": 1,
                "group_posts_per_day": 4, "lifecycle_1v1_per_week": 2,
                # days from one 1v1 to the next for the same customers: 2 = never two days
                # running (a campaign's warm-up days, 除夕 then 春节); 1 = any day
                "one_on_one_gap_days": 2}
CAP_KEYS = tuple(DEFAULT_CAPS)


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

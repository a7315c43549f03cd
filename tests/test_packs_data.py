"""The industry packs and their copy pools, checked as data (docs/packs.md).

Every pack under playbooks/industries/ parses and carries what the format asks for; every
copy pool under templates/<locale>/industries/<pack>/ is valid Jinja as a whole and per
variant, has enough variants to rotate, renders with the pack's own offers and vocabulary
under StrictUndefined, and reads like customer copy (full-width punctuation in zh-CN, no
ops words, no "X快乐", at most one emoji, no other trade's words). The loader and planner
tests live elsewhere; these check the files people write.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "playbooks" / "industries"
TEMPLATES = ROOT / "templates"
LOCALES = ("zh-CN", "en")
SEPARATOR = "{# --- #}"

OFFER_KEYS = {"welcome_gift", "new_member_coupon", "first_order", "member_day_offer",
              "recall_offer", "stored_value", "referral_reward", "loyal_offer", "deals"}
DAYPART_KEYS = {"early", "morning", "lunch", "afternoon", "dinner", "evening", "late"}
# Pools run daily need 6 variants, weekly ones 3, the rest 2 (docs/packs.md, Rotation).
DAILY = {"daily_deal", "moments_seed", "moments_life", "moments_backstage", "moments_offer",
         "moments_ugc", "fresh_list"}
WEEKLY = {"ugc_show", "topic", "small_preview", "small_activity", "group_relay", "referral"}
# Words of operators, not of customers (domain.md §12).
OPS_WORDS = {
    "zh-CN": ["私域", "引流", "转化", "回访", "满群仪式", "月度大促", "福利群", "拉新", "促活",
              "裂变", "核销", "复购", "触达", "社群运营", "用户"],
    "en": ["private domain", "private-domain", "conversion", "traffic", "welfare", "perks group",
           "fission", "activation", "retention", "diversion", "touchpoint"],
}
# Words from other trades that must never reach a food & drink customer (issue 9 item 2).
FOOD_PACKS = {"coffee", "tea", "restaurant", "hotpot", "bakery", "grocery"}
FOREIGN_TO_FOOD = {
    "zh-CN": ["包邮", "小样", "保养", "穿搭", "试穿", "试戴", "护肤", "美甲", "清洗保养"],
    "en": ["free shipping", "sample size", "polishing", "styling", "try-on", "skincare"],
}
HALF_WIDTH_NEAR_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef][,!?:;]|[,!?:;][\u3400-\u9fff]")
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55]")
# Two marks in a row or a message opening with one: a slot that was empty ("，！", "！今天…").
DOUBLE_PUNCT = re.compile("[，。！？：；、][，。！？：；、]|^[，。！？：；、]")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def normalise(text: str) -> str:
    """How docs/packs.md matches aliases: lower case, no spaces or punctuation."""
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


def alias_hit(alias: str, industry: str) -> bool:
    """The planner's rule: an ASCII alias matches whole words ("tea" is not in "steakhouse"),
    a Chinese one anywhere in the text."""
    a = " ".join(str(alias).lower().split())
    text = str(industry).lower()
    if a.isascii():
        pattern = r"(?<![a-z0-9])" + r"\s*".join(map(re.escape, a.split())) + r"(?![a-z0-9])"
        return re.search(pattern, text) is not None
    return a.replace(" ", "") in text.replace(" ", "")


def pack_files():
    return sorted(PACK_DIR.glob("*.yaml"))


def load_pack(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pool_files():
    return sorted(TEMPLATES.glob("*/industries/*/*.j2"))


def variants(path):
    """The variants of a pool: the file split at lines that hold only the separator."""
    parts, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == SEPARATOR:
            parts.append("\n".join(cur))
            cur = []
        else:
            cur.append(line)
    parts.append("\n".join(cur))
    return parts


def literal_text(source: str) -> str:
    """A variant's own words: expressions become one CJK placeholder, tags and comments go."""
    text = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", "某", text, flags=re.S)


def _env():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


PACKS = {p.stem: load_pack(p) for p in pack_files()}
POOLS = pool_files()


def _pool_id(path):
    return "/".join(path.relative_to(TEMPLATES).parts)


def test_there_are_packs_and_pools():
    assert FOOD_PACKS <= set(PACKS), sorted(PACKS)
    assert any(p.parts[-2] == "coffee" for p in POOLS)


@pytest.mark.parametrize("pack_id", sorted(PACKS))
def test_pack_structure(pack_id):
    pack = PACKS[pack_id]
    assert pack["kind"] == "industry_pack"
    assert pack["id"] == pack_id, "file name = id"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", pack_id)
    assert set(pack["name"]) == set(LOCALES)
    assert pack["aliases"] or pack_id == "general"
    for who in ("role", "name"):
        assert set(pack["persona"][who]) == set(LOCALES) and all(pack["persona"][who].values())
    for key, value in (pack.get("offers") or {}).items():
        assert key in OFFER_KEYS, key
        assert set(value) == set(LOCALES), key
        if key == "deals":
            assert len(value["zh-CN"]) == len(value["en"]), key
    for part, hhmm in (pack.get("dayparts") or {}).items():
        assert part in DAYPART_KEYS and HHMM.match(hhmm), (part, hhmm)
    for span in pack.get("service_peaks") or []:
        start, end = span.split("-")
        assert HHMM.match(start) and HHMM.match(end) and start < end, span
    for node, level in (pack.get("nodes") or {}).items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", node), node
        assert level in ("S", "A", "B", None), (node, level)
    forecast = pack.get("forecast") or {}
    assert forecast.get("source", "default") in ("method", "default"), forecast
    assert all(isinstance(v, (int, float)) and v > 0 for k, v in forecast.items() if k != "source")


@pytest.mark.parametrize("pack_id", sorted(FOOD_PACKS & set(PACKS)))
def test_food_pack_is_complete(pack_id):
    """What the food & drink packs promise: every offer key, vocabulary, times, peaks."""
    pack = PACKS[pack_id]
    assert set(pack["offers"]) == OFFER_KEYS
    assert len(pack["offers"]["deals"]["zh-CN"]) >= 6, "at least 6 rotating deals"
    voc = pack["vocabulary"]
    for slot, least in (("products", 8), ("rewards", 4), ("scenes", 4)):
        assert len(voc[slot]["zh-CN"]) >= least and len(voc[slot]["en"]) >= least, slot
        assert len(set(voc[slot]["zh-CN"])) == len(voc[slot]["zh-CN"]), slot
    assert set(pack["dayparts"]) == DAYPART_KEYS
    assert pack["service_peaks"]
    # staff post before the rush, never inside it: no daypart time inside a service peak
    for part, hhmm in pack["dayparts"].items():
        for span in pack["service_peaks"]:
            start, end = span.split("-")
            assert not (start <= hhmm < end), (part, hhmm, span)
    assert pack["nodes"].get("qingming") in ("B", None), "清明 is solemn: never a campaign"


def test_pack_nodes_are_in_the_calendar():
    """Every node a pack levels is a node of the marketing calendar (playbooks/calendar)."""
    catalog = yaml.safe_load((ROOT / "playbooks" / "calendar" / "nodes.yaml").read_text("utf-8"))
    ids = {n["id"] for n in catalog["nodes"]}
    for pack_id, pack in PACKS.items():
        assert set(pack.get("nodes") or {}) <= ids, (pack_id, set(pack["nodes"]) - ids)


def test_pack_closures_are_calendar_keys():
    from sidomain_cli.planning.calendar import CLOSURE_KEYS

    for pack_id, pack in PACKS.items():
        keys = (pack.get("operations") or {}).get("spring_festival_closed") or []
        assert set(keys) <= set(CLOSURE_KEYS), (pack_id, keys)


def test_restaurants_do_not_run_shopping_festivals_as_campaigns():
    for pack_id in sorted({"restaurant", "hotpot"} & set(PACKS)):
        nodes = PACKS[pack_id]["nodes"]
        for node in ("festival_618", "double11", "double12"):
            assert nodes.get(node) not in ("S", "A"), (pack_id, node)


def test_hotpot_recruits_figure_is_the_method_s():
    if "hotpot" not in PACKS:
        return
    assert PACKS["hotpot"]["forecast"]["recruits_per_store_per_day"] == 60  # domain.md §5
    assert PACKS["hotpot"]["forecast"]["source"] == "method"


def test_aliases_are_unique_across_packs():
    owner = {}
    for pack_id, pack in PACKS.items():
        for alias in pack.get("aliases") or []:
            key = normalise(alias)
            assert key, (pack_id, alias)
            assert owner.setdefault(key, pack_id) == pack_id, (alias, owner[key], pack_id)


ALIAS_CASES = [
    ("咖啡", "coffee"), ("精品咖啡馆", "coffee"), ("Specialty Coffee", "coffee"),
    ("奶茶", "tea"), ("水果茶", "tea"), ("Bubble Tea", "tea"), ("咖啡奶茶", "coffee"), ("火锅", "hotpot"), ("重庆老火锅", "hotpot"),
    ("Hot Pot", "hotpot"), ("串串香", "hotpot"), ("中餐", "restaurant"), ("韩式烤肉", "restaurant"),
    ("steakhouse", "restaurant"), ("烘焙", "bakery"), ("蛋糕甜品", "bakery"), ("生鲜超市", "grocery"),
    ("社区团购", "grocery"), ("火锅食材", "grocery"), ("convenience store", "grocery"),
]


@pytest.mark.parametrize("text,pack_id", [c for c in ALIAS_CASES if c[1] in PACKS])
def test_industry_text_picks_the_pack(text, pack_id):
    """The longest matching alias wins (ties: first id)."""
    found = [(len(normalise(a)), pid) for pid, p in sorted(PACKS.items())
             for a in p.get("aliases") or [] if alias_hit(a, text)]
    best = max(n for n, _ in found)
    assert sorted(pid for n, pid in found if n == best)[0] == pack_id, found


def test_every_pool_locale_has_the_same_pools():
    for pack_dir in sorted({p.parent.name for p in POOLS}):
        names = {loc: {p.stem for p in (TEMPLATES / loc / "industries" / pack_dir).glob("*.j2")}
                 for loc in LOCALES}
        assert names["zh-CN"] == names["en"], pack_dir


def test_pools_belong_to_a_pack():
    assert {p.parent.name for p in POOLS} <= set(PACKS)


def _context(pack, locale, *, full=True, time="07:20", k=0, extra=None):
    """The variables docs/packs.md promises, filled from the pack as the planner would (k-th run)."""
    def first(slot):
        items = ((pack.get("vocabulary") or {}).get(slot) or {}).get(locale) or []
        return items[k % len(items)] if items and full else ""
    offers = {k: v[locale] for k, v in (pack.get("offers") or {}).items() if k != "deals"}
    deals = ((pack.get("offers") or {}).get("deals") or {}).get(locale) or []
    zh = locale == "zh-CN"
    return {
        "brand": "小熊" if zh else "Little Bear", "industry": pack["name"][locale],
        "offers": offers, "day": 8, "date": "2026-12-08", "date_text": "12月8日" if zh else "8 Dec",
        "weekday": "周二" if zh else "Tuesday", "time": time, "segment": "全部" if zh else "everyone",
        "segment_id": "all", "channel": "wecom_group", "node": "圣诞节" if zh else "Christmas",
        "activity": "", "phase": "", "stores": 12, "group_size": 200,
        "offer": offers.get("first_order", "") if full else "",
        "deal": deals[k % len(deals)] if deals and full else "",
        "product": first("products"), "reward": first("rewards"), "scene": first("scenes"),
        "products": ((pack.get("vocabulary") or {}).get("products") or {}).get(locale) or [],
        "persona": pack["persona"]["name"][locale], "persona_role": pack["persona"]["role"][locale],
        "node_tone": "festive",
        "node_greeting": ("圣诞快乐" if zh else "Merry Christmas") if full else "",
        "node_id": "christmas", "stage": "peak",
        "event_date_text": "12月8日" if zh else "8 Dec", "event_time": "15:00",
        "member_day": 18, "offset_day": 1, **(extra or {}),
    }


@pytest.mark.parametrize("path", POOLS, ids=_pool_id)
def test_pool_parses_and_has_enough_variants(path):
    from jinja2 import TemplateSyntaxError

    env = _env()
    try:
        env.parse(path.read_text(encoding="utf-8"))
        parts = variants(path)
        for part in parts:
            env.parse(part)
    except TemplateSyntaxError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"{path}:{exc.lineno}: {exc.message}")
    least = 6 if path.stem in DAILY else 3 if path.stem in WEEKLY else 2
    assert len(parts) >= least, f"{path.stem}: {len(parts)} variants, needs {least}"
    assert all(literal_text(p).strip() for p in parts), "an empty variant"


@pytest.mark.parametrize("path", POOLS, ids=_pool_id)
def test_pool_reads_as_customer_copy(path):
    locale, pack_id = path.relative_to(TEMPLATES).parts[0], path.parent.name
    for n, part in enumerate(variants(path), 1):
        words = literal_text(part)
        where = f"{_pool_id(path)} variant {n}"
        if locale == "zh-CN":
            assert not HALF_WIDTH_NEAR_CJK.search(words), f"{where}: half-width punctuation"
        low = words.lower()
        for word in OPS_WORDS[locale]:
            assert word not in low, f"{where}: ops word {word!r}"
        if pack_id in FOOD_PACKS:
            for word in FOREIGN_TO_FOOD[locale]:
                assert word not in low, f"{where}: another trade's word {word!r}"
        assert len(EMOJI.findall(part)) <= 1, f"{where}: more than one emoji"
        assert not re.search(r"\{\{\s*node\s*\}\}\s*快乐|happy\s*\{\{\s*node\b", part, re.I), where
        if pack_id in FOOD_PACKS:
            assert "快乐" not in words, f"{where}: greetings come from node_greeting"


def food_pools(*stems, prefix=()):
    """The food packs' pools with these names (the rules of the 10:22 review, REVIEW.md)."""
    return [p for p in POOLS if p.parent.name in FOOD_PACKS
            and (p.stem in stems or (prefix and p.stem.startswith(prefix)))]


@pytest.mark.parametrize("path", food_pools("small_preview", "small_activity"), ids=_pool_id)
def test_preview_and_event_name_the_same_deal(path):
    """The engine gives a preview and the activity it announces the same deal and product, so
    both state the event only through them: no prize or mechanic of their own (REVIEW.md 0.1)."""
    for n, part in enumerate(variants(path), 1):
        assert re.search(r"\{\{\s*deal\b", part), f"{_pool_id(path)} variant {n} names no deal"
        assert "reward" not in part, f"{_pool_id(path)} variant {n} promises a prize of its own"


@pytest.mark.parametrize("path", food_pools("node_festive", "node_moments_festive"), ids=_pool_id)
def test_a_greeting_never_sells(path):
    for n, part in enumerate(variants(path), 1):
        assert not re.search(r"\b(deal|offer|product)\b", part), f"{_pool_id(path)} variant {n}"


WEEKDAY_WORDS = re.compile(r"周[一二三四五六日末]|星期|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday", re.I)


@pytest.mark.parametrize("path", food_pools("daily_deal", prefix=("moments_",)), ids=_pool_id)
def test_daily_copy_names_a_day_only_when_it_is_that_day(path):
    """A daily post may go out on any weekday: a weekday word needs the `is_weekend` test."""
    for n, part in enumerate(variants(path), 1):
        text = literal_text(part)
        if WEEKDAY_WORDS.search(text):
            assert "is_weekend" in part or "weekday" in part, f"{_pool_id(path)} variant {n}"


def _absolute_terms():
    """The Advertising Law terms lint's C001 bans, with the ordinary words it allows."""
    data = yaml.safe_load((ROOT / "sidomain_cli" / "lint" / "banned_terms.yaml").read_text("utf-8"))
    return [t["term"].lower() for t in data["terms"]], [a.lower() for a in data.get("allow") or []]


@pytest.mark.parametrize("path", POOLS, ids=_pool_id)
def test_pool_makes_no_absolute_claims(path):
    terms, allowed = _absolute_terms()
    for n, part in enumerate(variants(path), 1):
        words = literal_text(part).lower()
        for ok in allowed:
            words = words.replace(ok, " ")
        hits = [t for t in terms if t in words]
        assert not hits, f"{_pool_id(path)} variant {n}: {hits}"


@pytest.mark.parametrize("path", POOLS, ids=_pool_id)
def test_pool_renders_with_its_pack(path):
    """Each variant renders under StrictUndefined with the pack's real words, full or empty."""
    locale, pack_id = path.relative_to(TEMPLATES).parts[0], path.parent.name
    pack = PACKS[pack_id]
    env = _env()
    rendered_any = False
    runs = max([len(v.get(locale) or []) for v in (pack.get("vocabulary") or {}).values()] + [1])
    # season and is_weekend may or may not be given by the engine: pools test them with `is defined`
    extras = ({}, {"season": "summer", "is_weekend": True}, {"season": "winter", "is_weekend": False})
    cases = [(True, time, k, x) for time in ("07:20", "14:00") for k in range(runs) for x in extras]
    cases += [(False, time, 0, x) for time in ("07:20", "14:00") for x in extras]
    for n, part in enumerate(variants(path), 1):
        template = env.from_string(part)
        for full, time, k, extra in cases:
            text = template.render(_context(pack, locale, full=full, time=time, k=k,
                                            extra=extra)).strip()
            where = f"{_pool_id(path)} variant {n} (full={full}, {time}, run {k})"
            assert "None" not in text and "{" not in text, where
            if locale == "zh-CN":
                assert not HALF_WIDTH_NEAR_CJK.search(text), f"{where}: {text}"
                assert not DOUBLE_PUNCT.search(text), f"{where}: {text}"
            else:
                assert "  " not in text and " ." not in text and " ," not in text, f"{where}: {text}"
                assert not re.search(r"^[.,!?:;]|[.,!?:;][.,!?:;]", text), f"{where}: {text}"
                assert not re.search(r"\ba (?!one\b|one-|uni|use|usu|eu)[aeiou]", text, re.I), \
                    f"{where}: article: {text}"
            rendered_any = rendered_any or (full and bool(text))
    assert rendered_any, f"{path}: no variant renders with the pack's own words"


@pytest.mark.parametrize("pack_id", sorted(FOOD_PACKS & set(PACKS)))
def test_food_pack_words_stay_in_the_trade(pack_id):
    text = (PACK_DIR / f"{pack_id}.yaml").read_text(encoding="utf-8")
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for locale in LOCALES:
        for word in FOREIGN_TO_FOOD[locale]:
            assert word not in body.lower(), (pack_id, word)
    for word in OPS_WORDS["zh-CN"]:
        assert word not in body, (pack_id, word)

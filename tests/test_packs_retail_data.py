"""The industry packs and copy pools are data: check the data itself (docs/packs.md).

Every pack under playbooks/industries/ parses and says what docs/packs.md asks for; aliases
do not collide between packs; every pool has enough variants for the rotation; every variant
is valid Jinja that renders (with every variable filled, and with the optional ones empty);
zh-CN copy uses full-width punctuation; no internal ops words reach customers; solemn pools
carry no offer and no "快乐"; commercial pools never say "X快乐"; the two locales hold the same
pool files; every pool named in docs/packs.md exists in both locales at the general level.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "playbooks" / "industries"
TEMPLATES = ROOT / "templates"
LOCALES = ("zh-CN", "en")
SPLIT = re.compile(r"^\{# --- #\}[ \t]*$", re.M)

OFFER_KEYS = ("welcome_gift", "new_member_coupon", "first_order", "member_day_offer",
              "recall_offer", "stored_value", "referral_reward", "loyal_offer")
DAILY = ("moments_seed", "moments_life", "moments_backstage", "moments_offer", "moments_ugc",
         "daily_deal")
WEEKLY = ("ugc_show", "topic", "small_preview", "small_activity", "oa_article", "referral")
OPS_WORDS = ("私域", "引流", "转化", "回访", "满群仪式", "月度大促", "福利群", "裂变", "促活",
             "拉新", "留存", "触达", "种草", "SOP", "private domain", "conversion", "funnel")
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
HALF_WIDTH = re.compile(rf"(?<={CJK})[,!?:;]|[,!?:;](?={CJK})")
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def minimum(pool: str) -> int:
    return 6 if pool in DAILY else 3 if pool in WEEKLY else 2


def documented_pools() -> list[str]:
    """The pool names of docs/packs.md, section "Pools and who uses them"."""
    text = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    section = text.split("### Pools and who uses them", 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    names = re.findall(r"`([a-z][a-z0-9_]*)`", section)
    return sorted(set(n for n in names if n not in {"recall_offer"}))


def pool_files() -> list[Path]:
    return sorted(TEMPLATES.glob("*/**/*.j2"))


def pack_files() -> list[Path]:
    return sorted(PACKS.glob("*.yaml"))


def variants(path: Path) -> list[str]:
    return SPLIT.split(path.read_text(encoding="utf-8"))


def is_pool(path: Path) -> bool:
    """A copy pool: a general file of the documented list, or any trade file."""
    return "industries" in path.parts or path.stem in documented_pools()


def prose(variant: str) -> str:
    """The customer-facing words of a variant: Jinja tags become a neutral placeholder."""
    text = re.sub(r"\{#.*?#\}", "", variant, flags=re.S)
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "X", text, flags=re.S)


def context(full: bool) -> dict:
    locale_zh = {"product": "经典款", "reward": "一份小礼物", "scene": "周末"}
    ctx = {
        "brand": "示例品牌", "industry": "示例", "day": 9, "date": "2027-01-12",
        "date_text": "1月12日", "weekday": "周二", "time": "11:00", "segment": "全体群成员",
        "segment_id": "all", "channel": "企微群", "node": "示例节点", "activity": "small",
        "phase": "conversion", "stores": 12, "group_size": 200,
        "offers": {k: "示例优惠" for k in OFFER_KEYS},
        "persona": "小林", "persona_role": "店长", "node_tone": "festive",
        "stage": "", "offset_day": 3, "last_stage": False,
    }
    optional = {"offer": "满199减30", "deal": "满299减50", "products": ["经典款", "新款", "限量款"],
                "node_greeting": "阖家团圆", "event_date_text": "今晚", "event_time": "20:00",
                "member_day": 18, **locale_zh}
    ctx.update({k: (v if full else ([] if isinstance(v, list) else "")) for k, v in optional.items()})
    # the planner's season and weekend flags (lines bound to a season or to the weekend)
    ctx.setdefault("node_id", "example")
    ctx.update(season="spring" if full else "winter", is_weekend=full,
               time="20:00" if full else "09:00")
    return ctx


@pytest.fixture(scope="module")
def env():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


# --- packs -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", pack_files(), ids=lambda p: p.stem)
def test_pack_parses_and_has_what_the_format_asks(path):
    pack = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert pack["kind"] == "industry_pack"
    assert pack["id"] == path.stem and re.fullmatch(r"[a-z][a-z0-9_]*", pack["id"])
    assert set(pack["name"]) == set(LOCALES)
    assert isinstance(pack.get("aliases"), list)
    if pack["id"] == "general":
        assert pack["aliases"] == [], "general is the fallback: it matches no text"
    else:
        assert pack["aliases"], "a trade pack needs aliases to be chosen"
    for role in ("role", "name"):
        assert set(pack["persona"][role]) == set(LOCALES) and all(pack["persona"][role].values())
    vocab = pack["vocabulary"]
    for slot, least in (("products", 8), ("rewards", 4), ("scenes", 4)):
        for loc in LOCALES:
            assert len(vocab[slot][loc]) >= least, f"{slot} {loc}: at least {least}"
        assert len(vocab[slot]["zh-CN"]) == len(vocab[slot]["en"]), f"{slot}: same length"
    offers = pack["offers"]
    assert set(offers) <= set(OFFER_KEYS) | {"deals"}
    for key in OFFER_KEYS:
        if offers.get(key) is not None:
            assert set(offers[key]) == set(LOCALES) and all(offers[key].values()), key
    deals = offers.get("deals") or {"zh-CN": [], "en": []}
    assert len(deals["zh-CN"]) == len(deals["en"])
    for hhmm in pack["dayparts"].values():
        assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", hhmm)
    for span in pack.get("service_peaks", []):
        assert re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", span)
    for node, level in (pack.get("nodes") or {}).items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", node) and level in ("S", "A", "B", None), node
    assert pack["forecast"]["recruits_per_store_per_day"] > 0


@pytest.mark.parametrize("path", pack_files(), ids=lambda p: p.stem)
def test_pack_texts_are_customer_copy(path):
    pack = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = []
    for key, value in pack["offers"].items():
        if key == "deals":
            texts += [("zh-CN", t) for t in value["zh-CN"]] + [("en", t) for t in value["en"]]
        elif value:
            texts += list(value.items())
    for slot in pack["vocabulary"].values():
        texts += [(loc, t) for loc in LOCALES for t in slot[loc]]
    for loc, text in texts:
        assert not any(w.lower() in text.lower() for w in OPS_WORDS), text
        if loc == "zh-CN":
            assert not HALF_WIDTH.search(text), f"half-width punctuation in {text!r}"


def test_jewellery_and_gifts_carry_no_other_trade_offers():
    """domain.md §12: no 拼团/秒杀 for a jeweller; no 次卡 or frequency cards for souvenirs."""
    for pid, banned in (("jewellery", ("拼团", "秒杀", "group-buy", "flash sale")),
                        ("gifts", ("次卡", "月卡", "punch card", "visits"))):
        path = PACKS / f"{pid}.yaml"
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
        pools = sorted((TEMPLATES).glob(f"*/industries/{pid}/*.j2"))
        body += "\n".join(prose(p.read_text(encoding="utf-8")) for p in pools)
        for word in banned:
            assert word.lower() not in body.lower(), f"{pid}: {word}"


def test_aliases_are_unique_across_packs():
    def norm(s: str) -> str:
        return re.sub(r"[\W_]+", "", s.lower())

    owner: dict[str, str] = {}
    for path in pack_files():
        for alias in yaml.safe_load(path.read_text(encoding="utf-8"))["aliases"]:
            key = norm(alias)
            assert key, f"{path.stem}: empty alias"
            assert owner.setdefault(key, path.stem) == path.stem, \
                f"alias {alias!r} in both {owner[key]} and {path.stem}"


def test_every_pack_with_a_pool_folder_exists():
    for loc in LOCALES:
        for folder in sorted((TEMPLATES / loc / "industries").glob("*")):
            assert (PACKS / f"{folder.name}.yaml").exists(), folder


# --- pools -----------------------------------------------------------------------------

def test_docs_list_the_pools():
    pools = documented_pools()
    assert {"welcome_friend", "daily_deal", "node_solemn", "follow_gift"} <= set(pools)


@pytest.mark.parametrize("pool", documented_pools())
def test_every_documented_pool_exists_in_both_locales(pool):
    for loc in LOCALES:
        assert (TEMPLATES / loc / f"{pool}.j2").is_file(), f"{loc}/{pool}.j2"


def test_both_locales_hold_the_same_pool_files():
    def names(loc):
        return {p.relative_to(TEMPLATES / loc).as_posix()
                for p in (TEMPLATES / loc).rglob("*.j2")}

    assert names("zh-CN") == names("en")


@pytest.mark.parametrize("path", [p for p in pool_files() if is_pool(p)],
                         ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_pool_variants(path, env):
    parts = variants(path)
    need = minimum(path.stem)
    assert len(parts) >= need, f"{len(parts)} variants, {need} needed"
    env.parse(path.read_text(encoding="utf-8"))  # the whole file is one valid template
    zh = path.relative_to(TEMPLATES).parts[0] == "zh-CN"
    rendered = []
    for i, part in enumerate(parts, 1):
        where = f"variant {i}"
        words = prose(part)
        assert words.strip() or "{%" in part, f"{where} is empty"
        for w in OPS_WORDS:
            assert w.lower() not in words.lower(), f"{where}: ops word {w!r}"
        if zh:
            quotes = re.sub(r"[^\u201c\u201d]", "", words)
            assert quotes == "\u201c\u201d" * (len(quotes) // 2), f"{where}: unpaired quotes"
            m = HALF_WIDTH.search(words)
            assert not m, f"{where}: half-width {m.group()!r} in {words.strip()[:60]!r}"
        template = env.from_string(part)
        # a variant may be bound to nodes (node_id), to a lifecycle day (offset_day) or to a
        # campaign's last day (last_stage)
        renders = [template.render(**{**context(True), "node_id": n, "offset_day": d,
                                      "last_stage": last}).strip()
                   for last in (False, True)
                   for n in ("example", "christmas", "spring_festival", "new_year_eve_dinner")
                   for d in (7, 30)]
        bare = template.render(**context(False)).strip()  # never raises
        full = next((r for r in renders if r), "") or bare
        assert full, f"{where} renders to nothing, filled or empty"
        assert len(EMOJI.findall(full)) <= 1, f"{where}: more than one emoji"
        rendered.append(full)
    if "node_id" not in path.read_text(encoding="utf-8"):  # node-bound variants share a fallback
        assert len(set(rendered)) == len(rendered), "two variants read the same"
    tone = path.stem
    parts = [re.sub(r"\{#.*?#\}", "", part, flags=re.S) for part in parts]  # not the notes
    if tone.endswith("solemn"):
        for i, part in enumerate(parts, 1):
            assert not re.search(r"\b(offer|deal|offers|reward)\b", part), f"variant {i}: offer"
            assert "快乐" not in part and "happy" not in part.lower(), f"variant {i}"
    if tone.endswith("commercial") or tone.startswith("campaign"):
        for i, part in enumerate(parts, 1):
            assert "快乐" not in part and "happy" not in part.lower(), f"variant {i}: X快乐"
    if tone.endswith("festive"):
        for i, part in enumerate(parts, 1):
            assert "农历除夕快乐" not in part


# --- against the other data files (present once the calendar and the planner land) -------

CATALOG = ROOT / "playbooks" / "calendar" / "nodes.yaml"
COPY_RULES = ROOT / "playbooks" / "copy_rules.yaml"


@pytest.mark.skipif(not CATALOG.exists(), reason="no node catalog")
@pytest.mark.parametrize("path", pack_files(), ids=lambda p: p.stem)
def test_pack_nodes_are_catalog_ids(path):
    ids = {n["id"] for n in yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["nodes"]}
    pack = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(pack.get("nodes") or {}) <= ids, set(pack.get("nodes") or {}) - ids


@pytest.mark.skipif(not COPY_RULES.exists(), reason="no copy rules")
def test_no_other_trade_words_in_general_or_own_pools():
    """General pools serve every trade, so they hold no trade's foreign words; a trade's own
    pools hold none of the words listed against that trade."""
    rules = yaml.safe_load(COPY_RULES.read_text(encoding="utf-8")).get("other_trade") or {}
    for loc in LOCALES:
        every = {w for words in rules.values() for w in (words.get(loc) or [])}
        for path in sorted((TEMPLATES / loc).glob("*.j2")):
            if path.stem not in documented_pools():
                continue
            words = prose(path.read_text(encoding="utf-8")).lower()
            hits = [w for w in every if w.lower() in words]
            assert not hits, f"{loc}/{path.name}: {hits}"
        for pack, words in rules.items():
            for path in sorted((TEMPLATES / loc / "industries" / pack).glob("*.j2")):
                text = prose(path.read_text(encoding="utf-8")).lower()
                hits = [w for w in (words.get(loc) or []) if w.lower() in text]
                assert not hits, f"{loc}/industries/{pack}/{path.name}: {hits}"

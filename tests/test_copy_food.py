"""What the coffee and hotpot plans say to customers, read as an ops director reads them
(review 2, the COPY-FOOD strikes): each test is a rule the copy must keep in every plan of
the examples, in both locales, over the December and the 春节 windows."""

from __future__ import annotations

import datetime as dt
import functools
import re

import pytest
import yaml

from sidomain_cli.planning import make_plan
from sidomain_cli.planning.packs import all_packs
from sidomain_cli.profile import load_profile
from tests.helpers_plan import ROOT, write_profile

STARTS = (None, dt.date(2027, 1, 25))  # the profile's own start (December), and 春节
LOCALES = ("zh-CN", "en")
NODES = yaml.safe_load((ROOT / "playbooks" / "calendar" / "nodes.yaml").read_text("utf-8"))


@functools.lru_cache(maxsize=None)
def plan(example: str, locale: str, start: dt.date | None = None):
    return make_plan(load_profile(ROOT / "examples" / f"{example}.yaml"), locale=locale,
                     start=start)


def plans(*examples: str):
    return [(e, loc, s) for e in examples for loc in LOCALES for s in STARTS]


def rewards(pack_id: str, locale: str) -> list[str]:
    return all_packs()[pack_id].words("rewards", locale)


# ---- photo contests (strike 11) -------------------------------------------------------

@pytest.mark.parametrize("example,locale,start", plans("coffee", "hotpot"))
def test_a_contests_result_never_names_a_prize_its_call_did_not(example, locale, start):
    """The call (ugc_show) and the result (a moments post) are two tasks with their own
    rotation: the result names no prize, so it can never name another than the call's."""
    p = plan(example, locale, start)
    calls = [t for t in p.calendar if t.template == "ugc_show"]
    assert calls
    photo = "晒图" if locale == "zh-CN" else "photo"
    results = [t for t in p.calendar if t.template != "ugc_show" and photo in t.message.lower()]
    assert results, "the examples post contest results"
    for t in results:
        named = [r for r in rewards(example, locale) if r.lower() in t.message.lower()]
        before = [c for c in calls if c.date <= t.date]
        called = {r for c in before[-1:] for r in rewards(example, locale) if r in c.message}
        assert set(named) <= called, (t.date, t.message, called)


@pytest.mark.parametrize("example,locale,start", plans("coffee", "hotpot"))
def test_a_contest_call_decides_a_week_on_never_on_a_bare_weekday(example, locale, start):
    """"周日抽" in a call sent on a Sunday was today; the call names next week's day."""
    p = plan(example, locale, start)
    for t in (t for t in p.calendar if t.template == "ugc_show"):
        if locale == "zh-CN":
            bare = re.findall(r"(?<!下)(?:周|星期)[一二三四五六日天]", t.message)
        else:
            bare = re.findall(r"(?<!next )\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
                              t.message, re.I)
        assert not bare, (t.date, t.message)


# ---- the hotpot lifecycle (strike 2) ----------------------------------------------------

FIRST_VISIT = {"zh-CN": ("首次", "首单", "新客", "新朋友的优惠", "第一次来"),
               "en": ("first visit", "first bill", "new-guest", "first time", "welcome offer")}
NUDGES = ("first_order_nudge", "first_order_reminder", "last_call_new")


def pack_plan(tmp_path, industry: str, pack_id: str, locale: str, **fields):
    """A plan on the pack's own offers, nothing from a profile."""
    p = make_plan(load_profile(write_profile(tmp_path, industry=industry, avg_ticket=120,
                                             purchases_per_month=2, **fields)), locale=locale)
    assert p.industry_pack == pack_id
    return p


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("source", ["example", "hotpot", "restaurant"])
def test_no_hotpot_lifecycle_text_offers_a_first_visit(tmp_path, source, locale):
    """Hotpot (and restaurant) guests are added at the table after they have eaten: the
    day-1/3/7 texts bring them back (a second-visit offer), never the visit they just made."""
    if source == "example":
        p = plan("hotpot", locale)
    else:
        p = pack_plan(tmp_path, {"hotpot": "火锅", "restaurant": "中餐"}[source], source, locale)
    texts = {t.task: t.message for t in p.lifecycle if t.task in NUDGES}
    assert set(texts) == set(NUDGES), sorted(texts)
    for task, message in texts.items():
        low = message.lower()
        assert not [w for w in FIRST_VISIT[locale] if w in low], (task, message)
    again = "再来" if locale == "zh-CN" else "come back"
    assert any(again in m.lower() for m in texts.values())


# ---- 年夜饭 bookings (strike 1) ----------------------------------------------------------

NYE_PRICES = {"hotpot": ("1288", "1988", "1,288", "1,988"), "restaurant": ("888", "2388", "888", "2,388")}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("pack_id", ["hotpot", "restaurant"])
def test_nye_dinner_reminders_restate_packages_rooms_and_cut_off(tmp_path, pack_id, locale):
    if pack_id == "hotpot":
        p = plan("hotpot", locale)
    else:
        p = pack_plan(tmp_path, "中餐", pack_id, locale, start_date="2026-12-15")
    campaign = next(c for c in p.campaigns if c["node_id"] == "new_year_eve_dinner")
    encores = [t for t in p.calendar if t.task == "campaign_encore"
               and t.date in campaign["encore"]]
    assert len(encores) == len(campaign["encore"]) >= 3
    deals = all_packs()[pack_id].deals[locale]
    prices = NYE_PRICES[pack_id][:2] if locale == "zh-CN" else NYE_PRICES[pack_id][2:]
    must = prices + (("订金", "除夕前一天", "还剩") if locale == "zh-CN" else
                     ("deposit", "the day before the Eve", "left"))
    for t in encores:
        assert all(w in t.message for w in must), (t.date, t.message)
        assert not [d for d in deals if d in t.message], (t.date, t.message)
    assert len({t.message for t in encores}) == len(encores)  # four reminders, four texts


# ---- 春节 and 冬至 (strikes 6, 10) ---------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_hotpot_spring_festival_claims_no_opening_hours(locale):
    p = plan("hotpot", locale, dt.date(2027, 1, 25))
    name = next(n["name"][locale] for n in NODES["nodes"] if n["id"] == "spring_festival")
    day = next(t.date for t in p.calendar if t.node == name)
    texts = [t.message for t in p.calendar if t.date == day]
    assert texts
    for m in texts:
        assert "照常营业" not in m and "open as usual" not in m.lower(), m
    hours = "营业时间" if locale == "zh-CN" else "hours"
    group = [t.message for t in p.calendar if t.date == day and t.task == "node_group"]
    assert group and all(hours in m for m in group), group


@pytest.mark.parametrize("locale", LOCALES)
def test_hotpot_winter_solstice_is_a_lamb_pot_day_not_dumplings(locale):
    p = plan("hotpot", locale)
    name = next(n["name"][locale] for n in NODES["nodes"] if n["id"] == "winter_solstice")
    day = next(t.date for t in p.calendar if t.node == name)
    group = [t.message for t in p.calendar if t.date == day and t.task == "node_group"]
    lamb, dumplings = ("羊肉", "饺子") if locale == "zh-CN" else ("lamb", "dumpling")
    assert group and all(lamb in m and dumplings not in m for m in group), group


# ---- words across the plan (strikes 10, 12, 15) -----------------------------------------

@pytest.mark.parametrize("example,locale,start", plans("coffee", "hotpot"))
def test_no_text_names_the_same_product_twice(example, locale, start):
    """"招牌毛肚买一送一。阿杰推荐顺便试试招牌毛肚": a recommendation of what the deal is."""
    p = plan(example, locale, start)
    products = all_packs()[example].words("products", locale)
    for t in [*p.calendar, *p.lifecycle]:
        twice = [w for w in products if t.message.lower().count(w.lower()) > 1]
        assert not twice, (t.task, getattr(t, "date", ""), t.message)


@pytest.mark.parametrize("example,locale,start", plans("coffee", "hotpot"))
def test_no_customer_text_contains_a_nodes_raw_label(example, locale, start):
    """Labels joined with "·" (平安夜·圣诞节) are the calendar's, not a greeting."""
    labels = [n["name"][locale] for n in NODES["nodes"]
              if "·" in n["name"].get(locale, "") or " & " in n["name"].get(locale, "")]
    assert labels or locale == "en"
    p = plan(example, locale, start)
    for t in [*p.calendar, *p.lifecycle]:
        assert not [x for x in labels if x in t.message], (t.task, t.message)


@pytest.mark.parametrize("example", ["coffee", "hotpot", "tea", "grocer"])
def test_a_recall_says_its_hello_once_and_calls_no_staple_new(example):
    p = plan(example, "zh-CN")
    recalls = [t.message for t in [*p.calendar, *p.lifecycle]
               if t.template in ("recall_silent", "sms_recall")]
    assert recalls
    for m in recalls:
        assert m.count("好久") + m.count("想你了") <= 1, m
        assert "最近上了" not in m, m


@pytest.mark.parametrize("example,locale,start", plans("coffee", "hotpot"))
def test_the_daily_deal_always_has_a_deal(example, locale, start):
    """A deal-of-the-day post that says there is no deal ("今天没有新福利")."""
    p = plan(example, locale, start)
    posts = [t for t in p.calendar if t.template == "daily_deal"]
    assert posts
    pack = all_packs()[example]
    deals = [d.lower() for d in pack.deals[locale]]
    deals += [d[locale].lower() for d in pack.node_deals.values()]  # a node's own deal (冬至)
    for t in posts:
        assert any(d in t.message.lower() for d in deals), (t.date, t.message)


# ---- coffee's promises (strike 3) --------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_coffee_welcome_and_intro_promise_no_post_the_plan_does_not_make(locale):
    """"早上有早八福利，下午有下午茶券" while nothing reaches the group before 09:15 and the
    deal goes out at 11:00: the welcome texts promise a daily deal, not a time of day."""
    p = plan("coffee", locale)
    texts = [t.message for t in p.lifecycle if t.task in ("welcome_friend", "welcome_group")]
    texts += [t.message for t in p.calendar if t.task == "persona"]
    assert len(texts) >= 3
    deal_times = sorted({t.time for t in p.calendar if t.template == "daily_deal"})
    assert deal_times
    words = ({"morning": ("早上", "早八"), "afternoon": ("下午",)} if locale == "zh-CN" else
             {"morning": ("morning", "commute"), "afternoon": ("afternoon",)})
    for m in texts:
        low = m.lower()
        if any(w in low for w in words["morning"]):  # the day's deal before work
            assert deal_times[0] < "09:00", (m, deal_times)
        if any(w in low for w in words["afternoon"]):  # and another after lunch
            assert deal_times[-1] >= "12:00", (m, deal_times)

"""What an ops director strikes in the retail trades' copy (jewellery, apparel, beauty, gifts),
pinned as rules on real plans of the examples, over the windows where each defect showed:
December–January (graduation, Christmas, the brand anniversary), 春节 and after (couriers,
greetings) and May (520, graduation season).

Customer text = every calendar and lifecycle message. Each rule names the review strike it
pins (REVIEW2 items 5, 8, 9, 13, 15).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from sidomain_cli.planning import make_plan
from sidomain_cli.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PACKS = ROOT / "playbooks" / "industries"
STARTS = (None, dt.date(2027, 1, 25), dt.date(2026, 5, 20))
CASES = [(ex, loc, start) for ex in ("jeweller", "apparel") for loc in ("zh-CN", "en")
         for start in STARTS] + [("salon", loc, None) for loc in ("zh-CN", "en")]


def case_id(case) -> str:
    ex, loc, start = case
    return f"{ex}-{loc}-{start or 'default'}"


_PLANS: dict = {}


def plan(ex: str, locale: str, start: dt.date | None):
    key = (ex, locale, start)
    if key not in _PLANS:
        _PLANS[key] = make_plan(load_profile(EXAMPLES / f"{ex}.yaml"), locale=locale,
                                start=start)
    return _PLANS[key]


def texts(p) -> list[tuple[str, str, str]]:
    """(date or +offset, task, message) of every customer text of a plan."""
    out = [(r.date, r.task, r.message) for r in p.calendar]
    out += [(f"+{r.offset_day}", r.task, r.message) for r in p.lifecycle]
    return out


def vocabulary(pack: str, key: str, locale: str) -> list[str]:
    data = yaml.safe_load((PACKS / f"{pack}.yaml").read_text(encoding="utf-8"))
    return list(data["vocabulary"][key][locale])


@pytest.fixture(params=CASES, ids=case_id)
def each_plan(request):
    return plan(*request.param)


def test_no_pipe_and_no_dotted_node_label_in_customer_text(each_plan):
    """Item 13/15: "春节|新春快乐" and "平安夜·圣诞节" word for word: a greeting is the node's
    own words, never its label (nor a label|greeting heading)."""
    dotted = {n.name if hasattr(n, "name") else n["name"] for n in each_plan.nodes}
    dotted = {name for name in dotted if "·" in name}
    for date, task, message in texts(each_plan):
        assert "|" not in message, (date, task, message)
        for name in dotted:
            assert name not in message, (date, task, message)


def test_no_greeting_repeats_the_node_name(each_plan):
    """Item 13: "除夕，除夕快乐" — the label, then a greeting that starts with it."""
    names = {n.name if hasattr(n, "name") else n["name"] for n in each_plan.nodes}
    for date, task, message in texts(each_plan):
        for name in names:
            assert not re.search(re.escape(name) + r"\s*[，,、：:]\s*" + re.escape(name), message), (
                date, task, message)


def test_graduation_copy_only_in_graduation_season(each_plan):
    """Item 8: graduation posts in December and January. Occasions rotate all year, so the
    rotating ones are year-round; graduation belongs to May–July (its node)."""
    for date, task, message in texts(each_plan):
        if date.startswith("+"):
            assert not re.search(r"毕业|graduat", message, re.I), (date, task, message)
            continue
        if int(date[5:7]) not in (5, 6, 7):
            assert not re.search(r"毕业|graduat", message, re.I), (date, task, message)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_jewellery_occasions_are_year_round(locale):
    scenes = vocabulary("jewellery", "scenes", locale)
    assert not [s for s in scenes if re.search(r"毕业|graduat", s, re.I)]


def test_an_occasion_is_never_paired_with_a_rotating_product():
    """Item 8: "for a baby's first month she was given the 18K gold diamond necklace", "for an
    engagement, the mechanical watch": scene and product rotate independently, so no text
    may tie one to the other."""
    seen = 0
    for locale in ("zh-CN", "en"):
        scenes = vocabulary("jewellery", "scenes", locale)
        products = vocabulary("jewellery", "products", locale)
        for start in STARTS:
            for date, task, message in texts(plan("jeweller", locale, start)):
                scene = [s for s in scenes if s in message]
                seen += bool(scene)
                assert not (scene and [p for p in products if p in message]), (date, task, message)
    assert seen  # the occasions are still used


SIZE = re.compile(r"尺码|码数|\bsizes?\b", re.I)
UNSIZED = re.compile(r"方巾|丝巾|围巾|披肩|发圈|腰带|帽|袜|耳环|项链|托特包|手提包|"
                     r"scarf|scrunchie|belt|\bhat\b|socks|earrings|necklace|\btote\b|handbag",
                     re.I)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_apparel_products_are_garments_with_sizes(locale):
    """Item 13: the apparel copy talks sizes around {{ product }} ("主推X，尺码不确定的@我"),
    so every product of the pack is a garment that has sizes: no scarf, bag or belt."""
    assert not [p for p in vocabulary("apparel", "products", locale) if UNSIZED.search(p)]


def test_no_size_talk_about_an_accessory():
    """Item 13: "真丝方巾每个尺码数量有限" — sizes only for garments. The products named in a
    text that talks sizes are garments."""
    for locale in ("zh-CN", "en"):
        products = vocabulary("apparel", "products", locale)
        for start in STARTS:
            for date, task, message in texts(plan("apparel", locale, start)):
                if not SIZE.search(message):
                    continue
                # the product slot: the pack's products and any unsized piece named as one
                named = [p for p in products if p in message]
                assert not [p for p in named if UNSIZED.search(p)], (date, task, message)
                assert not re.search(r"(方巾|丝巾|围巾|scarf)", message, re.I), (date, task, message)


def test_two_campaigns_do_not_tease_the_same_pieces():
    """Item 13: the spring-launch teaser listed the same three items as the 年货节 teaser. The
    warm-ups of two campaigns never name the same set of products."""
    for locale in ("zh-CN", "en"):
        products = vocabulary("apparel", "products", locale)
        p = plan("apparel", locale, None)
        named = {}
        for c in p.campaigns:
            days = set(c["warmup"])
            names = frozenset(x for r in p.calendar if r.date in days and r.stage == "warmup"
                              for x in products if x in r.message)
            named[c["node"]] = names
        assert len(named) >= 2
        sets = [s for s in named.values() if s]
        assert len(sets) == len(set(sets)), named
        for r in p.calendar:
            if r.stage == "warmup":
                assert len([x for x in products if x in r.message]) < 3, r.message


def test_an_encore_does_not_promise_a_length():
    """Item 9: "offer runs two more days" on a one-day encore. An encore says it is on today."""
    length = re.compile(r"两天|三天|几天返场|延续到|本周末|two (more )?days|three days|"
                        r"until the weekend|runs until", re.I)
    for case in CASES:
        for r in plan(*case).calendar:
            if r.stage == "encore":
                assert not length.search(r.message), (case_id(case), r.date, r.message)


def test_no_fake_personalisation_to_a_segment():
    """Item 5: "I remember you like pieces like the mechanical watch" went to every loyal
    client. A text sent to a whole segment claims nothing about one person's taste or size."""
    fake = re.compile(r"记得你喜欢|记得你之前|你之前喜欢|到了你穿的尺码|按你的尺码|都有你的尺码|"
                      r"上次聊到|I remember you|you like pieces like|arrived in your size|"
                      r"aside in your size|we talked about|我都记着|I've noted your sizes", re.I)
    for case in CASES:
        p = plan(*case)
        for date, task, message in texts(p):
            assert not fake.search(message), (case_id(case), date, task, message)


def test_no_live_only_price_beside_the_days_offer():
    """Item 9: "Live-only: ¥10 off…" in the group at the same 20:00 as the same deal as this
    week's in-store offer. The day's deal is one offer, wherever it is read."""
    for case in CASES:
        for date, task, message in texts(plan(*case)):
            assert not re.search(r"直播间专属|直播专享|live-only", message, re.I), (
                case_id(case), date, message)


def test_the_brand_anniversary_peak_states_its_offer():
    """Item 9: the S anniversary never said what it offered."""
    for locale in ("zh-CN", "en"):
        p = plan("jeweller", locale, None)
        deals = yaml.safe_load((PACKS / "jewellery.yaml").read_text(encoding="utf-8"))[
            "offers"]["deals"][locale]
        c = next(c for c in p.campaigns if c["node_id"].startswith("brand_"))
        peak = [r.message for r in p.calendar if r.date == c["peak"] and r.stage == "peak"]
        assert peak
        for message in peak:
            assert any(d in message for d in deals), message


def test_christmas_copy_names_the_right_day():
    """Item 8: "Christmas is on Dec 24." The campaign's peak is 平安夜 (Dec 24): copy on it says
    Christmas Eve, never that Christmas is on the 24th."""
    for locale in ("zh-CN", "en"):
        p = plan("jeweller", locale, None)
        for r in p.calendar:
            assert not re.search(r"Christmas is on|圣诞节是12月24日|It's Christmas\.", r.message), r
        peak = [r.message for r in p.calendar if r.date == "2026-12-24" and r.stage == "peak"]
        assert peak and all(("平安夜" in m) or ("Christmas Eve" in m) or ("Christmas!" in m)
                            for m in peak), peak


def test_no_delivery_promise_while_the_spring_festival_holiday_lasts():
    """Item 13: "快递到家都可以" on 2/13, still inside the 2027 春节 holiday (2/5–2/14)."""
    words = yaml.safe_load((ROOT / "playbooks" / "copy_rules.yaml").read_text(
        encoding="utf-8"))["shipping_words"]
    for locale in ("zh-CN", "en"):
        for start in (None, dt.date(2027, 1, 25)):
            p = plan("apparel", locale, start)
            span = next(n for n in p.nodes if (n.id if hasattr(n, "id") else n["id"])
                        == "spring_festival")
            first = span.date if hasattr(span, "date") else span["date"]
            last = span.end_date if hasattr(span, "end_date") else span["end_date"]
            first, last = str(first), str(last)
            seen = 0
            for r in p.calendar:
                if first <= r.date <= last:
                    seen += 1
                    assert not any(w.lower() in r.message.lower() for w in words[locale]), (
                        r.date, r.message)
            assert seen


def test_english_never_lists_bare_product_names():
    """Item 15: "Of heritage-craft gold bangle, 18K gold diamond necklace, one-carat diamond
    ring, which interests you most?" — English names a product with its article."""
    for ex, pack in (("jeweller", "jewellery"), ("apparel", "apparel")):
        products = vocabulary(pack, "products", "en")
        for start in STARTS:
            for date, task, message in texts(plan(ex, "en", start)):
                for a in products:
                    for b in products:
                        assert f"{a}, {b}" not in message, (date, task, message)
                assert not re.match(r"(\w+ here\. )?Of ", message), message


def test_the_jeweller_example_gives_its_ticket():
    """Item 16: the forecast took the high band's ¥1,000 against ¥8,000 wedding bands."""
    p = plan("jeweller", "en", None)
    ticket = next(a for a in p.forecast["assumptions"] if a["name"] == "avg_ticket")
    assert ticket["source"] == "profile" and ticket["value"] >= 3000

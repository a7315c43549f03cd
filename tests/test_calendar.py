"""China's marketing calendar (issue 10): data checked against the State Council's 2026
notice, against the libraries it was generated from, and against an independent library
(`holidays`); lunar festivals, estimated years, levels, 调休 workdays and campaigns."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sidomain_cli.errors import InputError
from sidomain_cli.planning import _astro
from sidomain_cli.planning import calendar as mc

D = dt.date
ROOT = Path(__file__).resolve().parents[1]
NODES = ROOT / "playbooks" / "calendar" / "nodes.yaml"
HOLIDAYS = ROOT / "playbooks" / "calendar" / "holidays_cn.yaml"


def cal_for(start, end, **kw):
    kw.setdefault("locale", "zh-CN")
    return mc.build_calendar(start, end, **kw)


def node(cal, nid, year=None):
    hits = [n for n in cal.nodes if n.id == nid and (year is None or n.day.year == year)]
    assert len(hits) == 1, (nid, year, hits)
    return hits[0]


def daterange(a, b):
    while a <= b:
        yield a
        a += dt.timedelta(days=1)


# ---- the 2026 official schedule (国务院办公厅, notice of 2025-11-04) ------------------------

NOTICE_2026 = {
    "new_year": (D(2026, 1, 1), D(2026, 1, 3), [D(2026, 1, 4)]),
    "spring_festival": (D(2026, 2, 15), D(2026, 2, 23), [D(2026, 2, 14), D(2026, 2, 28)]),
    "qingming": (D(2026, 4, 4), D(2026, 4, 6), []),
    "labour_day": (D(2026, 5, 1), D(2026, 5, 5), [D(2026, 5, 9)]),
    "dragon_boat": (D(2026, 6, 19), D(2026, 6, 21), []),
    "mid_autumn": (D(2026, 9, 25), D(2026, 9, 27), []),
    "national_day": (D(2026, 10, 1), D(2026, 10, 7), [D(2026, 9, 20), D(2026, 10, 10)]),
}


def test_2026_official_spans_and_workdays_match_the_notice():
    cal = cal_for(D(2026, 1, 1), D(2026, 12, 31))
    for hid, (first, last, work) in NOTICE_2026.items():
        n = node(cal, hid, 2026)
        assert (n.date, n.end_date) == (first, last), hid
        assert n.kind == "public_holiday" and not n.estimated and n.source == "official"
        for d in daterange(first, last):
            assert not mc.is_workday(d, cal), (hid, d)
        for d in work:
            assert mc.is_workday(d, cal) and d.weekday() >= 5, (hid, d)
    expected = sorted(d for _, _, w in NOTICE_2026.values() for d in w)
    assert [d for d, _ in cal.workdays] == expected
    assert dict(cal.workdays)[D(2026, 10, 10)] == "国庆节调休补班"
    assert cal.estimated_years == [] and cal.notes == []
    # the festival's own day sits inside its span
    assert node(cal, "spring_festival").day == D(2026, 2, 17)
    assert node(cal, "qingming").day == D(2026, 4, 5)
    assert node(cal, "mid_autumn").day == D(2026, 9, 25)


def test_workday_logic():
    cal = cal_for(D(2026, 1, 1), D(2026, 12, 31))
    assert mc.is_workday(D(2026, 2, 14), cal)        # Saturday 补班
    assert mc.is_workday(D(2026, 9, 20), cal)        # Sunday 补班
    assert not mc.is_workday(D(2026, 10, 5), cal)    # Monday in Golden Week
    assert not mc.is_workday(D(2026, 2, 20), cal)    # Friday in 春节
    assert not mc.is_workday(D(2026, 3, 7), cal)     # an ordinary Saturday
    assert mc.is_workday(D(2026, 3, 9), cal)         # an ordinary Monday
    assert mc.next_workday(D(2026, 10, 1), cal) == D(2026, 10, 8)
    assert [mc.day_kind(d, cal) for d in (D(2026, 10, 10), D(2026, 10, 4), D(2026, 10, 11),
                                          D(2026, 10, 12))] == \
        ["adjusted_workday", "holiday", "weekend", "workday"]
    # 开工: the first working day after 春节's days off
    cal = cal_for(D(2026, 2, 1), D(2026, 3, 31), levels={"back_to_work": "A"})
    assert node(cal, "back_to_work").date == D(2026, 2, 24)


def test_table_regenerates_from_chinesecalendar():
    """The shipped table is what scripts/gen_calendar.py makes from chinesecalendar."""
    pytest.importorskip("chinese_calendar")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_calendar
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert HOLIDAYS.read_text(encoding="utf-8") == gen_calendar.holidays_yaml()


def test_table_agrees_with_the_holidays_package():
    """Independent source: every day `holidays` lists for CN is a day off in our table, and
    every day it says was substituted from (补班) is one of our adjusted workdays."""
    import holidays

    first, last = mc.builtin_holiday_range()
    years = range(max(first, 2010), last + 1)
    known = mc.holiday_years(years)
    ours_off = {d for y in known.values() for a, b in y.holidays.values() for d in daterange(a, b)}
    ours_work = {d for y in known.values() for d in y.workdays}
    theirs = holidays.country_holidays("CN", years=years, language="en_US")
    substituted = set()
    for day, name in theirs.items():
        assert day in ours_off, (day, name)
        for m in re.finditer(r"substituted from (\d\d)/(\d\d)/(\d{4})", name):
            substituted.add(D(int(m[3]), int(m[1]), int(m[2])))
    assert substituted and substituted <= ours_work
    assert len(substituted) / len(ours_work) > 0.9  # nearly every 补班 is a substitution


def test_user_override_adds_a_published_year(tmp_path):
    f = tmp_path / "holidays.yaml"
    f.write_text("kind: official_holidays\nyears:\n  2027:\n    holidays:\n"
                 "      new_year: [2027-01-01, 2027-01-03]\n"
                 "      spring_festival: [2027-02-05, 2027-02-13]\n"
                 "    workdays:\n      2027-02-14: spring_festival\n", encoding="utf-8")
    cal = cal_for(D(2026, 12, 1), D(2027, 2, 28), user_overrides=f)
    sf = node(cal, "spring_festival", 2027)
    assert (sf.date, sf.end_date, sf.estimated) == (D(2027, 2, 5), D(2027, 2, 13), False)
    assert sf.source == "override:holidays.yaml" and sf.day == D(2027, 2, 6)
    assert cal.estimated_years == [] and cal.notes == []
    assert mc.is_workday(D(2027, 2, 14), cal)
    assert [d for d, _ in cal.workdays] == [D(2027, 2, 14)]
    # a year in the override replaces the built-in year whole
    f.write_text("kind: official_holidays\nyears:\n  2026:\n    holidays:\n"
                 "      national_day: [2026-10-01, 2026-10-08]\n", encoding="utf-8")
    mc._load_holidays.cache_clear()
    cal = cal_for(D(2026, 9, 1), D(2026, 10, 31), user_overrides=f)
    assert node(cal, "national_day").end_date == D(2026, 10, 8)
    assert cal.workdays == [] and "mid_autumn" not in {n.id for n in cal.nodes}


@pytest.mark.parametrize("text, where, words", [
    ("kind: official_holidays\nyears:\n  2027:\n    holidays:\n      new_year: [2027-01-03, 2027-01-01]\n",
     ":5:", "first day, last day"),
    ("kind: official_holidays\nyears:\n  20x7: {holidays: {}}\n", ":3:", "not a year"),
    ("kind: holidays\nyears: {}\n", ":1:", "kind: official_holidays"),
    ("kind: official_holidays\nyears:\n  2027:\n    holidays: {}\n    workdays:\n      soon: new_year\n",
     ":6:", "must be a date"),
])
def test_bad_override_is_one_clear_line(tmp_path, text, where, words):
    f = tmp_path / "h.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        cal_for(D(2027, 1, 1), D(2027, 1, 31), user_overrides=f)
    msg = e.value.format()
    assert msg.startswith(str(f) + where) and words in msg and "\n" not in msg


# ---- estimated years ------------------------------------------------------------------

def test_year_without_official_data_is_estimated_and_said_once():
    cal = cal_for(D(2026, 12, 1), D(2027, 2, 28))
    assert cal.estimated_years == [2027]
    assert len(cal.notes) == 1 and "2027" in cal.notes[0] and "估算" in cal.notes[0]
    ny = node(cal, "new_year", 2027)
    sf = node(cal, "spring_festival", 2027)
    assert ny.estimated and (ny.date, ny.end_date) == (D(2027, 1, 1), D(2027, 1, 3))  # Fri+weekend
    # default: 除夕 to 初七, joined to the weekend after it
    assert sf.estimated and sf.date == D(2027, 2, 5) and sf.day == D(2027, 2, 6)
    assert sf.end_date == D(2027, 2, 14)
    assert not node(cal, "double12").estimated and not node(cal, "chuxi").estimated
    assert cal.workdays == []  # 补班 are not guessed
    en = cal_for(D(2026, 12, 1), D(2027, 2, 28), locale="en")
    assert en.notes == ["2027: the official holiday schedule is not loaded; holidays are "
                        "estimated from the lunar calendar (days off by default rules, no "
                        "make-up workdays); add the State Council's schedule with a holidays "
                        "override file once published."]


def test_estimate_rules_against_official_years():
    """The estimate's default rules reproduce the 2025 and 2026 official breaks where the
    law fixes them (劳动节 5 days, 国庆 7 days or 8 with 中秋)."""
    catalog = mc.load_catalog()
    for year in (2025, 2026):
        est = mc._estimate_year(catalog, year)
        official = mc.holiday_years([year])[year].holidays
        assert est["labour_day"] == official["labour_day"]
        assert est["national_day"] == official["national_day"]
    assert mc._estimate_year(catalog, 2025)["spring_festival"] == (D(2025, 1, 28), D(2025, 2, 4))
    assert mc._estimate_year(catalog, 2026)["qingming"] == (D(2026, 4, 4), D(2026, 4, 6))
    # 中秋 2028 (10/3) joins 国庆: one 8-day break from 10/1, plus the Saturday before it
    assert mc._estimate_year(catalog, 2028)["mid_autumn"] == (D(2028, 9, 30), D(2028, 10, 8))
    assert mc._estimate_year(catalog, 2028)["national_day"] == (D(2028, 9, 30), D(2028, 10, 8))


def test_years_outside_the_lunar_table_keep_fixed_dates_and_say_so():
    cal = cal_for(D(2100, 1, 1), D(2100, 12, 31))
    ids = {n.id for n in cal.nodes}
    assert {"new_year", "national_day", "double11", "spring_festival"} <= ids
    assert node(cal, "spring_festival").day == D(2100, 2, 9)  # 除夕 2099 + 1 is still known
    assert not ids & {"mid_autumn", "winter_solstice", "qixi", "dragon_boat"}
    assert any("2100" in n and "农历" in n for n in cal.notes)


# ---- lunar festivals and solar terms --------------------------------------------------

@pytest.mark.parametrize("nid, levels, day", [
    ("lantern", {}, D(2026, 3, 3)),
    ("lantern", {}, D(2027, 2, 20)),
    ("winter_solstice", {}, D(2026, 12, 22)),
    ("chuxi", {}, D(2027, 2, 5)),
    ("chuxi", {}, D(2026, 2, 16)),
    ("chuxi", {}, D(2025, 1, 28)),
    ("fathers_day", {}, D(2026, 6, 21)),
    ("mothers_day", {}, D(2026, 5, 10)),
    ("qixi", {}, D(2026, 8, 19)),
    ("laba", {"laba": "B"}, D(2027, 1, 15)),
    ("xiaonian_north", {"xiaonian_north": "B"}, D(2027, 1, 30)),
    ("xiaonian_south", {"xiaonian_south": "B"}, D(2027, 1, 31)),
    ("xiaonian_north", {"xiaonian_north": "B"}, D(2026, 2, 10)),
    ("double_ninth", {"double_ninth": "B"}, D(2026, 10, 18)),
    ("start_of_winter", {"start_of_winter": "B"}, D(2026, 11, 7)),
    ("start_of_autumn", {"start_of_autumn": "B"}, D(2026, 8, 7)),
    ("dog_days", {"dog_days": "B"}, D(2026, 7, 15)),
    ("dog_days", {"dog_days": "B"}, D(2025, 7, 20)),
    ("dog_days", {"dog_days": "B"}, D(2024, 7, 15)),
    ("major_cold", {"major_cold": "B"}, D(2027, 1, 20)),
    ("new_year_eve_dinner", {"new_year_eve_dinner": "S"}, D(2027, 1, 8)),
])
def test_lunar_and_rule_dates(nid, levels, day):
    cal = cal_for(D(day.year, 1, 1), D(day.year, 12, 31), levels=levels)
    days = [n.day for n in cal.nodes if n.id == nid]
    assert day in days and len(days) <= 2  # 腊月 nodes can fall twice in a Gregorian year


def test_xiaonian_north_and_south_differ_by_a_day():
    cal = cal_for(D(2020, 1, 1), D(2035, 12, 31),
                  levels={"xiaonian_north": "B", "xiaonian_south": "B"})
    north = [n.day for n in cal.nodes if n.id == "xiaonian_north"]
    south = [n.day for n in cal.nodes if n.id == "xiaonian_south"]
    assert len(north) == len(south) >= 15
    assert all((s - n).days == 1 for n, s in zip(north, south))


def test_lunar_table_against_the_holidays_package():
    """Independent source: `holidays` ships its own tables of lunar festivals, 1901-2099."""
    from holidays.calendars.chinese import _ChineseLunisolar

    lib = _ChineseLunisolar()
    # Two borderline historical days where the sources differ: 1916's 正月初一 (lunar-python
    # 2/3, `holidays` 2/4) and 1951's 冬至 (the solstice fell near Beijing midnight).
    known = {(1916, "new_year"), (1951, "winter_solstice")}
    for year in range(1901, 2100):
        if (year, "new_year") not in known:
            assert mc.lunar_to_date(year, 1, 1) == lib.lunar_new_year_date(year)[0], year
            assert mc.chuxi(year - 1) == lib.lunar_new_year_date(year)[0] - dt.timedelta(days=1)
        assert mc.lunar_to_date(year, 5, 5) == lib.dragon_boat_date(year)[0], year
        assert mc.lunar_to_date(year, 8, 15) == lib.mid_autumn_date(year)[0], year
        assert mc.lunar_to_date(year, 9, 9) == lib.double_ninth_date(year)[0], year
        assert mc.solar_term(year, "pure_brightness") == lib.qingming_date(year)[0], year
        if (year, "winter_solstice") not in known:
            assert mc.solar_term(year, "winter_solstice") == lib.winter_solstice_date(year)[0]


def test_solar_terms_against_chinesecalendar():
    """Independent method: chinesecalendar's formula (with its exception table), 2000-2099;
    the table itself is astronomical (lunar-python). Before 2000 the formula's 立秋 is off by
    20 days (8/28), so the 20th century is not compared; 2084's 春分 is a formula edge case."""
    cc = pytest.importorskip("chinese_calendar")
    names = {zh: tid for tid, zh in mc.SOLAR_TERMS}
    terms = cc.get_solar_terms(D(2000, 1, 1), D(2099, 12, 31))
    assert len(terms) == 100 * 24
    wrong = [(day, zh) for day, zh in terms if mc.solar_term(day.year, names[zh]) != day]
    assert wrong == [(D(2084, 3, 20), "春分")]
    assert mc.solar_term(2084, "spring_equinox") == D(2084, 3, 19)


def test_astro_table_regenerates_from_lunar_python():
    """Spot years of the generated table are what lunar-python computes."""
    pytest.importorskip("lunar_python")
    from lunar_python import Lunar

    for year in (1900, 1950, 2000, 2023, 2025, 2026, 2027, 2033, 2061, 2099):
        s = Lunar.fromYmd(year, 1, 1).getSolar()
        assert _astro.LUNAR[year][0] == D(s.getYear(), s.getMonth(), s.getDay()).toordinal()
        for zh_name, solar in Lunar.fromYmd(year, 6, 1).getJieQiTable().items():
            tid = {zh: t for t, zh in mc.SOLAR_TERMS}.get(zh_name)
            if tid and solar.getYear() == year:
                assert mc.solar_term(year, tid) == D(year, solar.getMonth(), solar.getDay())
    # 入伏 (初伏) against lunar-python's 三伏 for a run of years
    from lunar_python import Solar

    for year in range(2000, 2040):
        rufu = mc.geng_day(mc.solar_term(year, "summer_solstice"), 3)
        fu = Solar.fromYmd(rufu.year, rufu.month, rufu.day).getLunar().getFu()
        assert fu is not None and fu.getIndex() == 1 and fu.toString().startswith("初伏")
        prev = rufu - dt.timedelta(days=1)
        assert Solar.fromYmd(prev.year, prev.month, prev.day).getLunar().getFu() is None


def test_leap_months():
    # 2025 has a leap 6th month (闰六月): 七夕 and 中秋 come after it
    assert _astro.LUNAR[2025][1] == 6
    assert mc.lunar_to_date(2025, 6, 1, leap=True) == D(2025, 7, 25)
    assert mc.lunar_to_date(2025, 7, 7) == D(2025, 8, 29)
    assert mc.lunar_to_date(2025, 8, 15) == D(2025, 10, 6)
    assert mc.lunar_to_date(2025, 5, 1, leap=True) is None
    assert mc.lunar_to_date(1850, 1, 1) is None


# ---- levels ---------------------------------------------------------------------------

def test_levels_relevel_drop_and_switch_on():
    default = cal_for(D(2026, 12, 1), D(2027, 1, 31))
    assert node(default, "double12").level == "S"
    assert node(default, "winter_solstice").level == "B"
    assert "laba" not in {n.id for n in default.nodes}  # off by default
    cal = cal_for(D(2026, 12, 1), D(2027, 1, 31),
                  levels={"double12": None, "winter_solstice": "s", "laba": "A",
                          "christmas": "off", "new_year": False})
    ids = {n.id for n in cal.nodes}
    assert not ids & {"double12", "christmas", "new_year"}
    assert node(cal, "winter_solstice").level == "S" and node(cal, "laba").level == "A"


def test_level_layers_say_which_layer_set_a_level():
    cal = cal_for(D(2026, 12, 1), D(2027, 1, 31), member_day=8, levels=[
        ("pack:hotpot", {"winter_solstice": "S", "double12": None, "laba": "A", "member_day": "B"}),
        ("profile", {"laba": "B", "double12": "A"})])
    assert (node(cal, "winter_solstice").level, node(cal, "winter_solstice").level_source) == \
        ("S", "pack:hotpot")
    assert (node(cal, "laba").level, node(cal, "laba").level_source) == ("B", "profile")
    assert (node(cal, "double12").level, node(cal, "double12").level_source) == ("A", "profile")
    assert node(cal, "christmas").level_source == "default"
    md = [n for n in cal.nodes if n.id == "member_day"]
    assert {(n.level, n.level_source) for n in md} == {("B", "pack:hotpot")}
    assert node(cal, "laba").as_dict()["level_source"] == "profile"
    with pytest.raises(InputError, match="unknown marketing node 'lab'"):
        cal_for(D(2026, 12, 1), D(2026, 12, 31), levels=[("profile", {"lab": "S"})])


def test_unknown_node_id_and_bad_level_are_errors():
    with pytest.raises(InputError) as e:
        cal_for(D(2026, 1, 1), D(2026, 1, 31), levels={"double_11": "S"})
    assert "unknown marketing node 'double_11'" in e.value.format()
    assert "did you mean 'double11'" in e.value.format()
    with pytest.raises(InputError, match="use S, A, B or null"):
        cal_for(D(2026, 1, 1), D(2026, 1, 31), levels={"double11": "X"})
    assert mc.check_levels({"member_day": "B", "qixi": None}) == []


def test_brand_nodes_and_member_day():
    brand = [{"date": D(2026, 12, 8), "name": "冬日新品上市", "level": "S"},
             {"date": D(2026, 12, 24), "name": "圣诞", "level": "S"},          # catalog alias
             {"date": D(2026, 12, 22), "name": "冬至", "level": None},         # dropped
             {"date": D(2027, 5, 1), "name": "outside the window", "level": "A"}]
    cal = cal_for(D(2026, 12, 1), D(2027, 1, 31), brand_nodes=brand, member_day=18,
                  member_day_name={"zh-CN": "熊猫会员日", "en": "Panda day"})
    launch = node(cal, "brand_20261208")
    assert (launch.kind, launch.level, launch.tone, launch.greeting) == ("brand", "S", "commercial", "")
    xmas = node(cal, "christmas")
    assert xmas.level == "S" and xmas.level_source == "profile" and xmas.kind == "industry"
    assert xmas.source == "catalog" and xmas.greeting == "圣诞快乐"
    assert "winter_solstice" not in {n.id for n in cal.nodes}
    md = [n for n in cal.nodes if n.id == "member_day"]
    assert [n.date for n in md] == [D(2026, 12, 18), D(2027, 1, 18)]
    assert md[0].name == "熊猫会员日" and md[0].kind == "member_day"
    assert not [n for n in cal.nodes if n.date > cal.end or n.end_date < cal.start]
    assert "member_day" not in {n.id for n in cal_for(D(2026, 12, 1), D(2026, 12, 31),
                                                      member_day=18, levels={"member_day": None}).nodes}


def test_tone_and_greetings():
    cal = cal_for(D(2026, 1, 1), D(2026, 12, 31))
    assert node(cal, "qingming").tone == "solemn" and "快乐" not in node(cal, "qingming").greeting
    assert node(cal, "chuxi").greeting == "除夕快乐，阖家团圆"
    assert "农历除夕" not in node(cal, "chuxi").greeting
    for n in cal.nodes:
        assert (n.tone == "commercial") == (n.greeting == ""), n.id
    en = cal_for(D(2026, 1, 1), D(2026, 12, 31), locale="en")
    assert node(en, "mid_autumn").name == "Mid-Autumn Festival"
    assert node(en, "double11").name == "Double 11"


def test_spring_festival_days_and_courier_stop():
    cal = cal_for(D(2027, 1, 1), D(2027, 2, 28))
    days = cal.spring_festival[2027]
    assert list(days) == list(mc.SPRING_DAYS)
    assert days["chuxi"] == D(2027, 2, 5) and days["chuqi"] == D(2027, 2, 12)
    # default 除夕-5 … 初九: the 2027 holiday runs to 2/14 (初九), couriers resume after it
    assert D(2027, 1, 31) in cal.no_shipping and D(2027, 2, 14) in cal.no_shipping
    assert D(2027, 1, 30) not in cal.no_shipping and D(2027, 2, 15) not in cal.no_shipping
    # a pack's or profile's own courier stop replaces the default
    cal2 = cal_for(D(2027, 1, 1), D(2027, 2, 28), no_shipping=(-2, 3))
    assert min(cal2.no_shipping) == D(2027, 2, 3) and max(cal2.no_shipping) == D(2027, 2, 8)
    with pytest.raises(InputError, match="reversed"):
        cal_for(D(2027, 1, 1), D(2027, 2, 28), no_shipping=(3, -2))
    assert mc.spring_festival_closures(cal, ["chuxi_evening", "chuyi"]) == [
        (D(2027, 2, 5), "chuxi_evening"), (D(2027, 2, 6), "chuyi")]
    assert mc.spring_festival_closures(cal_for(D(2027, 2, 6), D(2027, 3, 1)),
                                       ["chuxi", "chuer"]) == [(D(2027, 2, 7), "chuer")]
    with pytest.raises(InputError) as e:
        mc.spring_festival_closures(cal, ["chuxi_night"])
    assert "did you mean 'chuxi_evening'" in e.value.format()


# ---- campaigns ------------------------------------------------------------------------

def test_s_node_becomes_a_campaign_with_warmup_peak_encore():
    cal = cal_for(D(2026, 11, 1), D(2026, 12, 31))
    camps = {c.node.id: c for c in mc.shape_campaigns(cal, cal.start, cal.end, set())}
    assert set(camps) == {"double11", "double12"}
    c = camps["double11"]
    assert c.warmup == (D(2026, 11, 8), D(2026, 11, 9), D(2026, 11, 10))
    assert c.peak == D(2026, 11, 11) and c.encore == (D(2026, 11, 12),)
    assert c.merged_big_day is None
    assert c.as_dict()["warmup"] == ["2026-11-08", "2026-11-09", "2026-11-10"]


def test_campaign_is_clipped_to_the_window_and_spares_other_peaks():
    cal = cal_for(D(2026, 11, 10), D(2026, 11, 30), levels={"double11": "S"})
    (c,) = mc.shape_campaigns(cal, cal.start, cal.end, set(), warmup_days=5, encore_days=2)
    assert c.warmup == (D(2026, 11, 10),) and c.encore == (D(2026, 11, 12), D(2026, 11, 13))
    cal = cal_for(D(2026, 12, 1), D(2026, 12, 31), levels={"winter_solstice": "S", "christmas": "S"})
    camps = {c.node.id: c for c in mc.shape_campaigns(cal, cal.start, cal.end, ())}
    assert D(2026, 12, 22) not in camps["christmas"].warmup  # 冬至's own peak
    assert camps["christmas"].warmup == (D(2026, 12, 21), D(2026, 12, 23))


def test_big_activity_day_merges_into_a_near_s_node():
    cal = cal_for(D(2026, 10, 15), D(2026, 12, 13))
    big = {D(2026, 11, 13), D(2026, 12, 12), D(2026, 11, 25)}
    camps = {c.node.id: c for c in mc.shape_campaigns(cal, cal.start, cal.end, big)}
    assert camps["double11"].merged_big_days == (D(2026, 11, 13),)
    assert camps["double12"].merged_big_day == D(2026, 12, 12)
    absorbed = {d for c in camps.values() for d in c.merged_big_days}
    assert D(2026, 11, 25) not in absorbed  # 14 days from either: runs on its own
    camps = mc.shape_campaigns(cal, cal.start, cal.end, big, merge_within=1)
    assert {d for c in camps for d in c.merged_big_days} == {D(2026, 12, 12)}


# ---- the catalog and determinism --------------------------------------------------------

def test_catalog_is_well_formed_and_defaults_are_marked():
    catalog = mc.load_catalog()
    assert len(catalog.nodes) >= 35
    for n in catalog.nodes.values():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", n.id)
        assert n.names.get("zh-CN") and n.names.get("en"), n.id
        assert n.kind in mc.KINDS and n.tone in mc.TONES and n.level in (*mc.LEVELS, mc.OFF)
        assert (n.tone == "commercial") == (not n.greeting), n.id
        if n.greeting:
            assert set(n.greeting) == {"zh-CN", "en"}, n.id
    # the project's rule: every default of ours says it is one
    for no, line in enumerate(NODES.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"\s*(level|no_shipping):", line):
            assert "# default" in line, f"nodes.yaml:{no}: {line.strip()}"
    required = {"new_year", "spring_festival", "qingming", "labour_day", "dragon_boat",
                "mid_autumn", "national_day", "laba", "xiaonian_north", "xiaonian_south",
                "chuxi", "lantern", "qixi", "double_ninth", "new_year_eve_dinner", "back_to_work",
                "start_of_spring", "start_of_winter", "winter_solstice", "dog_days", "major_cold",
                "valentines_day", "womens_day", "consumer_rights_day", "day_520", "mothers_day",
                "childrens_day", "fathers_day", "graduation_season", "teachers_day", "halloween",
                "christmas", "nianhuo_festival", "festival_618", "double11", "double12"}
    assert required <= set(catalog.nodes)


def test_every_public_holiday_of_the_table_is_a_catalog_node():
    catalog = mc.load_catalog()
    first, last = mc.builtin_holiday_range()
    for year, hy in mc.holiday_years(range(first, last + 1)).items():
        for hid in hy.holidays:
            assert hid in catalog.nodes or hid == "victory_day_70th", (year, hid)


def test_fast_table_reader_equals_a_full_parse():
    from sidomain_cli.yamlio import load_yaml

    full = load_yaml(HOLIDAYS).data["years"]
    first, last = mc.builtin_holiday_range()
    assert set(full) == set(range(first, last + 1))
    for year, y in full.items():
        hy = mc.holiday_years([year])[year]
        assert dict(hy.holidays) == {k: tuple(v) for k, v in y["holidays"].items()}
        assert dict(hy.workdays) == (y.get("workdays") or {})


_DUMP = ("import datetime as dt, json; from sidomain_cli.planning import calendar as mc; "
         "c = mc.build_calendar(dt.date(2026, 9, 1), dt.date(2027, 3, 31), locale='en', "
         "levels={'laba': 'B', 'festival_618': None}, member_day=8); "
         "print(json.dumps([c.as_dict(), [x.as_dict() for x in mc.shape_campaigns("
         "c, c.start, c.end, {dt.date(2026, 11, 12)})]], ensure_ascii=False, sort_keys=True))")


def test_output_is_deterministic_across_processes():
    outs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", _DUMP], env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1
    data = json.loads(outs.pop())
    assert data[0]["estimated_years"] == [2027] and data[1]
    # and the same within one process
    a = mc.build_calendar(D(2026, 9, 1), D(2027, 3, 31), locale="en").as_dict()
    assert a == mc.build_calendar(D(2026, 9, 1), D(2027, 3, 31), locale="en").as_dict()


def test_nodes_are_sorted_and_inside_the_window():
    cal = cal_for(D(2026, 2, 20), D(2026, 10, 3))
    keys = [(n.date, n.day) for n in cal.nodes]
    assert keys == sorted(keys)
    assert all(n.end_date >= cal.start and n.date <= cal.end for n in cal.nodes)
    # a span that started before the window is still there (春节 2/15-2/23)
    assert node(cal, "spring_festival").date == D(2026, 2, 15)
    with pytest.raises(InputError):
        cal_for(D(2026, 2, 20), D(2026, 2, 1))


def test_readme_lists_every_catalog_node_as_it_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Marketing calendar", 1)[1].split("\n### ", 1)[0]
    rows = {m[1]: m[2].split(" | ") for m in re.finditer(r"^\| `([a-z0-9_]+)` \| (.*) \|$",
                                                          section, re.M)}
    catalog = mc.load_catalog().nodes
    rows = {k: v for k, v in rows.items() if len(v) == 6}  # the catalog table's rows
    assert set(rows) == set(catalog)
    for nid, n in catalog.items():
        zh, en, kind, tone, level = rows[nid][:5]
        assert (zh, en, kind, tone, level) == (n.names["zh-CN"], n.names["en"], n.kind, n.tone,
                                               n.level), nid
    for kind in mc.KINDS:
        assert f"| `{kind}` |" in section
    for tone in mc.TONES:
        assert f"| `{tone}` |" in section


def test_compiled_catalog_is_current_and_a_stale_one_is_not_used(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_calendar
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    compiled = NODES.with_suffix(".json")
    assert compiled.read_text(encoding="utf-8") == gen_calendar.catalog_json(), \
        "run: python scripts/gen_calendar.py catalog > playbooks/calendar/nodes.json"
    assert mc._compiled_catalog(NODES) is not None
    # an edited nodes.yaml next to an old nodes.json: the JSON is ignored
    (tmp_path / "nodes.yaml").write_text(NODES.read_text(encoding="utf-8") + "\n",
                                         encoding="utf-8")
    (tmp_path / "nodes.json").write_text(compiled.read_text(encoding="utf-8"), encoding="utf-8")
    assert mc._compiled_catalog(tmp_path / "nodes.yaml") is None
    assert mc._compiled_catalog(tmp_path / "missing.yaml") is None
    # and the YAML and the JSON give the same catalog
    assert mc.load_catalog(str(NODES)).nodes == mc.load_catalog().nodes


ALL_ON = {nid: "B" for nid in mc.catalog_ids()}


@given(start=st.dates(D(1900, 1, 1), D(2999, 1, 1)), days=st.integers(0, 400),
       all_on=st.booleans(), locale=st.sampled_from(["zh-CN", "en"]),
       member_day=st.none() | st.integers(1, 28))
def test_any_window_gives_a_consistent_calendar(start, days, all_on, locale, member_day):
    end = min(start + dt.timedelta(days=days), D(2999, 12, 31))
    cal = mc.build_calendar(start, end, locale=locale, levels=ALL_ON if all_on else {},
                            member_day=member_day)
    for n in cal.nodes:
        assert n.end_date >= start and n.date <= end and n.date <= n.day <= n.end_date, n
        assert n.level in mc.LEVELS and n.kind in mc.KINDS and n.tone in mc.TONES
    assert all(start <= d <= end for d, _ in cal.workdays)
    assert all(mc.is_workday(d, cal) for d, _ in cal.workdays)
    for c in mc.shape_campaigns(cal, start, end, {start + dt.timedelta(days=29)}):
        assert all(start <= d <= end for d in (*c.warmup, c.peak, *c.encore))
        assert c.node.level == "S" and max(c.warmup, default=c.peak) <= c.peak

"""`sidomain plan`: diagnosis, channel mix, calendar rules, scripts, KPIs, contract."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from sidomain_cli.cli import run
from sidomain_cli.playbook import load_playbook
from tests.helpers_plan import (CJK, EXAMPLES, ROOT, check_hard_rules, plan_json,
                                write_profile)

# ---- the four store types the method names, end to end ------------------------------

NAMED = {
    # example file: (store type, operating model)
    "coffee.yaml": ("low_price_high_frequency", "community_promotion"),
    "jeweller.yaml": ("high_price_low_frequency", "one_on_one"),
    "apparel.yaml": ("mid_price_mid_frequency", "tiered"),
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_examples_diagnose_to_the_method_model(capsys, name):
    plan = plan_json(capsys, ROOT / "examples" / name)
    store_type, model = NAMED[name]
    assert plan["store_type"] == store_type
    assert plan["operating_model"] == model
    assert plan["diagnosis"]["named_by_method"] is True
    assert store_type in plan["diagnosis"]["why"]
    check_hard_rules(plan)


def test_low_price_low_frequency_is_online_counter_and_says_so(capsys, tmp_path):
    path = write_profile(tmp_path, avg_ticket=20, purchases_per_month=0.2,
                         touchpoints=["official_account", "mini_program", "wecom_moments",
                                      "package_card"])
    plan = plan_json(capsys, path)
    assert plan["store_type"] == "low_price_low_frequency"
    assert plan["operating_model"] == "online_counter"
    assert "很难" in plan["notice"]  # says plainly that store-led private domain rarely pays
    assert not any(t["channel"] == "wecom_1v1" for t in plan["calendar"])
    check_hard_rules(plan, moments_cap=1)


def test_hotpot_chain_is_tiered_with_segments(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "hotpot.yaml")
    assert plan["store_type"] == "mid_price_high_frequency"
    assert plan["operating_model"] == "tiered"
    assert plan["diagnosis"]["named_by_method"] is False
    segments = {t["segment"] for t in plan["calendar"]}
    # tiered plans target the layers of domain.md §6
    assert {"loyal_high", "new_mid", "new_low", "silent"} <= segments or \
        {"loyal_high", "new_mid", "new_low"} <= segments
    check_hard_rules(plan)


# ---- the 3x3 grid ------------------------------------------------------------------------

GRID = [
    # avg_ticket, purchases/month, store type, model
    (49.99, 2, "low_price_high_frequency", "community_promotion"),
    (10, 1, "low_price_mid_frequency", "community_promotion"),
    (10, 0.3, "low_price_low_frequency", "online_counter"),
    (50, 5, "mid_price_high_frequency", "tiered"),
    (120, 1.99, "mid_price_mid_frequency", "tiered"),
    (499, 0.3, "mid_price_low_frequency", "tiered"),
    (500, 2, "high_price_high_frequency", "one_on_one"),
    (3000, 0.5, "high_price_mid_frequency", "one_on_one"),
    (8000, 0.05, "high_price_low_frequency", "one_on_one"),
]


@pytest.mark.parametrize("ticket,freq,store_type,model", GRID)
def test_grid_cell_and_model(capsys, tmp_path, ticket, freq, store_type, model):
    plan = plan_json(capsys, write_profile(tmp_path, avg_ticket=ticket, purchases_per_month=freq))
    assert plan["store_type"] == store_type
    assert plan["operating_model"] == model
    assert plan["playbook"] == model
    assert plan["diagnosis"]["why"]  # says why, in words
    check_hard_rules(plan, moments_cap=1 if model == "online_counter" else 3)


@pytest.mark.parametrize("price,freq", [(p, f) for p in ("low", "mid", "high")
                                        for f in ("low", "mid", "high")])
def test_bands_instead_of_numbers(capsys, tmp_path, price, freq):
    path = write_profile(tmp_path, avg_ticket=None, purchases_per_month=None,
                         price_band=price, frequency=freq)
    plan = plan_json(capsys, path)
    assert plan["store_type"] == f"{price}_price_{freq}_frequency"


def test_thresholds_come_from_the_method_file(capsys, tmp_path):
    method = (ROOT / "playbooks" / "method.yaml").read_text(encoding="utf-8")
    method = method.replace("mid_from: 50", "mid_from: 20")
    (tmp_path / "method.yaml").write_text(method, encoding="utf-8")
    path = write_profile(tmp_path, avg_ticket=30, purchases_per_month=4)
    assert plan_json(capsys, path)["store_type"].startswith("low_price")
    code = run(["plan", str(path), "--method", str(tmp_path / "method.yaml"), "-f", "json"])
    assert json.loads(capsys.readouterr().out)["store_type"].startswith("mid_price")
    assert code == 0


# ---- calendar -------------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_hard_rules_hold_on_every_example(capsys, example):
    plan = plan_json(capsys, example)
    check_hard_rules(plan, moments_cap=1 if plan["operating_model"] == "online_counter" else 3)
    assert plan["days"] == 60
    assert {t["day"] for t in plan["calendar"]} <= set(range(1, 61))


def test_phases_and_north_stars(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml")
    phases = {p["id"]: p for p in plan["phases"]}
    assert (phases["retention"]["first_day"], phases["retention"]["last_day"]) == (1, 7)
    assert (phases["conversion"]["first_day"], phases["conversion"]["last_day"]) == (8, 60)
    assert phases["retention"]["north_star"] == ["group_retention_7d"]
    assert phases["conversion"]["north_star"] == ["mini_program_diversion_rate",
                                                 "group_consumption_rate"]
    # strategies of domain.md §8 days 1-7 run on each member's own clock (issue 11): the
    # welcome gift on joining, the first-order nudge and reminders, the group-full event
    lifecycle = {t["task"]: t for t in plan["lifecycle"]}
    assert {"welcome_friend", "welcome_group", "first_order_nudge", "first_order_reminder",
            "group_full"} <= set(lifecycle)
    assert lifecycle["welcome_group"]["metric"] == "group_retention_7d"
    assert lifecycle["group_full"]["trigger"] == "group_full"
    assert "persona" in {t["task"] for t in plan["calendar"] if t["day"] <= 7}
    # a row whose task names no metric carries its phase's north star
    own = {t.id for t in load_playbook(plan["playbook"]).tasks if t.metric}
    for t in plan["calendar"]:
        if t["task"] not in own:
            assert t["metric"] == ("group_retention_7d" if t["day"] <= 7
                                   else "mini_program_diversion_rate"), t


def test_small_every_7_days_big_every_30(capsys, tmp_path):
    # no marketing node may fall in this window, so activities are only the rhythm
    path = write_profile(tmp_path, start_date="2027-03-01")
    plan = plan_json(capsys, path)
    small = sorted({t["day"] for t in plan["calendar"] if t["activity"] == "small"})
    big = sorted({t["day"] for t in plan["calendar"] if t["activity"] == "big"})
    # one small activity a week, on the pack's weekday (general: Friday; 2027-03-01 is a Monday)
    assert small == [5, 12, 19, 26, 33, 40, 47, 54]
    assert {(dt.date(2027, 3, 1) + dt.timedelta(days=d - 1)).weekday() for d in small} == {4}
    assert big == [30, 60]


def test_marketing_nodes_become_node_days(capsys, tmp_path):
    path = write_profile(tmp_path, start_date="2026-11-01", member_day=18,
                         marketing_nodes=[{"name": "周年庆", "date": "2026-11-25"}])
    plan = plan_json(capsys, path)
    node_days = {t["date"]: t["node"] for t in plan["calendar"] if t["node"]}
    activities = {(t["date"], t["activity"]) for t in plan["calendar"] if t["node"]}
    # an S-level node is a campaign (warm-up before, the peak on the day); A/B a node day
    level = {n["day"]: n["level"] for n in plan["nodes"]}
    for day, name in (("2026-11-11", "双11"), ("2026-12-12", "双12")):
        assert name in node_days[day]
        assert (day, "peak" if level[day] == "S" else "node") in activities, (day, level[day])
    if level["2026-11-11"] == "S":
        assert ("2026-11-09", "warmup") in activities
    assert "会员日" in node_days["2026-11-18"] and "会员日" in node_days["2026-12-18"]
    assert ("2026-11-18", "member_day") in activities
    assert "周年庆" in node_days["2026-11-25"] and ("2026-11-25", "node") in activities
    names = {n["name"] for n in plan["nodes"]}
    assert "元旦" not in names  # 2027-01-01 is outside 2026-11-01 + 60 days
    node_messages = [t["message"] for t in plan["calendar"]
                     if t["activity"] == "node" and t["date"] == "2026-11-25"]
    assert any("周年庆" in m for m in node_messages)


def test_public_holidays_are_nodes_even_next_year(capsys, tmp_path):
    plan = plan_json(capsys, write_profile(tmp_path, start_date="2027-01-20"))
    nodes = {n["day"]: n["name"] for n in plan["nodes"]}
    assert nodes.get("2027-02-06") == "春节"  # Spring Festival 2027, a lunar date (its own day)


def test_start_and_days_change_the_window(capsys, tmp_path):
    path = write_profile(tmp_path)
    plan = plan_json(capsys, path, "--start", "2027-03-01", "--days", "90")
    assert plan["start_date"] == "2027-03-01" and plan["days"] == 90
    dates = [t["date"] for t in plan["calendar"]]
    assert min(dates) == "2027-03-01"
    assert max(dates) <= "2027-05-29"
    assert max(t["day"] for t in plan["calendar"]) > 60
    check_hard_rules(plan)


def test_quiet_hours_move_tasks(capsys, tmp_path):
    path = write_profile(tmp_path, quiet_hours="18:00-11:00")
    plan = plan_json(capsys, path)
    assert all(11 * 60 <= int(t["time"][:2]) * 60 + int(t["time"][3:]) < 18 * 60
               for t in plan["calendar"])
    check_hard_rules(plan)


def test_one_on_one_may_use_1v1_on_ordinary_days(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "jeweller.yaml")
    ordinary_1v1 = [t for t in plan["calendar"] if t["channel"] == "wecom_1v1"
                    and t["activity"] is None and t["day"] != 1]
    assert ordinary_1v1, "1v1 service should run on ordinary days in the 1v1 model"


def test_caps_override_from_profile(capsys, tmp_path):
    plan = plan_json(capsys, write_profile(tmp_path, caps={"moments_per_day": 1}))
    per_day = Counter(t["day"] for t in plan["calendar"] if t["channel"] == "wecom_moments")
    assert max(per_day.values()) == 1


def test_send_method_is_stated_and_bulk_cap_holds(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml")
    sends = {t["send"] for t in plan["calendar"]}
    assert {"company_bulk", "staff_reminder"} <= sends
    assert sends <= {"company_bulk", "staff_reminder", "subscription_message", "oa_broadcast",
                     "sms_batch", "live"}
    assert {t["send"] for t in plan["calendar"] if t["channel"] == "official_account"} == {
        "oa_broadcast"}
    check_hard_rules(plan, bulk_cap=1)


# ---- channel mix, gaps, acquisition, KPIs ----------------------------------------------

def test_channel_mix_covers_the_brands_channels_and_reports_gaps(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml")
    channels = [c["channel"] for c in plan["channel_mix"]]
    assert set(channels) == {"wecom_1v1", "wecom_group", "wecom_moments", "mini_program",
                             "official_account"}
    assert abs(sum(c["share"] for c in plan["channel_mix"]) - 1) < 1e-9
    for c in plan["channel_mix"]:
        assert {"channel", "role", "share", "max_per_day"} <= set(c)
    moments = next(c for c in plan["channel_mix"] if c["channel"] == "wecom_moments")
    assert moments["max_per_day"] == 3
    group = next(c for c in plan["channel_mix"] if c["channel"] == "wecom_group")
    assert group["share"] == max(c["share"] for c in plan["channel_mix"])  # main battlefield
    assert {g["channel"] for g in plan["gaps"]} == {"channels_live", "sms"}
    assert not any(t["channel"] in ("channels_live", "sms") for t in plan["calendar"])


def test_acquisition_plan_uses_published_conversions(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml")
    acq = {a["touchpoint"]: a for a in plan["acquisition"]}
    assert acq["lbs_group"]["conversion"] == 0.48
    assert acq["store_qr"]["conversion"] == 0.30
    assert acq["takeaway_card"]["conversion"] is None  # no public benchmark: said, not invented


def test_kpis_have_benchmark_defaults_and_units(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml")
    kpis = {k["name"]: k for k in plan["kpis"]}
    assert {"diversion_rate", "first_order_rate", "interaction_rate", "content_seeding",
            "social_power"} <= set(kpis)
    assert (kpis["diversion_rate"]["target"], kpis["diversion_rate"]["unit"]) == (15, "%/month")
    # the coffee pack refines the first-order target; the rest are the playbook's benchmarks
    assert (kpis["first_order_rate"]["target"], kpis["first_order_rate"]["source"]) == (25, "pack")
    assert (kpis["diversion_rate"]["source"], kpis["repurchase_ratio"]["target"]) == ("youzan", 1.2)
    assert all(k["unit"] for k in plan["kpis"])


# ---- scripts and locale ----------------------------------------------------------------------

def test_messages_carry_the_brands_values(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml")
    msgs = {t["task"]: t["message"] for t in plan["lifecycle"]}
    assert "进群即领第二杯半价券" in msgs["welcome_group"]  # the profile's own offer
    assert "新人首杯9.9元" in msgs["first_order_nudge"]
    assert any("熊猫咖啡" in t["message"] for t in plan["calendar"])
    for t in plan["calendar"]:
        assert t["template"] and t["message"]


def test_english_on_request(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "coffee.yaml", "--locale", "en")
    assert plan["locale"] == "en"
    for t in plan["calendar"]:
        assert not CJK.search(t["action"]), t["action"]
        # the brand's own name and offers may be Chinese; the script around them is not
        assert not CJK.search(t["message"].replace("熊猫咖啡", "")
                              .replace("进群即领第二杯半价券", "").replace("新人首杯9.9元", "")
                              .replace("双方各得一张免费升杯券", "")
                              .replace("会员日全场饮品8折", "").replace("冬日新品上市", "")
                              .replace("会员日", "").replace("双12", "").replace("元旦", "")), t
    assert "Read:" in plan["diagnosis"]["why"]


def test_zh_is_the_default(capsys, tmp_path):
    plan = plan_json(capsys, write_profile(tmp_path))
    assert plan["locale"] == "zh-CN"
    assert CJK.search(plan["calendar"][0]["message"])


# ---- output formats, contract, determinism -------------------------------------------------------

def test_json_contract(capsys):
    plan = plan_json(capsys, ROOT / "examples" / "hotpot.yaml")
    assert {"brand", "store_type", "operating_model", "diagnosis", "channel_mix", "calendar",
            "kpis"} <= set(plan)
    t = plan["calendar"][0]
    assert {"day", "date", "time", "channel", "phase", "activity", "segment", "action",
            "template", "message", "metric"} <= set(t)
    assert t["day"] == 1 and dt.date.fromisoformat(t["date"])
    assert t["phase"] in ("retention", "conversion")
    assert all(x["activity"] in (None, "small", "small_preview", "big", "node", "warmup", "peak",
                                 "encore", "member_day", "member_day_eve")
               for x in plan["calendar"])
    for k in plan["kpis"]:
        assert {"name", "target", "unit"} <= set(k)


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_same_input_same_bytes(tmp_path, fmt):
    outs = []
    for i in range(2):
        target = tmp_path / f"out{i}"
        assert run(["plan", str(ROOT / "examples" / "hotpot.yaml"), "-f", fmt,
                    "-o", str(target)]) == 0
        outs.append(target.read_bytes())
    assert outs[0] == outs[1]
    assert len(outs[0]) > 1000


def test_markdown_report_has_all_parts(capsys):
    assert run(["plan", str(ROOT / "examples" / "apparel.yaml"), "-f", "markdown"]) == 0
    md = capsys.readouterr().out
    for heading in ("## 诊断", "## 渠道组合", "## KPI目标", "## SOP日历", "### 第1周", "### 第9周"):
        assert heading in md
    assert "mid_price_mid_frequency" in md


def test_text_report_tables(capsys):
    assert run(["plan", str(ROOT / "examples" / "jeweller.yaml")]) == 0
    out = capsys.readouterr().out
    assert "high_price_low_frequency" in out
    assert "Channel mix" in out and "KPI targets" in out and "Week 9" in out
    assert "\x1b[" not in out  # no colour codes when not a terminal


def test_custom_playbook_path(capsys, tmp_path):
    src = (ROOT / "playbooks" / "tiered.yaml").read_text(encoding="utf-8")
    custom = tmp_path / "mine.yaml"
    custom.write_text(src.replace("id: tiered", "id: my_tiered"), encoding="utf-8")
    plan = plan_json(capsys, write_profile(tmp_path), "--playbook", custom)
    assert plan["playbook"] == "my_tiered"
    assert plan["operating_model"] == "community_promotion"  # diagnosis is still reported


def test_output_file_is_not_overwritten_without_force(capsys, tmp_path):
    target = tmp_path / "plan.md"
    target.write_text("keep me", encoding="utf-8")
    code = run(["plan", str(ROOT / "examples" / "coffee.yaml"), "-f", "markdown",
                "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and "--force" in err and str(target) in err
    assert target.read_text(encoding="utf-8") == "keep me"
    assert run(["plan", str(ROOT / "examples" / "coffee.yaml"), "-f", "markdown",
                "-o", str(target), "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("# 熊猫咖啡")

"""`sidomain init` (issue 13 §3): questions in Chinese or English, a flag for each, --yes
for no terminal, piped answers, a commented profile that plan and lint accept, never an
overwrite without --force."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import pytest
import yaml

from sidomain_cli.cli import run

FLAGS = ["--brand", "熊猫咖啡", "--industry", "咖啡", "--avg-ticket", "28", "--purchases", "6",
         "--touchpoints", "wecom_group,wecom_moments,store_qr", "--stores", "120",
         "--start-date", "2026-12-01"]


def plan_of(capsys, path) -> dict:
    assert run(["plan", str(path), "-f", "json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_flags_write_a_profile_plan_and_lint_accept(capsys, tmp_path):
    target = tmp_path / "coffee.yaml"
    assert run(["init", str(target), *FLAGS, "--yes"]) == 0
    err = capsys.readouterr().err
    assert f"sidomain plan {target}" in err  # says what to do next
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# 熊猫咖啡: brand profile written by `sidomain init`")
    assert sum(1 for line in text.splitlines() if "#" in line) >= 10  # commented
    data = yaml.safe_load(text)
    assert data["brand"] == "熊猫咖啡" and data["industry"] == "咖啡"
    assert data["avg_ticket"] == 28 and data["purchases_per_month"] == 6
    assert data["touchpoints"] == ["wecom_group", "wecom_moments", "store_qr"]
    assert data["stores"] == 120 and data["start_date"] == dt.date(2026, 12, 1)
    plan = plan_of(capsys, target)
    assert plan["store_type"] == "low_price_high_frequency"
    assert plan["start_date"] == "2026-12-01"
    assert run(["lint", str(target)]) == 0, capsys.readouterr().out


def test_yes_takes_defaults_without_a_terminal(capsys, tmp_path):
    target = tmp_path / "brand.yaml"
    assert run(["init", str(target), "--yes", "--locale", "en"]) == 0
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["locale"] == "en" and data["brand"] == "My brand"
    assert data["price_band"] == "mid" and data["frequency"] == "mid"
    start = data["start_date"]
    assert start.weekday() == 0 and 0 < (start - dt.date.today()).days <= 7  # next Monday
    assert plan_of(capsys, target)["operating_model"] == "tiered"


def test_bands_instead_of_numbers(capsys, tmp_path):
    target = tmp_path / "b.yaml"
    assert run(["init", str(target), "--yes", "--avg-ticket", "高", "--purchases", "low"]) == 0
    assert plan_of(capsys, target)["store_type"] == "high_price_low_frequency"


def test_piped_answers_in_chinese(tmp_path):
    """A real pipe into the installed entry point: answers one a line, a bad one re-asked."""
    target = tmp_path / "piped.yaml"
    answers = "川渝老火锅\n火锅\n一百\n120\n2\n1 2 99\n1,2,3,5,8\n\n2026-12-15\n"
    proc = subprocess.run([sys.executable, "-m", "sidomain_cli", "init", str(target)],
                          input=answers, capture_output=True, text=True, encoding="utf-8",
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "品牌名" in proc.stderr and "客单价" in proc.stderr and "有哪些触点" in proc.stderr
    assert "'一百' is not a number" in proc.stderr and "'99' is not a number 1-13" in proc.stderr
    assert "[x] wecom_group" in proc.stderr  # the checklist, defaults ticked
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["brand"] == "川渝老火锅" and data["avg_ticket"] == 120
    assert data["touchpoints"] == ["wecom_1v1", "wecom_group", "wecom_moments",
                                   "official_account", "store_qr"]
    assert data["stores"] == 1  # an empty line takes the default
    assert data["start_date"] == dt.date(2026, 12, 15) and data["locale"] == "zh-CN"


def test_questions_in_english_and_flags_skip_questions(capsys, tmp_path, monkeypatch):
    target = tmp_path / "en.yaml"
    monkeypatch.setattr(sys, "stdin", io.StringIO("Lotus Tea\n\n"))
    assert run(["init", str(target), "--locale", "en", "--industry", "tea", "--avg-ticket",
                "18", "--purchases", "3", "--touchpoints", "wecom_group", "--stores", "4"]) == 0
    err = capsys.readouterr().err
    assert "Brand name" in err and "First day of the plan" in err
    assert "Trade" not in err and "Average ticket" not in err  # given as flags: not asked
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["brand"] == "Lotus Tea" and data["industry"] == "tea"


def test_input_ending_before_the_brand_is_an_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run(["init", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert "no answer for brand" in err and "--brand" in err and "Traceback" not in err
    assert not (tmp_path / "x.yaml").exists()


def test_never_overwrites_without_force(capsys, tmp_path):
    target = tmp_path / "brand.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    assert run(["init", str(target), "--yes"]) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert run(["init", str(target), "--yes", "--force", "--brand", "新"]) == 0
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["brand"] == "新"


@pytest.mark.parametrize("flag,value,message", [
    ("--avg-ticket", "cheap", "not a number or low/mid/high"),
    ("--avg-ticket", "0", "more than 0"),
    ("--purchases", "5000", "at most 1000"),
    ("--touchpoints", "wechat", "'wechat' is not a number"),
    ("--start-date", "2026-13-01", "YYYY-MM-DD"),
    ("--start-date", "3000-01-01", "1900-2999"),
    ("--brand", "x" * 61, "at most 60"),
    ("--stores", "0", "--stores"),
    ("--locale", "fr", "zh-CN or en"),
])
def test_bad_flags_are_usage_errors_naming_the_flag(capsys, tmp_path, flag, value, message):
    assert run(["init", str(tmp_path / "x.yaml"), "--yes", flag, value]) == 2
    err = capsys.readouterr().err
    assert message in err and flag in err and "Traceback" not in err
    assert not (tmp_path / "x.yaml").exists()


def test_awkward_brand_names_stay_yaml_text(capsys, tmp_path):
    target = tmp_path / "q.yaml"
    brand = 'Lotus: "Tea" #1 - [x] {y} &z *w !v'
    assert run(["init", str(target), "--yes", "--brand", brand, "--industry", "yes"]) == 0
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["brand"] == brand and data["industry"] == "yes"  # not a YAML boolean
    assert plan_of(capsys, target)["brand"] == brand

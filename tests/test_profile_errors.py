"""Bad profiles: one message naming file, line and field; exit 2; no traceback."""

from __future__ import annotations

import pytest

from sidomain_cli.cli import run
from tests.helpers_plan import ROOT

GOOD = (ROOT / "examples" / "coffee.yaml").read_text(encoding="utf-8")


def plan_error(capsys, tmp_path, text: str) -> tuple[int, str]:
    path = tmp_path / "brand.yaml"
    path.write_text(text, encoding="utf-8")
    code = run(["plan", str(path), "-f", "json"])
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    return code, err


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_missing_required_field(capsys, tmp_path):
    text = GOOD.replace("industry: coffee\n", "")
    code, err = plan_error(capsys, tmp_path, text)
    assert code == 2
    assert "brand.yaml:1:1" in err and "missing required field 'industry'" in err


def test_unknown_key_suggests_the_nearest(capsys, tmp_path):
    text = GOOD.replace("avg_ticket: 28", "avg_tiket: 28")
    code, err = plan_error(capsys, tmp_path, text)
    assert code == 2
    assert f"brand.yaml:{line_of(text, 'avg_tiket')}:1" in err
    assert "unknown key 'avg_tiket'" in err and "did you mean 'avg_ticket'?" in err


def test_wrong_type_names_line_and_field(capsys, tmp_path):
    text = GOOD.replace("stores: 120", "stores: many")
    code, err = plan_error(capsys, tmp_path, text)
    assert code == 2
    assert f"brand.yaml:{line_of(text, 'stores: many')}:9" in err
    assert "'stores' must be a whole number, got text" in err


def test_unknown_touchpoint_suggests(capsys, tmp_path):
    text = GOOD.replace("  - wecom_moments\n", "  - wecom_moment\n")
    code, err = plan_error(capsys, tmp_path, text)
    assert code == 2
    assert f"brand.yaml:{line_of(text, '- wecom_moment')}:5" in err
    assert "touchpoints.2" in err and "did you mean 'wecom_moments'?" in err


@pytest.mark.parametrize("old,new,message", [
    ("avg_ticket: 28", "avg_ticket: -5", "'avg_ticket' is -5, must be greater than 0"),
    ("stores: 120", "stores: 0", "'stores' is 0, must be at least 1"),
    ("timezone: Asia/Shanghai", "timezone: Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
    ('quiet_hours: "22:00-08:00"', 'quiet_hours: "25:00-08:00"', "expected \"HH:MM-HH:MM\""),
    ("locale: zh-CN", "locale: fr", "'locale' is 'fr', not a known value"),
    ("member_day: 18", "member_day: 31", "'member_day' is 31, must be at most 28"),
    ("start_date: 2026-12-01", "start_date: 2026-02-30", "2026-02-30"),
])
def test_values_out_of_range(capsys, tmp_path, old, new, message):
    assert old in GOOD
    code, err = plan_error(capsys, tmp_path, GOOD.replace(old, new))
    assert code == 2
    assert message in err
    assert "brand.yaml" in err


def test_both_ticket_and_band_is_an_error(capsys, tmp_path):
    code, err = plan_error(capsys, tmp_path, GOOD.replace("avg_ticket: 28", "avg_ticket: 28\nprice_band: low"))
    assert code == 2 and "give only one of avg_ticket or price_band" in err


def test_neither_frequency_field(capsys, tmp_path):
    code, err = plan_error(capsys, tmp_path, GOOD.replace("purchases_per_month: 6", ""))
    assert code == 2 and "purchases_per_month or frequency" in err


def test_malformed_yaml_points_at_the_line(capsys, tmp_path):
    text = GOOD.replace("stores: 120", "stores: [120")
    code, err = plan_error(capsys, tmp_path, text)
    assert code == 2 and "malformed YAML" in err
    assert "brand.yaml:" in err


def test_missing_file(capsys, tmp_path):
    code = run(["plan", str(tmp_path / "nope.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "nope.yaml: profile not found" in err and "Traceback" not in err


def test_duplicate_key(capsys, tmp_path):
    text = GOOD.replace("stores: 120", "stores: 120\nstores: 130")
    code, err = plan_error(capsys, tmp_path, text)
    assert code == 2 and "duplicate key 'stores'" in err
    assert f"brand.yaml:{line_of(text, 'stores: 130')}:1" in err


def test_unknown_playbook_name(capsys, tmp_path):
    path = tmp_path / "brand.yaml"
    path.write_text(GOOD, encoding="utf-8")
    code = run(["plan", str(path), "--playbook", "tierd"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown playbook 'tierd'" in err and "did you mean 'tiered'?" in err


def test_bad_option_values_exit_2(capsys):
    example = str(ROOT / "examples" / "coffee.yaml")
    assert run(["plan", example, "--format", "docx"]) == 2
    assert "--format" in capsys.readouterr().err
    assert run(["plan", example, "--start", "2026-13-01"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert run(["plan", example, "--locale", "fr"]) == 2
    assert run(["plan", example, "--days", "0"]) == 2

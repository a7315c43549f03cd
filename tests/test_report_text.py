"""The terminal view fits its width (issue 13 §2): COLUMNS or the terminal decides, no
line is ever longer, narrow terminals drop the less important columns, wide ones show the
message and the send method, --week/--day show the full scripts."""

from __future__ import annotations

import json
import unicodedata

import pytest

from sidomain_cli.cli import run
from tests.helpers_plan import ROOT, write_profile

HOTPOT = ROOT / "examples" / "hotpot.yaml"
JEWELLER = ROOT / "examples" / "jeweller.yaml"


def cells(line: str) -> int:
    """Terminal columns of a line, by Unicode's East Asian Width (not by Rich's own table)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in line)


def text_at(capsys, monkeypatch, columns: int, *args) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    code = run(["plan", *map(str, args)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def plan_json(capsys, *args) -> dict:
    assert run(["plan", *map(str, args), "-f", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def table_rows(out: str) -> list[list[str]]:
    """Table body rows as cells, continuation lines joined (spaces dropped: wrapping)."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        parts = [c.strip() for c in line.strip().strip("│").split("│")]
        if parts[0] or not rows:
            rows.append([c.replace(" ", "") if i else c for i, c in enumerate(parts)])
        else:
            rows[-1] = [a + b.replace(" ", "") for a, b in zip(rows[-1], parts)]
    return rows


def header_of(out: str, title: str) -> str:
    """The column-header line of the first table after ``title``."""
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(title))
    return lines[i + 2]


@pytest.mark.parametrize("example", [HOTPOT, JEWELLER], ids=lambda p: p.name)
@pytest.mark.parametrize("columns", [40, 80, 200])
def test_no_line_is_wider_than_the_terminal(capsys, monkeypatch, example, columns):
    out = text_at(capsys, monkeypatch, columns, example)
    widest = max(out.splitlines(), key=cells)
    assert cells(widest) <= columns, widest
    week = text_at(capsys, monkeypatch, columns, example, "--week", 2)
    assert max(map(cells, week.splitlines())) <= columns


def test_80_columns_drop_segment_send_and_message(capsys, monkeypatch):
    out = text_at(capsys, monkeypatch, 80, HOTPOT)
    head = header_of(out, "SOP日历 · 第1周")
    for shown in ("天", "日期", "时间", "渠道", "动作", "活动"):
        assert shown in head
    for dropped in ("人群", "发送方式", "话术"):
        assert dropped not in head
    assert "打扰度" not in header_of(out, "渠道组合")
    plan = plan_json(capsys, HOTPOT)
    assert plan["calendar"][0]["message"] not in out
    # the dates are short, the calendar still has every week
    assert "│ 1  │ 12-15 │" in out and "第9周" in out


def test_200_columns_show_message_and_send_method(capsys, monkeypatch):
    out = text_at(capsys, monkeypatch, 200, HOTPOT)
    head = header_of(out, "SOP日历 · 第1周")
    for shown in ("人群", "发送方式", "话术"):
        assert shown in head
    assert "打扰度" in header_of(out, "渠道组合")
    plan = plan_json(capsys, HOTPOT)
    rows = table_rows(out)
    for task in plan["calendar"][:20]:
        row = next(r for r in rows if len(r) == 9 and r[1].startswith(task["date"])
                   and r[2] == task["time"] and r[5] == task["action"].replace(" ", ""))
        assert row[-1] == task["message"].replace(" ", "")  # the whole message, wrapped
        from sidomain_cli.report.labels import SEND_SHORT

        assert row[-2] == SEND_SHORT[task["send"]]["zh-CN"]


def test_default_view_ends_with_a_summary_and_the_commands_to_see_more(capsys, monkeypatch):
    out = text_at(capsys, monkeypatch, 80, HOTPOT)
    plan = plan_json(capsys, HOTPOT)
    tail = out.splitlines()[-12:]
    assert f"60天 · {len(plan['calendar'])}个任务 · 9周" in "\n".join(tail)
    for cmd in (f"sidomain plan {HOTPOT} --week 1", f"sidomain plan {HOTPOT} --day 1",
                f"sidomain plan {HOTPOT} --format json", f"COLUMNS=140 sidomain plan {HOTPOT}"):
        assert any(line.strip() == cmd for line in tail), cmd
    wide = text_at(capsys, monkeypatch, 200, HOTPOT)
    assert "COLUMNS=140" not in wide  # already wide


def test_week_shows_every_script_of_the_week_in_full(capsys, monkeypatch):
    out = text_at(capsys, monkeypatch, 200, JEWELLER, "--week", 2)
    plan = plan_json(capsys, JEWELLER)
    week2 = [t for t in plan["calendar"] if 8 <= t["day"] <= 14]
    assert week2
    # a long script wraps inside its panel: read the panels' lines back as one text
    flat = " ".join(line.strip("│ ").strip() for line in out.splitlines())
    for task in week2:
        assert task["message"] in out or task["message"] in flat, task
    assert "Day 8 · 2026-12-08 Tue" in out and "Day 14 ·" in out and "Day 15 ·" not in out
    other = [t for t in plan["calendar"] if t["day"] > 14 and t["message"] not in
             {x["message"] for x in week2}]
    assert not any(t["message"] in out for t in other)
    assert "Channel mix" not in out  # one week, not the whole report


def test_day_shows_one_day_and_says_when_it_is_empty(capsys, monkeypatch, tmp_path):
    out = text_at(capsys, monkeypatch, 80, HOTPOT, "--day", 1)
    plan = plan_json(capsys, HOTPOT)
    day1 = [t for t in plan["calendar"] if t["day"] == 1]
    flat = "".join(line.strip("│ ") for line in out.splitlines())
    for task in day1:
        assert task["message"].replace(" ", "") in flat.replace(" ", "")
        assert task["action"] in out
    assert "第2天" not in out
    # a day without tasks says so
    prof = write_profile(tmp_path, touchpoints=["channels_live"])  # live on big days only
    days = {t["day"] for t in plan_json(capsys, prof)["calendar"]}
    empty = min(set(range(1, 61)) - days)
    assert "这一天没有任务" in text_at(capsys, monkeypatch, 80, prof, "--day", empty)


@pytest.mark.parametrize("args,message", [
    (["--week", "10"], "the plan has 9 weeks"),
    (["--day", "61"], "the plan has 60 days"),
    (["--week", "1", "--day", "1"], "not both"),
    (["--week", "1", "-f", "json"], "--format text"),
    (["--day", "0"], "--day"),
])
def test_week_and_day_out_of_range_are_usage_errors(capsys, args, message):
    assert run(["plan", str(HOTPOT), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_width_comes_from_columns_else_a_fixed_width_off_a_terminal(monkeypatch):
    from sidomain_cli.commands.plan import DEFAULT_WIDTH, text_width

    monkeypatch.setenv("COLUMNS", "93")
    assert text_width("-") == 93 and text_width("plan.txt") == 93
    monkeypatch.delenv("COLUMNS")
    assert text_width("plan.txt") == DEFAULT_WIDTH  # pytest's stdout is not a terminal
    assert text_width("-") == DEFAULT_WIDTH


def test_every_activity_has_one_home_and_a_label_in_each_width():
    """domain.ACTIVITIES is the list; the reports' long and short labels cover exactly it, and
    every activity the bundled examples' plans emit is on it."""
    import glob

    from sidomain_cli.domain import ACTIVITIES
    from sidomain_cli.planning import make_plan
    from sidomain_cli.playbook import load_method
    from sidomain_cli.profile import load_profile
    from sidomain_cli.report.labels import ACTIVITY_LABELS, ACTIVITY_SHORT

    assert set(ACTIVITY_SHORT) == set(ACTIVITIES) == set(ACTIVITY_LABELS)
    assert all(set(v) == {"zh-CN", "en"} for v in ACTIVITIES.values())
    seen = set()
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    for path in sorted(glob.glob(str(root / "examples" / "*.yaml"))):
        plan = make_plan(load_profile(path), method=load_method())
        seen |= {t.activity for t in plan.calendar if t.activity}
    assert seen <= set(ACTIVITIES), seen - set(ACTIVITIES)
    assert {"small", "big", "node", "peak"} <= seen

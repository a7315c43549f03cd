"""Sheets people print (issue 12 item 4): headers in the plan's language, row heights for
wrapped text, print setup, a week column, the summary sheet; read back with openpyxl, and
printed to PDF by LibreOffice where it is installed."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import openpyxl
import pytest

from sidomain_cli.exporters.table import HEADERS
from tests.helpers_plan import plan_for, write_profile
from tests.test_export import COFFEE, STORES, TASK_FIELDS, export, export_ok

IDS = TASK_FIELDS[:2] + ["week"] + TASK_FIELDS[2:]


def csv_header(path) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_csv_header_is_in_the_plans_language_or_ids(capsys, tmp_path):
    zh, en, ids = tmp_path / "zh.csv", tmp_path / "en.csv", tmp_path / "ids.csv"
    export_ok(capsys, COFFEE, "-o", zh)
    export_ok(capsys, COFFEE, "-o", en, "--locale", "en")
    export_ok(capsys, COFFEE, "-o", ids, "--header", "ids")
    assert csv_header(zh) == [HEADERS["zh-CN"][k] for k in TASK_FIELDS]
    assert csv_header(zh)[:3] == ["天", "日期", "时间"]
    assert csv_header(en)[:3] == ["Day", "Date", "Time"]
    assert csv_header(ids) == TASK_FIELDS
    # only the header differs
    assert zh.read_bytes().split(b"\r\n")[1:] == ids.read_bytes().split(b"\r\n")[1:]
    code, _, err = export(capsys, COFFEE, "-f", "csv", "--header", "names")
    assert code == 2 and "--header" in err


def test_rollout_headers_name_the_store_columns(capsys, tmp_path):
    out = tmp_path / "chain.xlsx"
    export_ok(capsys, COFFEE, "--stores", STORES, "-o", out)
    header = [c.value for c in openpyxl.load_workbook(out, read_only=True).worksheets[0][1]]
    # issue 11 item 4 added the sender column on purpose: 员工账号 (account)
    assert header[:7] == ["门店ID", "门店", "城市", "负责人", "批次", "社群ID", "员工账号"]
    assert header[7:] == [HEADERS["zh-CN"][k] for k in IDS]


def test_xlsx_prints_landscape_one_page_wide_with_the_header_on_every_page(capsys, tmp_path):
    out = tmp_path / "sop.xlsx"
    export_ok(capsys, COFFEE, "-o", out)
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ps.fitToWidth or 1) == 1 and ps.fitToHeight == 0  # 1 wide, any number tall
        assert "&P" in ws.oddFooter.center.text
    cal = wb.worksheets[0]
    assert cal.print_title_rows == "$1:$1"
    assert cal.print_options.gridLines


def test_message_rows_are_tall_enough_for_their_text(capsys, tmp_path):
    from sidomain_cli.exporters.xlsx import LINE_HEIGHT, display_width

    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    (tdir / "moments_seed.j2").write_text("第一行\n第二行\n" + "很长的一段话术" * 30,
                                          encoding="utf-8")
    prof = write_profile(tmp_path)
    out = tmp_path / "sop.xlsx"
    export_ok(capsys, prof, "--templates", tmp_path / "tpl", "-o", out, "--header", "ids")
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in ws[1]]
    msg = header.index("message") + 1
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(msg)].width
    tall = 0
    for r in range(2, ws.max_row + 1):
        text = ws.cell(r, msg).value or ""
        assert ws.cell(r, msg).alignment.wrap_text
        lines = sum(max(1, -(-display_width(p) // int(width - 1))) for p in text.split("\n"))
        height = ws.row_dimensions[r].height
        if lines > 1:
            assert height is not None and height >= lines * LINE_HEIGHT, (r, text)
            tall += 1
    assert tall
    seeded = [r for r in range(2, ws.max_row + 1)
              if ws.cell(r, header.index("template") + 1).value == "moments_seed"]
    assert seeded and all(ws.row_dimensions[r].height >= 10 * LINE_HEIGHT for r in seeded)


def test_week_column_filters_by_sop_week(capsys, tmp_path):
    out = tmp_path / "sop.xlsx"
    export_ok(capsys, COFFEE, "-o", out, "--header", "ids")
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    weeks = sorted({r["week"] for r in rows})
    assert weeks == list(range(1, (60 - 1) // 7 + 2))
    assert all(r["week"] == (r["day"] - 1) // 7 + 1 for r in rows)
    assert ws.auto_filter.ref.startswith("A1:")


def test_summary_shows_forecast_and_kpi_definitions_when_the_plan_has_them(
        capsys, tmp_path, monkeypatch):
    plan_cls = type(plan_for(COFFEE))
    real = plan_cls.as_dict

    def with_forecast(self):
        d = real(self)
        d["forecast"] = {
            "assumptions": [{"name": "recruits_per_store_day", "value": 60, "unit": "people",
                             "source": "pack"}],
            "weeks": [{"week": 1, "start_date": "2026-12-01", "members": 420, "groups": 3,
                       "first_orders": 84, "orders": 120, "gmv": 3360.0}]}
        d["industry_pack"] = "coffee_tea"
        d["diagnosis"]["pack_reason"] = "industry: coffee"
        return d

    monkeypatch.setattr(plan_cls, "as_dict", with_forecast)
    out = tmp_path / "sop.xlsx"
    export_ok(capsys, COFFEE, "-o", out)
    rows = [[c for c in r if c is not None]
            for r in openpyxl.load_workbook(out)["概要"].iter_rows(values_only=True)]
    flat = [c for r in rows for c in r]
    assert "预测 · 假设" in flat and "预测 · 按周预测" in flat
    assert ["recruits_per_store_day", 60, "people", "pack"] in rows
    assert [1, "2026-12-01", 420, 3, 84, 120, 3360] in rows
    assert ["行业包", "coffee_tea"] in rows and "industry: coffee" in flat
    # without a forecast, no forecast section
    def without(self):
        d = real(self)
        d.pop("forecast", None)
        return d

    monkeypatch.setattr(plan_cls, "as_dict", without)
    export_ok(capsys, COFFEE, "-o", out, "--force")
    flat = [c for r in openpyxl.load_workbook(out)["概要"].iter_rows(values_only=True)
            for c in r if c is not None]
    assert "预测 · 假设" not in flat and "渠道组合" in flat and "KPI目标" in flat


def test_summary_shows_the_plans_own_forecast(capsys, tmp_path):
    forecast = plan_for(COFFEE).as_dict().get("forecast")
    if not forecast:
        pytest.skip("the plan has no forecast")
    out = tmp_path / "sop.xlsx"
    export_ok(capsys, COFFEE, "-o", out)
    rows = [list(r) for r in openpyxl.load_workbook(out)["概要"].iter_rows(values_only=True)]
    weeks = [r for r in rows if r and r[0] in {w["week"] for w in forecast["weeks"]}
             and r[1] in {w["start_date"] for w in forecast["weeks"]}]
    assert len(weeks) == len(forecast["weeks"])
    for w, r in zip(forecast["weeks"], weeks):
        assert r[2] == w["members"] and r[6] == pytest.approx(w["gmv"])
    names = {r[0] for r in rows if r}
    assert {a["name"] for a in forecast["assumptions"]} <= names


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_prints_the_calendar_landscape_with_the_header_on_each_page(
        capsys, tmp_path):
    import pypdf

    out = tmp_path / "sop.xlsx"
    export_ok(capsys, COFFEE, "-o", out)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=300)
    pdf = pypdf.PdfReader(tmp_path / "sop.pdf")
    rows = len(plan_for(COFFEE).calendar)
    assert 2 <= len(pdf.pages) < rows / 5  # not 31 portrait pages of cut-off columns
    calendar_pages = [p for p in pdf.pages if "话术" in (p.extract_text() or "")]
    assert len(calendar_pages) >= 2
    for page in pdf.pages:
        box = page.mediabox
        assert box.width > box.height  # landscape
    texts = [p.extract_text() or "" for p in calendar_pages]
    assert all("发送方式" in t and "日期" in t for t in texts)  # header repeated

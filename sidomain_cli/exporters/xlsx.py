"""XLSX workbook for head office and store managers: the calendar sheet(s) and a summary.

Written with XlsxWriter in ``constant_memory`` mode (each row goes to disk as it is
written, so a chain-wide workbook does not sit in memory).

Calendar sheet (``SOP日历``): headers in the plan's language (``--header ids`` for the
contract's field names), a ``week`` column (``周次``, the SOP week: days 1–7 are week 1) to
filter by, a frozen header row, an autofilter, set column widths, real Excel dates, and
wrapped action and message cells with a row height that fits the text (computed once per
task and plan, from the text's display width: a CJK character counts two).  Print setup:
A4 landscape, fit to one page wide, the header row repeated on every printed page,
gridlines printed, page numbers in the footer.

Every text cell is written with ``write_string``: it is never a formula, whatever it
begins with; a text that looks like one (``=``, ``+``, ``-``, ``@``, tab, CR and their
full-width forms, as in the CSV) also gets Excel's quote prefix, so it stays text even
when someone edits the cell and presses Enter.  An Excel sheet holds 1,048,576 rows; a
longer calendar continues on further sheets (each with its header and print setup).

Summary sheet (``概要``): the diagnosis, the channel mix, the KPI targets (with their
definition and count when the plan has them), the forecast (assumptions and weeks, when
the plan has one), in a rollout the chain's totals (stores, groups, staff accounts, rows),
and the notes (in a rollout also what the staff accounts' caps left out or demoted).

The document's creation time is the plan's start date, so the same input gives the same
bytes.  A whole chain belongs in CSV or JSON Lines: XLSX is written cell by cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import unicodedata
from typing import IO

from sidomain_cli.exporters.csvfile import FORMULA_START
from sidomain_cli.exporters.stores import STORE_FIELDS, ExportSource
from sidomain_cli.exporters.table import (PerPlan, Progress, columns, header_row, task_dicts,
                                          walk)

EXCEL_MAX_ROWS = 1_048_576
WIDTHS = {"day": 5, "week": 5, "date": 11, "time": 6, "channel": 14, "phase": 10,
          "activity": 8, "segment": 9, "action": 24, "template": 14, "message": 56,
          "metric": 18, "task": 16, "send": 13, "node": 12, "store_id": 9, "store_name": 18,
          "city": 6, "owner": 8, "wave": 5, "group_id": 12, "account": 10}
WRAPPED = ("message", "action")
LINE_HEIGHT = 15.0   # points, Excel's default row at 11 pt
MAX_HEIGHT = 409.0   # Excel's largest row height
A4 = 9

LABELS = {
    "zh-CN": {"calendar": "SOP日历", "summary": "概要", "brand": "品牌", "industry": "行业",
              "industry_pack": "行业包", "pack_reason": "行业包依据",
              "start_date": "开始日期", "days": "天数", "timezone": "时区",
              "store_type": "门店类型", "operating_model": "运营模式", "group_type": "社群类型",
              "price_band": "客单价档", "frequency_band": "复购频次档", "playbook": "剧本",
              "why": "诊断依据", "notice": "提示", "diagnosis": "诊断",
              "channel_mix": "渠道组合", "kpis": "KPI目标", "forecast": "预测",
              "assumptions": "假设", "weeks": "按周预测",
              "rollout": "门店铺开", "stores": "门店数", "groups": "社群数",
              "accounts": "员工账号数", "rows": "任务行数",
              "start_dates": "开始日期数", "notes": "说明", "footer": "第 &P 页,共 &N 页",
              "cols": {"channel": "渠道", "label": "名称", "role": "作用", "share": "占比",
                       "max_per_day": "每日上限", "disturbance": "打扰度", "name": "指标",
                       "source": "来源", "target": "目标", "unit": "单位",
                       "definition": "口径", "count": "数量", "value": "取值",
                       "week": "周次", "start_date": "开始日期", "members": "成员",
                       "groups": "社群", "first_orders": "首单", "orders": "订单",
                       "gmv": "GMV"}},
    "en": {"calendar": "Calendar", "summary": "Summary", "brand": "Brand", "industry": "Industry",
           "industry_pack": "Industry pack", "pack_reason": "Why this pack",
           "start_date": "Start date", "days": "Days", "timezone": "Timezone",
           "store_type": "Store type", "operating_model": "Operating model",
           "group_type": "Group type", "price_band": "Price band",
           "frequency_band": "Frequency band", "playbook": "Playbook", "why": "Why",
           "notice": "Notice", "diagnosis": "Diagnosis", "channel_mix": "Channel mix",
           "kpis": "KPI targets", "forecast": "Forecast", "assumptions": "Assumptions",
           "weeks": "Weeks", "rollout": "Rollout", "stores": "Stores", "groups": "Groups",
           "accounts": "Staff accounts",
           "rows": "Task rows", "start_dates": "Distinct start dates", "notes": "Notes",
           "footer": "Page &P of &N",
           "cols": {}},
}


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: wide (CJK) characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    per_line = max(1.0, width - 1)
    return sum(max(1, math.ceil(display_width(part) / per_line))
               for part in str(text).split("\n"))


def row_height(task: dict, widths: dict[str, float]) -> float | None:
    """The height that shows every line of the wrapped cells; None for one line."""
    lines = max(lines_needed(task.get(c) or "", widths[c]) for c in WRAPPED if c in widths)
    return None if lines <= 1 else min(MAX_HEIGHT, lines * LINE_HEIGHT)


def write(source: ExportSource, fh: IO[bytes], *, progress: Progress = None,
          header: str = "labels", scratch: str | None = None, **_) -> int:
    """The workbook into ``fh``; XlsxWriter's row files go into ``scratch`` (a folder the
    caller removes: ``output.scratch_dir``), never loose in ``$TMPDIR``."""
    import xlsxwriter

    plan = source.plan
    words = LABELS.get(plan.locale, LABELS["en"])
    options = {"constant_memory": True, "strings_to_formulas": False,
               "strings_to_urls": False, "strings_to_numbers": False}
    if scratch is not None:
        options["tmpdir"] = str(scratch)
    wb = xlsxwriter.Workbook(fh, options)
    wb.set_properties({"title": f"{plan.brand} SOP", "author": "sidomain",
                       "created": dt.datetime.combine(source.base_start, dt.time())})
    wrap_props, top_props = {"text_wrap": True, "valign": "top"}, {"valign": "top"}
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top",
                          "text_wrap": True})
    wrap = wb.add_format(wrap_props)
    top = wb.add_format(top_props)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    pct = wb.add_format({"num_format": "0.0%", "valign": "top"})
    bold = wb.add_format({"bold": True})
    # the same looks with Excel's quote prefix, for text that begins like a formula
    quoted = {id(wrap): wb.add_format({**wrap_props, "quote_prefix": True}),
              id(top): wb.add_format({**top_props, "quote_prefix": True}),
              id(None): wb.add_format({"quote_prefix": True})}

    def text(ws, r: int, c: int, value: str, fmt=None) -> None:
        if value.startswith(FORMULA_START):
            fmt = quoted.get(id(fmt), quoted[id(None)])
        ws.write_string(r, c, value, fmt)

    def print_setup(ws, repeat_header: bool) -> None:
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.hide_gridlines(0)   # gridlines on screen and on paper
        ws.set_footer("&C" + words["footer"])
        if repeat_header:
            ws.repeat_rows(0)

    task_cols = columns(source)
    at = task_cols.index("date") + 1
    cols = task_cols[:at] + ("week",) + task_cols[at:]
    formats = {c: (wrap if c in WRAPPED else date_fmt if c == "date" else top) for c in cols}
    widths = {c: WIDTHS.get(c, 12) for c in cols}
    titles = header_row(cols, plan.locale, header)

    def new_sheet(n: int):
        name = words["calendar"] + (f" {n}" if n > 1 else "")
        ws = wb.add_worksheet(name)
        for i, c in enumerate(cols):
            ws.set_column(i, i, widths[c], formats[c])
        ws.freeze_panes(1, 0)
        print_setup(ws, True)
        for i, title in enumerate(titles):
            ws.write_string(0, i, title, head)
        return ws

    # Each cell is (write, column, value, format), built once per task (and once per
    # unit for the store columns), so a row is a loop of calls, no type tests.  ``write``
    # is XlsxWriter's undecorated cell writer (the public one only adds A1-notation
    # parsing around it): the same bytes.
    from xlsxwriter.worksheet import Worksheet

    w_string = getattr(Worksheet, "_write_string", Worksheet.write_string)
    w_number = getattr(Worksheet, "_write_number", Worksheet.write_number)
    w_date = getattr(Worksheet, "_write_datetime", Worksheet.write_datetime)

    def cell(i: int, v) -> tuple | None:
        if v is None or v == "":
            return None
        fmt = formats[cols[i]]
        if isinstance(v, int) and not isinstance(v, bool):
            return (w_number, i, v, fmt)
        if isinstance(v, dt.date):
            return (w_date, i, dt.datetime.combine(v, dt.time()), fmt)
        v = str(v)
        if v.startswith(FORMULA_START):
            fmt = quoted.get(id(fmt), quoted[id(None)])
        return (w_string, i, v, fmt)

    first = len(STORE_FIELDS) if source.rollout else 0

    def encode(unit, tasks) -> list:
        out = []
        for d in task_dicts(tasks):
            row = []
            for k, v in d.items():
                row.append(dt.date.fromisoformat(v) if k == "date" else v)
                if k == "date":
                    row.append((d["day"] - 1) // 7 + 1)
            cells = [cell(first + i, v) for i, v in enumerate(row)]
            out.append((row_height(d, widths), tuple(c for c in cells if c is not None)))
        return out

    values = PerPlan(encode)
    ws = new_sheet(1)
    sheets, r, rows = 1, 0, 0
    for unit in walk(source, progress):
        prefix = tuple(c for c in (cell(i, v) for i, v in enumerate(unit.fields().values()))
                       if c is not None)
        for height, task in values(unit):
            r += 1
            if r >= EXCEL_MAX_ROWS:
                ws.autofilter(0, 0, r - 1, len(cols) - 1)
                sheets += 1
                ws = new_sheet(sheets)
                r = 1
            if height is not None:
                ws.set_row(r, height)
            for write, i, v, f in prefix:
                write(ws, r, i, v, f)
            for write, i, v, f in task:
                write(ws, r, i, v, f)
            rows += 1
    ws.autofilter(0, 0, max(r, 1), len(cols) - 1)
    _summary(wb, source, rows, words, text, print_setup,
             dict(head=head, wrap=wrap, pct=pct, bold=bold))
    wb.close()
    return rows


def _summary(wb, source: ExportSource, rows: int, words: dict, text, print_setup,
             f: dict) -> None:
    plan = source.plan
    d = plan.diagnosis
    contract = plan.as_dict()
    head, wrap, pct, bold = f["head"], f["wrap"], f["pct"], f["bold"]
    names = words["cols"]
    s = wb.add_worksheet(words["summary"])
    print_setup(s, False)
    s.set_column(0, 0, 22)
    s.set_column(1, 1, 28)
    s.set_column(2, 2, 60, wrap)
    s.set_column(3, 6, 14)
    r = 0

    def table(title: str, keys: tuple[str, ...], items: list[dict], wide: tuple = ()) -> None:
        nonlocal r
        r += 1
        s.write_string(r, 0, title, bold)
        r += 1
        for i, c in enumerate(keys):
            s.write_string(r, i, names.get(c, c), head)
        for item in items:
            r += 1
            for i, c in enumerate(keys):
                v = item.get(c)
                if isinstance(v, dict):
                    v = " / ".join(f"{k}: {x}" for k, x in v.items())
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    text(s, r, i, str(v).lower())
                elif isinstance(v, (int, float)):
                    s.write_number(r, i, v, pct if c == "share" else None)
                else:
                    text(s, r, i, str(v), wrap if c in wide else None)
        r += 1

    s.write_string(r, 0, words["diagnosis"], bold)
    r += 1
    for key, value in (("brand", plan.brand), ("industry", plan.industry),
                       ("industry_pack", contract.get("industry_pack")),
                       ("start_date", plan.start_date.isoformat()), ("days", plan.days),
                       ("timezone", plan.timezone), ("store_type", d.store_type),
                       ("operating_model", d.operating_model), ("group_type", d.group_type),
                       ("price_band", d.price_band), ("frequency_band", d.frequency_band),
                       ("playbook", plan.playbook), ("why", d.why),
                       ("pack_reason", (contract.get("diagnosis") or {}).get("pack_reason")),
                       ("notice", plan.notice)):
        if value in ("", None):
            continue
        s.write_string(r, 0, words[key], bold)
        if isinstance(value, int):
            s.write_number(r, 1, value)
        elif key in ("why", "notice", "pack_reason"):
            text(s, r, 2, str(value), wrap)
        else:
            text(s, r, 1, str(value))
        r += 1
    table(words["channel_mix"], ("channel", "label", "role", "share", "max_per_day",
                                 "disturbance"),
          [c if isinstance(c, dict) else dataclasses.asdict(c) for c in plan.channel_mix],
          wide=("role",))
    kpi_cols = ("name", "label", "source", "target", "unit")
    if any("definition" in k for k in plan.kpis):
        kpi_cols += ("definition", "count")
    table(words["kpis"], kpi_cols, list(plan.kpis), wide=("source",))
    forecast = contract.get("forecast")
    if forecast:
        table(words["forecast"] + " · " + words["assumptions"],
              ("name", "value", "unit", "source"), forecast.get("assumptions") or [])
        table(words["forecast"] + " · " + words["weeks"],
              ("week", "start_date", "members", "groups", "first_orders", "orders", "gmv"),
              forecast.get("weeks") or [])
    if source.rollout:
        r += 1
        s.write_string(r, 0, words["rollout"], bold)
        for key, value in (("stores", len(source.stores)), ("groups", source.group_count),
                           ("accounts", len(source.accounts())), ("rows", rows),
                           ("start_dates", len({source.start_of(x) for x in source.stores}))):
            r += 1
            s.write_string(r, 0, words[key])
            s.write_number(r, 1, value)
        r += 1
    notes = plan.notes + (source.notes() if source.rollout else [])
    if notes:
        r += 1
        s.write_string(r, 0, words["notes"], bold)
        for note in notes:
            r += 1
            text(s, r, 2, note, wrap)

"""XLSX workbook for head office: the calendar sheet(s) and a summary sheet.

Written with XlsxWriter in ``constant_memory`` mode (each row goes to disk as it is
written, so a chain-wide workbook does not sit in memory).  The calendar sheet has a
frozen header row, an autofilter, set column widths and wrapped message text; dates are
real Excel dates.  Every text cell is written with ``write_string``: it is never a
formula, whatever it begins with; a text that looks like one (``=``, ``+``, ``-``, ``@``,
tab, CR and their full-width forms, as in the CSV) also gets Excel's quote prefix, so
it stays text even when someone edits the cell and presses Enter.  An Excel sheet holds 1,048,576 rows; a longer
calendar continues on further sheets (each with its header).  The summary sheet has the
diagnosis, the channel mix, the KPI targets and, in a rollout, the chain's totals.
The document's creation time is the plan's start date, so the same input gives the
same bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from sidomain_cli.exporters.csvfile import FORMULA_START
from sidomain_cli.exporters.stores import ExportSource
from sidomain_cli.exporters.table import PerPlan, Progress, columns, task_dicts, walk

EXCEL_MAX_ROWS = 1_048_576
WIDTHS = {"day": 6, "date": 11, "time": 7, "channel": 15, "phase": 11, "activity": 9,
          "segment": 12, "action": 26, "template": 18, "message": 60, "metric": 24,
          "task": 18, "send": 15, "node": 14, "store_id": 10, "store_name": 20, "city": 8,
          "owner": 10, "wave": 6, "group_id": 13}
LABELS = {
    "zh-CN": {"calendar": "SOP日历", "summary": "概要", "brand": "品牌", "industry": "行业",
              "start_date": "开始日期", "days": "天数", "timezone": "时区",
              "store_type": "门店类型", "operating_model": "运营模式", "playbook": "剧本",
              "why": "诊断依据", "notice": "提示", "channel_mix": "渠道组合", "kpis": "KPI目标",
              "rollout": "门店铺开", "stores": "门店数", "groups": "社群数", "rows": "任务行数",
              "start_dates": "开始日期数", "notes": "说明"},
    "en": {"calendar": "Calendar", "summary": "Summary", "brand": "Brand", "industry": "Industry",
           "start_date": "Start date", "days": "Days", "timezone": "Timezone",
           "store_type": "Store type", "operating_model": "Operating model",
           "playbook": "Playbook", "why": "Why", "notice": "Notice",
           "channel_mix": "Channel mix", "kpis": "KPI targets", "rollout": "Rollout",
           "stores": "Stores", "groups": "Groups", "rows": "Task rows",
           "start_dates": "Distinct start dates", "notes": "Notes"},
}


def write(source: ExportSource, fh: IO[bytes], *, progress: Progress = None, **_) -> int:
    import xlsxwriter

    plan = source.plan
    words = LABELS.get(plan.locale, LABELS["en"])
    wb = xlsxwriter.Workbook(fh, {"constant_memory": True, "strings_to_formulas": False,
                                  "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": f"{plan.brand} SOP", "author": "sidomain",
                       "created": dt.datetime.combine(source.base_start, dt.time())})
    wrap_props, top_props = {"text_wrap": True, "valign": "top"}, {"valign": "top"}
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top"})
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

    cols = columns(source)
    formats = {c: (wrap if c in ("message", "action") else date_fmt if c == "date" else top)
               for c in cols}

    def new_sheet(n: int):
        name = words["calendar"] + (f" {n}" if n > 1 else "")
        ws = wb.add_worksheet(name)
        for i, c in enumerate(cols):
            ws.set_column(i, i, WIDTHS.get(c, 12), formats[c])
        ws.freeze_panes(1, 0)
        for i, c in enumerate(cols):
            ws.write_string(0, i, c, head)
        return ws

    def put(ws, r: int, i: int, c: str, v) -> None:
        if v is None or v == "":
            return
        if isinstance(v, int) and not isinstance(v, bool):
            ws.write_number(r, i, v, formats[c])
        elif isinstance(v, dt.date):
            ws.write_datetime(r, i, dt.datetime.combine(v, dt.time()), formats[c])
        else:
            text(ws, r, i, str(v), formats[c])

    values = PerPlan(lambda p: [[(dt.date.fromisoformat(v) if k == "date" else v)
                                 for k, v in d.items()] for d in task_dicts(p)])
    sheets = [new_sheet(1)]
    ws, r, rows = sheets[0], 0, 0
    for unit in walk(source, progress):
        prefix = list(unit.fields().values())
        for task in values(unit.plan):
            r += 1
            if r >= EXCEL_MAX_ROWS:
                ws.autofilter(0, 0, r - 1, len(cols) - 1)
                ws = new_sheet(len(sheets) + 1)
                sheets.append(ws)
                r = 1
            for i, v in enumerate(prefix + task):
                put(ws, r, i, cols[i], v)
            rows += 1
    ws.autofilter(0, 0, max(r, 1), len(cols) - 1)

    s = wb.add_worksheet(words["summary"])
    s.set_column(0, 0, 22)
    s.set_column(1, 1, 28)
    s.set_column(2, 2, 60, wrap)
    s.set_column(3, 6, 14)
    d = plan.diagnosis
    r = 0
    for key, value in (("brand", plan.brand), ("industry", plan.industry),
                       ("start_date", plan.start_date.isoformat()), ("days", plan.days),
                       ("timezone", plan.timezone), ("store_type", d.store_type),
                       ("operating_model", d.operating_model), ("playbook", plan.playbook),
                       ("why", d.why), ("notice", plan.notice)):
        if value in ("", None):
            continue
        s.write_string(r, 0, words[key], bold)
        if isinstance(value, int):
            s.write_number(r, 1, value)
        elif key in ("why", "notice"):
            text(s, r, 2, str(value), wrap)
        else:
            text(s, r, 1, str(value))
        r += 1
    r += 1
    s.write_string(r, 0, words["channel_mix"], bold)
    r += 1
    mix_cols = ("channel", "label", "role", "share", "max_per_day", "disturbance")
    for i, c in enumerate(mix_cols):
        s.write_string(r, i, c, head)
    for c in plan.channel_mix:
        r += 1
        text(s, r, 0, c.channel)
        text(s, r, 1, c.label)
        text(s, r, 2, c.role, wrap)
        s.write_number(r, 3, c.share, pct)
        s.write_number(r, 4, c.max_per_day)
        text(s, r, 5, c.disturbance)
    r += 2
    s.write_string(r, 0, words["kpis"], bold)
    r += 1
    kpi_cols = ("name", "label", "source", "target", "unit")
    for i, c in enumerate(kpi_cols):
        s.write_string(r, i, c, head)
    for k in plan.kpis:
        r += 1
        text(s, r, 0, str(k["name"]))
        text(s, r, 1, str(k["label"]))
        text(s, r, 2, str(k.get("source") or ""), wrap)
        if isinstance(k["target"], (int, float)) and not isinstance(k["target"], bool):
            s.write_number(r, 3, k["target"])
        else:
            text(s, r, 3, str(k["target"]))
        text(s, r, 4, str(k.get("unit") or ""))
    if source.rollout:
        r += 2
        s.write_string(r, 0, words["rollout"], bold)
        for key, value in (("stores", len(source.stores)), ("groups", source.total_units),
                           ("rows", rows),
                           ("start_dates", len({source.start_of(x) for x in source.stores}))):
            r += 1
            s.write_string(r, 0, words[key])
            s.write_number(r, 1, value)
    if plan.notes:
        r += 2
        s.write_string(r, 0, words["notes"], bold)
        for note in plan.notes:
            r += 1
            text(s, r, 2, note, wrap)
    wb.close()
    return rows

"""Exporters: one module per format, found through the ``FORMATS`` registry.

Each exporter is ``write(source, fh, *, progress=None, **options) -> rows`` writing to
a binary file object; the command opens the target (atomically, or stdout) and hands it
over.  Adding a format is adding a module and one line here.  Heavy libraries
(icalendar, XlsxWriter) are imported only by the exporter that needs them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Format:
    name: str
    target: str          # "module:function"
    suffix: str
    stdout: bool         # can write to ``--output -``
    help: str

    def load(self) -> Callable:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(f"sidomain_cli.exporters.{module}"), func)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("ics", "ics:write", ".ics", True, "iCalendar for calendar apps"),
    Format("csv", "csvfile:write", ".csv", True, "CSV for Excel (UTF-8 with BOM)"),
    Format("xlsx", "xlsx:write", ".xlsx", False, "Excel workbook with a summary sheet"),
    Format("json", "jsonfile:write_json", ".json", True, "the plan contract's calendar"),
    Format("jsonl", "jsonfile:write_jsonl", ".jsonl", True, "JSON Lines, one row a line"),
    Format("wecom", "wecom:write", ".wecom.jsonl", True,
           "WeCom server API calls, one JSON object a line"),
)}

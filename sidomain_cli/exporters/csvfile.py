"""CSV for Excel on Chinese Windows: UTF-8 with a BOM, CRLF, one row per task.

- The header row is in the plan's language (``日期``, ``话术`` …); ``--header ids`` writes
  the contract's field names instead, for machines.

- The BOM makes Excel read UTF-8 (without it, Chinese Excel assumes GBK and shows mojibake).
- Dates are ISO ``YYYY-MM-DD`` and times ``HH:MM``: Excel reads both as date and time.
- Formula injection (CSV injection): a cell that begins with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is prefixed with ``'`` so Excel shows it as text and never
  runs it (OWASP's advice).  This applies to every text cell, including the stores file's.
  The full-width forms ``＝ ＋ － ＠`` count too: spreadsheets in CJK locales (Excel with
  an IME, WPS) may take full-width input as the ASCII sign, and a message that really
  begins with one only gains a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from typing import IO

from sidomain_cli.exporters.table import (TASK_FIELDS, PerPlan, Progress, columns,
                                          header_row, walk, write_lines)

ENCODING = "utf-8-sig"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value) -> str | int:
    """A cell Excel will show as text, never evaluate."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _encode(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([neutralise(v) for v in values])
    return buf.getvalue()


def write(source, fh: IO[bytes], *, progress: Progress = None, header: str = "labels",
          **_) -> int:
    out = io.TextIOWrapper(fh, encoding=ENCODING, newline="")
    try:
        out.write(_encode(header_row(columns(source), source.plan.locale, header)))
        lines = PerPlan(lambda unit, tasks: [_encode([getattr(t, f) for f in TASK_FIELDS])
                                             for t in tasks])
        rows = 0
        for unit in walk(source, progress):
            task_lines = lines(unit)
            if unit.store is None:
                write_lines(out, task_lines)
            else:
                prefix = _encode(unit.fields().values())[:-2] + ","
                write_lines(out, [prefix + line for line in task_lines])
            rows += len(task_lines)
        out.flush()
    finally:
        out.detach()
    return rows

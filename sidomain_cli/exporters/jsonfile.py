"""JSON (the ``calendar`` part of the plan contract) and JSON Lines (one row a line).

Without ``--stores`` a row is exactly ``SopTask.as_dict()``; with ``--stores`` the store
fields come first.  JSON is streamed as an array with one row per line, so neither
format holds the table in memory.
"""

from __future__ import annotations

import io
import json
from typing import IO

from sidomain_cli.exporters.table import PerPlan, Progress, task_dicts, walk, write_lines


def _frag(d: dict) -> str:
    """``json.dumps(d)`` without its braces, so fragments concatenate into one object."""
    return json.dumps(d, ensure_ascii=False)[1:-1]


def _rows(source, progress: Progress):
    frags = PerPlan(lambda unit, tasks: [_frag(d) for d in task_dicts(tasks)])
    for unit in walk(source, progress):
        tasks = frags(unit)
        if unit.store is None:
            yield ["{" + f + "}" for f in tasks]
        else:
            prefix = "{" + _frag(unit.fields()) + ", "
            yield [prefix + f + "}" for f in tasks]


def write_jsonl(source, fh: IO[bytes], *, progress: Progress = None, **_) -> int:
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    rows = 0
    try:
        for batch in _rows(source, progress):
            write_lines(out, [row + "\n" for row in batch])
            rows += len(batch)
        out.flush()
    finally:
        out.detach()
    return rows


def write_json(source, fh: IO[bytes], *, progress: Progress = None, **_) -> int:
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    rows = 0
    try:
        out.write("[")
        for batch in _rows(source, progress):
            write_lines(out, [("," if rows or i else "") + "\n" + row
                              for i, row in enumerate(batch)])
            rows += len(batch)
        out.write("\n]\n" if rows else "]\n")
        out.flush()
    finally:
        out.detach()
    return rows

"""Rows shared by the tabular formats (CSV, JSON, JSON Lines, XLSX).

A row is the task's fields of the plan contract (``SopTask.as_dict()``), preceded in a
rollout by the store columns (``STORE_FIELDS``).  Per plan, each task's part of a row is
encoded once and cached; per group only the short store prefix is new, so a row costs a
string concatenation, not a render.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator

from sidomain_cli.exporters.stores import STORE_FIELDS, ExportSource, Unit
from sidomain_cli.planner import Plan, SopTask

TASK_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SopTask))

Progress = Callable[[int], None] | None


def columns(source: ExportSource) -> tuple[str, ...]:
    return (STORE_FIELDS + TASK_FIELDS) if source.rollout else TASK_FIELDS


class PerPlan:
    """Cache one encoding of a plan's tasks (keyed by the plan object's identity)."""

    def __init__(self, encode: Callable[[Plan], Any]) -> None:
        self.encode = encode
        self._cache: dict[int, tuple[Plan, Any]] = {}

    def __call__(self, plan: Plan) -> Any:
        hit = self._cache.get(id(plan))
        if hit is None:
            hit = self._cache[id(plan)] = (plan, self.encode(plan))
        return hit[1]


# Rows are written in chunks of this many: one huge string per group would go through
# mmap'd allocations (measured 3x slower than chunks of a few dozen rows).
CHUNK = 32


def write_lines(out, lines: list[str]) -> None:
    """Write already-terminated lines in modest chunks."""
    for i in range(0, len(lines), CHUNK):
        out.write("".join(lines[i:i + CHUNK]))


def walk(source: ExportSource, progress: Progress) -> Iterator[Unit]:
    for unit in source.units():
        yield unit
        if progress is not None:
            progress(1)


def task_dicts(plan: Plan) -> list[dict[str, Any]]:
    return [t.as_dict() for t in plan.calendar]

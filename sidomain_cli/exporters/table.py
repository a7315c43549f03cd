"""Rows shared by the tabular formats (CSV, JSON, JSON Lines, XLSX).

A row is the task's fields of the plan contract (``SopTask.as_dict()``), preceded in a
rollout by the store columns (``STORE_FIELDS``, ending with ``group_id`` and ``account``:
who sends the row).  Per start date, each task's part of a row is encoded once and
cached; per group only the short store prefix is new, so a row costs a string
concatenation, not a render.  A staff account's rows (merged over its stores) are
encoded once, for that account.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator

from sidomain_cli.exporters.stores import STORE_FIELDS, ExportSource, Unit
from sidomain_cli.planning import SopTask

TASK_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SopTask))

Progress = Callable[[int], None] | None


def columns(source: ExportSource) -> tuple[str, ...]:
    return (STORE_FIELDS + TASK_FIELDS) if source.rollout else TASK_FIELDS


def row_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one row of ``export --format json`` (an element
    of the array) or ``jsonl`` (a line): a task's fields, after the store columns in a
    rollout, built from ``SopTask`` and ``StoreColumns`` as ``columns`` orders them."""
    from sidomain_cli.exporters.stores import STORE_ID, StoreColumns
    from sidomain_cli.planning import contract
    from sidomain_cli.typeschema import Builder

    store_id = STORE_ID.pattern[1:-1]
    rules = {"SopTask": contract.rules()["SopTask"],
             "StoreColumns": {"store_id": {"pattern": f"^{store_id}$"},
                              "wave": {"minimum": 1},
                              "group_id": {"pattern": rf"^{store_id}-G\d{{2,}}$"}}}
    b = Builder(rules)
    one = b.ref(SopTask)
    rollout = b.object(StoreColumns, SopTask,
                       doc="A row of a chain rollout (--stores): the store's columns, then "
                           "the task's fields.")
    return b.document(
        {"oneOf": [one, {"$ref": "#/$defs/RolloutRow"}]}, id="urn:sidomain:schema:export-row",
        title="sidomain export row (SOP任务行)",
        description="One row of `sidomain export --format jsonl` (a line) or `--format json` "
                    "(an element of the array): a task of the plan's calendar, preceded by "
                    "the store columns with --stores.",
        defs={"RolloutRow": rollout})


ROW_CACHE = 20_000  # staff accounts' rows kept encoded (a start date has ~130 of them)


class PerPlan:
    """Cache the encoding of units' tasks: ``encode(unit, tasks)`` gives one item per task.

    Every group of one start date shares one task list, encoded once (keyed by the list's
    identity).  A staff account's rows (``unit.shared`` False) are a list of its own, but
    its rows are mostly the very row objects of the plans it merges, which other accounts
    share: each row is encoded once (keyed by the row's identity and whether the unit is
    an account's), the ``ROW_CACHE`` most recent kept."""

    def __init__(self, encode: Callable[[Unit, list], list]) -> None:
        from collections import OrderedDict

        self.encode = encode
        self._cache: OrderedDict[int, tuple[list, Any]] = OrderedDict()
        self._rows: OrderedDict[tuple[int, bool], tuple[Any, Any]] = OrderedDict()

    def __call__(self, unit: Unit) -> list:
        from sidomain_cli.exporters.stores import PLAN_CACHE

        if not unit.shared:
            return self._each(unit)
        key = id(unit.tasks)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = (unit.tasks, self.encode(unit, unit.tasks))
            if len(self._cache) > PLAN_CACHE + 1:  # + the base plan
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return hit[1]

    def _each(self, unit: Unit) -> list:
        rows, kind = self._rows, unit.for_account
        missing = [t for t in unit.tasks if (id(t), kind) not in rows]
        if missing:
            for t, enc in zip(missing, self.encode(unit, missing)):
                rows[(id(t), kind)] = (t, enc)  # the row is kept: its id stays its own
        out = []
        for t in unit.tasks:
            key = (id(t), kind)
            rows.move_to_end(key)
            out.append(rows[key][1])
        while len(rows) > ROW_CACHE:
            rows.popitem(last=False)
        return out


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
        if progress is not None and unit.tick:
            progress(unit.tick)


def task_dicts(tasks: list[SopTask]) -> list[dict[str, Any]]:
    return [t.as_dict() for t in tasks]


# ---- headers people read ----------------------------------------------------------------

HEADER_MODES = ("labels", "ids")
HEADERS: dict[str, dict[str, str]] = {
    "zh-CN": {"day": "天", "date": "日期", "week": "周次", "time": "时间", "channel": "渠道",
              "phase": "阶段", "activity": "活动", "segment": "人群", "action": "动作",
              "template": "模板", "message": "话术", "metric": "指标", "task": "任务ID",
              "send": "发送方式", "node": "节点", "scope": "执行对象", "offer": "权益",
              "stage": "节点阶段", "priority": "优先级", "store_id": "门店ID",
              "store_name": "门店", "city": "城市", "owner": "负责人", "wave": "批次",
              "group_id": "社群ID", "account": "员工账号"},
    "en": {"day": "Day", "date": "Date", "week": "Week", "time": "Time", "channel": "Channel",
           "phase": "Phase", "activity": "Activity", "segment": "Segment", "action": "Action",
           "template": "Template", "message": "Message", "metric": "Metric", "task": "Task id",
           "send": "Send method", "node": "Node", "scope": "Scope", "offer": "Offer",
           "stage": "Stage", "priority": "Priority", "store_id": "Store id",
           "store_name": "Store", "city": "City", "owner": "Owner", "wave": "Wave",
           "group_id": "Group id", "account": "Staff account"},
}


def header_row(cols, locale: str, mode: str = "labels") -> list[str]:
    """The header cells: the plan's language (``labels``) or the contract's ids (``ids``);
    a field without a label keeps its id."""
    if mode == "ids":
        return list(cols)
    words = HEADERS.get(locale, HEADERS["en"])
    return [words.get(c, c) for c in cols]

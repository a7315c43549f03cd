"""Chain rollout (连锁门店铺开): the stores file and the units an export walks through.

A stores file is a CSV with one row per store::

    store_id,name,city,owner,groups,launch_date,wave
    SH001,熊猫咖啡 静安店,上海,张敏,4,2026-12-01,1

``store_id``, ``name``, ``city``, ``owner`` (the person who runs the store's groups) and
``groups`` (how many customer groups) are required; ``launch_date`` (YYYY-MM-DD, or
Excel's YYYY/M/D) and ``wave`` (1, 2, …) are optional.  A store's groups start their
60-day SOP on its ``launch_date``; without one, on the plan's start date plus
``(wave - 1) × wave_gap`` days.

Everything a row of the export needs that is the same for every group (the rendered
messages) comes from one plan per distinct start date, computed once and cached: the
messages are rendered once, not once per store or group.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, TypedDict

from sidomain_cli.errors import InputError
from sidomain_cli.spec import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:
    from sidomain_cli.planner import Plan
    from sidomain_cli.profile import Profile

REQUIRED = ("store_id", "name", "city", "owner", "groups")
OPTIONAL = ("launch_date", "wave")
COLUMNS = REQUIRED + OPTIONAL
MAX_GROUPS = 1000          # per store; MINISO runs ~10 (30,000 groups over ~2,900 stores)
MAX_TEXT = 120
MAX_BYTES = 32 * 1024 * 1024  # ~400,000 stores; a bigger file is not a stores list
WHOLE = re.compile(r"^[+-]?[0-9]+$")
STORE_ID = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")



class StoreColumns(TypedDict):
    """The store columns every rollout row carries, in order, before the task's own fields
    (``sidomain schema export-row`` is built from this)."""

    store_id: str
    store_name: str
    city: str
    owner: str
    wave: int | None
    group_id: str


STORE_FIELDS = tuple(StoreColumns.__annotations__)


@dataclass(frozen=True)
class Store:
    """门店: one row of the stores file."""

    store_id: str
    name: str
    city: str
    owner: str
    groups: int
    launch_date: dt.date | None = None
    wave: int | None = None
    line: int = 0

    def group_ids(self) -> list[str]:
        width = max(2, len(str(self.groups)))
        return [f"{self.store_id}-G{n:0{width}d}" for n in range(1, self.groups + 1)]

    def fields(self, group_id: str) -> StoreColumns:
        return {"store_id": self.store_id, "store_name": self.name, "city": self.city,
                "owner": self.owner, "wave": self.wave, "group_id": group_id}


def _date(value: str) -> dt.date:
    m = SLASH_DATE.fullmatch(value)
    if m:
        return dt.date(*(int(x) for x in m.groups()))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def _whole(value: str) -> int | None:
    """An integer written with ASCII digits (no '1_000', no '1e3'); absurd sizes → -1."""
    if not WHOLE.fullmatch(value):
        return None
    return int(value) if len(value) <= 12 else -1


def load_stores(path: str | Path, *, encoding: str | None = None) -> list[Store]:
    """Read and validate a stores CSV; any problem raises ``InputError`` naming the line."""
    from sidomain_cli.yamlio import decode, read_bytes

    name = str(path)
    raw = read_bytes(path, max_bytes=MAX_BYTES, what="stores file")
    text = decode(raw, name, encoding=encoding, option="--stores-encoding",
                  noun="stores file", kind="CSV")
    reader = csv.reader(text.splitlines(keepends=True), strict=True)

    def fail(line: int, message: str, hint: str = "") -> InputError:
        return InputError(message, path=name, line=line, column=1, hint=hint)

    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
    except csv.Error as exc:
        raise fail(reader.line_num, f"not a CSV file: {exc}") from None
    if header is None:
        raise fail(0, "stores file is empty",
                   hint="first line: " + ",".join(COLUMNS))
    header_line = reader.line_num
    cols = [c.strip().lower() for c in header]
    for i, c in enumerate(cols):
        if c not in COLUMNS:
            raise InputError(f"unknown column '{header[i].strip()}'", path=name,
                             line=header_line, column=1,
                             hint="columns are " + ", ".join(COLUMNS))
        if cols.index(c) != i:
            raise fail(header_line, f"column '{c}' appears twice")
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise fail(header_line, "missing column" + ("s " if len(missing) > 1 else " ")
                   + ", ".join(f"'{c}'" for c in missing),
                   hint="required: " + ", ".join(REQUIRED))
    stores: list[Store] = []
    seen: dict[str, int] = {}
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise fail(start_line, f"bad CSV row: {exc}") from None
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(cols):
            raise fail(start_line, f"row has {len(row)} fields, the header has {len(cols)}",
                       hint="quote fields that contain commas")
        cell = {c: v.strip() for c, v in zip(cols, row)}

        def bad(column: str, message: str, hint: str = "") -> InputError:
            return fail(start_line, f"{column}: {message}", hint)

        for c in ("store_id", "name", "city", "owner"):
            v = cell[c]
            if not v:
                raise bad(c, "is empty")
            if len(v) > MAX_TEXT or CONTROL.search(v):
                raise bad(c, f"'{v[:40]}' is too long or has control characters")
        sid = cell["store_id"]
        if not STORE_ID.fullmatch(sid):
            raise bad("store_id", f"'{sid}' may use letters, digits, Chinese, '-', '_', '.' "
                                  "only (≤ 64)")
        if sid in seen:
            raise fail(start_line, f"duplicate store_id '{sid}' (first on line {seen[sid]})")
        seen[sid] = start_line
        groups = _whole(cell["groups"])
        if groups is None:
            raise bad("groups", f"'{cell['groups'][:40]}' is not a whole number")
        if not 1 <= groups <= MAX_GROUPS:
            raise bad("groups", f"{cell['groups'][:40]} is not between 1 and {MAX_GROUPS}")
        launch = None
        if cell.get("launch_date"):
            try:
                launch = _date(cell["launch_date"])
            except ValueError:
                raise bad("launch_date", f"'{cell['launch_date'][:40]}' is not a date",
                          hint="write YYYY-MM-DD, e.g. 2026-12-01") from None
            if not FIRST_YEAR <= launch.year <= LAST_YEAR:
                raise bad("launch_date", f"{launch.isoformat()} is outside the years "
                                         f"{FIRST_YEAR}-{LAST_YEAR}", hint="check the year")
        wave = None
        if cell.get("wave"):
            wave = _whole(cell["wave"])
            if wave is None:
                raise bad("wave", f"'{cell['wave'][:40]}' is not a whole number")
            if not 1 <= wave <= 100:
                raise bad("wave", f"{cell['wave'][:40]} is not between 1 and 100")
        stores.append(Store(sid, cell["name"], cell["city"], cell["owner"], groups, launch,
                            wave, start_line))
    if not stores:
        raise fail(header_line, "stores file has a header but no stores")
    return stores


@dataclass(frozen=True)
class Unit:
    """One calendar to write: a plan for one customer group (or the brand, without stores)."""

    store: Store | None
    group_id: str | None
    plan: "Plan"

    def fields(self) -> dict[str, Any]:
        return self.store.fields(self.group_id) if self.store else {}


PLAN_CACHE = 32  # plans kept (by start date); a rollout's stores mostly share a few dates


class ExportSource:
    """The plan(s) behind an export and the units (store × group) to write.

    Plans are cached by start date, the ``PLAN_CACHE`` most recently used ones, so memory
    stays flat whatever the number of stores, groups and distinct launch dates (4,000
    launch dates took 942 MB when every plan was kept).
    """

    def __init__(self, profile: "Profile", *, playbook=None, method=None,
                 start: dt.date | None = None, days: int | None = None,
                 locale: str | None = None, template_dirs: tuple[Path, ...] = (),
                 stores: list[Store] | None = None, wave_gap: int = 7) -> None:
        self.profile = profile
        self._kw = dict(playbook=playbook, method=method, days=days, locale=locale,
                        template_dirs=template_dirs)
        self.base_start = start or profile.start_date
        self.stores = stores
        self.wave_gap = wave_gap
        from collections import OrderedDict

        self._plans: OrderedDict[dt.date, Plan] = OrderedDict()
        self.plan = self.plan_for(self.base_start)

    @property
    def rollout(self) -> bool:
        return self.stores is not None

    def plan_for(self, start: dt.date) -> "Plan":
        from sidomain_cli.planner import make_plan

        if start == self.base_start and "plan" in self.__dict__:
            return self.plan  # the base plan is kept for the whole export
        plan = self._plans.get(start)
        if plan is None:
            plan = self._plans[start] = make_plan(self.profile, start=start, **self._kw)
            if len(self._plans) > PLAN_CACHE:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(start)
        return plan

    def start_of(self, store: Store) -> dt.date:
        if store.launch_date:
            return store.launch_date
        return self.base_start + dt.timedelta(days=((store.wave or 1) - 1) * self.wave_gap)

    @property
    def total_units(self) -> int:
        return sum(s.groups for s in self.stores) if self.stores else 1

    def units(self, stores: list[Store] | None = None) -> Iterator[Unit]:
        if self.stores is None:
            yield Unit(None, None, self.plan)
            return
        for store in self.stores if stores is None else stores:
            plan = self.plan_for(self.start_of(store))
            for gid in store.group_ids():
                yield Unit(store, gid, plan)

    def owners(self) -> list[tuple[str, list[Store]]]:
        """Stores by owner, owners in order of first appearance."""
        by: dict[str, list[Store]] = {}
        for s in self.stores or ():
            by.setdefault(s.owner, []).append(s)
        return list(by.items())

    def row_count(self) -> int:
        if self.stores is None:
            return len(self.plan.calendar)
        return sum(s.groups * len(self.plan_for(self.start_of(s)).calendar) for s in self.stores)

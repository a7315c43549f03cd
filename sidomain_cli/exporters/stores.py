"""Chain rollout (连锁门店铺开): the stores file and the units an export walks through.

A stores file is a CSV with one row per store::

    store_id,name,city,owner,groups,launch_date,wave,staff
    SH001,熊猫咖啡 静安店,上海,张敏,4,2026-12-01,1,张敏;小周

``store_id``, ``name``, ``city``, ``owner`` (the person who runs the store's groups) and
``groups`` (how many customer groups) are required; ``launch_date`` (YYYY-MM-DD, or
Excel's YYYY/M/D), ``wave`` (1, 2, …) and ``staff`` are optional.  A store's groups start
their 60-day SOP on its ``launch_date``; without one, on the plan's start date plus
``(wave - 1) × wave_gap`` days.

``staff`` (or ``accounts``: either header) names the WeCom staff accounts whose friends
are the store's customers — one name, or several separated by ``;`` (or ``；``); empty:
the store's ``owner``.  Moments and 1v1 tasks (``scope`` "account") belong to a staff
account, not to a group: each account gets them once, merged over every store it serves
(one per date, channel and task, the earliest-launching store's), within the account's
caps (moments a day, 1v1 a week, company bulk sends a day: the playbook's and the
profile's ``caps``, spent by priority as the planner spends them; what a cap removes or
demotes is reported with its reason).  Group tasks go to every group, sent by the
store's owner.  Every rollout row names its sender in ``account``: the owner for a
group's rows, the staff account for its own.

Everything a row of the export needs that is the same for every group (the rendered
messages) comes from one plan per distinct start date, computed once and cached: the
messages are rendered once, not once per store, group or account.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, TypedDict

from sidomain_cli.errors import InputError
from sidomain_cli.spec import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:
    from sidomain_cli.planning import Plan
    from sidomain_cli.profile import Profile

REQUIRED = ("store_id", "name", "city", "owner", "groups")
OPTIONAL = ("launch_date", "wave", "staff")
COLUMNS = REQUIRED + OPTIONAL
ALIASES = {"accounts": "staff"}   # either header names the staff accounts column
STAFF_SEPARATORS = re.compile(r"[;；]")
MAX_STAFF = 50             # accounts a store
MAX_GROUPS = 1000          # per store; MINISO runs ~10 (30,000 groups over ~2,900 stores)
MAX_TEXT = 120
MAX_BYTES = 32 * 1024 * 1024  # ~400,000 stores; a bigger file is not a stores list
WHOLE = re.compile(r"^[+-]?[0-9]+$")
STORE_ID = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")



class StoreColumns(TypedDict):
    """The store columns every rollout row carries, in order, before the task's own fields
    (``sidomain schema export-row`` is built from this).  ``group_id`` is None on a staff
    account's own rows (moments, 1v1); ``account`` is who sends the row: the store's owner
    for a group's rows, the staff account for its own."""

    store_id: str
    store_name: str
    city: str
    owner: str
    wave: int | None
    group_id: str | None
    account: str


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
    staff: tuple[str, ...] = ()

    @property
    def accounts(self) -> tuple[str, ...]:
        """The staff accounts whose friends are this store's customers (default: owner)."""
        return self.staff or (self.owner,)

    def group_ids(self) -> list[str]:
        width = max(2, len(str(self.groups)))
        return [f"{self.store_id}-G{n:0{width}d}" for n in range(1, self.groups + 1)]

    def fields(self, group_id: str | None, account: str) -> StoreColumns:
        return {"store_id": self.store_id, "store_name": self.name, "city": self.city,
                "owner": self.owner, "wave": self.wave, "group_id": group_id,
                "account": account}


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
    cols = [ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header]
    for i, c in enumerate(cols):
        if c not in COLUMNS:
            raise InputError(f"unknown column '{header[i].strip()}'", path=name,
                             line=header_line, column=1,
                             hint="columns are " + ", ".join(COLUMNS))
        if cols.index(c) != i:
            raise fail(header_line, f"column '{c}' appears twice"
                       + (" (accounts is another name for staff)" if c == "staff" else ""))
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
        staff = _staff(cell.get("staff") or "", bad)
        stores.append(Store(sid, cell["name"], cell["city"], cell["owner"], groups, launch,
                            wave, start_line, staff))
    if not stores:
        raise fail(header_line, "stores file has a header but no stores")
    return stores


def _staff(value: str, bad) -> tuple[str, ...]:
    """The staff accounts of a ``staff`` cell: names separated by ``;`` (or ``；``)."""
    if not value:
        return ()
    names = [x.strip() for x in STAFF_SEPARATORS.split(value)]
    hint = "write one account or several separated by ';', e.g. 张敏;小周"
    for x in names:
        if not x:
            raise bad("staff", f"empty account name in '{value[:40]}'", hint)
        if len(x) > MAX_TEXT or CONTROL.search(x):
            raise bad("staff", f"'{x[:40]}' is too long or has control characters")
    if len(names) > MAX_STAFF:
        raise bad("staff", f"{len(names)} accounts; at most {MAX_STAFF} a store")
    twice = next((x for i, x in enumerate(names) if x in names[:i]), None)
    if twice is not None:
        raise bad("staff", f"'{twice[:40]}' is listed twice")
    return tuple(names)


@dataclass(frozen=True)
class Unit:
    """One calendar to write: a customer group's tasks, a staff account's tasks from one of
    its stores, or the brand's whole plan (without stores).

    ``tasks`` is the list of rows; every group of one start date shares the same list
    (so exporters encode it once), an account's list is its own (``shared`` False).
    ``account`` is who sends the rows: the store's owner for a group, the staff account
    for an account's rows (``group_id`` None).  ``tick`` is what the unit adds to the
    progress bar (one a group, one an account)."""

    store: Store | None
    group_id: str | None
    plan: "Plan"
    tasks: list = dataclasses.field(default_factory=list)
    account: str | None = None
    shared: bool = True
    tick: int = 1

    @property
    def for_account(self) -> bool:
        return self.group_id is None and self.account is not None

    def fields(self) -> dict[str, Any]:
        return self.store.fields(self.group_id, self.account) if self.store else {}


PLAN_CACHE = 32  # plans kept (by start date); a rollout's stores mostly share a few dates


@dataclass
class AccountReport:
    """What the account caps did to one staff account's merged rows."""

    account: str
    adjustments: list = dataclasses.field(default_factory=list)  # planning Adjustment


class ExportSource:
    """The plan(s) behind an export and the units (store × group, staff accounts) to write.

    Plans are cached by start date, the ``PLAN_CACHE`` most recently used ones, so memory
    stays flat whatever the number of stores, groups and distinct launch dates (4,000
    launch dates took 942 MB when every plan was kept).  In a rollout, a group gets its
    plan's group and brand rows; each staff account gets its moments and 1v1 rows once,
    merged over its stores (:meth:`account_units`), right after the last of its stores.
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

        self._plans: OrderedDict[dt.date, tuple[Plan, list]] = OrderedDict()
        self._base: tuple[Plan, list] | None = None
        self._base = self._dated(self.base_start)
        self.plan = self._base[0]
        self.reports: dict[str, AccountReport] = {}  # by account, once its rows are made
        self._caps: tuple[dict, dict, Any] | None = None

    @property
    def rollout(self) -> bool:
        return self.stores is not None

    def _dated(self, start: dt.date) -> tuple["Plan", list]:
        """The plan of a start date and its rows for a group (all but the account rows)."""
        from sidomain_cli.planning import make_plan

        if start == self.base_start and self._base is not None:
            return self._base  # the base plan is kept for the whole export
        hit = self._plans.get(start)
        if hit is None:
            plan = make_plan(self.profile, start=start, **self._kw)
            hit = self._plans[start] = (plan, [t for t in plan.calendar
                                               if t.scope != "account"])
            if len(self._plans) > PLAN_CACHE:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(start)
        return hit

    def plan_for(self, start: dt.date) -> "Plan":
        return self._dated(start)[0]

    def start_of(self, store: Store) -> dt.date:
        if store.launch_date:
            return store.launch_date
        return self.base_start + dt.timedelta(days=((store.wave or 1) - 1) * self.wave_gap)

    @property
    def group_count(self) -> int:
        return sum(s.groups for s in self.stores) if self.stores else 1

    @property
    def total_units(self) -> int:
        """Progress ticks: one a group, one a staff account."""
        return self.group_count + len(self.accounts()) if self.stores else 1

    def group_units(self, store: Store) -> Iterator[Unit]:
        plan, tasks = self._dated(self.start_of(store))
        for gid in store.group_ids():
            yield Unit(store, gid, plan, tasks, store.owner)

    def units(self, stores: list[Store] | None = None) -> Iterator[Unit]:
        """Every group's unit, store by store, each staff account's after its last store."""
        if self.stores is None:
            yield Unit(None, None, self.plan, self.plan.calendar)
            return
        chosen = self.stores if stores is None else stores
        accounts = self.accounts(chosen)
        last: dict[int, list[str]] = {}
        for account, mine in accounts.items():
            last.setdefault(id(mine[-1]), []).append(account)
        for store in chosen:
            yield from self.group_units(store)
            for account in last.get(id(store), ()):
                yield from self.account_units(account, accounts[account])

    def accounts(self, stores: list[Store] | None = None) -> dict[str, list[Store]]:
        """Staff accounts in order of first appearance, each with the stores it serves."""
        by: dict[str, list[Store]] = {}
        for s in (self.stores or ()) if stores is None else stores:
            for a in s.accounts:
                by.setdefault(a, []).append(s)
        return by

    def caps(self) -> tuple[dict, dict, Any]:
        """(caps, channels, pack) the planner spends: the playbook's caps with the
        profile's over them, the playbook's channel limits, the plan's industry pack."""
        if self._caps is None:
            from sidomain_cli.planning.packs import select_pack
            from sidomain_cli.planning.pipeline import resolve_playbook

            pb = resolve_playbook(self.profile, self._kw.get("playbook"),
                                  self.plan.diagnosis.operating_model)
            pack, _ = select_pack(self.profile.industry, self.profile.industry_pack)
            self._caps = ({**pb.caps, **self.profile.caps}, pb.channels, pack)
        return self._caps

    def account_units(self, account: str, stores: list[Store]) -> list[Unit]:
        """One staff account's moments and 1v1 rows over its stores: per (date, channel,
        task) the earliest-launching store's row (so 7 groups or 3 stores sharing an
        account post once), then the account's caps spent by priority over what is left
        (``planning.allocate.allocate_rows``).  One unit per store the rows came from, in
        the stores' order; what the caps did is kept in ``reports[account]``."""
        from sidomain_cli.planning.allocate import allocate_rows
        from sidomain_cli.planning.schedule import out_of_service_peaks
        from sidomain_cli.planning.model import Adjustment

        ordered = sorted(stores, key=lambda s: (self.start_of(s), s.line))
        merged: dict[tuple, tuple[Any, Store]] = {}
        seen: set[dt.date] = set()
        for s in ordered:
            start = self.start_of(s)
            if start in seen:  # the same plan: nothing new for this account
                continue
            seen.add(start)
            for t in self.plan_for(start).calendar:
                if t.scope == "account":
                    merged.setdefault((t.date, t.channel, t.task), (t, s))
        rows = sorted(merged.values(), key=lambda x: (x[0].date, x[0].time, x[0].task))
        caps, channels, pack = self.caps()
        first = self.start_of(ordered[0])
        alloc = allocate_rows([t for t, _ in rows], channels, caps, first)
        report = AccountReport(account)
        for i, why in alloc.left_out:
            report.adjustments.append(Adjustment(rows[i][0].task, rows[i][0].date,
                                                 "left_out", why))
        demoted = {}
        for i, why in alloc.demoted:
            report.adjustments.append(Adjustment(rows[i][0].task, rows[i][0].date,
                                                 "demoted", why))
            # sent by hand now: out of the trade's service peaks, as the planner times it
            t = rows[i][0]
            demoted[i] = dataclasses.replace(t, send="staff_reminder", time=out_of_service_peaks(
                t.time, pack, self.profile.quiet_hours))
        report.adjustments.sort(key=lambda a: (a.date, a.task, a.action, a.reason))
        self.reports[account] = report
        by_store: dict[int, list] = {}
        for i in alloc.kept:
            t, s = rows[i]
            by_store.setdefault(id(s), []).append(demoted.get(i, t))
        units, tick = [], 1
        for s in ordered:
            tasks = by_store.pop(id(s), None)
            if tasks:
                units.append(Unit(s, None, self.plan_for(self.start_of(s)), tasks, account,
                                  shared=False, tick=tick))
                tick = 0
        return units

    def people(self) -> list[tuple[str, list[Store], list[Store]]]:
        """Who gets a calendar file: every owner and every staff account, in order of first
        appearance, each with (the stores they own, the stores they serve as an account);
        an owner who is also an account (the default) has one file for both."""
        owned: dict[str, list[Store]] = {}
        for s in self.stores or ():
            owned.setdefault(s.owner, []).append(s)
        served = self.accounts()
        names = list(dict.fromkeys([*owned, *served]))
        return [(n, owned.get(n, []), served.get(n, [])) for n in names]

    def person_units(self, owned: list[Store], account: str | None,
                     served: list[Store]) -> Iterator[Unit]:
        for store in owned:
            yield from self.group_units(store)
        if account is not None and served:
            yield from self.account_units(account, served)

    def owners(self) -> list[tuple[str, list[Store]]]:
        """Stores by owner, owners in order of first appearance."""
        by: dict[str, list[Store]] = {}
        for s in self.stores or ():
            by.setdefault(s.owner, []).append(s)
        return list(by.items())

    def row_count(self) -> int:
        """About how many rows the export has (for deciding on a progress bar)."""
        if self.stores is None:
            return len(self.plan.calendar)
        per_account = len(self.plan.calendar) - len(self._base[1])
        return (sum(s.groups * len(self._dated(self.start_of(s))[1]) for s in self.stores)
                + len(self.accounts()) * per_account)

    def notes(self) -> list[str]:
        """What the account caps left out or demoted, one line per account and reason."""
        from sidomain_cli.planning.pipeline import adjustment_notes

        out = []
        for account, report in self.reports.items():
            for line in adjustment_notes(report.adjustments, self.plan.locale):
                out.append(f"{account}: {line}")
        return out

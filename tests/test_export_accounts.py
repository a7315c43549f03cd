"""Staff accounts in the chain (issue 11 item 4): moments and 1v1 tasks belong to a staff
account, not to a group — once per account over all its groups and stores, within the
account's caps; the stores file's `staff` column names the accounts."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections import Counter

import pytest

from sidomain_cli.domain import SEGMENT_AUDIENCES
from sidomain_cli.playbook import load_playbook
from tests.helpers_plan import ROOT, plan_for
from tests.test_export import COFFEE, export, export_ok, x_prop
from tests.test_export_calendar import events_of
from tests.test_export_rollout import HEADER, stores_file

APPAREL = ROOT / "examples" / "apparel.yaml"
HOTPOT = ROOT / "examples" / "hotpot.yaml"
ACCOUNT_CHANNELS = ("wecom_moments", "wecom_1v1")


def rows_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def slot(r) -> tuple:
    return (r["date"], r["time"], r["channel"], r["task"])


def test_one_owner_with_7_groups_gets_one_moments_post_per_slot(capsys, tmp_path):
    stores = stores_file(tmp_path, HEADER + "A1,一号店,上海,张敏,7,,1\n")
    rows = rows_of(export_ok(capsys, COFFEE, "--stores", stores, "-f", "jsonl"))
    plan = plan_for(COFFEE)
    moments = [r for r in rows if r["channel"] == "wecom_moments"]
    want = [t for t in plan.calendar if t.channel == "wecom_moments"]
    assert len(want) > 60  # two or more a day over 60 days
    # one post per slot, not seven: exactly the plan's moments, sent by the owner
    assert Counter(slot(r) for r in moments).most_common(1)[0][1] == 1
    assert sorted(slot(r) for r in moments) == sorted(slot(t.as_dict()) for t in want)
    assert {(r["account"], r["group_id"], r["store_id"]) for r in moments} == {("张敏", None, "A1")}
    # the same for 1v1; every group still gets every group task
    one = [r for r in rows if r["channel"] == "wecom_1v1"]
    assert len(one) == sum(t.channel == "wecom_1v1" for t in plan.calendar) > 0
    groups = Counter(r["group_id"] for r in rows if r["group_id"])
    assert len(groups) == 7
    assert set(groups.values()) == {sum(t.scope != "account" for t in plan.calendar)}
    assert not [r for r in rows if r["group_id"] and r["channel"] in ACCOUNT_CHANNELS]

    # and in the owner's calendar file: one moments event per slot
    out = tmp_path / "owners.zip"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out)
    with zipfile.ZipFile(out) as zf:
        events = events_of(zf.read("张敏.ics"))
    posts = [e for e in events if "wecom_moments" in str(e["categories"].to_ical())]
    assert len(posts) == len(want)
    assert len({str(e["uid"]) for e in posts}) == len(want)
    assert all(str(e["x-sidomain-account"]) == "张敏" and "x-sidomain-group-id" not in e
               for e in posts)


CHAIN = HEADER[:-1] + ",staff\n" + (
    "A1,一号店,上海,张敏,3,,1,\n"          # 张敏 posts for A1 (the owner: the default)
    "A2,二号店,上海,张敏,2,,2,张敏\n"      # … and for A2, a wave later
    "A3,三号店,上海,张敏,2,,3,张敏;小周\n"  # A3's customers are also 小周's friends
    "B1,四号店,杭州,李强,2,,2,小周\n")      # 小周 also serves 李强's store


def caps_of(profile_path) -> tuple[dict, dict]:
    from sidomain_cli.profile import load_profile

    plan = plan_for(profile_path)
    pb = load_playbook(plan.playbook)
    return {**pb.caps, **load_profile(profile_path).caps}, pb.channels


def over_caps(rows: list[dict], caps: dict, channels: dict) -> list[str]:
    """Every way the rows of one account break its caps (empty: within them)."""
    first = min(dt.date.fromisoformat(r["date"]) for r in rows)
    problems = []
    per_day = Counter((r["date"], r["channel"]) for r in rows)
    for (date, ch), n in per_day.items():
        cap = channels.get(ch, {}).get("max_per_day", 1)
        if ch == "wecom_moments":
            cap = min(cap, caps["moments_per_day"])
        if n > cap:
            problems.append(f"{n} {ch} on {date} (cap {cap})")
    week: Counter = Counter()
    bulk: Counter = Counter()
    for r in rows:
        if r["channel"] != "wecom_1v1":
            continue
        for a in SEGMENT_AUDIENCES.get(r["segment"], SEGMENT_AUDIENCES["all"]):
            week[((dt.date.fromisoformat(r["date"]) - first).days // 7, a)] += 1
            if r["send"] == "company_bulk":
                bulk[(r["date"], a)] += 1
    gap = caps.get("one_on_one_gap_days", 1)
    days: dict = {}
    for r in rows:
        if r["channel"] == "wecom_1v1":
            for a in SEGMENT_AUDIENCES.get(r["segment"], SEGMENT_AUDIENCES["all"]):
                days.setdefault(a, []).append(dt.date.fromisoformat(r["date"]))
    for a, ds in days.items():
        ds.sort()
        problems += [f"1v1 for {a} on {x} and {y}" for x, y in zip(ds, ds[1:])
                     if (y - x).days < gap]
    problems += [f"{n} 1v1 in week {w + 1} for {a}" for (w, a), n in week.items()
                 if n > caps["one_on_one_per_week"]]
    problems += [f"{n} 1v1 bulk sends on {d} for {a}" for (d, a), n in bulk.items()
                 if n > caps["company_bulk_per_day"]]
    return problems


@pytest.mark.parametrize("profile", [COFFEE, APPAREL, HOTPOT], ids=lambda p: p.stem)
def test_a_chain_export_never_gives_a_staff_account_more_than_its_caps(capsys, tmp_path,
                                                                      profile):
    stores = stores_file(tmp_path, CHAIN)
    code = None
    from sidomain_cli.cli import run

    code = run(["export", str(profile), "--stores", str(stores), "-f", "jsonl", "-o", "-",
                "--wave-gap", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = rows_of(out)
    caps, channels = caps_of(profile)
    own = [r for r in rows if r["group_id"] is None]
    by_account = {a: [r for r in own if r["account"] == a] for a in ("张敏", "小周")}
    assert {r["account"] for r in own} == set(by_account)  # 李强 has no account of his own
    starts = {"A1": 0, "A2": 3, "A3": 6, "B1": 3}  # wave (w - 1) × 3 days
    base = plan_for(profile).start_date
    for account, mine in by_account.items():
        assert mine and not over_caps(mine, caps, channels), (account, over_caps(mine, caps, channels))
        assert Counter(slot(r) for r in mine).most_common(1)[0][1] == 1
        # what the account's stores would have given it, merged but before its caps
        served = {"张敏": ("A1", "A2", "A3"), "小周": ("A3", "B1")}[account]
        merged = {}
        for sid in sorted(served, key=lambda s: starts[s]):
            start = base + dt.timedelta(days=starts[sid])
            for t in plan_for(profile, start=start).calendar:
                if t.scope == "account":
                    merged.setdefault((t.date, t.channel, t.task), t.as_dict())
        kept = {(r["date"], r["channel"], r["task"]) for r in mine}
        assert kept <= set(merged)
        if account == "张敏":  # three waves three days apart: the caps have work to do
            assert over_caps(list(merged.values()), caps, channels)
            dropped = set(merged) - kept
            assert dropped
            for date, _, task in dropped:  # each one reported, with its reason
                assert task in err
    assert "sidomain: note: 张敏: " in err
    # group rows are the owner's: sent by the owner, whatever the staff column says
    assert {(r["owner"], r["account"]) for r in rows if r["group_id"]} == {
        ("张敏", "张敏"), ("李强", "李强")}


def test_caps_keep_the_higher_priority_rows(capsys, tmp_path):
    """What the account caps drop is never worth more than what they keep that day/week."""
    stores = stores_file(tmp_path, CHAIN)
    rows = rows_of(export_ok(capsys, HOTPOT, "--stores", stores, "-f", "jsonl",
                             "--wave-gap", "3"))
    mine = [r for r in rows if r["group_id"] is None and r["account"] == "张敏"]
    kept_1v1 = [r for r in mine if r["channel"] == "wecom_1v1"]
    merged = {}
    first = plan_for(HOTPOT).start_date
    for days in (0, 3, 6):
        for t in plan_for(HOTPOT, start=first + dt.timedelta(days=days)).calendar:
            if t.channel == "wecom_1v1":
                merged.setdefault((t.date, t.task), t)
    kept = {(r["date"], r["task"]) for r in kept_1v1}
    dropped = [t for k, t in merged.items() if k not in kept]
    assert dropped
    for t in dropped:
        week = (dt.date.fromisoformat(t.date) - first).days // 7
        same_week = [r for r in kept_1v1
                     if (dt.date.fromisoformat(r["date"]) - first).days // 7 == week]
        assert same_week and all(r["priority"] >= t.priority for r in same_week), t.task


def test_staff_accounts_get_their_own_calendars_with_stable_uids(capsys, tmp_path, monkeypatch):
    from sidomain_cli.exporters.ics import task_uid

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    text = HEADER[:-1] + ",accounts\n" + ("A1,一号店,上海,张敏,2,,1,小周；小林\n"
                                           "A2,二号店,上海,张敏,1,,1,小周\n")
    stores = stores_file(tmp_path, text)
    out = tmp_path / "owners"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out)
    files = sorted(p.name for p in out.iterdir())
    assert files == ["index.csv", "小周.ics", "小林.ics", "张敏.ics"]
    index = (out / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    assert index[1].startswith("张敏,张敏.ics,2,3,")
    assert index[2].startswith("小周,小周.ics,2,0,") and index[3].startswith("小林,小林.ics,1,0,")
    plan = plan_for(COFFEE)
    own = [t for t in plan.calendar if t.scope == "account"]
    zhang = events_of((out / "张敏.ics").read_bytes())
    assert len(zhang) == 3 * (len(plan.calendar) - len(own))
    assert all("x-sidomain-group-id" in e for e in zhang)
    for name in ("小周", "小林"):
        events = events_of((out / f"{name}.ics").read_bytes())
        assert len(events) == len(own)
        by_key = {(str(e["x-sidomain-task"]), e.decoded("dtstart").date().isoformat()): e
                  for e in events}
        for t in own:
            e = by_key[(t.task, t.date)]
            assert str(e["uid"]) == task_uid(plan.brand, None, None, t, account=name)
            assert str(e["x-sidomain-account"]) == name
    # the same input → the same bytes; a changed group count leaves accounts' events alone
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    stores_file(tmp_path, text.replace("A1,一号店,上海,张敏,2", "A1,一号店,上海,张敏,4"))
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out, "--force")
    assert (out / "小周.ics").read_bytes() == first["小周.ics"]
    assert (out / "小林.ics").read_bytes() == first["小林.ics"]


def test_csv_and_xlsx_carry_the_account_column(capsys, tmp_path):
    import csv
    import io

    import openpyxl

    stores = stores_file(tmp_path, HEADER[:-1] + ",staff\nA1,一号店,上海,张敏,2,,1,小周\n")
    out = tmp_path / "chain.csv"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out, "--header", "ids")
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert {(r["group_id"] == "", r["account"]) for r in rows} == {(False, "张敏"), (True, "小周")}
    x = tmp_path / "chain.xlsx"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", x, "--header", "ids")
    ws = openpyxl.load_workbook(x, read_only=True).worksheets[0]
    table = [[c.value for c in row] for row in ws.iter_rows()]
    col = table[0].index("account")
    assert Counter(r[col] for r in table[1:]) == Counter(r["account"] for r in rows)


STAFF_BAD = [
    ("empty name", "A1,店,上海,张,2,,,张敏;;小周\n", "staff: empty account name in '张敏;;小周'"),
    ("twice", "A1,店,上海,张,2,,,小周;小周\n", "staff: '小周' is listed twice"),
    ("too long", "A1,店,上海,张,2,,," + "长" * 121 + "\n", "staff: '" + "长" * 40 + "' is too long"),
    ("too many", "A1,店,上海,张,2,,," + ";".join(f"s{i}" for i in range(51)) + "\n",
     "staff: 51 accounts; at most 50 a store"),
]


@pytest.mark.parametrize("case,row,message", STAFF_BAD, ids=[b[0] for b in STAFF_BAD])
def test_a_bad_staff_cell_names_the_row(capsys, tmp_path, case, row, message):
    stores = stores_file(tmp_path, HEADER[:-1] + ",staff\n" + "A0,店,上海,张,1,,,\n" + row)
    code, stdout, err = export(capsys, COFFEE, "--stores", stores, "-o", tmp_path / "x.csv")
    assert code == 2 and stdout == ""
    assert f"stores.csv:3:1: {message}" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_staff_and_accounts_columns_are_one_column(capsys, tmp_path):
    stores = stores_file(tmp_path, HEADER[:-1] + ",staff,accounts\nA1,店,上海,张,1,,,a,b\n")
    code, _, err = export(capsys, COFFEE, "--stores", stores, "-f", "csv")
    assert code == 2 and "stores.csv:1:1: column 'staff' appears twice" in err
    assert err.count("\n") == 1


def test_staff_cells_are_parsed():
    from sidomain_cli.exporters.stores import load_stores

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stores.csv"
        path.write_text(HEADER[:-1] + ",Accounts\n"
                        "A1,店,上海,张敏,1,,, 小周 ; 小林；阿May \n"
                        "A2,店,上海,张敏,1,,,\n", encoding="utf-8")
        a1, a2 = load_stores(path)
    assert a1.staff == ("小周", "小林", "阿May") and a1.accounts == a1.staff
    assert a2.staff == () and a2.accounts == ("张敏",)


# ---- a wave that launches on a node day ----------------------------------------------------

def test_a_wave_launching_on_a_node_day_opens_with_its_welcome(capsys, tmp_path):
    # B1's groups launch on 双12 (a node of the apparel pack); A1's a week before
    stores = stores_file(tmp_path, HEADER + "A1,一号店,上海,张敏,1,2026-12-05,\n"
                                            "B1,二号店,上海,李强,2,2026-12-12,\n")
    rows = rows_of(export_ok(capsys, APPAREL, "--stores", stores, "-f", "jsonl"))
    for gid in ("B1-G01", "B1-G02"):
        day1 = [r for r in rows if r["group_id"] == gid and r["date"] == "2026-12-12"
                and r["channel"] == "wecom_group"]
        day1.sort(key=lambda r: r["time"])
        assert day1[0]["task"] == "persona", [(r["time"], r["task"]) for r in day1]
        later = [r for r in day1[1:] if r["node"]]
        assert later and all(r["time"] > day1[0]["time"] for r in later)  # the node post follows
    # on A1's groups, 双12 is day 8: no welcome, the node post as planned
    a1 = [r for r in rows if r["group_id"] == "A1-G01" and r["date"] == "2026-12-12"]
    assert "persona" not in {r["task"] for r in a1} and any(r["node"] for r in a1)


NODE_DAYS = [dt.date(2026, 12, 12), dt.date(2026, 12, 25), dt.date(2027, 1, 1),
             dt.date(2027, 2, 14)]


@pytest.mark.parametrize("profile", sorted((ROOT / "examples").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_plan_starting_on_a_node_day_opens_with_the_welcome(profile):
    opened = 0
    for start in NODE_DAYS:
        plan = plan_for(profile, start=start)
        pb = load_playbook(plan.playbook)
        openings = {t.id for t in pb.tasks if tuple(t.days) == (1,)}
        day1 = sorted((t for t in plan.calendar if t.day == 1 and t.scope == "group"),
                      key=lambda t: t.time)
        for channel in {t.channel for t in day1}:
            mine = [t for t in day1 if t.channel == channel]
            first = [t for t in mine if t.task in openings]
            if first:
                assert mine[0].task in openings, (start, [(t.time, t.task) for t in mine])
                opened += 1
    assert opened >= len(NODE_DAYS) - 1


def test_allocate_rows_spends_caps_by_priority_and_demotes_bulk_sends():
    from sidomain_cli.domain import DEFAULT_CAPS
    from sidomain_cli.planning.allocate import allocate_rows
    from sidomain_cli.planning.model import SopTask

    def row(task, date, time, channel, priority, send="company_bulk", segment="all"):
        return SopTask(day=1, date=date, time=time, channel=channel, phase="retention",
                       activity=None, segment=segment, action="", template="", message="",
                       metric="", task=task, send=send, scope="account", priority=priority)

    rows = [row("routine_1v1", "2026-12-01", "10:00", "wecom_1v1", 40),
            row("greeting_1v1", "2026-12-03", "10:00", "wecom_1v1", 90),
            row("m1", "2026-12-01", "08:00", "wecom_moments", 40),
            row("m2", "2026-12-01", "12:00", "wecom_moments", 95),
            row("m3", "2026-12-01", "16:00", "wecom_moments", 60),
            row("bulk_a", "2026-12-10", "10:00", "wecom_1v1", 70),
            row("bulk_b", "2026-12-10", "11:00", "wecom_1v1", 80)]
    channels = {"wecom_1v1": {"max_per_day": 5}, "wecom_moments": {"max_per_day": 5}}
    caps = {**DEFAULT_CAPS, "moments_per_day": 2, "one_on_one_per_week": 1}
    done = allocate_rows(rows, channels, caps, dt.date(2026, 12, 1))
    kept = {rows[i].task for i in done.kept}
    # the week's one 1v1 goes to the greeting, though the routine one came first
    assert "greeting_1v1" in kept and "routine_1v1" not in kept
    assert {rows[i].task: why for i, why in done.left_out}["routine_1v1"] == "1v1 weekly cap"
    # two moments that day: the two with the higher priority
    assert {"m2", "m3"} <= kept and "m1" not in kept
    # a second company bulk send the same day is sent by hand, not dropped
    caps = {**caps, "one_on_one_per_week": 5, "one_on_one_gap_days": 1}
    done = allocate_rows(rows[5:], channels, caps, dt.date(2026, 12, 1))
    assert sorted(done.kept) == [0, 1] and done.left_out == []
    assert [(rows[5 + i].task, why) for i, why in done.demoted] == [("bulk_a", "bulk cap")]

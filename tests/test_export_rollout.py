"""Chain rollout: `sidomain export --stores STORES.csv` — per-group calendars, waves,
one ICS file per owner, and clear errors for a malformed stores file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import Counter

import pytest
import vobject

from sidomain_cli.exporters.stores import STORE_FIELDS
from tests.helpers_plan import plan_for
from tests.test_export import COFFEE, STORES, TASK_FIELDS, export, export_ok, x_prop

HEADER = "store_id,name,city,owner,groups,launch_date,wave\n"
SMALL = HEADER + ("A1,一号店,上海,张敏,2,,1\n"
                  "A2,二号店,上海,张敏,1,,2\n"
                  "B1,三号店,杭州,李强,3,2026-12-10,\n")


def stores_file(tmp_path, text: str, name: str = "stores.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_every_group_of_every_store_gets_its_calendar(capsys, tmp_path):
    # Issue 11 item 4 changed this on purpose: a group gets its plan's group and brand
    # rows; moments and 1v1 rows (scope "account") go to the staff account, not per group
    # (tests/test_export_accounts.py checks those).
    stores = stores_file(tmp_path, SMALL)
    out = tmp_path / "chain.jsonl"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert list(rows[0]) == list(STORE_FIELDS) + TASK_FIELDS
    assert STORE_FIELDS[-2:] == ("group_id", "account")
    by_group = Counter(r["group_id"] for r in rows if r["group_id"])
    assert sorted(by_group) == ["A1-G01", "A1-G02", "A2-G01", "B1-G01", "B1-G02", "B1-G03"]
    starts = {"A1": dt.date(2026, 12, 1), "A2": dt.date(2026, 12, 8),  # wave 2: +7 days
              "B1": dt.date(2026, 12, 10)}                             # its launch_date
    for store_id, start in starts.items():
        plan = plan_for(COFFEE, start=start)
        want = [t.as_dict() for t in plan.calendar if t.scope != "account"]
        assert len(want) < len(plan.calendar)
        for gid in [g for g in by_group if g.startswith(store_id + "-")]:
            mine = [r for r in rows if r["group_id"] == gid]
            assert [{k: r[k] for k in TASK_FIELDS} for r in mine] == want, gid
            assert {r["account"] for r in mine} == {mine[0]["owner"]}  # the group's sender
    a1 = next(r for r in rows if r["store_id"] == "A1")
    assert (a1["store_name"], a1["city"], a1["owner"], a1["wave"]) == ("一号店", "上海", "张敏", 1)
    assert next(r for r in rows if r["store_id"] == "B1")["wave"] is None
    # the rest are the owners' own rows (moments, 1v1), each account's once
    own = [r for r in rows if r["group_id"] is None]
    assert own and {r["scope"] for r in own} == {"account"}
    assert {r["account"] for r in own} == {"张敏", "李强"}
    assert all(r["account"] == r["owner"] for r in own)  # no staff column: the owner


def test_wave_gap_option_moves_later_waves(capsys, tmp_path):
    stores = stores_file(tmp_path, SMALL)
    out = export_ok(capsys, COFFEE, "--stores", stores, "-f", "jsonl", "--wave-gap", "14",
                    "--start", "2027-01-04")
    first = {}
    for line in out.splitlines():
        r = json.loads(line)
        first.setdefault(r["store_id"], r["date"])
    assert first == {"A1": "2027-01-04", "A2": "2027-01-18", "B1": "2026-12-10"}


def test_rollout_csv_carries_store_columns_and_neutralises_them(capsys, tmp_path):
    stores = stores_file(tmp_path, HEADER + "S1,ok,上海,@owner,1,,\n"
                         + 'S2,"=HYPERLINK(""http://x.example"")",上海,"-张,敏",1,,\n')
    out = tmp_path / "chain.csv"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out, "--header", "ids")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(STORE_FIELDS) + TASK_FIELDS
    s1 = [r for r in rows if r["store_id"] == "S1"]
    s2 = [r for r in rows if r["store_id"] == "S2"]
    assert s1[0]["owner"] == "'@owner" and s1[0]["group_id"] == "S1-G01"
    assert s2[0]["store_name"] == "'=HYPERLINK(\"http://x.example\")"
    assert s2[0]["owner"] == "'-张,敏"
    assert len(s1) == len(s2) == len(plan_for(COFFEE).calendar)


def test_messages_are_rendered_once_per_start_date_not_per_group(capsys, tmp_path, monkeypatch):
    import sidomain_cli.render as render

    calls = Counter()
    real = render.render_template

    def counting(tmpl, name, context):
        calls["renders"] += 1
        return real(tmpl, name, context)

    monkeypatch.setattr(render, "render_template", counting)
    stores = stores_file(tmp_path, HEADER + "".join(f"S{i},店{i},上海,张敏,10,,\n"
                                                    for i in range(30)))
    export_ok(capsys, COFFEE, "--stores", stores, "-o", tmp_path / "x.csv")
    chain = calls["renders"]
    calls.clear()
    plan_for(COFFEE)
    # 30 stores × 10 groups, one start date: one plan's worth of renders.
    assert chain == calls["renders"] > 0


def test_ics_goes_out_one_file_per_owner_in_a_zip(capsys, tmp_path):
    out = tmp_path / "owners.zip"
    export_ok(capsys, COFFEE, "--stores", STORES, "-f", "ics", "-o", out)
    def tasks(store) -> int:  # a store's plan starts on its launch date or its wave's
        start = (dt.date.fromisoformat(store["launch_date"]) if store["launch_date"] else
                 dt.date(2026, 12, 1) + dt.timedelta(days=7 * (int(store["wave"]) - 1)))
        return sum(t.scope != "account" for t in plan_for(COFFEE, start=start).calendar)

    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert sorted(names) == sorted(["张敏.ics", "李强.ics", "王芳.ics", "陈磊.ics", "index.csv"])
        index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode("utf-8-sig"))))
        stores = list(csv.DictReader(STORES.open(encoding="utf-8")))
        all_uids = set()
        for entry in index:
            cal = vobject.readOne(zf.read(entry["file"]).decode("utf-8"))
            mine = [s for s in stores if s["owner"] == entry["owner"]]
            events = cal.vevent_list
            groups = sum(int(s["groups"]) for s in mine)
            assert int(entry["groups"]) == groups and int(entry["events"]) == len(events)
            # Issue 11 item 4 changed this on purpose: group events per group, and the
            # owner's moments and 1v1 once for the owner's account (not once per group).
            in_groups = [e for e in events if "x-sidomain-group-id" in e.contents]
            own = [e for e in events if "x-sidomain-group-id" not in e.contents]
            assert len(in_groups) == sum(int(s["groups"]) * tasks(s) for s in mine)
            assert own and len(own) < len(in_groups)
            assert {x_prop(e, "X-SIDOMAIN-STORE-ID") for e in events} == {s["store_id"] for s in mine}
            for e in in_groups:
                gid = x_prop(e, "X-SIDOMAIN-GROUP-ID")
                assert gid.startswith(x_prop(e, "X-SIDOMAIN-STORE-ID") + "-G")
                assert e.summary.value.endswith(f"({gid})")
                assert x_prop(e, "X-SIDOMAIN-ACCOUNT") == entry["owner"]
            for e in own:
                assert x_prop(e, "X-SIDOMAIN-ACCOUNT") == entry["owner"]
                assert e.summary.value.endswith(f"({entry['owner']})")
                assert e.categories.value[0] in ("wecom_moments", "wecom_1v1")
            all_uids |= {e.uid.value for e in events}
            assert entry["owner"] in cal.contents["x-wr-calname"][0].value
        assert len(all_uids) == sum(int(e["events"]) for e in index)


def test_owner_zip_and_folder_are_deterministic_and_refuse_overwrite(capsys, tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    export_ok(capsys, COFFEE, "--stores", STORES, "-o", a)  # .zip → ics
    export_ok(capsys, COFFEE, "--stores", STORES, "-o", b)
    assert a.read_bytes() == b.read_bytes()
    code, _, err = export(capsys, COFFEE, "--stores", STORES, "-o", a)
    assert code == 2 and "--force" in err

    folder = tmp_path / "owners"
    export_ok(capsys, COFFEE, "--stores", STORES, "-f", "ics", "-o", folder)
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    with zipfile.ZipFile(a) as zf:
        assert first == {n: zf.read(n) for n in zf.namelist()}
    code, _, err = export(capsys, COFFEE, "--stores", STORES, "-f", "ics", "-o", folder)
    assert code == 2 and "exists" in err
    export_ok(capsys, COFFEE, "--stores", STORES, "-f", "ics", "-o", folder, "--force")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "b.zip", "owners"]

    # A folder with other files in it is never replaced, even with --force.
    (folder / "notes.docx").write_bytes(b"precious")
    code, _, err = export(capsys, COFFEE, "--stores", STORES, "-f", "ics", "-o", folder,
                          "--force")
    assert code == 2 and "notes.docx" in err
    assert (folder / "notes.docx").read_bytes() == b"precious"


def test_rollout_ics_needs_a_folder_or_zip(capsys, tmp_path):
    code, out, err = export(capsys, COFFEE, "--stores", STORES, "-f", "ics", "-o", "-")
    assert code == 2 and "folder or a .zip" in err
    code, out, err = export(capsys, COFFEE, "--stores", STORES, "-o", tmp_path / "x.ics")
    assert code == 2 and "not a .ics file" in err


def test_rollout_ics_update_bumps_only_changed_events(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    stores = stores_file(tmp_path, SMALL)
    out = tmp_path / "owners.zip"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out)
    before = zipfile.ZipFile(out).read("李强.ics")
    # B1 launches a day later: its events move; 张敏's stores are untouched.
    stores_file(tmp_path, SMALL.replace("2026-12-10", "2026-12-11"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out, "--force")
    with zipfile.ZipFile(out) as zf:
        after = zf.read("李强.ics")
        zhang = vobject.readOne(zf.read("张敏.ics").decode("utf-8"))
    old = {e.uid.value: e for e in vobject.readOne(before.decode("utf-8")).vevent_list}
    new = {e.uid.value: e for e in vobject.readOne(after.decode("utf-8")).vevent_list}
    shared = old.keys() & new.keys()
    assert len(shared) > 0.8 * len(old)
    assert all(new[u].sequence.value == "1" for u in shared)
    assert all(new[u].dtstamp.value == dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
               for u in shared)
    assert {e.sequence.value for e in zhang.vevent_list} == {"0"}


# ---- malformed stores files -------------------------------------------------------------

BAD = [
    ("missing column", "store_id,name,city,groups\nA1,店,上海,2\n", 1, "missing column 'owner'"),
    ("unknown column", "store_id,name,city,owner,groups,lanch_date\nA1,店,上海,张,2,\n", 1,
     "unknown column 'lanch_date'"),
    ("bad groups", HEADER + "A1,店,上海,张,2,,\nA2,店,上海,张,ten,,\n", 3,
     "groups: 'ten' is not a whole number"),
    ("zero groups", HEADER + "A1,店,上海,张,0,,\n", 2, "groups: 0 is not between 1 and"),
    ("duplicate", HEADER + "A1,店,上海,张,2,,\nA2,店,上海,张,2,,\nA1,店,上海,张,2,,\n", 4,
     "duplicate store_id 'A1' (first on line 2)"),
    ("bad date", HEADER + "A1,店,上海,张,2,2026-13-01,\n", 2,
     "launch_date: '2026-13-01' is not a date"),
    ("bad wave", HEADER + "A1,店,上海,张,2,,first\n", 2, "wave: 'first' is not a whole number"),
    ("empty owner", HEADER + "A1,店,上海,,2,,\n", 2, "owner: is empty"),
    ("short row", HEADER + "A1,店,上海,张\n", 2, "row has 4 fields, the header has 7"),
    ("no stores", HEADER, 1, "stores file has a header but no stores"),
]


@pytest.mark.parametrize("case,text,line,message", BAD, ids=[b[0] for b in BAD])
def test_malformed_stores_file_names_the_row(capsys, tmp_path, case, text, line, message):
    stores = stores_file(tmp_path, text)
    out = tmp_path / "x.csv"
    code, stdout, err = export(capsys, COFFEE, "--stores", stores, "-o", out)
    assert code == 2
    assert f"stores.csv:{line}:1: {message}" in err, err
    assert err.count("\n") == 1 and stdout == ""
    assert not out.exists()


def test_gbk_stores_file_gets_a_hint_and_reads_with_encoding(capsys, tmp_path):
    stores = stores_file(tmp_path, SMALL, encoding="gb18030")
    code, _, err = export(capsys, COFFEE, "--stores", stores, "-f", "csv")
    assert code == 2 and "stores.csv:2:1: stores file is not valid utf-8" in err
    assert "--stores-encoding gb18030" in err
    out = export_ok(capsys, COFFEE, "--stores", stores, "-f", "jsonl",
                    "--stores-encoding", "gb18030")
    assert json.loads(out.splitlines()[0])["store_name"] == "一号店"


def test_excel_style_dates_and_bom_are_accepted(capsys, tmp_path):
    stores = stores_file(tmp_path, "\ufeff" + HEADER + "A1,店,上海,张,1,2026/12/5,\n")
    out = export_ok(capsys, COFFEE, "--stores", stores, "-f", "jsonl")
    assert json.loads(out.splitlines()[0])["date"] == "2026-12-05"


def test_missing_stores_file(capsys, tmp_path):
    code, _, err = export(capsys, COFFEE, "--stores", tmp_path / "nope.csv", "-f", "csv")
    assert code == 2 and "nope.csv: stores file not found" in err


def test_old_folder_survives_a_failed_rollout(capsys, tmp_path, monkeypatch):
    from sidomain_cli.errors import TemplateError
    from sidomain_cli.exporters import ics

    folder = tmp_path / "owners"
    export_ok(capsys, COFFEE, "--stores", STORES, "-o", folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real, calls = ics.write_calendar, []

    def fail_on_second_owner(fh, *args, **kw):
        calls.append(1)
        if len(calls) == 2:
            fh.write(b"BEGIN:VCALENDAR\r\n")
            raise TemplateError("template 'x' failed", path="x.j2")
        return real(fh, *args, **kw)

    monkeypatch.setattr(ics, "write_calendar", fail_on_second_owner)
    code, _, err = export(capsys, COFFEE, "--stores", STORES, "-o", folder, "--force",
                          "--start", "2027-01-04")
    assert code == 2 and "x.j2" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["owners"]  # no temporary folder left

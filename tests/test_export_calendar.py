"""Calendars that update, never duplicate (issue 12 item 2): stable identities, SEQUENCE,
STATUS:CANCELLED for what left the plan, VALARM, a stream-read earlier export, and a round
trip through a real CalDAV server (Radicale, started here on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import io
import socket
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import icalendar
import pytest
import vobject

from tests.helpers_plan import plan_for, write_profile
from tests.test_export import COFFEE, export_ok, read_ics, x_prop
from tests.test_export_rollout import SMALL, stores_file


def events_of(raw: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(raw).walk("VEVENT"))


def raw_events(raw: bytes) -> dict[str, bytes]:
    """UID → the event's exact bytes."""
    out = {}
    for chunk in raw.split(b"BEGIN:VEVENT\r\n")[1:]:
        body = chunk.split(b"END:VEVENT\r\n", 1)[0]
        uid = body.split(b"\r\n", 1)[0].removeprefix(b"UID:").decode()
        out[uid] = body
    return out


def status(ev) -> str:
    return str(ev.get("status", "")).upper()


# ---- encoding: the direct escape-and-fold writes icalendar's bytes --------------------

TRICKY = ["", "a", "x" * 66, "x" * 67, "x" * 200, "福" * 30, "a" + "福" * 40, "😀" * 40,
          "a\\" * 50, "a" * 65 + "\\,b", "a" * 64 + "^b" * 10, "\\N and \\n", "a;b,c\\d",
          "行一\n行二\r\n行三\r", "👨‍👩‍👧é" * 20, "x" * 65 + "😀" * 5, "\\" * 80, "^" * 90]


@pytest.mark.parametrize("value", TRICKY)
@pytest.mark.parametrize("name", ["SUMMARY", "DESCRIPTION", "X-SIDOMAIN-GROUP-ID"])
def test_content_line_is_icalendars_bytes(name, value):
    from icalendar.parser import Contentline, Parameters
    from icalendar.prop import vText

    from sidomain_cli.exporters.ics import content_line, text

    want = Contentline.from_parts(name, Parameters(), vText(text(value))).to_ical() + b"\r\n"
    assert content_line(name, value) == want


def test_calendar_head_is_icalendars_bytes():
    from icalendar import Calendar, Timezone
    from icalendar.prop import vText

    from sidomain_cli.exporters.ics import PRODID, calendar_head

    name = "熊猫;咖啡,\\私域SOP · 张敏"
    cal = Calendar()
    for k, v in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                 ("method", "PUBLISH"), ("name", vText(name)), ("x-wr-calname", vText(name)),
                 ("x-wr-timezone", "Asia/Shanghai")):
        cal.add(k, v)
    cal.add_component(Timezone.from_tzid("Asia/Shanghai", first_date=dt.date(2026, 1, 1),
                                         last_date=dt.date(2028, 1, 1)))
    want = cal.to_ical()[:-len(b"END:VCALENDAR\r\n")]
    assert calendar_head(name, "Asia/Shanghai", dt.date(2026, 12, 1), dt.date(2027, 1, 29)) == want


# ---- identity ---------------------------------------------------------------------------

def test_uids_say_what_a_task_is_not_where_it_sits(capsys, tmp_path):
    from sidomain_cli.exporters.ics import event_uid

    a = event_uid("熊猫", "S1", "S1-G01", "node_group", 12, "2026-12-12", "双12")
    assert a == event_uid("熊猫", "S1", "S1-G01", "node_group", 11, "2026-12-12", "双12")
    assert a != event_uid("熊猫", "S1", "S1-G01", "node_group", 12, "2026-12-13", "双12")
    assert a != event_uid("熊猫", "S1", "S1-G02", "node_group", 12, "2026-12-12", "双12")
    assert a != event_uid("熊猫", "S2", "S1-G01", "node_group", 12, "2026-12-12", "双12")
    assert a != event_uid("熊猫X", "S1", "S1-G01", "node_group", 12, "2026-12-12", "双12")
    routine = event_uid("熊猫", None, None, "welcome_gift", 1)
    assert routine == event_uid("熊猫", None, None, "welcome_gift", 1)
    assert routine != event_uid("熊猫", None, None, "welcome_gift", 2)


# ---- re-export: unchanged bytes, SEQUENCE, cancellations ---------------------------------

def test_start_change_cancels_what_left_and_keeps_the_rest(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, b, c = tmp_path / "a.ics", tmp_path / "b.ics", tmp_path / "c.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", a)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    export_ok(capsys, COFFEE, "-f", "ics", "-o", b, "--start", "2026-12-08", "--previous", a)
    old = {str(e["uid"]): e for e in events_of(a.read_bytes())}
    new = {str(e["uid"]): e for e in events_of(b.read_bytes())}
    for raw in (a.read_bytes(), b.read_bytes()):  # each UID once in a file
        assert raw.count(b"\r\nUID:") == len(events_of(raw))
    assert old.keys() <= new.keys(), "every earlier event is in the new file"
    active = {u for u, e in new.items() if status(e) != "CANCELLED"}
    gone = {u for u, e in new.items() if status(e) == "CANCELLED"}
    assert len(active) == len(plan_for(COFFEE, start=dt.date(2026, 12, 8)).calendar)
    assert gone and gone == old.keys() - active
    for u in gone:
        assert new[u]["sequence"] == old[u]["sequence"] + 1
        assert new[u].decoded("dtstamp") > old[u].decoded("dtstamp")
        assert new[u].decoded("dtstart") == old[u].decoded("dtstart")  # the same event
        assert str(new[u]["summary"]) == str(old[u]["summary"])
        assert "X-SIDOMAIN-DIGEST" not in new[u]
    # vobject reads the same thing
    vcal = vobject.readOne(b.read_text(encoding="utf-8"))
    assert sorted(e.uid.value for e in vcal.vevent_list
                  if "status" in e.contents and e.status.value == "CANCELLED") == sorted(gone)

    # Once more with the same input over that file: byte for byte the same (cancelled
    # events are copied as they were, not cancelled again).
    export_ok(capsys, COFFEE, "-f", "ics", "-o", c, "--start", "2026-12-08", "--previous", b)
    assert c.read_bytes() == b.read_bytes()


def test_unchanged_events_keep_their_bytes_when_others_change(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    # the referral offer is quoted on the group calendar (the welcome gift is on the
    # member's own clock now, which the ICS does not carry)
    profile = write_profile(tmp_path, offers={"referral_reward": "老带新双方各得一杯美式"})
    out = tmp_path / "sop.ics"
    export_ok(capsys, profile, "-f", "ics", "-o", out)
    before = raw_events(out.read_bytes())
    write_profile(tmp_path, offers={"referral_reward": "老带新双方各得一张满30减10券"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    export_ok(capsys, profile, "-f", "ics", "-o", out, "--force")
    after = raw_events(out.read_bytes())
    assert after.keys() == before.keys()
    same = [u for u in before if before[u] == after[u]]
    changed = [u for u in before if before[u] != after[u]]
    assert same and changed
    for u in changed:
        assert "满30减10".encode() in after[u].replace(b"\r\n ", b"")
        assert b"SEQUENCE:1\r\n" in after[u] and b"DTSTAMP:20260102T000000Z" in after[u]
    assert b"STATUS:CANCELLED" not in out.read_bytes()


def test_a_task_that_comes_back_is_live_again(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, b, c = tmp_path / "a.ics", tmp_path / "b.ics", tmp_path / "c.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", a)
    export_ok(capsys, COFFEE, "-f", "ics", "-o", b, "--days", "30", "--previous", a)
    export_ok(capsys, COFFEE, "-f", "ics", "-o", c, "--previous", b)
    first = {str(e["uid"]): e for e in events_of(a.read_bytes())}
    mid = {str(e["uid"]): e for e in events_of(b.read_bytes())}
    last = {str(e["uid"]): e for e in events_of(c.read_bytes())}
    back = [u for u, e in mid.items() if status(e) == "CANCELLED"]
    assert back
    assert last.keys() == first.keys()
    for u in back:
        assert status(last[u]) == "" and last[u]["sequence"] == mid[u]["sequence"] + 1
        assert str(last[u]["description"]) == str(first[u]["description"])


def test_alarm_adds_a_valarm_and_counts_as_a_change(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, b = tmp_path / "a.ics", tmp_path / "b.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", a)
    export_ok(capsys, COFFEE, "-f", "ics", "-o", b, "--alarm", "30", "--previous", a)
    evs = events_of(b.read_bytes())
    assert evs and all(len(e.subcomponents) == 1 for e in evs)
    for e in evs:
        alarm = e.subcomponents[0]
        assert alarm.name == "VALARM" and str(alarm["action"]) == "DISPLAY"
        assert alarm.decoded("trigger") == -dt.timedelta(minutes=30)
        assert str(alarm["description"]) == str(e["summary"])
        assert e["sequence"] == 1
    vcal = vobject.readOne(b.read_text(encoding="utf-8"))
    assert all(v.valarm.trigger.value == -dt.timedelta(minutes=30) for v in vcal.vevent_list)
    # a cancelled event keeps no alarm
    c = tmp_path / "c.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", c, "--alarm", "30", "--days", "20",
              "--previous", b)
    gone = [e for e in events_of(c.read_bytes()) if status(e) == "CANCELLED"]
    assert gone and all(not e.subcomponents for e in gone)


def test_alarm_is_ics_only(capsys, tmp_path):
    from tests.test_export import export

    code, _, err = export(capsys, COFFEE, "-f", "csv", "--alarm", "10")
    assert code == 2 and "--alarm" in err


def test_the_earlier_export_is_read_as_a_stream():
    """~100 MB of earlier export through a generator: memory stays a small fraction."""
    from sidomain_cli.exporters.ics import Earlier, read_earlier

    desc = b"DESCRIPTION:" + b"x" * 73
    n = 40_000

    def lines():
        yield b"BEGIN:VCALENDAR\r\n"
        for i in range(n):
            yield b"BEGIN:VEVENT\r\n"
            yield b"UID:uid-%d\r\n" % i
            yield b"DTSTAMP:20261130T160000Z\r\n"
            yield b"SEQUENCE:%d\r\n" % (i % 5)
            yield desc + b"\r\n"
            for _ in range(30):
                yield b" " + b"y" * 73 + b"\r\n"
            yield from (b"BEGIN:VALARM\r\n", b"UID:not-the-event\r\n", b"END:VALARM\r\n")
            yield b"X-SIDOMAIN-DIGEST:%016x\r\n" % i
            yield b"END:VEVENT\r\n"
        yield b"END:VCALENDAR\r\n"

    size = sum(len(x) for x in lines())
    assert size > 90 * 2**20
    tracemalloc.start()
    got = read_earlier(lines())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(got) == n and "not-the-event" not in got
    e = Earlier.unpack(got["uid-7"])
    assert (e.sequence, e.digest, e.cancelled) == (2, 7, False)
    assert e.stamp == int(dt.datetime(2026, 11, 30, 16, tzinfo=dt.timezone.utc).timestamp())
    assert peak < size / 10, (peak, size)


def test_earlier_packing_round_trips():
    from sidomain_cli.exporters.ics import Earlier

    for e in (Earlier(0, 0, 0), Earlier(7, -2208988800, (1 << 64) - 1, True),
              Earlier(3, None, None), Earlier(1 << 20, 32503680000, 12345, False)):
        assert Earlier.unpack(e.pack()) == e


# ---- rollout: owners' files --------------------------------------------------------------

def test_rollout_cancels_a_stores_events_and_an_owner_who_left(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    stores = stores_file(tmp_path, SMALL)
    out = tmp_path / "owners"
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # A2 closes; 李强's only store B1 goes to 张敏.
    stores_file(tmp_path, SMALL.replace("A2,二号店,上海,张敏,1,,2\n", "")
                .replace("杭州,李强", "杭州,张敏"))
    export_ok(capsys, COFFEE, "--stores", stores, "-o", out, "--force")
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(after) == ["index.csv", "张敏.ics", "李强.ics"]
    li = events_of(after["李强.ics"])
    assert li and all(status(e) == "CANCELLED" for e in li)
    assert {str(e["uid"]) for e in li} == {str(e["uid"]) for e in events_of(before["李强.ics"])}
    zhang = events_of(after["张敏.ics"])
    gone = [e for e in zhang if status(e) == "CANCELLED"]
    assert gone and {str(e["x-sidomain-store-id"]) for e in gone} == {"A2"}
    live = {str(e["x-sidomain-store-id"]) for e in zhang if status(e) != "CANCELLED"}
    assert live == {"A1", "B1"}
    index = after["index.csv"].decode("utf-8-sig").splitlines()
    assert index[0] == "owner,file,stores,groups,events,cancelled"
    assert index[2].startswith("李强,李强.ics,0,0,0,") and not index[2].endswith(",0")


# ---- a real CalDAV server ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def radicale(tmp_path):
    port = free_port()
    log = open(tmp_path / "radicale.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", "", "--server-hosts",
         f"127.0.0.1:{port}", "--auth-type", "none", "--rights-type", "authenticated",
         "--storage-filesystem-folder", str(tmp_path / "caldav"), "--logging-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            assert proc.poll() is None, (tmp_path / "radicale.log").read_text()
            assert time.monotonic() < deadline, "Radicale did not start"
            time.sleep(0.1)
        server = CalDAV(port)
        server.request("MKCOL", "/sidomain/")
        server.request("MKCALENDAR", "/sidomain/sop/")
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


class CalDAV:
    """What a calendar app does when it imports an .ics file into a CalDAV calendar: each
    event goes to its UID's resource (PUT replaces it), a cancelled one is removed."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body: bytes = b"", expect=(200, 201, 204)):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers={"Content-Type": "text/calendar"})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        assert resp.status in expect, (method, path, resp.status, data[:500])
        return resp.status, data

    def import_file(self, raw: bytes) -> None:
        cal = icalendar.Calendar.from_ical(raw)
        tz = cal.walk("VTIMEZONE")[0]
        for ev in cal.walk("VEVENT"):
            href = f"/sidomain/sop/{ev['uid']}.ics"
            if status(ev) == "CANCELLED":
                self.request("DELETE", href, expect=(200, 204, 404))
                continue
            one = icalendar.Calendar()
            one.add("prodid", "-//test importer//")
            one.add("version", "2.0")
            one.add_component(tz)
            one.add_component(ev)
            self.request("PUT", href, one.to_ical(), expect=(201, 204))

    def events(self) -> list[icalendar.Event]:
        _, data = self.request("GET", "/sidomain/sop/")
        return events_of(data)


def test_caldav_round_trip_after_a_start_change(capsys, tmp_path, monkeypatch, radicale):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, b = tmp_path / "a.ics", tmp_path / "b.ics"
    export_ok(capsys, COFFEE, "-f", "ics", "-o", a)
    radicale.import_file(a.read_bytes())
    assert len(radicale.events()) == len(plan_for(COFFEE).calendar)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    export_ok(capsys, COFFEE, "-f", "ics", "-o", b, "--start", "2026-12-08", "--previous", a)
    radicale.import_file(b.read_bytes())
    on_server = radicale.events()
    plan = plan_for(COFFEE, start=dt.date(2026, 12, 8))
    tz = dt.timezone(dt.timedelta(hours=8))

    # no duplicate: each task once, at the new plan's time
    def what(e):
        return (str(e["x-sidomain-task"]), e.decoded("dtstart").astimezone(tz).isoformat())
    got = sorted(what(e) for e in on_server)
    want = sorted((t.task, dt.datetime.fromisoformat(f"{t.date}T{t.time}+08:00").isoformat())
                  for t in plan.calendar)
    assert got == want
    # no orphan: what the server has is exactly the new plan's live events
    live = {str(e["uid"]) for e in events_of(b.read_bytes()) if status(e) != "CANCELLED"}
    assert {str(e["uid"]) for e in on_server} == live
    assert all(status(e) != "CANCELLED" for e in on_server)
    # the node days stayed where they were, under their UIDs
    nodes_before = {str(e["uid"]): e.decoded("dtstart") for e in events_of(a.read_bytes())
                    if "x-sidomain-node" in e}
    kept = {str(e["uid"]): e.decoded("dtstart") for e in on_server if str(e["uid"]) in nodes_before}
    assert kept and all(kept[u].date() == nodes_before[u].date() for u in kept)
    # at the same hour too, but on the new first day, where the group's welcome goes first
    # and a node post moves to a later slot of that day (a launch on a node day)
    later = {u: d for u, d in kept.items() if d.date() != dt.date(2026, 12, 8)}
    assert later and all(later[u] == nodes_before[u] for u in later)


def test_every_event_has_the_uid_task_uid_gives_it(capsys, tmp_path):
    """The writer's fast UID (a per-group hash continued per task) is task_uid's."""
    from sidomain_cli.exporters.ics import task_uid
    from tests.test_export import STORES

    out = tmp_path / "owners.zip"
    export_ok(capsys, COFFEE, "--stores", STORES, "-o", out)
    plans = {}
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if not name.endswith(".ics"):
                continue
            for ev in events_of(zf.read(name)):
                start = ev.decoded("dtstart")
                key = (str(ev["x-sidomain-task"]), start.date().isoformat(),
                       start.strftime("%H:%M"))
                plans.setdefault(key, []).append(ev)
    brand = plan_for(COFFEE).brand
    checked = accounts = 0
    for s in [dt.date(2026, 12, 1), dt.date(2026, 12, 8), dt.date(2026, 12, 15),
              dt.date(2026, 12, 20)]:
        for t in plan_for(COFFEE, start=s).calendar:
            for ev in plans.get((t.task, t.date, t.time), []):
                gid = ev.get("x-sidomain-group-id")
                sid = ev.get("x-sidomain-store-id")
                if gid and int(str(ev["x-sidomain-day"])) == t.day:
                    assert str(ev["uid"]) == task_uid(brand, str(sid), str(gid), t)
                    checked += 1
                elif not gid:  # a staff account's event: the account's, by date
                    account = str(ev["x-sidomain-account"])
                    assert str(ev["uid"]) == task_uid(brand, None, None, t, account=account)
                    accounts += 1
    assert checked > 1000 and accounts > 100

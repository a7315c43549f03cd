"""`sidomain export --format wecom`: every line checked against a JSON Schema written from
WeCom's API docs (tests/data/wecom_line.schema.json), and against the plan it comes from."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from sidomain_cli.cli import run
from tests.helpers_plan import EXAMPLES, ROOT, in_quiet, plan_for, write_profile

COFFEE = ROOT / "examples" / "coffee.yaml"
STORES = ROOT / "examples" / "stores.csv"
SCHEMA = json.loads((ROOT / "tests" / "data" / "wecom_line.schema.json").read_text("utf-8"))
MSG = "externalcontact/add_msg_template"
MOMENT = "externalcontact/add_moment_task"
REMINDER = "sidomain/staff_reminder"


def _max_utf8_bytes(validator, limit, instance, schema):
    if isinstance(instance, str) and len(instance.encode("utf-8")) > limit:
        yield jsonschema.ValidationError(f"{len(instance.encode('utf-8'))} UTF-8 bytes > {limit}")


Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                         {"maxUtf8Bytes": _max_utf8_bytes})
VALIDATOR = Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def export(capsys, *args) -> tuple[int, str, str]:
    code = run(["export", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def lines_of(capsys, *args) -> list[dict]:
    code, out, err = export(capsys, *args, "-f", "wecom", "-o", "-")
    assert code == 0, err
    assert out.endswith("\n")
    return [json.loads(line) for line in out.splitlines()]


def assert_valid(lines: list[dict]) -> None:
    assert lines
    for line in lines:
        errors = sorted(VALIDATOR.iter_errors(line), key=lambda e: list(e.path))
        assert not errors, (line, [f"{list(e.path)}: {e.message}" for e in errors])


def local(line: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(line["send_at"])


# ---- the schema itself can fail --------------------------------------------------------

def test_the_schema_refuses_what_wecom_refuses():
    good = {"endpoint": MSG, "send_at": "2026-12-02T11:00:00+08:00", "store_id": "SH001",
            "sender": "张敏", "task": "daily_deal",
            "payload": {"chat_type": "group", "sender": "张敏", "chat_id_list": ["SH001-G01"],
                        "text": {"content": "好" * 1333}}}
    assert VALIDATOR.is_valid(good)

    def bad(**change) -> bool:
        line = json.loads(json.dumps(good))
        line["payload"].update(change)
        return not VALIDATOR.is_valid(line)

    assert bad(text={"content": "好" * 1334})  # 4,002 bytes
    assert bad(chat_id_list=[f"G{i}" for i in range(2001)])
    assert bad(attachments=[{"msgtype": "image", "image": {"media_id": "asset:a.jpg"}}] * 10)
    assert bad(attachments=[{"msgtype": "gif", "gif": {"media_id": "x"}}])
    assert bad(chat_type="broadcast")
    assert bad(content="no such field")
    assert bad(tag_filter={"group_list": [{"tag_list": ["segment:new"]}]})  # group send
    moment = {**good, "endpoint": MOMENT, "payload": {"text": {"content": "好" * 2000}}}
    assert VALIDATOR.is_valid(moment)
    assert not VALIDATOR.is_valid({**moment, "payload": {"text": {"content": "a" * 2001}}})
    mixed = [{"msgtype": "image", "image": {"media_id": "asset:a.jpg"}},
             {"msgtype": "video", "video": {"media_id": "asset:b.mp4"}}]
    assert not VALIDATOR.is_valid({**moment, "payload": {"attachments": mixed}})
    assert not VALIDATOR.is_valid({**good, "send_at": "2026-12-02T11:00:00"})  # no offset


# ---- one store and a chain: every line against the schema and the plan ----------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_line_of_every_example_is_valid(capsys, example):
    assert_valid(lines_of(capsys, example))


def test_one_store_lines_follow_the_plan(capsys):
    lines = lines_of(capsys, COFFEE)
    assert_valid(lines)
    plan = plan_for(COFFEE)
    tz = ZoneInfo(plan.timezone)
    by_slot = defaultdict(list)
    for line in lines:
        by_slot[(line["task"], line["send_at"])].append(line)
    for t in plan.calendar:
        when = dt.datetime.fromisoformat(f"{t.date}T{t.time}").replace(tzinfo=tz).isoformat()
        hits = by_slot[(t.task, when)]
        assert len(hits) == 1, (t, hits)
        line = hits[0]
        assert line["payload"]["text"]["content"] == t.message
        assert line["store_id"] is None
        if t.send == "company_bulk" and t.channel == "wecom_group":
            assert line["endpoint"] == MSG
            assert line["payload"]["chat_type"] == "group"
            assert line["payload"]["chat_id_list"] == ["G01"]
            assert line["sender"] == line["payload"]["sender"] == "owner"
        elif t.send == "company_bulk" and t.channel == "wecom_moments":
            assert line["endpoint"] == MOMENT
            assert line["payload"]["visible_range"]["sender_list"]["user_list"] == ["owner"]
        elif t.send == "staff_reminder":
            assert line["endpoint"] == REMINDER
        elif t.send in ("oa_broadcast", "subscription_message", "sms_batch", "live"):
            assert line["endpoint"] == f"sidomain/{t.send}"
            assert line["sender"] is None
    # the automatic welcomes are configuration, before the first day
    welcomes = {line["endpoint"]: line for line in lines if line["task"].startswith("welcome")}
    assert set(welcomes) == {"externalcontact/group_welcome_template/add",
                             "externalcontact/send_welcome_msg"}
    assert all(local(w).date() < plan.start_date for w in welcomes.values())
    assert welcomes["externalcontact/send_welcome_msg"]["payload"]["welcome_code"]


def test_lifecycle_sends_go_to_each_days_cohort(capsys):
    lines = lines_of(capsys, COFFEE)
    plan = plan_for(COFFEE)
    nudge = next(t for t in plan.lifecycle if t.task == "first_order_nudge")
    sent = [line for line in lines if line["task"] == nudge.task]
    assert len(sent) == plan.days - nudge.offset_day
    for line in sent:
        assert line["endpoint"] == MSG and line["payload"]["chat_type"] == "single"
        (who,) = line["payload"]["external_userid"]
        trigger, joined = who.split(":")[1:3]
        assert trigger == nudge.trigger
        assert local(line).date() - dt.date.fromisoformat(joined) == dt.timedelta(
            days=nudge.offset_day)
        assert local(line).strftime("%H:%M") == nudge.time


def test_a_chain_is_valid_and_each_sender_posts_a_moment_once(capsys):
    lines = lines_of(capsys, COFFEE, "--stores", STORES)
    assert_valid(lines)
    from sidomain_cli.exporters.stores import load_stores

    stores = load_stores(STORES)
    owners = {s.owner for s in stores}
    moments = Counter((line["sender"], line["send_at"], line["task"]) for line in lines
                      if line["endpoint"] == MOMENT)
    assert moments and max(moments.values()) == 1  # 张敏 has two stores: one post, not two
    assert {s for s, _, _ in moments} == owners
    # every group of every store gets each of its plan's group sends exactly once
    groups_of = {s.owner: set() for s in stores}
    for s in stores:
        groups_of[s.owner].update(s.group_ids())
    got = defaultdict(list)
    for line in lines:
        if line["endpoint"] == MSG and line["payload"]["chat_type"] == "group":
            assert line["sender"] == line["payload"]["sender"]
            got[(line["sender"], line["task"], line["send_at"])] += line["payload"]["chat_id_list"]
    for (owner, _, _), ids in got.items():
        assert len(ids) == len(set(ids)) and set(ids) <= groups_of[owner]
    first_store = next(s for s in stores if s.store_id == "SH003")  # 李强's only store
    plan = plan_for(COFFEE, start=first_store.launch_date or plan_for(COFFEE).start_date)
    tz = ZoneInfo(plan.timezone)
    for t in plan.calendar:
        if t.send == "company_bulk" and t.channel == "wecom_group":
            when = dt.datetime.fromisoformat(f"{t.date}T{t.time}").replace(tzinfo=tz).isoformat()
            assert sorted(got[("李强", t.task, when)]) == first_store.group_ids()
    single = {line["store_id"] for line in lines if line["sender"] == "李强"}
    assert single == {"SH003"}


def test_staff_reminders_are_never_mass_sends(capsys):
    from sidomain_cli.exporters.stores import ExportSource, load_stores
    from sidomain_cli.playbook import load_method
    from sidomain_cli.profile import load_profile

    for args in ((COFFEE,), (COFFEE, "--stores", STORES), (ROOT / "examples" / "jeweller.yaml",)):
        lines = lines_of(capsys, *args)
        source = ExportSource(load_profile(args[0]), method=load_method(),
                              stores=load_stores(STORES) if len(args) > 1 else None)
        plans = [source.plan] + [source.plan_for(source.start_of(s)) for s in source.stores or ()]
        tz = ZoneInfo(source.plan.timezone)
        sends = defaultdict(set)  # (task, send_at, text) -> how the plans send it
        lifecycle = {}
        for plan in plans:
            for t in plan.calendar:
                when = dt.datetime.fromisoformat(f"{t.date}T{t.time}").replace(tzinfo=tz)
                sends[(t.task, when.isoformat(), t.message)].add(t.send)
            lifecycle.update({t.task: t.send for t in plan.lifecycle})
        reminded = set()
        for line in lines:
            key = (line["task"], line["send_at"], line["payload"]["text"]["content"])
            how = {lifecycle[line["task"]]} if line["task"] in lifecycle else sends[key]
            if line["endpoint"] in (MSG, MOMENT):
                assert how == {"company_bulk"}, line
            if line["endpoint"] == REMINDER:
                assert how == {"staff_reminder"}, line
                reminded.add(key)
        assert {k for k, how in sends.items() if how == {"staff_reminder"}} <= reminded
        assert any(line["endpoint"] == REMINDER for line in lines)


def test_a_group_send_over_2000_groups_is_split(capsys, tmp_path):
    stores = tmp_path / "stores.csv"
    stores.write_text("store_id,name,city,owner,groups\n"
                      + "".join(f"S{i},店{i},上海,张敏,700\n" for i in range(1, 4)), "utf-8")
    lines = lines_of(capsys, COFFEE, "--stores", stores)
    assert_valid(lines)
    everyone = {f"S{i}-G{n:03d}" for i in range(1, 4) for n in range(1, 701)}
    calls = defaultdict(list)
    for line in lines:
        if line["endpoint"] == MSG and line["payload"]["chat_type"] == "group":
            calls[(line["task"], line["send_at"])].append(line["payload"]["chat_id_list"])
    assert calls
    for parts in calls.values():
        assert [len(p) for p in parts] == [2000, 100]
        ids = [i for p in parts for i in p]
        assert len(ids) == len(set(ids)) and set(ids) == everyone


# ---- limits as the API counts them ------------------------------------------------------

def _long_daily_deal(tmp_path: Path, text: str) -> list:
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "daily_deal.j2").write_text(text, encoding="utf-8")
    return [COFFEE, "--templates", tmp_path / "tpl"]


def test_text_of_4000_bytes_passes_and_4001_is_refused_naming_the_task(capsys, tmp_path):
    ok = lines_of(capsys, *_long_daily_deal(tmp_path, "好" * 1333 + "a"))  # 4,000 bytes
    deals = [line for line in ok if line["task"] == "daily_deal"]
    assert deals and all(len(d["payload"]["text"]["content"].encode()) == 4000 for d in deals)
    assert_valid(deals)
    out = tmp_path / "plan.wecom.jsonl"
    code, stdout, err = export(capsys, *_long_daily_deal(tmp_path, "好" * 1333 + "ab"),
                               "-f", "wecom", "-o", out)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "'daily_deal'" in err and "4,001" in err and "4,000" in err
    assert f"{COFFEE}: task 'daily_deal' (template daily_deal) on " in err
    assert not out.exists()  # nothing half-written


def test_moments_text_is_counted_in_characters(capsys, tmp_path):
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    (tdir / "moments_seed.j2").write_text("好" * 2000, encoding="utf-8")  # 6,000 bytes: fine
    lines = lines_of(capsys, COFFEE, "--templates", tmp_path / "tpl")
    assert_valid([line for line in lines if line["endpoint"] == MOMENT])
    (tdir / "moments_seed.j2").write_text("a" * 2001, encoding="utf-8")
    code, _, err = export(capsys, COFFEE, "--templates", tmp_path / "tpl", "-f", "wecom")
    assert code == 2 and "task 'moments_" in err and "2,001 characters" in err


# ---- time -----------------------------------------------------------------------------

def test_send_at_has_the_profiles_offset_and_keeps_out_of_quiet_hours(capsys, tmp_path):
    prof = write_profile(tmp_path, timezone="America/New_York", start_date="2027-02-20",
                         quiet_hours="21:00-09:30")
    lines = lines_of(capsys, prof)
    assert_valid(lines)
    offsets = Counter(local(line).utcoffset() for line in lines)
    # daylight saving time starts on 2027-03-14: both offsets appear, each on its side
    assert set(offsets) == {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}
    zone = ZoneInfo("America/New_York")
    for line in lines:
        when = local(line)
        assert when.utcoffset() == when.replace(tzinfo=zone).utcoffset()
        assert not in_quiet(when.strftime("%H:%M"), "21:00-09:30"), line


# ---- bytes ------------------------------------------------------------------------------

def test_same_input_same_bytes_and_stdout_equals_the_file(capsys, tmp_path):
    a, b = tmp_path / "a.wecom.jsonl", tmp_path / "b.jsonl"
    assert export(capsys, COFFEE, "--stores", STORES, "-o", a)[0] == 0  # suffix → wecom
    assert export(capsys, COFFEE, "--stores", STORES, "-f", "wecom", "-o", b)[0] == 0
    code, out, _ = export(capsys, COFFEE, "--stores", STORES, "-f", "wecom", "-o", "-")
    assert a.read_bytes() == b.read_bytes() == out.encode("utf-8")
    assert export(capsys, COFFEE, "--stores", STORES, "-o", a)[0] == 2  # no --force


def test_the_writer_writes_exactly_what_json_dumps_writes():
    import io

    from sidomain_cli.exporters import wecom
    from sidomain_cli.exporters.stores import ExportSource, load_stores
    from sidomain_cli.profile import load_profile

    source = ExportSource(load_profile(COFFEE), stores=load_stores(STORES))
    buf = io.BytesIO()
    n = wecom.write(source, buf)
    plain = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in wecom.calls(source))
    assert buf.getvalue().decode("utf-8") == plain
    assert n == plain.count("\n")


# ---- --ids: placeholders mapped to WeCom's ids --------------------------------------------

def test_ids_map_senders_chat_ids_and_tags(capsys, tmp_path):
    ids = tmp_path / "ids.csv"
    ids.write_text("placeholder,id\n张敏,zhangmin\nSH001-G01,wrOgQhDgAAMYQiS5ol9G7g\n"
                   "segment:loyal_high,etLoyalHigh\n", "utf-8")
    before = lines_of(capsys, ROOT / "examples" / "hotpot.yaml", "--stores", STORES)
    after = lines_of(capsys, ROOT / "examples" / "hotpot.yaml", "--stores", STORES,
                     "--ids", ids)
    assert_valid(after)
    assert len(before) == len(after)
    text = json.dumps(after, ensure_ascii=False)
    assert "张敏" not in text and "SH001-G01" not in text and "segment:loyal_high" not in text
    mapped = {"张敏": "zhangmin", "SH001-G01": "wrOgQhDgAAMYQiS5ol9G7g",
              "segment:loyal_high": "etLoyalHigh"}
    for old, new in zip(before, after):  # the same lines, with the mapped values replaced
        shown = json.dumps(old, ensure_ascii=False)
        for k, v in mapped.items():
            shown = shown.replace(f'"{k}"', f'"{v}"')
        assert json.loads(shown) == new
    assert "SH001-G02" in text  # what the file does not map stays a placeholder


def test_a_bad_ids_file_is_one_line_naming_file_and_line(capsys, tmp_path):
    ids = tmp_path / "ids.csv"
    ids.write_text("placeholder,id\n张敏,a\n张敏,b\n", "utf-8")
    code, _, err = export(capsys, COFFEE, "-f", "wecom", "--ids", ids)
    assert code == 2 and err.strip().splitlines() == [
        f"sidomain: error: {ids}:3:1: placeholder '张敏' is mapped twice (first on line 2)"]
    ids.write_text("name,userid\n张敏,a\n", "utf-8")
    code, _, err = export(capsys, COFFEE, "-f", "wecom", "--ids", ids)
    assert code == 2 and f"{ids}:1:1:" in err and "placeholder,id" in err
    code, _, err = export(capsys, COFFEE, "-f", "csv", "--ids", ids)
    assert code == 2 and "--ids" in err


# ---- --assets: attachments as asset references ------------------------------------------

ASSETS_HEAD = "task,msgtype,asset,title,url,desc,appid,page,date\n"


def _assets(tmp_path, *rows: str) -> Path:
    path = tmp_path / "assets.csv"
    path.write_text(ASSETS_HEAD + "".join(r + "\n" for r in rows), "utf-8")
    return path


def test_assets_become_attachments_in_each_endpoints_shape(capsys, tmp_path):
    assets = _assets(tmp_path,
                     "moments_am,image,flatwhite.jpg,,,,,,",
                     "moments_am,image,croissant.jpg,,,,,,",
                     "daily_deal,miniprogram,deal.jpg,今日福利,,,wx0123456789abcdef,pages/deal,",
                     "daily_deal,link,https://example.com/c.jpg,菜单,https://example.com/m,,,,",
                     "welcome_group,link,https://example.com/c.jpg,新人礼,https://example.com/g,,,,",
                     "welcome_friend,image,qr.png,,,,,,",
                     "persona,image,me.jpg,,,,,,2026-12-01")
    lines = lines_of(capsys, COFFEE, "--stores", STORES, "--assets", assets)
    assert_valid(lines)
    text = json.dumps(lines, ensure_ascii=False)
    assert '"media_id": "asset:flatwhite.jpg"' in text and "pic_media_id" in text
    moments = [line for line in lines if line["task"] == "moments_am"]
    assert moments and all([a["image"]["media_id"] for a in m["payload"]["attachments"]]
                           == ["asset:flatwhite.jpg", "asset:croissant.jpg"] for m in moments)
    deals = [line for line in lines if line["task"] == "daily_deal"]
    assert deals and all([a["msgtype"] for a in d["payload"]["attachments"]]
                         == ["miniprogram", "link"] for d in deals)
    (welcome,) = [line for line in lines if line["task"] == "welcome_group"]
    assert welcome["payload"]["link"]["url"] == "https://example.com/g"
    persona = [line for line in lines if line["task"] == "persona"]
    assert {p["send_at"][:10] for p in persona if "attachments" in p["payload"]} == {"2026-12-01"}


@pytest.mark.parametrize("rows, bad_line, words", [
    ([f"daily_deal,image,p{i}.jpg,,,,,," for i in range(10)], 11,
     ["task 'daily_deal'", "10 attachments", "at most 9"]),
    (["moments_am,image,a.jpg,,,,,,", "moments_am,video,b.mp4,,,,,,"], 3,
     ["task 'moments_am'", "never mixed"]),
    (["moments_pm,video,a.mp4,,,,,,", "moments_pm,video,b.mp4,,,,,,"], 3,
     ["task 'moments_pm'", "at most 1 video"]),
    (["moments_am,file,menu.pdf,,,,,,"], 2, ["moments", "not a file"]),
    (["moment_am,image,a.jpg,,,,,,"], 2, ["task 'moment_am' is not in the plan"]),
    (["daily_deal,gif,a.gif,,,,,,"], 2, ["msgtype"]),
    (["daily_deal,link,,标题,,,,,"], 2, ["a link needs url"]),
    (["daily_deal,miniprogram,c.jpg," + "好" * 22 + ",,,wx1,pages/a,"], 2,
     ["title: 66 UTF-8 bytes", "at most 64"]),
])
def test_attachments_over_the_limits_are_refused_at_their_line(capsys, tmp_path, rows,
                                                                bad_line, words):
    assets = _assets(tmp_path, *rows)
    out = tmp_path / "x.wecom.jsonl"
    code, _, err = export(capsys, COFFEE, "--assets", assets, "-o", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"{assets}:{bad_line}:1: " in err
    for w in words:
        assert w in err
    assert not out.exists()


# ---- `sidomain schema wecom-line`: generated from the exporter's types -----------------

def test_the_generated_line_schema_accepts_every_line_and_refuses_broken_ones(capsys, tmp_path):
    assert run(["schema", "wecom-line"]) == 0
    generated = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(generated)
    v = jsonschema.Draft202012Validator(
        generated, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assets = _assets(tmp_path, "moments_am,image,a.jpg,,,,,,", "moments_pm,video,b.mp4,,,,,,",
                     "daily_deal,miniprogram,c.jpg,福利,,,wx1,pages/a,",
                     "welcome_group,image,w.jpg,,,,,,", "welcome_friend,file,menu.pdf,,,,,,")
    lines = lines_of(capsys, COFFEE, "--stores", STORES, "--assets", assets)
    assert {line["endpoint"] for line in lines} >= {MSG, MOMENT, REMINDER,
                                                    "externalcontact/group_welcome_template/add",
                                                    "externalcontact/send_welcome_msg"}
    for line in lines:
        assert v.is_valid(line), (line, [e.message for e in v.iter_errors(line)])
    group = next(line for line in lines if line["endpoint"] == MSG
                 and line["payload"]["chat_type"] == "group")
    moment = next(line for line in lines if line["endpoint"] == MOMENT)

    def broken(line, **change) -> dict:
        out = json.loads(json.dumps(line))
        out["payload"].update(change)
        return out

    for bad in (broken(group, chat_id_list=[f"G{i}" for i in range(2001)]),
                broken(group, attachments=[{"msgtype": "image",
                                            "image": {"media_id": "asset:a"}}] * 10),
                broken(group, text={"content": "a" * 4001}),
                broken(group, tag_filter={"group_list": [{"tag_list": ["t"]}]}),
                broken(group, chatid_list=["SH001-G01"]),
                broken(moment, text={"content": "好" * 2001}),
                broken(moment, attachments=[{"msgtype": "image", "image": {"media_id": "a"}},
                                            {"msgtype": "video", "video": {"media_id": "b"}}]),
                {**group, "endpoint": "externalcontact/add_msg"},
                {**group, "send_at": "2026-12-02 11:00"}):
        assert not v.is_valid(bad)
        assert not VALIDATOR.is_valid(bad)  # the hand-written schema agrees


def test_moments_and_1v1_go_out_from_each_staff_account_within_its_caps(capsys, tmp_path):
    stores = tmp_path / "stores.csv"
    stores.write_text("store_id,name,city,owner,groups,launch_date,staff\n"
                      "SH001,静安店,上海,张敏,4,2026-12-01,小周;小李\n"
                      "SH002,徐汇店,上海,张敏,3,2026-12-08,小周\n", "utf-8")
    lines = lines_of(capsys, ROOT / "examples" / "hotpot.yaml", "--stores", stores)
    assert_valid(lines)
    account = [line for line in lines if line["endpoint"] == MOMENT
               or (line["endpoint"] == MSG and line["payload"]["chat_type"] == "single")]
    assert account and {line["sender"] for line in account} == {"小周", "小李"}
    groups = [line for line in lines if line["endpoint"] == MSG
              and line["payload"]["chat_type"] == "group"]
    assert groups and {line["sender"] for line in groups} == {"张敏"}
    posts = Counter((line["sender"], line["send_at"][:10]) for line in lines
                    if line["endpoint"] == MOMENT)
    slots = Counter((line["sender"], line["send_at"], line["task"]) for line in lines
                    if line["endpoint"] == MOMENT)
    assert max(slots.values()) == 1  # 小周 serves two stores: each post once
    from sidomain_cli.playbook import load_playbook

    cap = load_playbook(plan_for(ROOT / "examples" / "hotpot.yaml").playbook).caps.get(
        "moments_per_day", 3)
    assert max(posts.values()) <= cap
    # 小李 serves SH001 only: their lines name it; 小周's two stores: none
    assert {line["store_id"] for line in account if line["sender"] == "小李"} == {"SH001"}
    assert {line["store_id"] for line in account if line["sender"] == "小周"} == {None}


def test_progress_ticks_add_up_to_the_sources_total(tmp_path):
    import io

    from sidomain_cli.exporters import wecom
    from sidomain_cli.exporters.stores import ExportSource, load_stores
    from sidomain_cli.profile import load_profile

    stores = tmp_path / "stores.csv"
    stores.write_text("store_id,name,city,owner,groups,staff\n"
                      "SH001,静安店,上海,张敏,4,小周;小李\nSH002,徐汇店,上海,张敏,3,\n", "utf-8")
    source = ExportSource(load_profile(COFFEE), stores=load_stores(stores))
    ticks: list[int] = []
    wecom.write(source, io.BytesIO(), progress=ticks.append)
    assert sum(ticks) == source.total_units == 7 + 3  # 7 groups; 小周, 小李 and 张敏

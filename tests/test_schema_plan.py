"""`sidomain schema plan` and `sidomain schema export-row`: JSON Schemas (draft 2020-12) of
sidomain's JSON output, generated from the planner's types (planning/contract.py,
typeschema.py). Real plans and exports validate with the `jsonschema` library; broken
ones are refused; and the serialisers write exactly the keys the schema declares."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys

import jsonschema
import pytest
from hypothesis import given, note, settings

from sidomain_cli.cli import run
from sidomain_cli.exporters.stores import STORE_FIELDS
from sidomain_cli.planning import contract
from sidomain_cli.planning.model import Plan, SopTask
from sidomain_cli.typeschema import Builder, SchemaError, fields_of
from tests.helpers_plan import EXAMPLES, ROOT, plan_json
from tests.test_properties import options, valid_profiles

COFFEE = ROOT / "examples" / "coffee.yaml"
STORES = ROOT / "examples" / "stores.csv"


def schema_of(capsys, kind: str) -> dict:
    assert run(["schema", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def validator(schema: dict) -> jsonschema.Draft202012Validator:
    # formats asserted too: a "date" must be a real date, not only look like one
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def plan_validator():
    return validator(contract.plan_schema())


@pytest.fixture(scope="module")
def coffee_plan() -> dict:
    from sidomain_cli.profile import load_profile
    from sidomain_cli.planning import make_plan

    return json.loads(json.dumps(make_plan(load_profile(COFFEE)).as_dict(), ensure_ascii=False))


def errors(v, data) -> list[str]:
    """Every error, with the branches of an anyOf (a nullable object) spelled out."""
    def leaves(e):
        yield e
        for sub in e.context or ():
            yield from leaves(sub)
    return sorted(f"{'/'.join(map(str, x.absolute_path))}: {x.message}"
                  for e in v.iter_errors(data) for x in leaves(e))


# ---- the command ----------------------------------------------------------------------

def test_schema_plan_is_a_draft_2020_12_schema_and_the_same_bytes_every_time(capsys, tmp_path):
    schema = schema_of(capsys, "plan")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:sidomain:schema:plan"
    out = tmp_path / "plan.schema.json"
    assert run(["schema", "plan", "-o", str(out)]) == 0
    first = out.read_bytes()
    assert json.loads(first) == schema
    assert run(["schema", "plan", "-o", str(out)]) == 2  # never overwrites without --force
    assert "--force" in capsys.readouterr().err
    assert run(["schema", "plan", "-o", str(out), "--force"]) == 0
    assert out.read_bytes() == first


def test_unknown_schema_kind_names_the_kinds(capsys):
    assert run(["schema", "plans"]) == 2
    err = capsys.readouterr().err
    assert "plan" in err and "export-row" in err and "Traceback" not in err


# ---- every example plan validates --------------------------------------------------------

@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("profile", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_plan_validates(profile, locale, capsys, plan_validator):
    plan = plan_json(capsys, profile, "--locale", locale)
    assert plan["locale"] == locale and plan["calendar"]
    assert errors(plan_validator, plan) == []


@pytest.mark.parametrize("profile,opts", [
    ("hotpot", ["--start", "2026-01-20"]),  # 春节 2026: official 补班 days in the window
    ("jeweller", ["--start", "2026-09-20", "--days", "90"]),  # 国庆, 双11, 双12
    ("coffee", ["--start", "2027-01-20", "--locale", "en"]),  # an estimated year (notes)
    ("salon", ["--days", "7"]),
    ("apparel", ["--playbook", "online_counter"]),  # a notice
])
def test_example_plans_with_options_validate(profile, opts, capsys, plan_validator):
    plan = plan_json(capsys, ROOT / "examples" / f"{profile}.yaml", *opts)
    assert errors(plan_validator, plan) == []
    if profile == "hotpot":
        assert plan["workdays"], "the case is meant to cover workdays"
    if "online_counter" in opts:
        assert plan["notice"]


@settings(max_examples=12)  # each is a whole plan; test_properties runs the many
@given(profile=valid_profiles(), opts=options())
def test_any_valid_profile_plans_to_valid_json(tmp_path_factory, plan_validator, profile, opts):
    import yaml

    folder = tmp_path_factory.mktemp("schema")
    path, out = folder / "brand.yaml", folder / "plan.json"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    note(path.read_text(encoding="utf-8"))
    assert run(["plan", str(path), "-f", "json", "-o", str(out), *opts]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert errors(plan_validator, plan) == []


# ---- broken plans are refused -------------------------------------------------------------

def _drop(key):
    return lambda p: p.pop(key)


def _set(path, value):
    def change(p):
        *parents, last = path
        for k in parents:
            p = p[k]
        p[last] = value
    return change


def _del(path):
    def change(p):
        *parents, last = path
        for k in parents:
            p = p[k]
        del p[last]
    return change


BROKEN = {
    "no calendar": (_drop("calendar"), "'calendar' is a required property"),
    "time as a number": (_set(("calendar", 0, "time"), 800), "800 is not of type 'string'"),
    "time past midnight": (_set(("calendar", 0, "time"), "24:10"), "does not match"),
    "unknown channel": (_set(("calendar", 0, "channel"), "wechat_tv"), "is not one of"),
    "unknown send method": (_set(("calendar", 0, "send"), "mass_text"), "is not one of"),
    "extra key at the top": (_set(("summary",), "x"), "Additional properties"),
    "extra key in a row": (_set(("calendar", 0, "colour"), "red"), "Additional properties"),
    "missing field in a row": (_del(("calendar", 0, "task")), "'task' is a required property"),
    "date not ISO": (_set(("calendar", 0, "date"), "2026/12/01"), "does not match"),
    "no such date": (_set(("start_date",), "2026-02-30"), "is not a 'date'"),
    "node kind": (_set(("nodes", 0, "kind"), "birthday"), "is not one of"),
    "node level off": (_set(("nodes", 0, "level"), "off"), "is not one of"),
    "lifecycle trigger": (_set(("lifecycle", 0, "trigger"), "payday"), "is not one of"),
    "forecast week missing gmv": (_del(("forecast", "weeks", 0, "gmv")), "'gmv' is a required"),
    "diagnosis without why": (_del(("diagnosis", "why")), "'why' is a required property"),
    "kpi count as text": (_set(("kpis", 0, "count"), "12"), "is not of type"),
    "adjustment action": (_set(("adjustments", 0, "action"), "dropped"), "is not one of"),
    "notice as a number": (_set(("notice",), 0), "is not valid under any of the given schemas"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_plans_are_refused(case, coffee_plan, plan_validator):
    assert errors(plan_validator, coffee_plan) == []
    change, message = BROKEN[case]
    broken = copy.deepcopy(coffee_plan)
    change(broken)
    found = errors(plan_validator, broken)
    assert found and any(message in e for e in found), found


# ---- the schema follows the serialisers ---------------------------------------------------

def test_as_dict_writes_exactly_the_contract_keys_in_order(coffee_plan):
    assert list(coffee_plan) == list(contract.PlanJSON.__annotations__)


def test_every_plan_field_is_in_the_contract_with_the_same_type():
    """A field added to Plan shows up in the JSON with the type it has; the two the
    serialiser changes are the declared ones."""
    b = Builder(namespace=vars(contract))
    plan = fields_of(Plan, vars(contract))
    out = fields_of(contract.PlanJSON, vars(contract))
    assert set(plan) <= set(out), set(plan) - set(out)
    converted = {"start_date": "date → ISO text", "notice": "'' → null"}
    for name, tp in plan.items():
        if name in converted:
            assert b.schema(tp) != b.schema(out[name])
        else:
            assert b.schema(tp) == b.schema(out[name]), name
    # the keys the serialiser adds are copies of the diagnosis
    added = set(out) - set(plan)
    assert added == {"store_type", "operating_model"}
    assert added <= set(fields_of(contract.Diagnosis))


def test_dict_producers_write_the_declared_keys():
    """Node.as_dict (minus the greeting the plan leaves out), Campaign.as_dict (plus its
    tasks) and the dataclasses' asdict write the keys of their contract types."""
    import datetime as dt

    from sidomain_cli.planning.calendar import Campaign, Node
    from sidomain_cli.planning.pipeline import node_dict

    day = dt.date(2026, 12, 12)
    node = Node(day, "double12", "双12", day, day, "shopping_festival", "commercial", "S")
    assert list(node_dict(node)) == list(contract.NodeJSON.__annotations__)
    camp = {**Campaign(node, (day,), day, ()).as_dict(), "tasks": []}
    assert list(camp) == list(contract.CampaignJSON.__annotations__)
    for cls in (contract.SopTask, contract.LifecycleTask, contract.Adjustment,
                contract.Diagnosis, contract.ChannelShare):
        assert list(fields_of(cls)) == [f.name for f in dataclasses.fields(cls)]


def test_every_declared_key_is_always_written(plan_validator):
    """No key is optional: a consumer can rely on each one (null where it says so)."""
    for name, d in contract.plan_schema()["$defs"].items():
        assert set(d["required"]) == set(d["properties"]), name


def test_a_rule_for_a_field_that_does_not_exist_is_an_error():
    rules = contract.rules()
    rules["SopTask"]["colour"] = {"enum": ["red"]}
    with pytest.raises(SchemaError, match="colour"):
        Builder(rules, namespace=vars(contract)).object(contract.PlanJSON)
    with pytest.raises(SchemaError, match="Nothing"):
        b = Builder({"Nothing": {"x": {}}})
        b.document(b.object(contract.Workday), id="x", title="x")


def test_enums_come_from_the_planner_tables(coffee_plan):
    from sidomain_cli.domain import CHANNELS, SEND_METHODS

    defs = contract.plan_schema()["$defs"]
    assert defs["SopTask"]["properties"]["channel"]["enum"] == list(CHANNELS)
    assert defs["SopTask"]["properties"]["send"]["enum"] == list(SEND_METHODS)
    assert defs["SopTask"]["properties"]["activity"]["type"] == ["string", "null"]
    assert None in defs["SopTask"]["properties"]["activity"]["enum"]


# ---- export rows -------------------------------------------------------------------------

def _rows(path, fmt):
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("stores", [False, True], ids=["one store", "rollout"])
def test_export_rows_validate(fmt, stores, capsys, tmp_path):
    v = validator(schema_of(capsys, "export-row"))
    out = tmp_path / f"x.{fmt}"
    args = ["export", str(COFFEE), "-f", fmt, "-o", str(out)]
    if stores:
        args += ["--stores", str(STORES)]
    assert run(args) == 0, capsys.readouterr().err
    rows = _rows(out, fmt)
    assert rows
    # every 5th row (the rows of a chain repeat per group; validating 2,500 takes 10 s),
    # and every row of the first group and of the first staff account
    first_account = [r for r in rows if r.get("account") and r["group_id"] is None][:300]
    for row in rows[::5] + rows[:300] + first_account:
        assert errors(v, row) == []
    assert ("store_id" in rows[0]) is stores
    if stores:  # a group's rows and a staff account's own rows (moments, 1v1: no group)
        assert {r["group_id"] is None for r in rows} == {True, False}
        assert all(r["account"] for r in rows)


def test_export_rows_out_of_contract_are_refused(capsys, tmp_path):
    v = validator(schema_of(capsys, "export-row"))
    out = tmp_path / "x.jsonl"
    assert run(["export", str(COFFEE), "--stores", str(STORES), "-o", str(out)]) == 0
    row = _rows(out, "jsonl")[0]
    assert errors(v, row) == []
    for change in ({"time": 800}, {"group_id": "SH001"}, {"wave": "1"}, {"extra": 1},
                   {"channel": "fax"}):
        assert errors(v, {**row, **change}), change
    partial = {k: v_ for k, v_ in row.items() if k != "group_id"}
    assert errors(v, partial)
    # a single-store row that keeps one store column is neither kind of row
    single = {k: v_ for k, v_ in row.items() if k not in STORE_FIELDS[1:]}
    assert errors(v, single)


def test_rollout_row_schema_has_the_export_columns_in_order(capsys):
    schema = schema_of(capsys, "export-row")
    rollout = schema["$defs"]["RolloutRow"]["properties"]
    task = schema["$defs"]["SopTask"]["properties"]
    fields = [f.name for f in dataclasses.fields(SopTask)]
    assert list(task) == fields
    assert list(rollout) == list(STORE_FIELDS) + fields


# ---- start-up ----------------------------------------------------------------------------

def test_plan_and_help_do_not_import_the_schema_generator():
    code = ("import sys\n"
            "from sidomain_cli.cli import run\n"
            "for args in (['--help'], ['plan', sys.argv[1], '-f', 'json', '-o', sys.argv[2]]):\n"
            "    try:\n"
            "        run(args)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print(sorted(m for m in ('sidomain_cli.typeschema', 'sidomain_cli.planning.contract',"
            " 'jsonschema') if m in sys.modules))\n")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.run([sys.executable, "-c", code, str(COFFEE), f"{d}/p.json"],
                              capture_output=True, text=True, cwd=d)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"

"""The README stays true: every profile field documented, every example it names exists,
and the commands it shows run."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from sidomain_cli.cli import run
from sidomain_cli.profile import PROFILE_SPEC
from tests.helpers_plan import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(PROFILE_SPEC.fields))
def test_every_profile_field_is_documented(field):
    assert re.search(rf"^\| `{field}` \|", README, re.M), f"README lacks a row for {field}"


def test_named_example_files_exist():
    for name in set(re.findall(r"examples/([\w.-]+\.(?:yaml|csv))", README)):
        assert (ROOT / "examples" / name).exists(), name


def plan_lines():
    block = README.split("## `sidomain plan`", 1)[1].split("```", 2)[1]
    return [line.split("#")[0].strip() for line in block.splitlines()
            if line.startswith("sidomain plan examples/") and "|" not in line]


@pytest.mark.parametrize("line", plan_lines())
def test_plan_examples_in_readme_run(line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    args = shlex.split(line)[1:]
    if "-o" in args:
        args[args.index("-o") + 1] = str(tmp_path / "out")
    assert run(args) == 0, capsys.readouterr().err


def test_hazard_example_in_readme_is_what_sidomain_prints(tmp_path, monkeypatch, capsys):
    """The GBK example of "Hostile and broken input": same message, and the fix works."""
    block = README.split("## Hostile and broken input", 1)[1].split("```console", 1)[1]
    block = block.split("```", 1)[0]
    shown = [line for line in block.splitlines() if line.startswith("sidomain: error:")]
    assert len(shown) == 1
    gbk = tmp_path / "brand-gbk.yaml"
    gbk.write_bytes((ROOT / "examples" / "coffee.yaml").read_text(encoding="utf-8")
                    .encode("gb18030"))
    monkeypatch.chdir(tmp_path)
    assert run(["plan", "brand-gbk.yaml"]) == 2
    assert capsys.readouterr().err.strip() == shown[0]
    assert run(["plan", "brand-gbk.yaml", "--encoding", "gb18030", "-f", "json"]) == 0


def wecom_section() -> str:
    return README.split("### Loading the plan into WeCom", 1)[1].split("\n### ", 1)[0]


def wecom_lines():
    block = wecom_section().split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("|")[0].strip() for line in block.splitlines()
            if line.startswith("sidomain export examples/")]


@pytest.mark.parametrize("line", wecom_lines())
def test_wecom_examples_in_readme_run(line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    args = shlex.split(line)[1:]
    out = args[args.index("-o") + 1]
    if out != "-":
        args[args.index("-o") + 1] = str(tmp_path / out)
    assert run(args) == 0, capsys.readouterr().err
    written = (tmp_path / out).read_text("utf-8") if out != "-" else capsys.readouterr().out
    assert written.count("\n") > 100 and '"endpoint": ' in written


def test_wecom_example_line_in_readme_is_what_sidomain_writes(monkeypatch, capsys):
    shown = wecom_section().split("```json", 1)[1].split("```", 1)[0].strip()
    monkeypatch.chdir(ROOT)
    assert run(["export", "examples/coffee.yaml", "--stores", "examples/stores.csv",
                "-f", "wecom", "-o", "-"]) == 0
    assert shown in capsys.readouterr().out.splitlines()


def test_plan_schema_example_in_readme_runs_and_validates(tmp_path, monkeypatch, capsys):
    """The JSON contract's example: write the schema, plan, validate with jsonschema."""
    import subprocess
    import sys

    block = README.split("### JSON contract (`--format json`)", 1)[1].split("```sh", 1)[1]
    lines = [x.strip() for x in block.split("```", 1)[0].strip().splitlines()]
    assert lines[0] == "sidomain schema plan -o plan.schema.json"
    for path in ("examples", "playbooks", "templates"):
        (tmp_path / path).symlink_to(ROOT / path)
    monkeypatch.chdir(tmp_path)
    for line in lines:
        args = shlex.split(line)
        if args[0] == "sidomain":
            assert run(args[1:]) == 0, capsys.readouterr().err
        else:
            assert args[0] == "python3"
            proc = subprocess.run([sys.executable, *args[1:]], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
    # the check is real: the same command refuses a plan without its calendar
    plan = json.loads((tmp_path / "coffee.json").read_text(encoding="utf-8"))
    del plan["calendar"]
    (tmp_path / "coffee.json").write_text(json.dumps(plan), encoding="utf-8")
    proc = subprocess.run([sys.executable, *shlex.split(lines[-1])[1:]], capture_output=True,
                          text=True)
    assert proc.returncode != 0 and "'calendar' is a required property" in proc.stderr


def test_schema_commands_in_readme_run(tmp_path, capsys):
    shown = set(re.findall(r"^(sidomain schema [\w-]+(?: -o [\w.-]+)?)", README, re.M))
    assert "sidomain schema export-row -o export-row.schema.json" in shown
    for line in sorted(shown):
        args = shlex.split(line)[1:]
        if "-o" in args:
            args[args.index("-o") + 1] = str(tmp_path / args[args.index("-o") + 1])
        assert run(args) == 0, (line, capsys.readouterr().err)

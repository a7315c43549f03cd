"""`sidomain lint`, `sidomain rules` and `sidomain schema` through the CLI: every output
format, exit code and filter; SARIF validated against the SARIF 2.1.0 schema; the
built-in playbooks, templates and examples kept clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sidomain_cli.cli import run
from tests.helpers_plan import ROOT

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

BAD_PLAYBOOK = """\
kind: playbook
id: mine
name: 我的剧本
days: 30
channels: {wecom_group: {role: 社群, weight: 1, max_per_day: 5, disturbance: medium}}
phases: [{id: retention, days: [1, 30], north_star: [group_retention_7d]}]
offers: {first_order: "全网最低价首单"}
tasks:
  - {id: late, every: 1, time: "23:30", channel: wecom_group, action: 夜宵, template: daily_deal}
  - {id: gone, days: [45], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gfit}
"""
# (line, column, code) of each finding in BAD_PLAYBOOK
EXPECTED = [(7, 24, "C001"), (9, 32, "P002"), (10, 23, "P001"), (10, 87, "T001")]


@pytest.fixture()
def bad(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(BAD_PLAYBOOK, encoding="utf-8")
    return path


def lint(capsys, *args):
    code = run(["lint", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# ---- text -------------------------------------------------------------------------------

def test_text_format_lines_and_exit_1(bad, capsys):
    code, out, _ = lint(capsys, bad, "--format", "text")
    assert code == 1
    lines = out.splitlines()
    found = [tuple(re.match(r".*mine\.yaml:(\d+):(\d+): (\w+) ", line).groups())
             for line in lines[:-1]]
    assert [(int(a), int(b), c) for a, b, c in found] == EXPECTED
    assert lines[0].startswith(f"{bad}:7:24: C001 '全网最低' is an absolute claim")
    assert lines[-1] == "Found 4 problems (3 errors, 1 warning) in 1 file."
    assert "\x1b[" not in out  # not a terminal: no colour


def test_text_colour_on_request(bad, capsys):
    code, out, _ = lint(capsys, bad, "--format", "text", "--color")
    assert code == 1 and "\x1b[1;31mC001\x1b[0m" in out and "\x1b[1;33mP002\x1b[0m" in out


def test_clean_exit_0(tmp_path, capsys):
    (tmp_path / "ci.yaml").write_text("on: push\njobs: {}\n")  # not ours: skipped
    code, out, _ = lint(capsys, tmp_path, "--format", "text")
    assert code == 0 and out == "All checks passed (0 files).\n"


# ---- json / github / sarif --------------------------------------------------------------

def test_json_format(bad, capsys):
    code, out, _ = lint(capsys, bad, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert [(d["line"], d["column"], d["code"]) for d in data] == EXPECTED
    assert set(data[0]) == {"path", "line", "column", "code", "severity", "message", "hint"}
    assert data[1]["severity"] == "warning" and data[1]["hint"].startswith("the planner moves")


def test_github_format(bad, capsys):
    code, out, _ = lint(capsys, bad, "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"::error file={bad},line=7,col=24,title=C001::C001 '全网最低'")
    assert lines[1].startswith(f"::warning file={bad},line=9,col=32,title=P002::")
    assert len(lines) == 4


def test_github_escapes_newlines_and_separators(capsys):
    from sidomain_cli.errors import Problem
    from sidomain_cli.lint.core import LintResult
    from sidomain_cli.lint.formats import FORMATS

    # A Problem writes a line break in its message as the two characters \n (one finding,
    # one line); a path keeps its own, and the github format escapes it.
    r = LintResult([Problem("a,b:c\n.yaml", 1, 2, "S003", "error", "x\ny 100%")], [], 1)
    assert FORMATS["github"]().render(r) == \
        "::error file=a%2Cb%3Ac%0A.yaml,line=1,col=2,title=S003::S003 x\\ny 100%25\n"


def test_auto_format_is_github_inside_actions(bad, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out, _ = lint(capsys, bad)
    assert out.startswith("::error file=")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    _, out, _ = lint(capsys, bad)
    assert out.startswith(f"{bad}:7:24: C001")


def _sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_is_valid_sarif_2_1_0(bad, tmp_path, capsys):
    out_file = tmp_path / "lint.sarif"
    code, out, _ = lint(capsys, bad, "--format", "sarif", "--output", out_file)
    assert code == 1 and out == ""
    log = json.loads(out_file.read_text(encoding="utf-8"))
    errors = sorted(_sarif_validator().iter_errors(log), key=str)
    assert not errors, errors[0]
    assert log["version"] == "2.1.0"
    run0 = log["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["C001", "P001", "P002", "T001"]
    got = [(r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"], r["ruleId"])
           for r in run0["results"]]
    assert got == EXPECTED
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run0["results"])
    assert run0["results"][1]["level"] == "warning"


def test_sarif_clean_run_is_valid(tmp_path, capsys):
    code, out, _ = lint(capsys, tmp_path, "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    assert not list(_sarif_validator().iter_errors(log)) and log["runs"][0]["results"] == []


def test_sarif_validator_rejects_a_broken_log():
    """The schema check is real: a result without a message is refused."""
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                         "results": [{"ruleId": "C001"}]}]}
    assert list(_sarif_validator().iter_errors(log))


# ---- select / ignore / disable / exit-zero -------------------------------------------------

def codes(out: str) -> list[str]:
    return [d["code"] for d in json.loads(out)]


def test_select_by_code_and_prefix(bad, capsys):
    assert codes(lint(capsys, bad, "-f", "json", "--select", "P")[1]) == ["P002", "P001"]
    assert codes(lint(capsys, bad, "-f", "json", "--select", "t001,C")[1]) == ["C001", "T001"]
    assert codes(lint(capsys, bad, "-f", "json", "--select", "P001", "--select", "T")[1]) == \
        ["P001", "T001"]


def test_ignore_by_code_and_prefix(bad, capsys):
    assert codes(lint(capsys, bad, "-f", "json", "--ignore", "P")[1]) == ["C001", "T001"]
    code, out, _ = lint(capsys, bad, "-f", "json", "--select", "P", "--ignore", "P001,P002")
    assert code == 0 and codes(out) == []


def test_unknown_selector_is_a_usage_error(bad, capsys):
    code, _, err = lint(capsys, bad, "--select", "X1")
    assert code == 2 and "'X1' matches no rule" in err


def test_inline_disable_comments(tmp_path, capsys):
    text = BAD_PLAYBOOK.replace('"全网最低价首单"}', '"全网最低价首单"}  # sidomain: disable=C001')
    text = text.replace("  - {id: gone", "  # sidomain: disable=P001,T\n  - {id: gone")
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    code, out, _ = lint(capsys, tmp_path / "mine.yaml", "-f", "json")
    assert code == 1 and codes(out) == ["P002"]  # other lines and codes still reported
    text = text.replace('template: daily_deal}', 'template: daily_deal}  # sidomain: disable')
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    assert lint(capsys, tmp_path / "mine.yaml", "-f", "json")[0] == 0


def test_disable_in_a_template_uses_a_jinja_comment(tmp_path, capsys):
    d = tmp_path / "templates" / "zh-CN"
    d.mkdir(parents=True)
    (d / "a.j2").write_text("{{ brand }}顶级好物\n{{ brand }}顶级服务 {# sidomain: disable=C001 #}\n",
                            encoding="utf-8")
    code, out, _ = lint(capsys, tmp_path, "-f", "json")
    assert code == 1 and [(p["line"], p["code"]) for p in json.loads(out)] == [(1, "C001")]


def test_exit_zero(bad, capsys):
    code, out, _ = lint(capsys, bad, "--exit-zero", "-f", "json")
    assert code == 0 and len(json.loads(out)) == 4


def test_bulk_cap_option(tmp_path, capsys):
    (tmp_path / "pb.yaml").write_text(BAD_PLAYBOOK.replace(
        "days: 30\n", "days: 30\ncaps: {company_bulk_per_day: 2}\n"), encoding="utf-8")
    assert "P006" in codes(lint(capsys, tmp_path, "-f", "json", "--select", "P006")[1])
    assert codes(lint(capsys, tmp_path, "-f", "json", "--select", "P006",
                      "--bulk-cap", "2")[1]) == []


# ---- exit 2: usage and unreadable input -------------------------------------------------

def test_missing_path_exits_2(tmp_path, bad, capsys):
    code, out, err = lint(capsys, bad, tmp_path / "nope.yaml", "-f", "text")
    assert code == 2
    assert "nope.yaml: no such file or folder" in err
    assert "C001" in out  # what could be read is still reported


def test_unreadable_input_exits_2(tmp_path, capsys):
    (tmp_path / "bin.yaml").write_bytes(b"brand: \x00\x01\x02")
    (tmp_path / "gbk.yaml").write_bytes("brand: 熊猫咖啡\nindustry: 咖啡\n".encode("gb18030"))
    code, _, err = lint(capsys, tmp_path)
    assert code == 2 and "bin.yaml" in err and "gbk.yaml" in err and "UTF-8" in err


def test_malformed_yaml_is_a_finding_not_a_crash(tmp_path, capsys):
    (tmp_path / "pb.yaml").write_text("kind: playbook\ntasks: [\n", encoding="utf-8")
    code, out, _ = lint(capsys, tmp_path, "-f", "json")
    assert code == 1 and codes(out) == ["S000"]


def test_bad_format_and_options_exit_2(bad, capsys):
    assert lint(capsys, bad, "--format", "xml")[0] == 2
    assert lint(capsys, bad, "--quiet-hours", "25:00-08:00")[0] == 2
    assert lint(capsys, bad, "--locale", "fr")[0] == 2
    assert lint(capsys, bad, "--terms", bad.parent / "none.yaml")[0] == 2


def test_broken_terms_file_exits_2(bad, tmp_path, capsys):
    terms = tmp_path / "terms.yaml"
    terms.write_text("kind: compliance\nterms: [{trem: 秒杀}]\n", encoding="utf-8")
    code, _, err = lint(capsys, bad, "--terms", terms)
    assert code == 2 and "unknown key 'trem'" in err


def test_not_a_yaml_file_exits_2(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hi")
    assert lint(capsys, tmp_path / "notes.txt")[0] == 2


# ---- discovery and kinds ------------------------------------------------------------------

def test_kinds_by_content_not_name(tmp_path, capsys):
    (tmp_path / "brand.yml").write_text("brand: x\nindustry: coffee\nbrnad: y\n")
    (tmp_path / "weird-name.yaml").write_text(BAD_PLAYBOOK.replace("days: 30", "days: 30\nfoo: 1"))
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / "k8s.yaml").write_text("kind: Deployment\nmetadata: {name: x}\n")
    hidden = tmp_path / ".github"
    hidden.mkdir()
    (hidden / "ci.yaml").write_text("brand: x\nindustry: y\n")
    code, out, _ = lint(capsys, tmp_path, "-f", "json", "--select", "S003")
    found = {(Path(d["path"]).name, d["line"]) for d in json.loads(out)}
    assert found == {("brand.yml", 3), ("weird-name.yaml", 5)}


def test_default_path_is_the_current_folder(tmp_path, bad, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = lint(capsys, "-f", "json")
    assert code == 1 and {d["path"] for d in json.loads(out)} == {"mine.yaml"}


def test_builtins_and_examples_lint_clean(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = lint(capsys, "playbooks", "templates", "examples", "-f", "text")
    assert code == 0, out + err
    n = int(re.search(r"\((\d+) files\)", out).group(1))
    expected = (len(list((ROOT / "templates").rglob("*.j2")))
                + len(list((ROOT / "examples").glob("*.yaml")))
                + len([p for p in (ROOT / "playbooks").glob("*.yaml")
                       if p.stem not in ("holidays_cn", "copy_rules")])
                + len(list((ROOT / "playbooks" / "industries").glob("*.yaml"))))
    assert n == expected  # every built-in file was checked (industry packs too), none skipped


def test_template_variables_match_what_the_planner_renders(monkeypatch):
    """planner.TEMPLATE_VARIABLES (used by T003) is exactly the context plan renders with."""
    import sidomain_cli.render as render
    from sidomain_cli.planning import TEMPLATE_VARIABLES, make_plan
    from sidomain_cli.profile import load_profile

    seen: set[str] = set()
    real = render.render_template

    def spy(tmpl, name, context):
        seen.update(context)
        return real(tmpl, name, context)

    monkeypatch.setattr(render, "render_template", spy)
    make_plan(load_profile(ROOT / "examples" / "coffee.yaml"))
    assert seen == set(TEMPLATE_VARIABLES)


# ---- rules and schema ------------------------------------------------------------------------

def test_rules_lists_every_rule(capsys):
    from sidomain_cli.lint.rules import TABLE

    assert run(["rules"]) == 0
    out = capsys.readouterr().out
    for code in TABLE:
        assert re.search(rf"^  {code}  \S", out, re.M), code


def test_rules_code_shows_its_docs(capsys):
    assert run(["rules", "p003"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("P003 too-many-moments (warning; checks: playbook)")
    for section in ("What it does", "Why it matters", "Failing example", "Passing example"):
        assert section in out
    assert run(["rules", "C"]) == 0 and "C001" in capsys.readouterr().out
    assert run(["rules", "P0003"]) == 2
    assert "did you mean P003" in capsys.readouterr().err


@pytest.mark.parametrize("kind,files", [
    ("profile", sorted((ROOT / "examples").glob("*.yaml"))),
    ("playbook", [p for p in sorted((ROOT / "playbooks").glob("*.yaml"))
                  if p.stem not in ("method", "holidays_cn", "copy_rules")]),
    ("method", [ROOT / "playbooks" / "method.yaml"]),
    ("terms", [ROOT / "sidomain_cli" / "lint" / "banned_terms.yaml"]),
])
def test_schema_is_valid_json_schema_and_accepts_the_builtins(kind, files, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    assert run(["schema", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for f in files:
        # as an editor sees it: dates are text
        data = yaml.load(f.read_text(encoding="utf-8"), Loader=_TextDates)
        errors = list(validator.iter_errors(data))
        assert not errors, (f.name, errors[0].message)


def test_schema_rejects_what_lint_rejects(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    run(["schema", "playbook"])
    validator = jsonschema.Draft7Validator(json.loads(capsys.readouterr().out))
    import yaml

    data = yaml.safe_load(BAD_PLAYBOOK.replace("channel: wecom_group, action: 夜宵",
                                               "chanel: wecom_group, action: 夜宵"))
    assert any("chanel" in e.message for e in validator.iter_errors(data))


def test_schema_unknown_kind_and_output_file(tmp_path, capsys):
    assert run(["schema", "brand"]) == 2
    out = tmp_path / "p.json"
    assert run(["schema", "profile", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["title"].startswith("sidomain brand profile")
    assert run(["schema", "profile", "-o", str(out)]) == 2  # exists, no --force


class _TextDates(__import__("yaml").SafeLoader):
    pass


_TextDates.add_constructor("tag:yaml.org,2002:timestamp",
                           lambda loader, node: loader.construct_scalar(node))


# ---- help teaches ---------------------------------------------------------------------------

def test_help_has_examples_and_exit_codes(capsys):
    assert run(["lint", "--help"]) == 0
    out = capsys.readouterr().out
    assert "sidomain lint --format sarif -o lint.sarif" in out
    assert "  2  usage error or an input that cannot be read" in out


def test_pre_commit_hook_definition():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "sidomain-lint")
    assert hook["entry"] == "sidomain lint" and hook["language"] == "python"
    assert re.search(hook["files"], "playbooks/mine.yaml") and re.search(hook["files"], "a/b.j2")


def test_readme_documents_every_rule():
    from sidomain_cli.lint.rules import TABLE, all_rules

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## `sidomain lint`")[1]
    for code in TABLE:
        assert f"| `{code}` | {all_rules()[code].name} |" in section, code


def test_report_file_is_replaced_only_with_force(bad, tmp_path, capsys):
    report = tmp_path / "lint.sarif"
    report.write_text("an earlier report\n", encoding="utf-8")
    code, out, err = lint(capsys, bad, "--format", "sarif", "-o", report)
    assert code == 2 and "exists" in err and "--force" in err
    assert report.read_text(encoding="utf-8") == "an earlier report\n"
    code, out, err = lint(capsys, bad, "--format", "sarif", "-o", report, "--force")
    assert code == 1 and out == ""
    assert json.loads(report.read_text(encoding="utf-8"))["version"] == "2.1.0"

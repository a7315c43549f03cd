"""Templates cannot escape (issue 5 §3): each attack through the path a stranger uses.

A stranger's playbook names a template that lives in the stranger's template folder:

    stranger/playbook.yaml              (one moments task, template: evil)
    stranger/templates/zh-CN/evil.j2    (the attack)
    stranger/templates/en/evil.j2

and a user runs ``sidomain plan brand.yaml --playbook stranger/playbook.yaml --templates
stranger/templates`` (exit 2, one message naming the template file and what was refused,
no traceback, nothing on stdout) or ``sidomain lint stranger/`` (which compiles every
template and renders the moments task's: it must not crash, hang or leak either).

Runaway work is run in a child process with a 1 GiB address-space limit and a time
limit, so a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sidomain_cli.cli import run
from tests.helpers_plan import ROOT

COFFEE = ROOT / "examples" / "coffee.yaml"
SECRET = "SECRET-7f3a-do-not-print"
LEAKS = ("<class", "<module", "<function", "<built-in", "jinja2.", SECRET)

PLAYBOOK = """\
kind: playbook
id: stranger
name: 陌生人剧本
days: 30
key_days: [1]
channels:
  wecom_group: {role: 社群, weight: 0.5, max_per_day: 4, disturbance: medium}
  wecom_moments: {role: 朋友圈, weight: 0.5, max_per_day: 3, disturbance: weak}
phases: [{id: retention, days: [1, 30], north_star: [group_retention_7d]}]
tasks:
  - {id: post, days: [1], time: "10:00", channel: wecom_moments, action: 发圈, template: evil}
"""


def stranger(tmp_path: Path, source: str) -> Path:
    """A stranger's playbook folder whose only template is ``source``; secrets nearby."""
    root = tmp_path / "stranger"
    for locale in ("zh-CN", "en"):
        (root / "templates" / locale).mkdir(parents=True)
        (root / "templates" / locale / "evil.j2").write_text(source, encoding="utf-8")
    (root / "playbook.yaml").write_text(PLAYBOOK, encoding="utf-8")
    # what '../' names would reach, each a valid template name if it were allowed
    (root / "secret.j2").write_text(SECRET, encoding="utf-8")
    (root / "templates" / "secret.j2").write_text(SECRET, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.j2").write_text(SECRET, encoding="utf-8")
    return root


def cli(capsys, *args) -> tuple[int, str, str]:
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def plan_stranger(capsys, root: Path) -> tuple[int, str, str]:
    return cli(capsys, "plan", COFFEE, "--playbook", root / "playbook.yaml",
               "--templates", root / "templates", "--format", "json")


def assert_refused(code: int, out: str, err: str, *, says: str) -> None:
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    assert err.count("\n") == 1, err  # one message
    assert "evil.j2" in err, err      # names the template file
    assert says in err, err           # and what was refused
    for leak in LEAKS:
        assert leak not in out + err


def assert_lint_safe(capsys, root: Path, limit: float = 60.0) -> str:
    # a hang guard, not a speed assertion: lint takes well under a second, but 2.06 s was
    # measured against the former 2 s limit on this loaded 2-core machine
    t0 = time.perf_counter()
    code, out, err = cli(capsys, "lint", root, "--format", "json")
    assert time.perf_counter() - t0 < limit
    # 0/1: findings; 2 only for the refusal of a file whose path leads out of the tree (F18:
    # lint reads nothing outside the folder it was given)
    assert code in (0, 1) or (code == 2 and "leads out of" in err), err
    assert "Traceback" not in err and "internal error" not in err
    assert SECRET not in out + err and "<class" not in out + err
    return out if code != 2 else '"code": "T005" (refused: ' + err + ")"


# ---- 1. Python internals --------------------------------------------------------------

INTERNALS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ brand.__class__ }}",
    "{{ ''.format.__globals__ }}",
    "{{ 'a'.__add__('b') }}",
    "{{ (1).__pow__ }}",
    "{{ brand|attr('__class__') }}",
    "{{ [brand]|map(attribute='__class__')|list }}",
    "{{ [brand]|groupby('__class__') }}",
    "{{ '{0.__class__}'.format(brand) }}",
    "{{ '{0.__class__.__mro__}'.format(brand) }}",
    "{{ '{0[__class__]}'.format(offers) }}",
    "{{ '{0.__init__.__globals__}'.format(offers) }}",
    "{{ '%s'|format(brand.__class__) }}",
    "{{ '%s'|format(lipsum.__globals__) }}",
]


@pytest.mark.parametrize("source", INTERNALS)
def test_python_internals_are_out_of_reach(capsys, tmp_path, source):
    root = stranger(tmp_path, source + "\n")
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says="unsafe")
    assert "access to attribute '_" in err  # the sandbox's own refusal, not a side effect
    assert '"code": "T005"' in assert_lint_safe(capsys, root)  # lint refuses it too


# Printing a function, class or Jinja object (its repr names classes and addresses) is
# refused too, however it is turned into text.
OBJECTS = ["{{ cycler }}", "{{ lipsum }}", "{{ self }}", "{{ offers.items }}",
           "{{ '{0!r}'.format(cycler) }}", "{{ '%r'|format(joiner) }}", "{{ '%s' % namespace }}",
           "{{ cycler|string }}", "{{ range|trim }}", "{{ 'x' ~ cycler }}",
           "{{ [cycler]|join }}"]


@pytest.mark.parametrize("source", OBJECTS)
def test_functions_classes_and_jinja_objects_are_not_printed(capsys, tmp_path, source):
    root = stranger(tmp_path, source)
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says="a template prints text and numbers")


def test_a_template_cannot_change_the_data_other_messages_see(capsys, tmp_path):
    root = stranger(tmp_path, "{{ offers.update({'welcome_gift': 'pwned'}) }}")
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says="access to attribute 'update' of 'dict' object is unsafe")


# ---- 2. Include / extend / import outside the template folders -----------------------

ESCAPES = [
    "{% include '../../secret' %}",
    "{% include '../secret.j2' %}",
    "{% include '/etc/passwd' %}",
    "{% include 'ABSOLUTE' %}",
    "{% extends '../../secret' %}",
    "{% extends '..\\\\secret' %}",
    "{% import 'C:/secret' as m %}{{ m }}",
    "{% from '../../secret' import x %}{{ x }}",
    "{% include 'secret\\x00' %}",
    "{% include 'leak' %}",            # a symlink to a file outside
    "{% include 'shared/secret' %}",   # a symlinked folder outside
    "{% include ['../../secret', 'shared/secret'] %}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_no_template_from_outside_the_template_folders(capsys, tmp_path, source):
    root = stranger(tmp_path, "")
    outside = tmp_path / "outside"
    for locale in ("zh-CN", "en"):
        here = root / "templates" / locale
        (here / "leak.j2").symlink_to(outside / "secret.j2")
        (here / "shared").symlink_to(outside, target_is_directory=True)
        (here / "loop").symlink_to(here, target_is_directory=True)  # a loop, for list_templates
        (here / "evil.j2").write_text(source.replace("ABSOLUTE", str(outside / "secret.j2")),
                                      encoding="utf-8")
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says="which is not a template in the template folders")
    assert SECRET not in out + err
    assert '"code": "T005"' in assert_lint_safe(capsys, root)  # lint refuses it too


def test_a_template_that_is_itself_a_link_out_is_not_found(capsys, tmp_path):
    root = stranger(tmp_path, "")
    for locale in ("zh-CN", "en"):
        evil = root / "templates" / locale / "evil.j2"
        evil.unlink()
        evil.symlink_to(tmp_path / "outside" / "secret.j2")
    code, out, err = plan_stranger(capsys, root)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "template 'evil' not found" in err and SECRET not in err
    out = assert_lint_safe(capsys, root)
    # lint agrees: the template is not there for it either (T001), or it refuses the link
    # out of the tree outright (F18)
    assert "T001" in out or "leads out of" in out


def test_links_that_stay_inside_the_folder_still_work(capsys, tmp_path):
    root = stranger(tmp_path, "{% include 'parts/sign' %}")
    for locale in ("zh-CN", "en"):
        here = root / "templates" / locale
        (here / "real").mkdir()
        (here / "real" / "sign.j2").write_text("—— {{ brand }}", encoding="utf-8")
        (here / "parts").symlink_to(here / "real", target_is_directory=True)
    code, out, err = plan_stranger(capsys, root)
    assert code == 0, err
    assert {t["message"] for t in json.loads(out)["calendar"]} == {"—— 熊猫咖啡"}


def test_a_user_template_may_shadow_a_built_in_one(capsys, tmp_path):
    """A feature, not an escape: the user's folder comes first."""
    tdir = tmp_path / "tpl" / "zh-CN"
    tdir.mkdir(parents=True)
    # the user's general pool wins over the built-in one and over the coffee pack's own
    (tdir / "daily_deal.j2").write_text("USER-DEAL {{ brand }}", encoding="utf-8")
    code, out, err = cli(capsys, "plan", COFFEE, "--templates", tmp_path / "tpl", "-f", "json")
    assert code == 0, err
    cal = json.loads(out)["calendar"]
    mine = [t for t in cal if t["template"] == "daily_deal"]
    assert mine and all(t["message"] == "USER-DEAL 熊猫咖啡" for t in mine)
    assert any(t["template"] != "daily_deal" and "USER" not in t["message"] for t in cal)


# ---- broken template files ------------------------------------------------------------

@pytest.mark.parametrize("source, says", [
    ("{{ 1" + "0" * 5000 + " }}", "template cannot be compiled: Exceeds the limit"),
    ("{{ " + "(" * 1000 + "1" + ")" * 1000 + " }}", "nested too deeply"),
    ("{% if brand %}" * 2, "Unexpected end of template"),
], ids=["5000-digit-number", "1000-nested-brackets", "unclosed-if"])
def test_a_template_python_cannot_compile_is_a_syntax_error(capsys, tmp_path, source, says):
    root = stranger(tmp_path, source)
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says=says)
    out = assert_lint_safe(capsys, root)
    assert "T002" in out


def test_a_huge_or_non_utf8_template_is_refused_before_use(capsys, tmp_path):
    from sidomain_cli.render import MAX_TEMPLATE_BYTES

    root = stranger(tmp_path, "x" * (MAX_TEMPLATE_BYTES + 1))
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says=f"a template may have {MAX_TEMPLATE_BYTES:,}")
    for locale in ("zh-CN", "en"):
        (root / "templates" / locale / "evil.j2").write_bytes("福利 {{ brand }}".encode("gb18030"))
    code, out, err = plan_stranger(capsys, root)
    assert_refused(code, out, err, says="not UTF-8")


# ---- 3. Runaway work ------------------------------------------------------------------

RUNAWAY = {
    "range-1e9": ("{% for i in range(10**9) %}x{% endfor %}", "range() of 1,000,000,000"),
    "str-times-1e9": ("{{ 'x' * 10**9 }}", "a str repeated 1,000,000,000 times"),
    "list-times-1e9": ("{{ [1] * 10**9 }}", "a list repeated 1,000,000,000 times"),
    "power-10-10-10": ("{{ 10**10**10 }}", "far bigger than a message needs"),
    "power-10-(10-10)": ("{{ 10**(10**10) }}", "far bigger than a message needs"),
    "recursive-macro": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursed too deeply"),
    "binary-macro": ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}"
                     "{{ f(60) }}", "loop steps, calls and includes"),
    "binary-include": ("{% include 'evil' %}{% include 'evil' %}", "recursed too deeply"),
    "recursive-loop": ("{% for x in [1] recursive %}{{ loop(range(10000)) }}{% endfor %}",
                       "recursed too deeply"),
    "nested-100000": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                      "{% endfor %}", "range() of 100,000"),
    "nested-10000": ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}"
                     "{% endfor %}", "loop steps, calls and includes"),
    "slow-steps": ("{% for i in range(10000) %}{% if range(10000)|map('string')|sort|first %}"
                   "{% endif %}{% endfor %}", "ran longer than"),
    "percent-star": ("{{ '%*d'|format(10**9, 1) }}", "'*' width"),
    "percent-width": ("{{ '%1000000000d' % 1 }}", "the formatted text"),
    "format-width": ('{{ "{:>1000000000}".format(1) }}', "the formatted text"),
    "format-nested-width": ('{{ "{:>{w}}".format(1, w=10**9) }}', "format width taken from"),
    "center": ("{{ 'x'|center(10**9) }}", "center()"),
    "ljust": ("{{ 'x'.ljust(10**9) }}", "ljust()"),
    "lipsum": ("{{ lipsum(10**9) }}", "lipsum() is limited"),
    "replace": ("{% set s = 'x' * 20000 %}{{ s|replace('x', s) }}", "replace()"),
    # [s] * 20000 itself is refused now (it holds 400,000,000 characters counted expanded):
    # lists that are small enough to make show the join and print limits
    "join": ("{% set s = 'x' * 20000 %}{{ [s, s, s, s]|join }}", "join()"),
    "print-list": ("{% set s = 'x' * 20000 %}{{ [s, s, s, s] }}", "a printed value"),
    "shared-list": ("{% set s = 'x' * 20000 %}{{ ([s] * 20000)|join }}",
                    "counting shared parts"),
    "doubling-concat": ("{% set ns = namespace(s='x') %}{% for i in range(40) %}"
                        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "'~' concatenation"),
    "set-block": ("{% set s = 'x' * 20000 %}{% set b %}{% for i in range(10000) %}{{ s }}"
                  "{% endfor %}{% endset %}{{ b|length }}", "{% set %} body"),
    "sum-lists": ("{% set s = [1] * 20000 %}{{ [s, s, s, s]|sum(start=[])|length }}", "sum()"),
    "slice": ("{{ range(10)|slice(10**9)|list|length }}", "slice(1,000,000,000)"),
    "to-bytes": ("{{ (1).to_bytes(10**9, 'big')|length }}", "to_bytes()"),
}

CHILD = r"""
import io, json, resource, sys, time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from sidomain_cli.cli import run

for line in sys.stdin:
    case = json.loads(line)
    root = Path(case["root"])
    for locale in ("zh-CN", "en"):
        (root / "templates" / locale / "evil.j2").write_text(case["source"], encoding="utf-8")
    result = {"id": case["id"]}
    for cmd, argv in (("plan", ["plan", case["profile"], "--playbook", str(root / "playbook.yaml"),
                                "--templates", str(root / "templates"), "--format", "json"]),
                      ("lint", ["lint", str(root), "--format", "json"])):
        out, err = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        with redirect_stdout(out), redirect_stderr(err):
            code = run(argv)
        result[cmd] = {"code": code, "seconds": time.perf_counter() - t0,
                       "out": out.getvalue()[:2000], "err": err.getvalue()[:2000]}
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)
"""


@pytest.fixture(scope="module")
def runaway_results(tmp_path_factory):
    """Every runaway case, in one child process limited to 1 GiB (and a hang guard of fifteen
    minutes: the cases take about 10 s of CPU, which a loaded 2-core machine stretches)."""
    root = stranger(tmp_path_factory.mktemp("runaway"), "")
    cases = "".join(json.dumps({"id": k, "source": src, "root": str(root), "profile": str(COFFEE)})
                    + "\n" for k, (src, _) in RUNAWAY.items())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD)], input=cases,
                          capture_output=True, text=True, timeout=900, env=env, cwd=ROOT)
    results = {}
    for line in proc.stdout.splitlines():
        r = json.loads(line)
        results[r["id"]] = r
    assert results, proc.stderr[-3000:]
    return results, proc.stderr


@pytest.mark.parametrize("case", list(RUNAWAY))
def test_runaway_work_is_stopped_quickly_with_bounded_memory(runaway_results, case):
    results, stderr = runaway_results
    assert case in results, f"the child died at this case:\n{stderr[-3000:]}"
    r = results[case]
    plan, lint = r["plan"], r["lint"]
    assert plan["code"] == 2, plan["err"]
    assert plan["out"] == ""
    assert "Traceback" not in plan["err"] and "internal error" not in plan["err"]
    assert "evil.j2" in plan["err"] and RUNAWAY[case][1] in plan["err"], plan["err"]
    assert "out of memory" not in plan["err"]   # refused before allocating, not after
    # a guard against a hang, not a speed assertion: each case stops within about a second
    # of CPU, but the loaded 2-core machine has stretched that to 2.79 s and 13.7 s of wall
    assert plan["seconds"] < 60.0
    assert lint["code"] == 1, lint["err"]
    assert '"code": "T005"' in lint["out"], lint["out"]  # lint refuses what plan refuses
    assert "Traceback" not in lint["err"] and "internal error" not in lint["err"]
    assert lint["seconds"] < 120.0  # renders twice (zh-CN, en); a hang guard, as above
    assert r["peak_mib"] < 400


def test_loops_and_values_a_real_message_needs_still_work(capsys, tmp_path):
    source = ("{% for k, v in offers|dictsort %}{% if loop.index <= 2 %}{{ loop.index }}."
              "{{ v|truncate(20) }};{% endif %}{% endfor %} {{ '%05.1f'|format(3.14159) }}"
              " {{ '{:>4}'.format(day) }} {{ 2**10 }} {{ 'ab' * 2 }} {{ [1, 2] + [3] }}"
              " {{ range(3)|join(',') }} {{ 'a b c'|wordwrap(1, wrapstring='/') }}"
              " {% set b %}{{ brand }}{% endset %}{{ b ~ '!' }}")
    root = stranger(tmp_path, source)
    code, out, err = plan_stranger(capsys, root)
    assert code == 0, err
    msg = json.loads(out)["calendar"][0]["message"]
    assert msg.startswith("1.") and " 003.1    1 1024 abab [1, 2, 3] 0,1,2 a/b/c 熊猫咖啡!" in msg

"""The second round of attacks (issue 14, ../shared/reviews/attacks-2026-12-01.md F1–F31).

Each test drives the installed command line in a child process (``python -m sidomain_cli``)
with a 1 GiB address-space limit and a generous timeout: a regression fails the test (exit
70, a hang, a memory blow-up) instead of taking the machine down.  The timeouts are guards
against hangs, not speed assertions.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers_plan import ROOT
from tests.test_hazards_templates import stranger

COFFEE = ROOT / "examples" / "coffee.yaml"
PLAYBOOK = ROOT / "playbooks" / "community_promotion.yaml"
METHOD = ROOT / "playbooks" / "method.yaml"
GIB = 1 << 30
GUARD = 60  # seconds: a hang guard, far above what any case takes


def _limit(mem: int):
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    return preexec


def cli(*args, cwd: Path | None = None, env: dict | None = None, timeout: float = GUARD,
        mem: int = GIB, stdin=subprocess.DEVNULL, binary: bool = False):
    """Run ``sidomain ARGS`` in a child with a memory limit; returns CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "sidomain_cli", *map(str, args)],
                          cwd=cwd or ROOT, env=full_env, stdin=stdin, capture_output=True,
                          text=not binary, timeout=timeout, preexec_fn=_limit(mem))


def clean_error(proc, *needles: str, code: int = 2) -> str:
    """Exit ``code`` with one ``sidomain: error:`` line, no traceback; returns stderr."""
    err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, (proc.returncode, err[-2000:])
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    if code == 2:
        assert err.startswith("sidomain: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def lint_findings(proc) -> list[dict]:
    """lint -f json's findings; lint must have exited 0 or 1 (never 70)."""
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


# ---- F1 / F24: one validated path from YAML scalar to value ----------------------------

BAD_TAGS = ['!!int ""', "!!bool maybe", '!!float ""', '!!int "_"', '!!int "-"', '!!float "_"',
            '!!bool ""', "!!int 0b_", "!!float 0x1"]


@pytest.mark.parametrize("tagged", BAD_TAGS)
def test_explicit_yaml_tags_on_values_they_cannot_take(tmp_path, tagged):
    text = COFFEE.read_text(encoding="utf-8").replace("stores: 120", f"stores: {tagged}")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("stores:"))
    profile = tmp_path / "brand.yaml"
    profile.write_text(text, encoding="utf-8")
    clean_error(cli("plan", profile, "-f", "json"), f"brand.yaml:{line}:9: invalid YAML value")
    findings = lint_findings(cli("lint", profile, "-f", "json"))
    assert [f["code"] for f in findings] == ["S000"], findings
    # the same in a playbook (a value and a key) and in a method file
    pb = tmp_path / "pb.yaml"
    pb.write_text(PLAYBOOK.read_text(encoding="utf-8").replace("days: 60", f"days: {tagged}", 1)
                  + f"\n{tagged}: 1\n", encoding="utf-8")
    clean_error(cli("plan", COFFEE, "--playbook", pb), "pb.yaml:", "invalid YAML value")
    method = tmp_path / "method.yaml"
    method.write_text(METHOD.read_text(encoding="utf-8") + f"\nextra: {tagged}\n",
                      encoding="utf-8")
    clean_error(cli("plan", COFFEE, "--method", method), "method.yaml:", "invalid YAML value")


def test_patterns_match_the_whole_value_not_up_to_a_newline(tmp_path):
    data = yaml.safe_load(PLAYBOOK.read_text(encoding="utf-8"))
    data["tasks"][0]["time"] = "10:30\n"
    pb = tmp_path / "pb.yaml"
    pb.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    err = clean_error(cli("plan", COFFEE, "--playbook", pb, "-f", "json"), "S004")
    assert "10:30\\n" in err  # quoted on one line
    assert any(f["code"] == "S004" for f in lint_findings(cli("lint", pb, "-f", "json")))
    data["tasks"][0]["time"] = "10:30"
    data["tasks"][0]["id"] = "welcome\n"
    pb.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clean_error(cli("plan", COFFEE, "--playbook", pb, "-f", "json"), "S004", "welcome\\n")


# ---- F11: SOURCE_DATE_EPOCH --------------------------------------------------------------

@pytest.mark.parametrize("epoch", ["99999999999999", "-99999999999", "253402300800",
                                   "-62135596801", "1234567890123456789012", "9" * 5000])
def test_source_date_epoch_out_of_range_is_a_clear_error(epoch):
    proc = cli("export", COFFEE, "-f", "ics", "--days", "2", env={"SOURCE_DATE_EPOCH": epoch})
    clean_error(proc, "SOURCE_DATE_EPOCH is ")
    ok = cli("export", COFFEE, "-f", "ics", "--days", "2",
             env={"SOURCE_DATE_EPOCH": "32503679999"})
    assert ok.returncode == 0, ok.stderr
    assert "DTSTAMP:29991231T235959Z" in ok.stdout


# ---- F2, F3, F20, F22, F29, F21: templates ---------------------------------------------------

def _dag(kind: str, depth: int = 40) -> str:
    empty, pair = ("[]", "[{0}, {0}]") if kind == "list" else ("{}", "{{'a': {0}, 'b': {0}}}")
    s = f"{{% set a0 = {empty} %}}{{% set b0 = {empty} %}}"
    for i in range(1, depth + 1):
        s += f"{{% set a{i} = {pair.format(f'a{i-1}')} %}}{{% set b{i} = {pair.format(f'b{i-1}')} %}}"
    return s


TEMPLATE_ATTACKS = {
    # F2: comparisons of values that share structure (exponential inside one C call)
    "dag-equal": (_dag("list") + "{{ brand }}{{ a40 == b40 }}", "counting shared parts"),
    "dag-sort": (_dag("list") + "{{ brand }}{{ [a40, b40]|sort }}", "counting shared parts"),
    "dag-in": (_dag("list") + "{{ brand }}{{ a40 in [b40] }}", "counting shared parts"),
    "dag-dict": (_dag("dict") + "{{ brand }}{{ a40 == b40 }}", "counting shared parts"),
    "dag-times": ("{% set a = [[1] * 10000] * 10 %}{% set b = [a] * 10 %}{{ b == b }}",
                  "counting shared parts"),
    # F3: values growing through methods and filters
    "hex-chain": ("{% set s = 'a' * 10000 %}{% set x = s.encode().hex().encode().hex().encode()"
                  ".hex().encode().hex() %}{{ brand }}{{ x|length }}", "long"),
    "pprint-chain": ("{{ ('\\\\' * 10000)|pprint|pprint|pprint|pprint|length }}", "long"),
    "utf32-chain": ("{% set s = 'a' * 10000 %}{{ s.encode('utf-32').decode('latin-1')"
                    ".encode('utf-32').decode('latin-1')|length }}", "long"),
    "tojson-indent": ("{{ offers|tojson(indent=10**9) }}", "tojson() indents"),
    "bytes-percent": ("{{ ('%1000000000d'.encode()) % 1 }}", "the formatted text"),
    # F20: filters that assert
    "truncate-1": ("{{ brand|truncate(1) }}", "failed: AssertionError"),
    "truncate-neg": ("{{ brand|truncate(-5) }}", "failed: AssertionError"),
    "truncate-end": ("{{ brand|truncate(5, end='xxxxxxxxxx') }}", "failed: AssertionError"),
    "truncate-leeway": ("{{ brand|truncate(5, leeway=-100) }}", "failed"),
    # F22: constants Jinja folded at compile time and wrote as the name 'inf'
    "inf-int": ("{{ ('inf'|float)|int }}", "OverflowError"),
    "inf-format": ("{{ '%d'|format('inf'|float) }}", "OverflowError"),
    # F29: an undefined index folded at compile time
    "fold-and": ("{{ (1)[1] and 2 }}", "undefined"),
    "fold-or": ("{{ (1)[1] or 2 }}", "undefined"),
    "fold-if": ("{{ 1 if (1)[1] else 2 }}", "undefined"),
    "fold-set": ("{% set v = [(1)[1] and 1] %}{{ v }}", "undefined"),
    "fold-times": ("{{ 2 * ((1)[1] and 3) }}", "undefined"),
    "fold-concat": ("{{ (1)[1] ~ 'x' }}", "undefined"),
    "attr-concat": ("{{ 'a'.nope ~ 'b' }}", "undefined"),
}


@pytest.mark.parametrize("case", list(TEMPLATE_ATTACKS))
def test_template_attacks_are_refused_by_plan_and_lint(tmp_path, case):
    source, reason = TEMPLATE_ATTACKS[case]
    root = stranger(tmp_path, source)
    proc = cli("plan", COFFEE, "--playbook", root / "playbook.yaml", "--templates",
               root / "templates", "-f", "json")
    clean_error(proc, "evil.j2", reason)
    assert proc.stdout == ""
    lint = cli("lint", root, "-f", "json")
    assert lint.returncode in (0, 1), (lint.returncode, lint.stderr[-2000:])
    assert "Traceback" not in lint.stderr


def test_a_long_filter_chain_is_a_syntax_error_for_lint_as_for_plan(tmp_path):
    root = stranger(tmp_path, "{{ brand" + "|upper" * 5000 + " }}")
    clean_error(cli("plan", COFFEE, "--playbook", root / "playbook.yaml", "--templates",
                    root / "templates"), "template syntax error")
    findings = lint_findings(cli("lint", root, "-f", "json"))
    assert {f["code"] for f in findings} == {"T002"}, findings


def test_a_template_can_still_do_what_messages_need(tmp_path):
    source = ("{% set names = offers|dictsort|map('first')|list %}{{ brand }}"
              "{{ names|length }}{{ (range(10000)|list)|length }}"
              "{% for k, v in offers.items() %}{% if loop.first %}{{ k in names }}{% endif %}"
              "{% endfor %}{{ [names, names] == [names, names] }}{{ 1e999 }}")
    root = stranger(tmp_path, source)
    proc = cli("plan", COFFEE, "--playbook", root / "playbook.yaml", "--templates",
               root / "templates", "-f", "json")
    assert proc.returncode == 0, proc.stderr
    message = json.loads(proc.stdout)["calendar"][0]["message"]
    assert message.startswith("熊猫咖啡") and message.endswith("10000TrueTrueinf"), message


# ---- F5–F9: one output helper ----------------------------------------------------------------

STORES_BIG = "store_id,name,city,owner,groups\n" + "".join(
    f"S{i},店{i},上海,owner{i % 20},10\n" for i in range(1500))
STORES_MID = "\n".join(STORES_BIG.splitlines()[:21]) + "\n"  # an ICS export of seconds


def test_special_files_are_written_into_never_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    proc = cli("plan", COFFEE, "-f", "json", "-o", fifo, "--force")
    got = reader.communicate(timeout=GUARD)[0]
    assert proc.returncode == 0, proc.stderr
    assert json.loads(got)["brand"] == "熊猫咖啡"  # the plan went through the pipe
    assert fifo.is_fifo()
    null = Path("/dev/null")
    for force in ((), ("--force",)):  # a character device: written into, never replaced
        proc = cli("plan", COFFEE, "-f", "json", "-o", null, *force)
        assert proc.returncode == 0, proc.stderr
        assert null.is_char_device()
    export = cli("export", COFFEE, "-f", "csv", "-o", "/dev/null")
    assert export.returncode == 0, export.stderr
    assert not list(Path("/dev").glob(".sidomain-*"))
    # the shell's redirection, named: stdout itself
    out = tmp_path / "redirected.json"
    with out.open("wb") as fh:
        proc = subprocess.run([sys.executable, "-m", "sidomain_cli", "plan", str(COFFEE), "-f",
                               "json", "-o", "/dev/stdout"], stdout=fh, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=GUARD)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["brand"] == "熊猫咖啡"


def test_a_symlink_output_is_followed_or_refused_never_swapped_for_a_file(tmp_path):
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    for force in ((), ("--force",)):
        clean_error(cli("plan", COFFEE, "-f", "json", "-o", dangling, *force),
                    "symbolic link to a missing file")
        assert dangling.is_symlink() and not (tmp_path / "nowhere.json").exists()
    target = tmp_path / "target.json"
    target.write_text("secret", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    clean_error(cli("plan", COFFEE, "-f", "json", "-o", link), "exists")
    proc = cli("plan", COFFEE, "-f", "json", "-o", link, "--force")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink()  # the link stays; the file it names has the plan
    assert json.loads(target.read_text(encoding="utf-8"))["brand"] == "熊猫咖啡"
    # a link to an earlier export folder: the folder is replaced, the link stays, no stray
    real = tmp_path / "real"
    assert cli("export", COFFEE, "--stores", ROOT / "examples" / "stores.csv", "-f", "ics",
               "-o", real).returncode == 0
    calink = tmp_path / "calink"
    calink.symlink_to("real")
    proc = cli("export", COFFEE, "--stores", ROOT / "examples" / "stores.csv", "-f", "ics",
               "-o", calink, "--force")
    assert proc.returncode == 0, proc.stderr
    assert calink.is_symlink() and (real / "index.csv").is_file()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".sidomain-")]


def _start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sidomain_cli", *map(str, args)], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limit(GIB))


def _wait_for_temp(folder: Path, proc: subprocess.Popen) -> None:
    """Until the export has made its temporary entry (it is then past its checks)."""
    import time

    for _ in range(GUARD * 20):
        if any(p.name.startswith(".sidomain-") for p in folder.iterdir()) or proc.poll() is not None:
            return
        time.sleep(0.05)


def test_a_folder_that_appears_during_an_export_is_not_replaced_or_deleted(tmp_path):
    (tmp_path / "stores.csv").write_text(STORES_MID, encoding="utf-8")
    proc = _start("export", COFFEE, "--stores", "stores.csv", "-f", "ics", "-o", "cal",
                  cwd=tmp_path)
    _wait_for_temp(tmp_path, proc)
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "notes.txt").write_text("my precious notes", encoding="utf-8")
    _, err = proc.communicate(timeout=GUARD * 3)
    assert proc.returncode == 2, err
    assert "appeared while writing" in err
    assert (tmp_path / "cal" / "notes.txt").read_text(encoding="utf-8") == "my precious notes"
    assert sorted(p.name for p in (tmp_path / "cal").iterdir()) == ["notes.txt"]
    # with --force, a file added to the earlier export after the check is kept too
    assert cli("export", COFFEE, "--stores", "stores.csv", "-f", "ics", "-o", "cal2",
               cwd=tmp_path).returncode == 0
    proc = _start("export", COFFEE, "--stores", "stores.csv", "-f", "ics", "-o", "cal2",
                  "--force", cwd=tmp_path)
    _wait_for_temp(tmp_path, proc)
    (tmp_path / "cal2" / "notes.txt").write_text("late notes", encoding="utf-8")
    _, err = proc.communicate(timeout=GUARD * 3)
    assert proc.returncode == 2, err
    assert "not an earlier export" in err
    assert (tmp_path / "cal2" / "notes.txt").read_text(encoding="utf-8") == "late notes"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".sidomain-")]


@pytest.mark.parametrize("fmt,out", [("xlsx", "out.xlsx"), ("ics", "cal"), ("csv", "out.csv")])
def test_sigterm_is_handled_like_ctrl_c(tmp_path, fmt, out):
    import signal

    (tmp_path / "stores.csv").write_text(STORES_BIG, encoding="utf-8")
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "sidomain_cli", "export", str(COFFEE),
                             "--stores", "stores.csv", "-f", fmt, "-o", out], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_temp(tmp_path, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=GUARD)
    if proc.returncode == 0:  # finished before the signal: nothing to clean up then
        pytest.skip("the export finished before SIGTERM arrived")
    assert proc.returncode == 143, err
    assert err == "sidomain: terminated\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stores.csv", "tmpdir"]
    assert list(scratch.iterdir()) == []  # XlsxWriter's row files were not in $TMPDIR


# ---- F16: the output encoding rule ----------------------------------------------------------

@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "gbk"}, {"PYTHONIOENCODING": "cp936"},
                                 {"PYTHONIOENCODING": "latin-1"},
                                 {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
                                  "PYTHONIOENCODING": ""}])
def test_documents_are_utf8_whatever_the_console_and_text_replaces(env):
    for fmt in ("json", "markdown"):
        proc = cli("plan", COFFEE, "-f", fmt, env=env, binary=True)
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout.decode("utf-8")  # UTF-8 bytes, whatever the console
        assert "熊猫咖啡" in text and "🎉" in text or fmt == "markdown"
        if fmt == "json":
            json.loads(text)
    for args in (("plan", COFFEE), ("--help",), ("rules",), ("schema", "profile"),
                 ("lint", COFFEE), ("export", COFFEE, "-f", "csv", "--days", "3")):
        proc = cli(*args, env=env, binary=True)
        assert proc.returncode == 0, (args, proc.stderr)
        assert b"Traceback" not in proc.stderr


# ---- -o FILE picks the format --------------------------------------------------------------------

def test_output_suffix_picks_the_plan_format(tmp_path):
    assert cli("plan", COFFEE, "-o", tmp_path / "p.json").returncode == 0
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["brand"] == "熊猫咖啡"
    assert cli("plan", COFFEE, "-o", tmp_path / "p.md").returncode == 0
    assert (tmp_path / "p.md").read_text(encoding="utf-8").startswith("# 熊猫咖啡")
    assert cli("plan", COFFEE, "-o", tmp_path / "p.txt").returncode == 0
    assert "low_price_high_frequency" in (tmp_path / "p.txt").read_text(encoding="utf-8")
    assert cli("plan", COFFEE, "-f", "json", "-o", tmp_path / "p2.md").returncode == 0
    json.loads((tmp_path / "p2.md").read_text(encoding="utf-8"))  # --format wins
    assert cli("export", COFFEE, "-o", tmp_path / "e.json").returncode == 0
    assert isinstance(json.loads((tmp_path / "e.json").read_text(encoding="utf-8")), list)

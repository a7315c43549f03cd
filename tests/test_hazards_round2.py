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
    data["tasks"][0].pop("daypart", None)
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
    # a character device: written into, never replaced (a private null device: a regression
    # must not replace the machine's /dev/null, as --force did as root)
    null = tmp_path / "null"
    try:
        os.mknod(null, 0o666 | __import__("stat").S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        null = None
    if null is not None:
        for force in ((), ("--force",)):
            proc = cli("plan", COFFEE, "-f", "json", "-o", null, *force)
            assert proc.returncode == 0, proc.stderr
            assert null.is_char_device()
        export = cli("export", COFFEE, "-f", "csv", "-o", null, "--force")
        assert export.returncode == 0, export.stderr
        assert null.is_char_device()
    assert cli("plan", COFFEE, "-f", "json", "-o", "/dev/null").returncode == 0  # no --force
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".sidomain-")]
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
    profile = Path(__file__).parent.parent / "examples" / "coffee.yaml"
    brand = "熊猫咖啡🎉"  # GBK has no 🎉: a redirected stdout on Chinese Windows exited 70
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "brand.yaml"
        profile.write_text(COFFEE.read_text(encoding="utf-8").replace("brand: 熊猫咖啡",
                                                                      f"brand: {brand}"),
                           encoding="utf-8")
        for fmt in ("json", "markdown", "html"):
            proc = cli("plan", profile, "-f", fmt, env=env, binary=True)
            assert proc.returncode == 0, proc.stderr
            text = proc.stdout.decode("utf-8")  # UTF-8 bytes, whatever the console
            assert brand in text
            if fmt == "json":
                assert json.loads(text)["brand"] == brand
        proc = cli("plan", profile, env=env, binary=True)  # the text view: replaced
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr
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


# ---- F10, F12: an earlier ICS given to --previous (or replaced with --force) ---------------------

def test_a_crafted_earlier_calendar_is_bounded_and_range_checked(tmp_path):
    import re
    import zipfile

    first = tmp_path / "a.ics"
    assert cli("export", COFFEE, "-f", "ics", "--days", "5", "-o", first).returncode == 0
    data = first.read_bytes()
    cases = {
        "stamp-9999": data.replace(b"DTSTAMP:", b"DTSTAMP:99991231T235959Z\r\nX-OLD:", 1),
        "sequence-4300": re.sub(rb"SEQUENCE:0", b"SEQUENCE:" + b"9" * 4300, data, count=1),
    }
    for name, crafted in cases.items():
        crafted = re.sub(rb"X-SIDOMAIN-DIGEST:[0-9a-f]+", b"X-SIDOMAIN-DIGEST:0000", crafted,
                         count=1)
        prev = tmp_path / f"{name}.ics"
        prev.write_bytes(crafted)
        out = tmp_path / f"{name}-out.ics"
        proc = cli("export", COFFEE, "-f", "ics", "--days", "5", "-o", out, "--previous", prev)
        assert proc.returncode == 0, (name, proc.stderr)  # exit 70 before
        sequences = [int(v) for v in re.findall(rb"SEQUENCE:(\d+)", out.read_bytes())]
        assert max(sequences) >= 1 and max(sequences) <= (1 << 20) + 1  # the change moved on
        assert not re.search(rb"DTSTAMP:[0-9]{4}", out.read_bytes().replace(b"DTSTAMP:20", b""))
    # a zip bomb: 300 MiB without a line break in a 300 KB zip, under a 1 GiB limit
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("张敏.ics", "w", force_zip64=True) as f:
            for _ in range(300):
                f.write(b"A" * (1 << 20))
    proc = cli("export", COFFEE, "--stores", ROOT / "examples" / "stores.csv", "-f", "ics",
               "-o", tmp_path / "owners.zip", "--previous", bomb)
    clean_error(proc, "张敏.ics", "line longer than 65,536 bytes")
    assert not (tmp_path / "owners.zip").exists()


# ---- F13: DST-gap local times -------------------------------------------------------------------

def test_no_task_at_a_local_time_the_clock_skips(tmp_path):
    base = COFFEE.read_text(encoding="utf-8")
    text = "\n".join(line for line in base.splitlines()
                     if not line.startswith(("timezone:", "start_date:", "quiet_hours:")))
    profile = tmp_path / "ny.yaml"
    profile.write_text(text + '\ntimezone: America/New_York\nstart_date: 2026-03-08\n'
                              'quiet_hours: "03:00-02:00"\n', encoding="utf-8")
    proc = cli("export", profile, "-f", "ics", "--days", "1")
    assert proc.returncode == 0, proc.stderr
    assert "TZID=America/New_York:20260308T02" not in proc.stdout  # 02:00-02:59 never happen
    plan = json.loads(cli("plan", profile, "--days", "1", "-f", "json").stdout)
    assert plan["calendar"] == []  # the only allowed hour does not exist that day
    assert any("夏令时" in n for n in plan["notes"])
    # a task time inside the gap moves to the first minute that exists, outside quiet hours
    pb = yaml.safe_load(PLAYBOOK.read_text(encoding="utf-8"))
    task = {k: v for k, v in pb["tasks"][0].items() if k not in ("days", "daypart")}
    pb["tasks"] = [dict(task, time="02:30", every=1, send="company_bulk")]
    pb_path = tmp_path / "pb.yaml"
    pb_path.write_text(yaml.safe_dump(pb, allow_unicode=True), encoding="utf-8")
    profile.write_text(text + "\ntimezone: America/New_York\nstart_date: 2026-03-08\n"
                              'quiet_hours: "23:00-01:00"\n', encoding="utf-8")
    plan = json.loads(cli("plan", profile, "--playbook", pb_path, "--days", "2",
                          "-f", "json").stdout)
    times = {(c["date"], c["time"]) for c in plan["calendar"]}
    assert ("2026-03-08", "03:00") in times, times


# ---- F14: per-owner file names -------------------------------------------------------------------

def test_owner_file_names_work_on_every_system(tmp_path):
    import unicodedata
    import zipfile

    owners = ["CON", "NUL", "Con", "é", unicodedata.normalize("NFD", "é"), "a", "a\u200b",
              "@o", "𠀀" * 80]
    stores = tmp_path / "stores.csv"
    stores.write_text("store_id,name,city,owner,groups\n" + "".join(
        f"S{i},n,c,{o},1\n" for i, o in enumerate(owners)), encoding="utf-8")
    proc = cli("export", COFFEE, "--stores", stores, "-f", "ics", "-o", tmp_path / "x.zip",
               "--days", "3")
    assert proc.returncode == 0, proc.stderr
    names = [n for n in zipfile.ZipFile(tmp_path / "x.zip").namelist() if n != "index.csv"]
    stems = [n[:-4] for n in names]
    assert len({unicodedata.normalize("NFC", n).casefold() for n in names}) == len(owners)
    assert not any(s.split(".")[0].upper() in ("CON", "NUL", "PRN", "AUX") for s in stems)
    assert all(unicodedata.category(c) != "Cf" for n in names for c in n)
    assert all(len(n.encode("utf-8")) <= 255 for n in names)
    index = zipfile.ZipFile(tmp_path / "x.zip").read("index.csv").decode("utf-8-sig")
    assert all(f",{n}," in index for n in names)  # the file column names the real file
    folder = cli("export", COFFEE, "--stores", stores, "-f", "ics", "-o", tmp_path / "dir",
                 "--days", "3")
    assert folder.returncode == 0, folder.stderr  # 80 four-byte characters were too long
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == sorted(names + ["index.csv"])


# ---- F15: rollout plans cached without bound --------------------------------------------------

def _peak_mib(stores_csv: Path, out: Path) -> float:
    code = ("import resource, sys; from sidomain_cli.cli import run; "
            f"rc = run(['export', {str(COFFEE)!r}, '--stores', {str(stores_csv)!r}, '-f', 'csv', "
            f"'-o', {str(out)!r}, '--days', '7']); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=GUARD * 10,
                          preexec_fn=_limit(GIB))
    assert proc.returncode == 0, proc.stderr
    return float(proc.stdout.split()[-1])


def test_rollout_memory_stays_flat_with_distinct_launch_dates(tmp_path):
    import datetime as dt

    peaks = []
    for n in (40, 400):
        csv_path = tmp_path / f"dates{n}.csv"
        csv_path.write_text("store_id,name,city,owner,groups,launch_date\n" + "".join(
            f"S{i},n,c,o{i % 10},1,{dt.date(2026, 1, 1) + dt.timedelta(days=i)}\n"
            for i in range(n)), encoding="utf-8")
        peaks.append(_peak_mib(csv_path, tmp_path / f"out{n}.csv"))
    # 10x the launch dates: every plan was kept (about 230 KB each, +80 MB here); now
    # at most a few dozen are
    assert peaks[1] < peaks[0] + 30, peaks


# ---- F25, F31: text no output can hold ------------------------------------------------------------

@pytest.mark.parametrize("encoding,cell", [("utf-7", "n+2AA-x"), ("unicode_escape", "n\\ud800x")])
def test_a_lone_surrogate_from_the_stores_decoder_is_named(tmp_path, encoding, cell):
    stores = tmp_path / "u.csv"
    stores.write_bytes(f"store_id,name,city,owner,groups\nA1,{cell},c,o,1\n".encode("ascii"))
    for fmt in ("json", "xlsx"):
        proc = cli("export", COFFEE, "--stores", stores, "--stores-encoding", encoding, "-f",
                   fmt, "-o", tmp_path / f"out.{fmt}")
        clean_error(proc, "u.csv:2:", "lone surrogate")


def test_line_separators_cannot_forge_calendar_lines(tmp_path):
    data = yaml.safe_load(PLAYBOOK.read_text(encoding="utf-8"))
    for t in data["tasks"]:
        t["action"] = "动作\u2028UID:00000000-0000-0000-0000-000000000000\u2029SEQUENCE:999"
    pb = tmp_path / "pb.yaml"
    pb.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "a.ics"
    assert cli("export", COFFEE, "--playbook", pb, "-f", "ics", "-o", out).returncode == 0
    body = out.read_text(encoding="utf-8")
    assert "\u2028" not in body and "\u2029" not in body
    import icalendar

    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert len({str(e["UID"]) for e in events}) == len(events) > 1
    # a day later, exported over it: the events moved, so they get SEQUENCE:1
    profile = COFFEE
    assert cli("export", profile, "--playbook", pb, "-f", "ics", "-o", out, "--force",
               "--start", "2026-12-02").returncode == 0
    assert out.read_bytes().count(b"\r\nSEQUENCE:1\r\n") == len(events)  # 0 before


# ---- F4: bounded plan size ----------------------------------------------------------------------

def test_a_playbook_that_amplifies_into_a_huge_plan_is_refused_early(tmp_path):
    data = yaml.safe_load(PLAYBOOK.read_text(encoding="utf-8"))
    data["days"] = 366
    for ch in data["channels"].values():
        ch["max_per_day"] = 100
    data["key_days"] = list(range(1, 367))
    data["phases"][1]["days"] = [8, 366]
    chans = list(data["channels"])
    task = {"every": 1, "time": "10:00", "action": "a", "template": "welcome_gift"}
    data["tasks"] = [dict(task, id=f"t{i}", channel=chans[i % len(chans)]) for i in range(900)]
    pb = tmp_path / "huge.yaml"
    pb.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clean_error(cli("plan", COFFEE, "--playbook", pb, "-f", "json", "--days", "366"),
                "huge.yaml", "a plan may have 20,000 calendar rows")
    data["tasks"] = [dict(task, id=f"t{i}", channel=chans[i % len(chans)]) for i in range(7000)]
    pb.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clean_error(cli("plan", COFFEE, "--playbook", pb), "S004", "at most 1000")
    findings = lint_findings(cli("lint", pb, "-f", "json"))
    assert any(f["code"] == "S004" and "at most 1000" in f["message"] for f in findings)


# ---- F17, F18, F19, F27, F28, F30: what lint and plan read ---------------------------------------

def test_lint_reads_only_regular_files_inside_the_tree(tmp_path):
    tree = tmp_path / "tree"
    (tree / "templates" / "zh-CN").mkdir(parents=True)
    secret = tmp_path / "secretdir"
    secret.mkdir()
    (secret / "s.yaml").write_text("kind: playbook\nid: 最好的 SECRET-TOKEN-abc123\ndays: 60\n",
                                   encoding="utf-8")
    (tmp_path / "t.txt").write_text("password = 全网最低 hunter2 {{ oops( }}", encoding="utf-8")
    (tree / "p.yaml").symlink_to("../secretdir/s.yaml")
    (tree / "templates" / "zh-CN" / "x.j2").symlink_to(tmp_path / "t.txt")
    (tree / "evil.yaml").symlink_to("/proc/self/fd/1")
    (tree / "evil0.yaml").symlink_to("/proc/self/fd/0")
    os.mkfifo(tree / "pipe.yaml")
    sleeper = subprocess.Popen(["sleep", "120"], stdout=subprocess.PIPE)
    try:  # stdin held open by a writer that never writes, stdout a pipe: both waited before
        proc = subprocess.run([sys.executable, "-m", "sidomain_cli", "lint", str(tree), "-f",
                               "github"], stdin=sleeper.stdout, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=GUARD)
    finally:
        sleeper.kill()
    assert proc.returncode == 2, proc.stderr
    assert "SECRET" not in proc.stdout + proc.stderr and "hunter2" not in proc.stdout
    for name in ("p.yaml", "x.j2", "evil.yaml", "evil0.yaml"):
        assert f"{name}: file path leads out of" in proc.stderr, proc.stderr
    assert "pipe.yaml: file is a pipe (FIFO), not a regular file" in proc.stderr
    # the same files named one by one (as pre-commit does)
    named = cli("lint", "p.yaml", "evil.yaml", "pipe.yaml", cwd=tree)
    assert named.returncode == 2 and "SECRET" not in named.stdout + named.stderr


def test_a_profile_cannot_make_plan_read_outside_its_folder(tmp_path):
    base = COFFEE.read_text(encoding="utf-8")
    for n, (value, needle) in enumerate((("/etc/passwd", "outside the profile's folder"),
                          ("/etc/shadowx", "outside the profile's folder"),
                          ("../outside.yaml", "outside the profile's folder"),
                          ("/dev/stdin", "outside the profile's folder"),
                          ("missing.yaml", "not found"))):
        folder = tmp_path / f"case{n}"
        folder.mkdir()
        profile = folder / "brand.yaml"
        profile.write_text(base + f"playbook: {value}\n", encoding="utf-8")
        line = base.count("\n") + 1
        err = clean_error(cli("plan", profile, stdin=subprocess.PIPE), needle,
                          f"brand.yaml:{line}:11: B003 playbook file '{value}'")
        assert "did you mean" not in err and "/etc/shadow'" not in err
        found = lint_findings(cli("lint", profile, "-f", "json"))  # the same rule, the same line
        assert [(f["code"], f["line"], f["column"]) for f in found] == [("B003", line, 11)]
        assert needle in found[0]["message"]


def test_a_relative_playbook_path_is_the_profiles_for_plan_as_for_lint(tmp_path):
    sub = tmp_path / "rel" / "sub"
    sub.mkdir(parents=True)
    (sub / "mine.yaml").write_bytes(PLAYBOOK.read_bytes())
    (sub / "prof.yaml").write_text(COFFEE.read_text(encoding="utf-8") + "playbook: mine.yaml\n",
                                   encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert lint_findings(cli("lint", sub / "prof.yaml", "-f", "json")) == []
    proc = cli("plan", sub / "prof.yaml", "-f", "json", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr  # 'mine.yaml: playbook not found' before
    assert "community_promotion" in json.dumps(json.loads(proc.stdout)["playbook"])


def test_an_unreadable_sub_folder_is_an_error_not_a_pass(tmp_path):
    import shutil

    import tempfile

    if not shutil.which("setpriv") or os.geteuid() != 0:
        pytest.skip("needs setpriv and root to run lint as another user")
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folder is 0700
    ur = tmp_path / "ur"
    (ur / "secret").mkdir(parents=True)
    (ur / "secret" / "bad.yaml").write_text("kind: playbook\nid: x\n", encoding="utf-8")
    for p in (tmp_path, ur):
        p.chmod(0o755)
    (ur / "secret").chmod(0)
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-m", "sidomain_cli", "lint", str(ur)], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=GUARD)
    (ur / "secret").chmod(0o755)
    shutil.rmtree(tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "secret: cannot read the folder: Permission denied" in proc.stderr
    assert "All checks passed" not in proc.stdout


def test_lint_findings_are_capped_and_templates_limited_like_plan(tmp_path):
    folder = tmp_path / "templates" / "zh-CN"
    folder.mkdir(parents=True)
    (folder / "x.j2").write_text(("最" * 200 + "\n") * 400, encoding="utf-8")  # 80,000 C001
    proc = cli("lint", tmp_path, "-f", "json", "-o", tmp_path / "out.json")
    assert proc.returncode == 1, proc.stderr
    findings = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(findings) == 1001 and "more findings are not shown" in findings[-1]["message"]
    (folder / "x.j2").write_text("x" * (256 * 1024 + 1), encoding="utf-8")  # plan's limit
    clean_error(cli("lint", tmp_path), "x.j2: file is 262,145 bytes, over the 262,144-byte")


def test_lint_names_what_plan_refuses_and_skips_other_tools_yaml(tmp_path):
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- brand: 熊猫咖啡\n  industry: coffee\n", encoding="utf-8")
    found = lint_findings(cli("lint", "empty.yaml", "list.yaml", "-f", "json", cwd=tmp_path))
    assert sorted(f["code"] for f in found) == ["S001", "S002"]
    for name in ("empty.yaml", "list.yaml"):
        assert cli("plan", name, cwd=tmp_path).returncode == 2
    # other tools' YAML, named by pre-commit: a multi-document manifest, GitLab CI's tags
    (tmp_path / "k8s.yaml").write_text("a: 1\n---\nb: 2\n", encoding="utf-8")
    (tmp_path / ".gitlab-ci.yaml").write_text("job:\n  script: !reference [x, y]\n",
                                              encoding="utf-8")
    (tmp_path / "ansible.yaml").write_text("- hosts: all\n  tasks: []\n", encoding="utf-8")
    proc = cli("lint", "k8s.yaml", ".gitlab-ci.yaml", "ansible.yaml", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "All checks passed (0 files).\n", proc.stdout


# ---- one rule book: plan and lint agree ------------------------------------------------------------

@pytest.mark.parametrize("source", ["{{ brand.nope }}", "{{ []|first }}", "{{ []|max }}",
                                    "{{ []|random }}", "{{ offers[[1]] }}",
                                    "{{ range.__self__ }}"])
def test_lint_refuses_templates_that_fail_every_plan(tmp_path, source):
    root = stranger(tmp_path, source)
    clean_error(cli("plan", COFFEE, "--playbook", root / "playbook.yaml", "--templates",
                    root / "templates"), "evil.j2", "undefined")
    found = lint_findings(cli("lint", root, "-f", "json"))
    assert {f["code"] for f in found} == {"T005"}, found
    assert all("undefined" in f["message"] for f in found)


def test_plan_and_lint_give_the_same_code_and_message(tmp_path):
    base = COFFEE.read_text(encoding="utf-8")
    for old, new, code in (("timezone: Asia/Shanghai", "timezone: Mars/Olympus", "B001"),
                           ('quiet_hours: "22:00-08:00"', 'quiet_hours: "22:00-22:00"', "B002")):
        profile = tmp_path / f"{code}.yaml"
        profile.write_text(base.replace(old, new), encoding="utf-8")
        line = next(n for n, t in enumerate(base.splitlines(), 1) if t.startswith(old))
        err = clean_error(cli("plan", profile))
        found = lint_findings(cli("lint", profile, "-f", "json"))
        assert [f["code"] for f in found] == [code]
        f = found[0]
        assert err == (f"sidomain: error: {profile}:{f['line']}:{f['column']}: {code} "
                       f"{f['message']} ({f['hint']})\n")
        assert f["line"] == line
    # a raised cap: plan follows it, so lint warns (it said error)
    profile = tmp_path / "caps.yaml"
    profile.write_text(base + "caps:\n  company_bulk_per_day: 5\n", encoding="utf-8")
    assert cli("plan", profile, "-f", "json").returncode == 0
    found = lint_findings(cli("lint", profile, "-f", "json"))
    assert [(f["code"], f["severity"]) for f in found] == [("B004", "warning")]

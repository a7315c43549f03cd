"""Nothing lost (issue 5): killed exports, refused and failed writes, file modes, stale temps.

A SIGKILL cannot be handled in-process: these tests kill a real `sidomain export` child
process while its temporary file (or folder) is growing, then check the previous output
is byte-identical and that the next run removes what the killed one left behind.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sidomain_cli import output
from sidomain_cli.cli import run
from tests.helpers_plan import ROOT

COFFEE = ROOT / "examples" / "coffee.yaml"
STORES = ROOT / "examples" / "stores.csv"
POSIX = os.name == "posix"
TEMP = re.compile(r"^\.sidomain-")

needs_posix = pytest.mark.skipif(not POSIX, reason="signals, umask and modes are POSIX")


def cli(capsys, *args) -> tuple[int, str, str]:
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP.match(p.name))


def snapshot(path: Path) -> dict[str, bytes] | bytes:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return path.read_bytes()


def restore(path: Path, content: dict[str, bytes] | bytes) -> None:
    import shutil

    if isinstance(content, dict):
        shutil.rmtree(path)
        path.mkdir()
        for name, data in content.items():
            (path / name).write_bytes(data)
    else:
        path.write_bytes(content)


def big_stores(path: Path, stores: int, groups: int, owners: int = 50) -> Path:
    """A stores CSV with examples/stores.csv's columns, ``stores`` x ``groups`` groups."""
    with STORES.open(encoding="utf-8") as fh:
        columns = next(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, columns)
        w.writeheader()
        for i in range(stores):
            w.writerow({"store_id": f"S{i:05d}", "name": f"熊猫咖啡 {i} 号店", "city": "上海",
                        "owner": f"店长{i % owners:02d}", "groups": groups, "launch_date": "",
                        "wave": i % 4 + 1})
    return path


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ---- SIGKILL in the middle of an export -------------------------------------------------

def kill_while(cmd: list[str], cwd: Path, growing, timeout: float = 60.0) -> bool:
    """Run ``cmd``; SIGKILL it as soon as ``growing()`` is true.  False if it ended first."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if growing():
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return proc.returncode == -signal.SIGKILL
            if proc.poll() is not None:
                return False
            time.sleep(0.001)
        pytest.fail(f"no temporary output appeared within {timeout:.0f} s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return False


def temp_file_size(folder: Path) -> int:
    sizes = [p.stat().st_size for p in folder.glob(".sidomain-*.tmp") if p.is_file()]
    return max(sizes, default=0)


def temp_folder_size(folder: Path) -> int:
    total = 0
    for d in folder.glob(".sidomain-*"):
        if d.is_dir():
            total += sum(f.stat().st_size for f in d.iterdir() if f.is_file())
    return total


def sidomain(*args) -> list[str]:
    return [sys.executable, "-m", "sidomain_cli", *map(str, args)]


@needs_posix
@pytest.mark.parametrize("kind", ["csv", "ics-folder", "ics-zip"])
def test_sigkill_mid_export_keeps_the_previous_output_and_the_next_run_cleans_up(
        capsys, tmp_path, kind):
    work = tmp_path / "out"
    work.mkdir()
    if kind == "csv":
        target, fmt, size, at_least = work / "out.csv", "csv", temp_file_size, 1 << 20
        shape = (100, 10)  # 1,000 groups: ~70 MB of CSV, ~0.3 s of writing
    elif kind == "ics-folder":
        target, fmt, size, at_least = work / "owners", "ics", temp_folder_size, 128 << 10
        shape = (20, 2)  # 40 groups: ~6 MB of ICS over 20 owner files
    else:
        target, fmt, size, at_least = work / "owners.zip", "ics", temp_file_size, 16 << 10
        shape = (20, 2)
    base = big_stores(tmp_path / "stores.csv", *shape)
    assert cli(capsys, "export", COFFEE, "--stores", base, "--format", fmt,
               "--output", target)[0] == 0
    previous = snapshot(target)

    # The killed run writes something else (a later start), so a finished one would show.
    caught = False
    for factor in (1, 2, 4):  # a machine fast enough to finish first gets a bigger input
        stores = big_stores(tmp_path / f"stores-{factor}.csv", shape[0] * factor, shape[1])
        args = ("export", COFFEE, "--stores", stores, "--format", fmt, "--output", target,
                "--force", "--start", "2027-01-04")
        caught = kill_while(sidomain(*args), tmp_path, lambda: size(work) >= at_least)
        if caught and temps(work):
            break
        # It finished first: the new output is complete; put the previous one back.
        assert snapshot(target) != previous
        restore(target, previous)
        caught = False
    assert caught, "the export always finished before it could be killed"
    assert snapshot(target) == previous  # byte-identical: the kill lost nothing
    left = temps(work)
    assert left, "a SIGKILL leaves its temporary file behind (the next run's job)"
    assert all(output.TEMP_RE.match(n) for n in left), left

    code, _, err = cli(capsys, *args)  # the next run, normal
    assert code == 0, err
    assert temps(work) == []
    assert sorted(p.name for p in work.iterdir()) == [target.name]
    assert snapshot(target) != previous  # the new output is in place


# ---- refused, impossible and failing writes -----------------------------------------------

REFUSED = {
    "export-xlsx": ("export", COFFEE, "-f", "xlsx", "-o", "{dir}/sop.xlsx"),
    "export-ics": ("export", COFFEE, "-f", "ics", "-o", "{dir}/sop.ics"),
    "export-jsonl": ("export", COFFEE, "-f", "jsonl", "-o", "{dir}/sop.jsonl"),
    "rollout-zip": ("export", COFFEE, "--stores", STORES, "-o", "{dir}/owners.zip"),
    "plan-json": ("plan", COFFEE, "-f", "json", "-o", "{dir}/plan.json"),
    "schema": ("schema", "profile", "-o", "{dir}/profile.schema.json"),
}


def fill(args, folder: Path) -> list[str]:
    return [str(a).replace("{dir}", str(folder)) for a in args]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_overwrite_leaves_the_old_file_byte_identical(capsys, tmp_path, name):
    args = fill(REFUSED[name], tmp_path)
    target = Path(args[args.index("-o") + 1])
    target.write_bytes(b"\xef\xbb\xbfkeep me\r\n\x00")
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert err.startswith("sidomain: error: ") and "--force" in err and str(target) in err
    assert target.read_bytes() == b"\xef\xbb\xbfkeep me\r\n\x00"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


WRITES = {
    "plan-markdown": ("plan", COFFEE, "-f", "markdown", "-o", "{dir}/plan.md"),
    "export-csv": ("export", COFFEE, "-f", "csv", "-o", "{dir}/sop.csv"),
    "rollout-zip": ("export", COFFEE, "--stores", STORES, "-o", "{dir}/owners.zip"),
    "rollout-folder": ("export", COFFEE, "--stores", STORES, "-f", "ics", "-o", "{dir}/owners"),
}


def _prepare(capsys, folder: Path, name: str) -> tuple[list[str], Path, object]:
    args = fill(WRITES[name], folder)
    target = Path(args[args.index("-o") + 1])
    assert cli(capsys, *args)[0] == 0
    return args, target, snapshot(target)


def _assert_clean_failure(err: str, *words: str) -> None:
    first, *rest = err.rstrip("\n").split("\n")
    assert first.startswith("sidomain: error: ") and not rest, err
    assert "cannot write the output" in first
    for w in words:
        assert w in first, err


def bypasses_permissions(folder: Path) -> bool:
    """True if this process may write into a read-only folder (root, CAP_DAC_OVERRIDE)."""
    probe = folder / "probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        (probe / "x").write_bytes(b"")
    except PermissionError:
        return False
    finally:
        probe.chmod(0o755)
        for p in probe.iterdir():
            p.unlink()
        probe.rmdir()
    return True


@needs_posix
@pytest.mark.parametrize("name", sorted(WRITES))
def test_read_only_folder_is_a_clear_error(capsys, tmp_path, name):
    if bypasses_permissions(tmp_path):
        pytest.skip("this user may write into a read-only folder (root)")
    folder = tmp_path / "ro"
    folder.mkdir()
    args, target, before = _prepare(capsys, folder, name)
    folder.chmod(0o555)
    try:
        code, _, err = cli(capsys, *args, "--force")
    finally:
        folder.chmod(0o755)
    assert code == 2
    _assert_clean_failure(err, "Permission denied", "choose another --output")
    assert snapshot(target) == before
    assert temps(folder) == []


@pytest.mark.parametrize("name", sorted(WRITES))
def test_permission_denied_on_the_temporary_file_is_a_clear_error(capsys, tmp_path,
                                                                   monkeypatch, name):
    """The same as a read-only folder, simulated, so it also runs as root."""
    import tempfile

    args, target, before = _prepare(capsys, tmp_path, name)

    def denied(*a, dir=None, **kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(dir))

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    code, _, err = cli(capsys, *args, "--force")
    assert code == 2
    _assert_clean_failure(err, "Permission denied", "choose another --output")
    assert snapshot(target) == before
    assert temps(tmp_path) == []


def _enospc(*a, **kw):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


FULL = [("plan-markdown", "fsync"), ("export-csv", "write"), ("export-csv", "fsync"),
        ("rollout-zip", "write"), ("rollout-zip", "fsync"), ("rollout-folder", "write"),
        ("rollout-folder", "fsync")]


@pytest.mark.parametrize("name,where", FULL)
def test_full_disk_is_a_clear_error_and_keeps_the_old_output(capsys, tmp_path, monkeypatch,
                                                             name, where):
    from sidomain_cli.exporters import csvfile, ics

    args, target, before = _prepare(capsys, tmp_path, name)
    if where == "fsync":  # delayed allocation: the disk fills up when the data is synced
        monkeypatch.setattr(os, "fsync", _enospc)
    elif name == "export-csv":
        def half_then_full(source, fh, **kw):
            fh.write(b"day,date\r\n" * 1000)
            _enospc()
        monkeypatch.setattr(csvfile, "write", half_then_full)
    else:
        real, calls = ics.write_calendar, []

        def full_on_second_owner(fh, *a, **kw):
            calls.append(1)
            if len(calls) == 2:
                fh.write(b"BEGIN:VCALENDAR\r\n")
                _enospc()
            return real(fh, *a, **kw)
        monkeypatch.setattr(ics, "write_calendar", full_on_second_owner)
    code, _, err = cli(capsys, *args, "--force", "--start", "2027-01-04")
    assert code == 2
    _assert_clean_failure(err, "No space left on device", "the disk is full")
    assert snapshot(target) == before
    assert temps(tmp_path) == []


def test_a_missing_output_folder_and_a_too_long_name_are_clear_errors(capsys, tmp_path):
    code, _, err = cli(capsys, "plan", COFFEE, "-o", tmp_path / "nope" / "plan.md")
    assert code == 2 and "output folder does not exist" in err
    code, _, err = cli(capsys, "export", COFFEE, "-f", "csv", "-o", tmp_path / ("x" * 300))
    assert code == 2 and err.startswith("sidomain: error: ")
    code, _, err = cli(capsys, "export", COFFEE, "--stores", STORES, "-f", "ics",
                       "-o", tmp_path / ("y" * 300))
    assert code == 2 and err.startswith("sidomain: error: ")
    assert temps(tmp_path) == []


# ---- file modes --------------------------------------------------------------------------

MODE_SCRIPT = r"""
import json, os, sys
from sidomain_cli.cli import run
d, coffee, stores = sys.argv[1:4]
def go(*a):
    assert run([str(x) for x in a]) == 0, a
go("plan", coffee, "-f", "markdown", "-o", f"{d}/plan.md")
go("export", coffee, "-f", "csv", "-o", f"{d}/sop.csv")
go("export", coffee, "-f", "xlsx", "-o", f"{d}/sop.xlsx")
go("export", coffee, "-f", "ics", "-o", f"{d}/sop.ics")
go("export", coffee, "--stores", stores, "-o", f"{d}/owners.zip")
go("export", coffee, "--stores", stores, "-f", "ics", "-o", f"{d}/owners")
go("schema", "profile", "-o", f"{d}/profile.schema.json")
run(["lint", coffee, "-f", "json", "-o", f"{d}/lint.json"])
# replaced files and folders get the default mode, whatever the old one was
os.chmod(f"{d}/sop.csv", 0o600); os.chmod(f"{d}/owners", 0o700)
os.chmod(f"{d}/plan.md", 0o664)
go("export", coffee, "-f", "csv", "-o", f"{d}/sop.csv", "--force")
go("export", coffee, "--stores", stores, "-f", "ics", "-o", f"{d}/owners", "--force")
go("plan", coffee, "-f", "markdown", "-o", f"{d}/plan.md", "--force")
"""


@needs_posix
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_outputs_honour_the_umask_like_any_new_file(tmp_path, umask):
    subprocess.run([sys.executable, "-c", MODE_SCRIPT, str(tmp_path), str(COFFEE), str(STORES)],
                   check=True, umask=umask, capture_output=True)
    file_mode, dir_mode = 0o666 & ~umask, 0o777 & ~umask
    modes = {p.name: p.stat().st_mode & 0o7777 for p in tmp_path.iterdir()}
    assert modes == {"plan.md": file_mode, "sop.csv": file_mode, "sop.xlsx": file_mode,
                     "sop.ics": file_mode, "owners.zip": file_mode, "owners": dir_mode,
                     "profile.schema.json": file_mode, "lint.json": file_mode}
    inside = {p.stat().st_mode & 0o7777 for p in (tmp_path / "owners").iterdir()}
    assert inside == {file_mode}


@needs_posix
def test_umask_is_read_without_changing_it():
    before = os.umask(0o027)
    try:
        output.umask.cache_clear()
        assert output.file_mode() == 0o640 and output.dir_mode() == 0o750
        assert os.umask(0o027) == 0o027  # still what it was
    finally:
        os.umask(before)
        output.umask.cache_clear()


# ---- the stale-temp policy --------------------------------------------------------------

def temp_name(pid: int, host: str | None = None, *, old: bool = False, tmp: bool = True,
              rand: str = "ab_cd12x") -> str:
    host = host or output.host_tag()
    return f".sidomain-{pid}-{host}-{'old-' if old else ''}{rand}{'.tmp' if tmp else ''}"


@needs_posix
def test_stale_policy_removes_only_our_dead_or_day_old_temps(tmp_path):
    gone, me = dead_pid(), os.getpid()
    other = "000000" if output.host_tag() != "000000" else "ffffff"
    day_old = time.time() - output.STALE_AFTER - 60

    def make(name: str, *, folder: bool = False, old_mtime: bool = False) -> Path:
        p = tmp_path / name
        if folder:
            p.mkdir()
            (p / "a.ics").write_bytes(b"x")
        else:
            p.write_bytes(b"x")
        if old_mtime:
            os.utime(p, (day_old, day_old))
        return p

    removed = {
        make(temp_name(gone)),                                      # killed, this host
        make(temp_name(gone, tmp=False), folder=True),              # killed sinks.py folder
        make(temp_name(me, rand="dayold00"), old_mtime=True),       # a day old, even if alive
        make(temp_name(gone, other), old_mtime=True),               # a day old, other host
    }
    kept = {
        make(temp_name(me)),                                        # alive (us)
        make(temp_name(1)),                                         # alive (init)
        make(temp_name(gone, other, rand="young000")),              # other host, young
        make(temp_name(gone, old=True, tmp=False), folder=True,
             old_mtime=True),                                       # may hold an export
        make(temp_name(gone, tmp=False, rand="file0000")),          # a file without .tmp
        make(temp_name(gone, rand="folder00"), folder=True),        # a folder with .tmp
        make(".sidomain-abcdefgh.tmp"),                             # not our exact pattern
        make(temp_name(gone) + ".bak"),
        make(temp_name(gone, rand="seven00")),                      # 7 random characters
        make(temp_name(gone, rand="UPPER000")),
        make(temp_name(gone).replace(".sidomain-", ".Sidomain-")),
        make("notes.tmp"),
        make("plan.md", old_mtime=True),
    }
    link = tmp_path / temp_name(gone, rand="link0000")
    link.symlink_to(tmp_path / "notes.tmp")                         # never follow a link
    kept.add(link)
    assert {p.name for p in removed | kept} == {p.name for p in tmp_path.iterdir()}

    assert sorted(output.remove_stale_temps(tmp_path)) == sorted(p.name for p in removed)
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in kept}
    assert (tmp_path / "notes.tmp").read_bytes() == b"x"


@needs_posix
def test_a_failing_cleanup_never_fails_the_write(capsys, tmp_path, monkeypatch):
    stale = tmp_path / temp_name(dead_pid())
    stale.write_bytes(b"x")
    real_unlink = os.unlink

    def refuse(path, *a, **kw):
        if Path(path).name == stale.name:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
        return real_unlink(path, *a, **kw)

    monkeypatch.setattr(os, "unlink", refuse)
    code, _, err = cli(capsys, "export", COFFEE, "-f", "csv", "-o", tmp_path / "sop.csv")
    assert code == 0, err
    assert stale.exists() and (tmp_path / "sop.csv").exists()
    assert output.remove_stale_temps(tmp_path / "no such folder") == []


def test_temp_names_match_the_policy_pattern(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst, *a, **kw):
        seen.append(Path(src).name)
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", spy)
    output.write_text(str(tmp_path / "a.txt"), "x", force=False)
    assert len(seen) == 1 and output.TEMP_RE.match(seen[0])
    m = output.TEMP_RE.match(seen[0])
    assert int(m["pid"]) == os.getpid() and m["host"] == output.host_tag() and m["tmp"]


def test_folder_replacement_without_an_atomic_exchange(capsys, tmp_path, monkeypatch):
    """Where renameat2 is missing the two-rename swap is used; it leaves nothing behind."""
    from sidomain_cli.exporters import sinks

    folder = tmp_path / "owners"
    assert cli(capsys, "export", COFFEE, "--stores", STORES, "-o", folder)[0] == 0
    monkeypatch.setattr(sinks, "exchange", lambda a, b: False)
    code, _, err = cli(capsys, "export", COFFEE, "--stores", STORES, "-o", folder, "--force",
                       "--start", "2027-01-04")
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir()] == ["owners"]
    index = (folder / "index.csv").read_bytes()
    assert b"owner,file" in index


# ---- every write goes through output.atomic_open or exporters/sinks.py --------------------

WRITE_CALLS = re.compile(r"""\bopen\([^)]*["'](?:[wax]b?|[rw]\+b?)["']|\.write_(?:text|bytes)\(|"""
                         r"""\bos\.(?:open|mkdir|makedirs)\(|\.mkdir\(|shutil\.(?:copy|move)""")
ALLOWED = {  # the writers themselves (files inside their temporary folder and zip)
    ("sidomain_cli/exporters/sinks.py", 'open(self.root / name, "xb")'),
    ("sidomain_cli/exporters/sinks.py", 'self.zf.open(info, "w"'),
    # --install-completion creates the shell's own completion folder (~/.zfunc …) if missing;
    # the script itself goes through output.write_text
    ("sidomain_cli/completion.py", "path.parent.mkdir(parents=True, exist_ok=True)"),
    # a pipe or character device output is written into, not replaced (output.atomic_open)
    ("sidomain_cli/output.py", "os.open(target.path, flags)"),
    # not a write: yamlio opens a stranger's file O_RDONLY to check it is a regular file
    ("sidomain_cli/yamlio.py", "os.open(p, os.O_RDONLY"),
}


def test_no_module_writes_a_file_except_through_the_atomic_writers():
    found = []
    for path in sorted((ROOT / "sidomain_cli").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "devnull" in line:  # stdout silenced after a broken pipe: not a file
                continue
            if WRITE_CALLS.search(line) and not any(rel == f and s in line for f, s in ALLOWED):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []

"""Writing outputs so that nothing is lost.

- ``-`` writes to stdout.
- A file is written to a temporary file in the same folder, flushed, fsynced and
  renamed over the target: a crash or Ctrl-C leaves the old file or the new one,
  never half of one.  An error or Ctrl-C removes the temporary file at once.
- An existing file is never replaced without ``force``.
- A file that cannot be written (full disk, read-only folder, no permission) is an
  :class:`OutputError` naming the file and the fix (exit 2), never a traceback.

**File mode.** ``mkstemp`` creates 0600 files; before the rename the temporary file is
given ``0o666 & ~umask``, the mode any new file gets (0644 under umask 022, 0600 under
077).  A file replaced with ``--force`` gets that same default mode, not the mode of the
file it replaces: the result does not depend on what was there before (like a file
written fresh; ``chmod`` again after replacing if you had changed it).  The umask is
read once per process (from ``/proc/self/status`` where it exists, else by setting and
restoring it).

**Stale temporary files.** A SIGKILL or power cut cannot be cleaned up in-process, so
temporary names carry their owner: ``.sidomain-<pid>-<host>-<random>.tmp`` for files
and ``.sidomain-<pid>-<host>-<random>`` for folders (``<host>`` is 6 hex digits of a hash
of the host name).  Every write first removes, from the folder it writes into, the
entries that match exactly that pattern (a regular file with ``.tmp``, a real folder
without; never a symlink) and are stale: made on this host by a process that no longer
exists (``os.kill(pid, 0)`` → no such process; POSIX only), or older than 24 hours.  Nothing
else is ever touched — no other name, no live process's file, no other host's file
younger than a day, and never a ``.sidomain-…-old-…`` folder (it can only be the previous
export of a folder swap interrupted between its two renames; see ``exporters/sinks.py``).
Cleanup is best effort: a failure to clean never fails the write.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Iterator

from sidomain_cli.errors import OutputError

TMP_PREFIX = ".sidomain-"
TMP_SUFFIX = ".tmp"
STALE_AFTER = 24 * 3600  # seconds: a temp entry older than this is stale whoever made it
# Exactly what temp_prefix() + mkstemp/mkdtemp produce (8 random characters).
TEMP_RE = re.compile(r"^\.sidomain-(?P<pid>[1-9][0-9]{0,9})-(?P<host>[0-9a-f]{6})-"
                     r"(?P<old>old-)?[a-z0-9_]{8}(?P<tmp>\.tmp)?$")

_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write to another disk",
    errno.EDQUOT: "your disk quota is used up: free some space or write to another disk",
    errno.EFBIG: "the file system cannot hold a file this large: write to another disk",
    errno.EROFS: "the file system is read-only: choose another --output",
    errno.EACCES: "you may not write in this folder: choose another --output or fix its "
                  "permissions",
    errno.EPERM: "you may not write in this folder: choose another --output or fix its "
                 "permissions",
}


# ---- modes and names --------------------------------------------------------------------

def _read_umask() -> int:
    try:  # Linux ≥ 4.7: no need to change the process-wide umask to learn it
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8) & 0o777
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask & 0o777


@functools.cache
def umask() -> int:
    """The process umask, read once."""
    return _read_umask()


def file_mode() -> int:
    """The mode ``open()`` gives a new file: ``0o666 & ~umask``."""
    return 0o666 & ~umask()


def dir_mode() -> int:
    """The mode ``mkdir`` gives a new folder: ``0o777 & ~umask``."""
    return 0o777 & ~umask()


@functools.cache
def host_tag() -> str:
    """6 hex digits of a hash of this host's name, read once."""
    import hashlib
    import socket

    try:
        name = socket.gethostname()
    except OSError:
        name = ""
    return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:6]


def temp_prefix() -> str:
    """``.sidomain-<pid>-<host>-``: mkstemp/mkdtemp append 8 random characters."""
    return f"{TMP_PREFIX}{os.getpid()}-{host_tag()}-"


# ---- stale temporary files --------------------------------------------------------------

def _pid_gone(pid: int) -> bool:
    """True only if we know no process ``pid`` exists on this host."""
    if os.name != "posix":  # os.kill(pid, 0) is not a probe on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError, ValueError):  # EPERM: alive, someone else's
        return False
    return False


def is_stale(entry: os.DirEntry | Path, *, now: float | None = None) -> bool:
    """Whether ``entry`` is a temporary file or folder sidomain left behind (see above)."""
    m = TEMP_RE.fullmatch(entry.name)
    if not m or m["old"]:
        return False
    try:
        st = os.lstat(entry.path if isinstance(entry, os.DirEntry) else entry)
    except OSError:
        return False
    import stat

    if m["tmp"]:
        if not stat.S_ISREG(st.st_mode):
            return False
    elif not stat.S_ISDIR(st.st_mode):
        return False
    now = time.time() if now is None else now
    if now - st.st_mtime > STALE_AFTER:
        return True
    return m["host"] == host_tag() and _pid_gone(int(m["pid"]))


def remove_stale_temps(folder: str | Path) -> list[str]:
    """Remove sidomain's stale temporary files and folders in ``folder``; never raises.

    Returns the names removed.
    """
    removed: list[str] = []
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if e.name.startswith(TMP_PREFIX)]
    except OSError:
        return removed
    for entry in sorted(entries, key=lambda e: e.name):
        try:
            if not is_stale(entry):
                continue
            if entry.name.endswith(TMP_SUFFIX):
                os.unlink(entry.path)
            else:
                import shutil

                shutil.rmtree(entry.path)
            removed.append(entry.name)
        except OSError:
            continue
    return removed


# ---- errors -------------------------------------------------------------------------------

def write_error(exc: OSError, target: str | Path) -> OutputError:
    """An OSError met while writing ``target``, as a message a person can act on."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"cannot write the output: {reason}", path=str(target),
                       hint=_HINTS.get(exc.errno or 0, "check the folder and the disk"))


def from_writing(exc: BaseException, *paths: str | Path) -> bool:
    """True if ``exc`` is an OSError of writing (no file name, or one of ``paths``)."""
    if not isinstance(exc, OSError) or isinstance(exc, BrokenPipeError):
        return False
    if exc.filename is None:
        return True
    name = os.fsdecode(exc.filename) if isinstance(exc.filename, (str, bytes)) else ""
    return any(name == str(p) or name.startswith(str(p) + os.sep) for p in paths)


# ---- writing ------------------------------------------------------------------------------

def check_target(path: str | Path, *, force: bool) -> Path:
    p = Path(path)
    try:
        if p.is_dir():
            raise OutputError("output is a folder", path=str(p), hint="give a file name")
        if p.exists() and not force:
            raise OutputError("output file exists; not overwriting it", path=str(p),
                              hint="pass --force to replace it, or choose another --output")
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise OutputError("output folder does not exist", path=str(parent),
                              hint="create it first")
    except OSError as exc:  # e.g. a name too long, a folder we may not look into
        raise write_error(exc, p) from None
    return p


@contextlib.contextmanager
def atomic_open(path: str | Path, *, force: bool, binary: bool = False,
                encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temp file beside ``path``; on success rename it over ``path``."""
    target = check_target(path, force=force)
    folder = target.parent
    remove_stale_temps(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=TMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise write_error(exc, target) from None
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                           "newline": newline})) as fh:
            yield fh
            fh.flush()
            os.chmod(tmp, file_mode())  # mkstemp made it 0600
            os.fsync(fh.fileno())
        if target.exists() and not force:  # appeared while we were writing
            raise OutputError("output file appeared while writing; not overwriting it",
                              path=str(target), hint="pass --force to replace it")
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if from_writing(exc, tmp, target):
            raise write_error(exc, target) from None  # type: ignore[arg-type]
        raise


def write_text(path: str, content: str, *, force: bool, encoding: str = "utf-8") -> None:
    if path == "-":
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    with atomic_open(path, force=force, encoding=encoding, newline="") as fh:
        fh.write(content)


def write_bytes(path: str, content: bytes, *, force: bool) -> None:
    if path == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    with atomic_open(path, force=force, binary=True) as fh:
        fh.write(content)

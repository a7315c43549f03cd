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

STREAM_DIRS = ("/dev/fd/", "/proc/self/fd/", "/dev/stdout", "/dev/stderr")


class Target:
    """What ``--output PATH`` names, decided once (see :func:`check_target`).

    - ``stream``: a pipe (FIFO, ``>(cmd)``), a character device (``/dev/null``, a
      terminal) or the shell's own redirection (``/dev/stdout``): written into as a
      stream, never replaced (nothing there is a file that could be lost);
    - otherwise a regular file (or none yet) at ``real``: a symlink is followed to the file
      it names, so the link stays and its file gets the output.
    """

    def __init__(self, path: Path, real: Path, *, stream: bool, exists: bool) -> None:
        self.path, self.real, self.stream, self.exists = path, real, stream, exists


def _kind(mode: int) -> str:
    import stat

    for test, name in ((stat.S_ISBLK, "a block device (a disk)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def check_target(path: str | Path, *, force: bool) -> Target:
    """Decide what ``path`` is and refuse what may not be written, before any work."""
    import stat

    p = Path(path)
    try:
        try:
            link = os.lstat(p)
        except FileNotFoundError:
            link = None
        if link is not None:
            try:
                st = os.stat(p)
            except FileNotFoundError:
                raise OutputError("output is a symbolic link to a missing file; not following "
                                  "it", path=str(p),
                                  hint="remove the link, or choose another --output") from None
            if stat.S_ISDIR(st.st_mode):
                raise OutputError("output is a folder", path=str(p), hint="give a file name")
            if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode) or (
                    stat.S_ISREG(st.st_mode) and str(p).startswith(STREAM_DIRS)):
                return Target(p, p, stream=True, exists=True)
            if not stat.S_ISREG(st.st_mode):
                raise OutputError(f"output is {_kind(st.st_mode)}; sidomain writes files, "
                                  "pipes and character devices", path=str(p),
                                  hint="choose another --output")
            if not force:
                raise OutputError("output file exists; not overwriting it", path=str(p),
                                  hint="pass --force to replace it, or choose another --output")
            real = Path(os.path.realpath(p)) if stat.S_ISLNK(link.st_mode) else p
            return Target(p, real, stream=False, exists=True)
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise OutputError("output folder does not exist", path=str(parent),
                              hint="create it first")
    except OSError as exc:  # e.g. a name too long, a folder we may not look into
        raise write_error(exc, p) from None
    return Target(p, p, stream=False, exists=False)


AT_FDCWD = -100
RENAME_NOREPLACE = 1


def rename_noreplace(src: str | Path, dst: str | Path) -> None:
    """Rename ``src`` to ``dst`` only if ``dst`` does not exist (FileExistsError if it does):
    one step where the system can (Linux renameat2), else a check right before renaming."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            fn = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError):
            fn = None
        if fn is not None:
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                           ctypes.c_uint]
            fn.restype = ctypes.c_int
            if fn(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), RENAME_NOREPLACE) == 0:
                return
            err = ctypes.get_errno()
            if err == errno.EEXIST:
                raise FileExistsError(err, os.strerror(err), str(dst))
            if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP,
                           errno.EPERM):
                raise OSError(err, os.strerror(err), str(src), None, str(dst))
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def _appeared(target: Path) -> OutputError:
    return OutputError("output file appeared while writing; not overwriting it",
                       path=str(target), hint="pass --force to replace it")


@contextlib.contextmanager
def _stream(target: Target, binary: bool, encoding: str, newline: str | None) -> Iterator[IO]:
    import stat

    try:
        regular = stat.S_ISREG(os.stat(target.path).st_mode)
        # the shell's redirection (/dev/stdout to a file): append where the shell put us
        flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | (os.O_APPEND if regular else 0)
        fd = os.open(target.path, flags)
    except OSError as exc:
        raise write_error(exc, target.path) from None
    mode = "wb" if binary else "w"
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                       "newline": newline})) as fh:
            yield fh
    except OSError as exc:
        if from_writing(exc, target.path):
            raise write_error(exc, target.path) from None
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, *, force: bool, binary: bool = False,
                encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temp file beside ``path``; on success rename it over ``path``.

    A pipe or character device is written into as a stream instead (see :class:`Target`).
    At commit the target is checked again: a file that appeared meanwhile is not replaced
    without ``force``, and with ``force`` only a regular file is replaced.
    """
    target = check_target(path, force=force)
    if target.stream:
        with _stream(target, binary, encoding, newline) as fh:
            yield fh
        return
    real = target.real
    folder = real.parent if str(real.parent) else Path(".")
    remove_stale_temps(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=TMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise write_error(exc, target.path) from None
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                           "newline": newline})) as fh:
            yield fh
            fh.flush()
            os.chmod(tmp, file_mode())  # mkstemp made it 0600
            os.fsync(fh.fileno())
        _commit(tmp, real, force=force)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if from_writing(exc, tmp, real, target.path):
            raise write_error(exc, target.path) from None  # type: ignore[arg-type]
        raise


def _commit(tmp: str, real: Path, *, force: bool) -> None:
    import stat

    try:
        st = os.lstat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not force:
        raise _appeared(real)
    if st is not None and not stat.S_ISREG(st.st_mode):  # became a link, pipe, folder …
        raise OutputError("output changed while writing (it is no longer a regular file); "
                          "not replacing it", path=str(real), hint="run again")
    os.replace(tmp, real)


@contextlib.contextmanager
def scratch_dir(output: str | Path) -> Iterator[Path]:
    """A private temporary folder for a library's own scratch files (XlsxWriter's), beside
    the output (``.sidomain-<pid>-<host>-<random>``): removed on success, error, Ctrl-C and
    SIGTERM, and by the stale clean-up after a SIGKILL.  Not in ``$TMPDIR``: a full
    ``$TMPDIR`` was reported as the output's disk, and a killed export left its 100 MB
    there for good."""
    import shutil

    target = check_target(output, force=True) if output != "-" else None
    near = (target.real.parent if target and not target.stream else Path(tempfile.gettempdir()))
    try:
        folder = Path(tempfile.mkdtemp(prefix=temp_prefix(), dir=near or Path(".")))
    except OSError as exc:
        raise write_error(exc, output) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_text(path: str, content: str, *, force: bool, encoding: str = "utf-8",
               document: bool = True) -> None:
    """Write ``content`` to ``path`` (``-``: stdout).

    The output encoding rule: a document (JSON, CSV, Markdown, HTML, SARIF …) is UTF-8
    bytes wherever it goes, whatever the console's encoding (a redirected stdout on
    Chinese Windows is GBK); the text view (``document=False``) is for a person at the
    console, so it is written in the console's encoding with what it cannot show replaced.
    """
    if path == "-":
        sys.stdout.flush()
        if document or not hasattr(sys.stdout, "buffer"):
            data = content.encode(encoding if document else "utf-8", "replace")
        else:
            data = content.encode(sys.stdout.encoding or "utf-8", "replace")
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a test's StringIO: it takes text
            sys.stdout.write(content)
        else:
            out.write(data)
        sys.stdout.flush()
        return
    with atomic_open(path, force=force, encoding=encoding, newline="") as fh:
        fh.write(content)


def write_bytes(path: str, content: bytes, *, force: bool) -> None:
    if path == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    with atomic_open(path, force=force, binary=True) as fh:
        fh.write(content)

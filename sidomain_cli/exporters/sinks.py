"""Where a multi-file export (one calendar per owner) goes: a folder or a zip, atomically.

- **zip** (``--output calendars.zip``): written through ``output.atomic_open`` like any
  file; members in a fixed order with a fixed timestamp, so the same input gives the
  same bytes.
- **folder** (``--output calendars/``): files are written into a temporary folder
  ``.sidomain-<pid>-<host>-<random>`` beside the target, fsynced, and the folder is
  renamed into place.  Replacing (``--force``) swaps the two folders in one step where the
  system can (Linux ``renameat2(RENAME_EXCHANGE)``) and then deletes the old one, which now
  has the temporary name; elsewhere the old folder is renamed aside to
  ``.sidomain-<pid>-<host>-old-<random>``, the new one renamed into place, and the old one
  renamed to a plain temporary name and deleted.  An interruption therefore leaves the old
  folder or the new one, never a mix; only a crash between the two renames of the
  fallback leaves the target missing, with the previous export intact in the ``old-``
  folder (stale cleanup never deletes those: rename it back).  A folder holding anything
  but an earlier export's ``.ics`` files and ``index.csv`` is never replaced.
- Folders get the mode ``mkdir`` would give (``0o777 & ~umask``), files inside the mode
  ``open`` gives; a replaced folder gets the default mode too (see ``output.py``).
- Stale temporary folders of killed exports are removed by the next write into the same
  folder (policy in ``output.py``); a write that cannot be done is an ``OutputError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Iterator

from sidomain_cli.errors import OutputError
from sidomain_cli.output import (atomic_open, dir_mode, from_writing, remove_stale_temps,
                                 rename_noreplace, temp_prefix, write_error)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
OURS = (".ics",)
INDEX = "index.csv"


def is_zip(path: str) -> bool:
    return path.lower().endswith(".zip")


def check_folder(path: str | Path, *, force: bool) -> Path:
    """The folder to write (a symlink is followed to the folder it names), refused if it
    exists without ``force`` or holds anything but an earlier export."""
    try:
        return _check_folder(Path(path), force=force)
    except OSError as exc:  # a folder we may not list, a name too long …
        raise write_error(exc, path) from None


def _check_folder(p: Path, *, force: bool) -> Path:
    if os.path.islink(p):
        if not os.path.exists(p):
            raise OutputError("output is a symbolic link to a missing folder; not following "
                              "it", path=str(p), hint="remove the link, or choose another "
                                                      "--output")
        if not force:
            raise OutputError("output folder exists; not replacing it", path=str(p),
                              hint="pass --force to replace it, or choose another --output")
        p = Path(os.path.realpath(p))  # replace the folder the link names; the link stays
    if p.exists():
        if not p.is_dir():
            raise OutputError("output exists and is not a folder", path=str(p),
                              hint="give a folder name, or a name ending in .zip")
        if not force:
            raise OutputError("output folder exists; not replacing it", path=str(p),
                              hint="pass --force to replace it, or choose another --output")
        for child in sorted(p.iterdir()):
            if not _ours(child):
                raise OutputError("output folder holds files that are not an earlier export; "
                                  "not replacing it", path=str(child),
                                  hint="choose a new or empty folder")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError("output folder's parent does not exist", path=str(parent),
                          hint="create it first")
    return p


def _ours(child: Path) -> bool:
    """A file an export writes: a regular file (not a link) named *.ics or index.csv."""
    return (not child.is_symlink() and child.is_file()
            and (child.suffix.lower() in OURS or child.name == INDEX))


def _remove_export(old: Path, parent: Path) -> None:
    """Delete the previous export swapped out of place — its own files only.  Anything else
    (it appeared after the check) is kept, in a folder stale clean-up never deletes."""
    with contextlib.suppress(OSError):
        for child in old.iterdir():
            if _ours(child):
                child.unlink()
    try:
        os.rmdir(old)
        return
    except OSError:
        pass
    with contextlib.suppress(OSError):
        keep = Path(tempfile.mkdtemp(prefix=temp_prefix() + "old-", dir=parent))
        os.rmdir(keep)
        os.rename(old, keep)
        old = keep
    sys.stderr.write(f"sidomain: warning: the replaced folder held files that are not an "
                     f"earlier export; they are kept in {old}\n")


class FolderSink:
    def __init__(self, root: Path) -> None:
        self.root = root

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        with open(self.root / name, "xb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


class ZipSink:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zf.open(info, "w", force_zip64=True) as fh:
            yield fh


AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2); False if not supported here."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # no libc symbol (old glibc, other libc)
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM):
        return False  # kernel or file system cannot exchange: use two renames
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _swap_in(tmp: Path, target: Path, parent: Path) -> Path:
    """Put the folder ``tmp`` in place of the existing ``target``; returns the old one."""
    if exchange(tmp, target):
        return tmp  # the old folder now has the temporary name
    old = Path(tempfile.mkdtemp(prefix=temp_prefix() + "old-", dir=parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(old, target)  # put the previous export back
        raise
    garbage = Path(tempfile.mkdtemp(prefix=temp_prefix(), dir=parent))
    try:
        os.rmdir(garbage)
        os.rename(old, garbage)  # a plain temp name: stale cleanup may delete it
    except OSError:
        return old
    return garbage


@contextlib.contextmanager
def open_sink(path: str, *, force: bool):
    """A sink for ``path`` (zip or folder), committed only if the block succeeds."""
    if is_zip(path):
        with atomic_open(path, force=force, binary=True) as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                yield ZipSink(zf)
        return
    target = check_folder(path, force=force)
    parent = target.parent if str(target.parent) else Path(".")
    remove_stale_temps(parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(), dir=parent))
    except OSError as exc:
        raise write_error(exc, target) from None
    try:
        os.chmod(tmp, dir_mode())  # mkdtemp makes 0700; the result is an ordinary folder
        yield FolderSink(tmp)
        try:  # check again: the target may have appeared or changed while we wrote
            if os.path.lexists(target):
                if not force:
                    raise OutputError("output folder appeared while writing; not replacing "
                                      "it", path=str(target), hint="pass --force to replace it")
                _check_folder(target, force=True)
                _remove_export(_swap_in(tmp, target, parent), parent)
            else:
                try:
                    rename_noreplace(tmp, target)
                except FileExistsError:
                    raise OutputError("output folder appeared while writing; not replacing "
                                      "it", path=str(target),
                                      hint="pass --force to replace it") from None
        except OSError as exc:
            raise write_error(exc, target) from None
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if from_writing(exc, tmp, target):
            raise write_error(exc, target) from None  # type: ignore[arg-type]
        raise


class EarlierFiles:
    """An earlier folder or zip export at ``path``, read one file at a time as a stream.

    ``names()`` lists its files; ``opener(name)`` is ``None`` for a file it does not have,
    else a function opening that file (a binary stream) in a ``with`` block.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._names: list[str] = []
        self.zip = False
        if not path or not os.path.exists(path):
            return
        if os.path.isdir(path):
            self._names = sorted(p.name for p in Path(path).iterdir() if p.is_file())
            return
        self.zip = True
        try:
            with zipfile.ZipFile(path) as zf:
                self._names = [n for n in zf.namelist() if "/" not in n]
        except (zipfile.BadZipFile, OSError) as exc:
            raise OutputError(f"cannot read the earlier export: {exc}", path=path) from None

    def names(self) -> list[str]:
        return list(self._names)

    def opener(self, name: str):
        if name not in self._names:
            return None
        path = self.path
        assert path is not None

        @contextlib.contextmanager
        def open_member() -> Iterator[IO[bytes]]:
            if not self.zip:
                with open(os.path.join(path, name), "rb") as fh:
                    yield fh
                return
            with zipfile.ZipFile(path) as zf, zf.open(name) as fh:  # memory stays flat
                yield fh
        return open_member

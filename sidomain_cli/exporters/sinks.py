"""Where a multi-file export (one calendar per owner) goes: a folder or a zip, atomically.

- **zip** (``--output calendars.zip``): written through ``output.atomic_open`` like any
  file; members in a fixed order with a fixed timestamp, so the same input gives the
  same bytes.
- **folder** (``--output calendars/``): files are written into a temporary folder beside
  the target, fsynced, and the folder is renamed into place.  Replacing (``--force``)
  renames the old folder aside first and deletes it after the swap, so an interruption
  leaves the old folder or the new one, never a mix.  A folder holding anything but an
  earlier export's ``.ics`` files and ``index.csv`` is never replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Iterator

from sidomain_cli.errors import OutputError
from sidomain_cli.output import TMP_PREFIX, atomic_open

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
OURS = (".ics",)
INDEX = "index.csv"


def is_zip(path: str) -> bool:
    return path.lower().endswith(".zip")


def check_folder(path: str | Path, *, force: bool) -> Path:
    p = Path(path)
    if p.exists():
        if not p.is_dir():
            raise OutputError("output exists and is not a folder", path=str(p),
                              hint="give a folder name, or a name ending in .zip")
        if not force:
            raise OutputError("output folder exists; not replacing it", path=str(p),
                              hint="pass --force to replace it, or choose another --output")
        for child in sorted(p.iterdir()):
            if not (child.is_file() and (child.suffix.lower() in OURS or child.name == INDEX)):
                raise OutputError("output folder holds files that are not an earlier export; "
                                  "not replacing it", path=str(child),
                                  hint="choose a new or empty folder")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError("output folder's parent does not exist", path=str(parent),
                          hint="create it first")
    return p


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
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; the result is an ordinary folder
    try:
        yield FolderSink(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=TMP_PREFIX + "old-", dir=parent))
            os.rmdir(old)
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def earlier_reader(path: str | None):
    """``filename → bytes | None`` from an earlier folder or zip export at ``path``."""
    if not path or not os.path.exists(path):
        return lambda name: None
    if os.path.isdir(path):
        def from_folder(name: str) -> bytes | None:
            p = Path(path) / name
            return p.read_bytes() if p.is_file() else None
        return from_folder
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise OutputError(f"cannot read the earlier export: {exc}", path=path) from None

    def from_zip(name: str) -> bytes | None:  # one member at a time: memory stays flat
        if name not in names:
            return None
        with zipfile.ZipFile(path) as zf:
            return zf.read(name)
    return from_zip

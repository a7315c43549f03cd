"""Writing outputs so that nothing is lost.

- ``-`` writes to stdout.
- A file is written to a temporary file in the same folder, flushed, fsynced and
  renamed over the target: a crash or Ctrl-C leaves the old file or the new one,
  never half of one, and no stray temporary file.
- An existing file is never replaced without ``force``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

from sidomain_cli.errors import OutputError

TMP_PREFIX = ".sidomain-"


def check_target(path: str | Path, *, force: bool) -> Path:
    p = Path(path)
    if p.is_dir():
        raise OutputError("output is a folder", path=str(p), hint="give a file name")
    if p.exists() and not force:
        raise OutputError("output file exists; not overwriting it", path=str(p),
                          hint="pass --force to replace it, or choose another --output")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError("output folder does not exist", path=str(parent),
                          hint="create it first")
    return p


@contextlib.contextmanager
def atomic_open(path: str | Path, *, force: bool, binary: bool = False,
                encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temp file beside ``path``; on success rename it over ``path``."""
    target = check_target(path, force=force)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".tmp", dir=target.parent or ".")
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                           "newline": newline})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists() and not force:  # appeared while we were writing
            raise OutputError("output file appeared while writing; not overwriting it",
                              path=str(target), hint="pass --force to replace it")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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

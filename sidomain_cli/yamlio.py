"""Read YAML the user wrote, keeping the line and column of every key and value.

Positions come from PyYAML's own node marks (no magic keys injected into data).
Reading also guards against the usual hazards: files too large, binary files,
non-UTF-8 text (named, with the fix), duplicate keys and alias bombs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sidomain_cli.errors import InputError, Problem

MAX_BYTES = 1024 * 1024  # profiles and playbooks are small; anything larger is a mistake
MAX_NODES = 100_000  # after alias expansion: bounds "billion laughs"
MAX_DEPTH = 100  # nesting levels; profiles and playbooks use fewer than ten
MAX_NUMBER_CHARS = 100  # a longer YAML int is slow to convert and cannot be printed
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# Scalars PyYAML's constructor turns into values; an explicit tag (`!!int ""`) can hand it
# text it cannot take (it raised IndexError/KeyError), so each is built once here first.
_SCALAR_KINDS = {"tag:yaml.org,2002:int": "whole number", "tag:yaml.org,2002:float": "number",
                 "tag:yaml.org,2002:bool": "true/false", "tag:yaml.org,2002:null": "null"}

Key = tuple[Any, ...]


@dataclass
class Doc:
    """Parsed YAML plus where each piece came from."""

    path: str
    data: Any
    # path-tuple -> (line, column) of the key (for mapping entries) or item, 1-based
    marks: dict[Key, tuple[int, int]] = field(default_factory=dict)
    # path-tuple -> (line, column) of the value node
    value_marks: dict[Key, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[Problem] = field(default_factory=list)

    def where(self, key: Key, *, value: bool = False) -> tuple[int, int]:
        """Best position for ``key``: itself, else the nearest parent that has one."""
        table = self.value_marks if value else self.marks
        k = tuple(key)
        while k:
            if k in table:
                return table[k]
            if k in self.marks:
                return self.marks[k]
            k = k[:-1]
        return (1, 1)

    def problem(self, key: Key, message: str, *, code: str = "", hint: str = "",
                value: bool = False, severity: str = "error") -> Problem:
        line, col = self.where(key, value=value)
        return Problem(self.path, line, col, code, severity, message, hint)


def read_bytes(path: str | Path, *, max_bytes: int = MAX_BYTES, what: str = "file",
               within: Path | None = None) -> bytes:
    """The bytes of a user's file, refused before reading when it is too big to be one.

    At most ``max_bytes + 1`` bytes are ever read, so a device or pipe that never ends
    (``/dev/zero``) is refused too, without filling the memory.

    ``within``: the path came from a stranger (a tree ``lint`` walks, a path written in
    a profile), so it is read only if it is a regular file whose real path stays inside
    the folder ``within`` — no FIFO, device or ``/proc/self/fd/…`` link (lint waited on
    them forever), no symlink out of the tree (its content reached CI annotations).
    Paths a user types on the command line may name a pipe or device.
    """
    p = Path(path)
    name = str(path)
    if within is not None:
        _inside(p, within, what)
    if not p.exists():
        raise InputError(f"{what} not found", path=name,
                         hint=_nearby(p) if within is None else "check the path")
    if p.is_dir():
        raise InputError(f"is a folder, expected a {what}", path=name,
                         hint="give the path of a file inside it")

    def too_big(size: str) -> InputError:
        return InputError(f"file is {size}over the {max_bytes:,}-byte limit for a {what}",
                          path=name, hint="is this the right file?")

    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise too_big(f"{size:,} bytes, ")
        with _open(p, regular_only=within is not None, what=what) as fh:
            raw = fh.read(max_bytes + 1)
    except PermissionError:
        raise InputError(f"cannot read the {what}: permission denied", path=name,
                         hint="check the file's permissions (chmod u+r)") from None
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", path=name) from None
    if len(raw) > max_bytes:  # a device or pipe that reports no size
        raise too_big("")
    return raw


def _inside(p: Path, within: Path, what: str) -> None:
    import os

    real = Path(os.path.realpath(p))
    root = Path(os.path.realpath(within))
    if real != root and not real.is_relative_to(root):
        raise InputError(f"{what} path leads out of {within}", path=str(p),
                         hint="sidomain reads only files inside the folder it was given; "
                              "links and '..' that lead out are refused")


def _open(p: Path, *, regular_only: bool, what: str):
    """Open ``p`` for reading; ``regular_only``: refuse anything but a regular file, decided
    on the opened file itself (O_NONBLOCK: opening a FIFO does not wait for a writer)."""
    import os
    import stat

    if not regular_only:
        return p.open("rb")
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device"
                    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                    if stat.S_ISSOCK(mode) else "not a regular file")
            raise InputError(f"{what} is {kind}, not a regular file", path=str(p),
                             hint="sidomain reads only regular files from a tree or a "
                                  "path written in a file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _nearby(p: Path) -> str:
    """A hint for a missing file: a similar name beside it, else check the path."""
    import difflib

    try:
        folder = p.parent if str(p.parent) else Path(".")
        names = [c.name for c in folder.iterdir()] if folder.is_dir() else []
    except OSError:
        names = []
    near = difflib.get_close_matches(p.name, names, n=1, cutoff=0.75)
    if near:
        return f"did you mean '{p.with_name(near[0])}'?"
    return "check the path"


def read_text(path: str | Path, *, max_bytes: int = MAX_BYTES, encoding: str | None = None,
              what: str = "file", within: Path | None = None) -> str:
    """Read a user's text file, refusing what cannot be text and naming the fix."""
    raw = read_bytes(path, max_bytes=max_bytes, what=what, within=within)
    return decode(raw, str(path), encoding=encoding, noun=what)


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' if ``raw`` looks like UTF-16 text saved without a BOM."""
    head = raw[:4096]
    if len(head) < 4:
        return None
    pairs = len(head) // 2
    even = sum(1 for i in range(0, pairs * 2, 2) if head[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if head[i] == 0)
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= pairs * 0.3 and other <= pairs * 0.05:
            try:
                raw[: len(raw) // 2 * 2].decode(codec)
            except UnicodeDecodeError:
                return None
            return codec
    return None


def decode(raw: bytes, name: str, *, encoding: str | None = None,
           option: str = "--encoding", noun: str = "file", kind: str = "YAML") -> str:
    """Text from a user's bytes: UTF-8 (a BOM is fine), else an error naming the fix.

    ``option`` is the command-line option that chooses another encoding; ``noun`` names
    the file in messages ("profile", "stores file"), ``kind`` what it should hold.
    """
    if encoding:
        try:
            return _no_surrogates(raw.decode(encoding).lstrip("\ufeff"), name, noun, encoding)
        except LookupError:
            raise InputError(f"unknown encoding '{encoding}' ({option})", path=name,
                             hint="e.g. gb18030, utf-16, utf-8") from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(f"{noun} is not valid {encoding} (byte {exc.start})", path=name,
                             line=line, column=1,
                             hint=f"is it saved as {encoding}? without {option} it is read "
                                  "as UTF-8") from None
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            order = "LE" if bom[0] == 0xFF else "BE"
            raise InputError(f"{noun} is {codec.upper()} ({order}) text, not UTF-8", path=name,
                             hint=f"save it as UTF-8, or pass {option} {codec}")
    if b"\x00" in raw[:8192]:
        codec = _utf16_without_bom(raw)
        if codec:
            raise InputError(f"{noun} is UTF-16 text without a byte-order mark "
                             f"({codec[-2:].upper()}), not UTF-8", path=name,
                             hint=f"save it as UTF-8, or pass {option} {codec}")
        raise InputError(f"{noun} is binary, not text", path=name,
                         hint=f"give a {kind} text file")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        guess = ""
        try:
            raw.decode("gb18030")
            guess = "GBK/GB18030"
        except UnicodeDecodeError:
            pass
        if guess:
            raise InputError(f"{noun} is not valid utf-8; it looks like {guess} "
                             "(saved by Excel or Notepad?)",
                             path=name, line=line, column=1,
                             hint=f"save it as UTF-8, or pass {option} gb18030") from None
        raise InputError(f"{noun} is not valid utf-8 (byte {exc.start})", path=name, line=line,
                         column=1, hint="save it as UTF-8") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(text: str, name: str, noun: str, encoding: str) -> str:
    """Text some decoders make (utf-7 ``+2AA-``, unicode_escape ``\\ud800``) may hold lone
    surrogates, which are not characters: no output could encode them (exit 70 before)."""
    m = _SURROGATE.search(text)
    if m is None:
        return text
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    raise InputError(f"{noun} decoded as {encoding} holds U+{ord(m.group()):04X}, half of a "
                     "character (a lone surrogate)", path=name, line=line, column=column,
                     hint="save the file as UTF-8, or give its real encoding")


def _loader_classes():
    import yaml

    loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    return yaml, loader


def parse_yaml(text: str, name: str) -> Doc:
    """Parse one YAML document into a :class:`Doc` with positions."""
    yaml, Loader = _loader_classes()
    loader = Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            msg = exc.problem or str(exc)
            if exc.context:
                msg = f"{exc.context}, {msg}"
            raise InputError(f"malformed YAML: {msg}", path=name, line=line, column=col,
                             hint="fix the YAML syntax at this place") from None
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow
            raise _bad_character(text, name, exc) from None
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML: {exc}", path=name) from None
        doc = Doc(name, None)
        if node is None:
            return doc
        _walk(node, (), doc, [0], 0)
        try:
            doc.data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            problem = str(getattr(exc, "problem", None) or exc)
            hint = ""
            if "could not determine a constructor for the tag" in problem:
                tag = problem.rsplit(" ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
                problem = f"YAML tag '{tag}' is not allowed"
                hint = "sidomain reads plain data only: remove the tag"
            raise InputError(f"invalid YAML value: {problem}", path=name,
                             line=line, column=col, hint=hint) from None
        except Exception as exc:  # typed scalars are checked in _walk; this is the backstop
            from sidomain_cli.safetext import one_line

            raise InputError(f"invalid YAML value: {one_line(str(exc) or type(exc).__name__)}",
                             path=name, hint="check the tagged, date and number values in "
                                             "this file") from None
        return doc
    finally:
        loader.dispose()


# What YAML 1.1 lets a file hold (its "printable" set); anything else stops the reader.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd"
                            "\U00010000-\U0010ffff]")


def _bad_character(text: str, name: str, exc: Exception) -> InputError:
    """PyYAML's reader error, at the character's own line and column, on one line."""
    m = _NOT_PRINTABLE.search(text)
    if m is None:  # not expected: the reader found one; say what it said, on one line
        return InputError(f"malformed YAML: {getattr(exc, 'reason', exc)}", path=name)
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return InputError(f"character U+{ord(m.group()):04X} is not allowed in YAML", path=name,
                      line=line, column=column,
                      hint="remove it, or quote the text as \"\\x..\" if you meant it")


def _walk(node, key: Key, doc: Doc, counter: list[int], depth: int) -> None:
    """Record positions; count every node as reached through aliases, keys included.

    Counting the expanded tree before anything is constructed bounds "billion laughs"
    (aliases of aliases, also through ``<<`` merge keys or complex keys) for PyYAML's
    construct step and for every check after it; the depth bound keeps the checks
    (which recurse) far from Python's recursion limit.
    """
    import yaml

    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise InputError(
            f"document expands to more than {MAX_NODES:,} values (YAML aliases?)",
            path=doc.path, line=node.start_mark.line + 1, column=node.start_mark.column + 1,
            hint="remove anchors/aliases that repeat large parts")
    if depth > MAX_DEPTH:
        raise InputError(
            f"values are nested more than {MAX_DEPTH} levels deep", path=doc.path,
            line=node.start_mark.line + 1, column=node.start_mark.column + 1,
            hint="sidomain files need only a few levels; is this the right file?")
    if key is not None:
        doc.value_marks[key] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, tuple[int, int]] = {}
        for knode, vnode in node.value:
            pos = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            if isinstance(knode, yaml.ScalarNode):
                _check_scalar(knode, (key or ()) + (knode.value,), doc)
                k = knode.value
            else:  # a list or mapping as a key: count it, never repr() it (aliases)
                _walk(knode, None, doc, counter, depth + 1)
                k = f"<{'list' if isinstance(knode, yaml.SequenceNode) else 'mapping'} key>"
            if (k in seen and isinstance(knode, yaml.ScalarNode) and key is not None
                    and knode.tag != "tag:yaml.org,2002:merge"):
                doc.duplicates.append(Problem(
                    doc.path, pos[0], pos[1], "", "error",
                    f"duplicate key '{k}' (first at line {seen[k][0]})",
                    "keep one; YAML would silently use the last"))
            seen.setdefault(k, pos)
            child = None if key is None else key + (k,)
            if child is not None:
                doc.marks[child] = pos
            _walk(vnode, child, doc, counter, depth + 1)
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        _check_timestamp(node, key or (), doc)
    elif isinstance(node, yaml.ScalarNode):
        _check_scalar(node, key or (), doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = None if key is None else key + (i,)
            if child is not None:
                doc.marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, child, doc, counter, depth + 1)


@functools.cache
def _constructor():
    from yaml.constructor import SafeConstructor

    return SafeConstructor()


def _check_scalar(node, key: Key, doc: Doc) -> None:
    """A typed scalar must be what its tag says, reported where it is (one place from YAML
    text to value: implicit and explicit tags alike, keys and values alike)."""
    kind = _SCALAR_KINDS.get(node.tag)
    if kind is None:
        return
    name = ".".join(str(k) for k in key) or "value"
    where = {"path": doc.path, "line": node.start_mark.line + 1,
             "column": node.start_mark.column + 1}
    if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
        raise InputError(f"'{name}' is a number {len(node.value):,} characters long",
                         hint="write a plain number of sensible size", **where)
    try:
        c = _constructor()
        c.yaml_constructors[node.tag](c, node)
    except Exception:  # IndexError, KeyError, ValueError …: whatever PyYAML raises
        from sidomain_cli.safetext import one_line

        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise InputError(f"invalid YAML value: '{name}' is {one_line(repr(node.value))}, "
                         f"not a {kind} ({tag})",
                         hint="write the value without the tag, or one the tag allows",
                         **where) from None


# Parsed documents kept for the process, keyed by path, kind, encoding and a hash of the
# bytes (so an edited file is parsed again, however quickly it was rewritten). Only what
# every plan reads again is kept: playbooks, method files and the built-in data files
# (holidays, node catalog …); not profiles, which a batch reads once each. A cached Doc
# is shared: its consumers build their own objects from it and never change it.
CACHED_KINDS = ("playbook", "method file")
CACHE_MAX = 64
_CACHE: dict[tuple, Doc] = {}


def _cacheable(path: str | Path, what: str) -> bool:
    if what in CACHED_KINDS:
        return True
    from sidomain_cli.resources import playbooks_dir

    try:
        return Path(path).resolve().is_relative_to(playbooks_dir().resolve())
    except (OSError, FileNotFoundError):
        return False


def load_yaml(path: str | Path, *, what: str = "file", encoding: str | None = None,
              within: Path | None = None) -> Doc:
    if within is not None or not _cacheable(path, what):
        return parse_yaml(read_text(path, what=what, encoding=encoding, within=within),
                          str(path))
    import hashlib

    raw = read_bytes(path, what=what)
    key = (str(path), what, encoding, hashlib.blake2b(raw, digest_size=16).digest())
    doc = _CACHE.get(key)
    if doc is None:
        doc = parse_yaml(decode(raw, str(path), encoding=encoding, noun=what), str(path))
        if len(_CACHE) >= CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = doc
    return doc


def _check_timestamp(node, key: Key, doc: Doc) -> None:
    """A date-looking value must be a real day (2026-02-30 is not) and a real time of day
    (25:00 is not), reported where it is, before PyYAML's constructor fails without a place.
    """
    from yaml.constructor import SafeConstructor

    value = node.value
    try:
        SafeConstructor().construct_yaml_timestamp(node)
    except (ValueError, OverflowError, TypeError, AttributeError):
        name = ".".join(str(k) for k in key) or "value"
        what = "date" if len(value) <= 10 else "date and time"
        raise InputError(f"'{name}' is '{value}', not a real {what}", path=doc.path,
                         line=node.start_mark.line + 1, column=node.start_mark.column + 1,
                         hint="write an existing day as YYYY-MM-DD") from None

"""Read YAML the user wrote, keeping the line and column of every key and value.

Positions come from PyYAML's own node marks (no magic keys injected into data).
Reading also guards against the usual hazards: files too large, binary files,
non-UTF-8 text (named, with the fix), duplicate keys and alias bombs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sidomain_cli.errors import InputError, Problem

MAX_BYTES = 1024 * 1024  # profiles and playbooks are small; anything larger is a mistake
MAX_NODES = 100_000  # after alias expansion: bounds "billion laughs"

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


def read_text(path: str | Path, *, max_bytes: int = MAX_BYTES, encoding: str | None = None,
              what: str = "file") -> str:
    """Read a user's text file, refusing what cannot be text and naming the fix."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(f"{what} not found", path=name,
                         hint="check the path; run from the folder that holds it")
    if p.is_dir():
        raise InputError(f"is a folder, expected a {what}", path=name,
                         hint="give the path of a YAML file inside it")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a {what}",
                path=name, hint="is this the right file?")
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    return decode(raw, name, encoding=encoding)


def decode(raw: bytes, name: str, *, encoding: str | None = None) -> str:
    if encoding:
        try:
            return raw.decode(encoding).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot decode as {encoding}: {exc}", path=name) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("file is UTF-16 text", path=name,
                         hint="save it as UTF-8, or pass --encoding utf-16")
    if b"\x00" in raw[:8192]:
        raise InputError("file is binary, not text", path=name,
                         hint="give a YAML text file")
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
            raise InputError(f"file is not UTF-8; it looks like {guess} (saved by Excel or Notepad?)",
                             path=name, line=line, column=1,
                             hint="save it as UTF-8, or pass --encoding gb18030") from None
        raise InputError(f"file is not valid UTF-8 (byte {exc.start})", path=name, line=line,
                         column=1, hint="save it as UTF-8") from None


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
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML: {exc}", path=name) from None
        doc = Doc(name, None)
        if node is None:
            return doc
        _walk(node, (), doc, [0])
        try:
            doc.data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            raise InputError(f"invalid YAML value: {getattr(exc, 'problem', exc)}", path=name,
                             line=line, column=col) from None
        except (ValueError, OverflowError) as exc:  # e.g. a date that does not exist
            raise InputError(f"invalid YAML value: {exc}", path=name,
                             hint="check dates are real days written YYYY-MM-DD") from None
        return doc
    finally:
        loader.dispose()


def _walk(node, key: Key, doc: Doc, counter: list[int]) -> None:
    import yaml

    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise InputError(
            f"document expands to more than {MAX_NODES:,} nodes (YAML aliases?)",
            path=doc.path, line=node.start_mark.line + 1, column=node.start_mark.column + 1,
            hint="remove anchors/aliases that repeat large parts")
    doc.value_marks[key] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, tuple[int, int]] = {}
        for knode, vnode in node.value:
            k = knode.value if isinstance(knode, yaml.ScalarNode) else repr(knode.value)[:40]
            pos = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            if k in seen and knode.tag != "tag:yaml.org,2002:merge":
                doc.duplicates.append(Problem(
                    doc.path, pos[0], pos[1], "", "error",
                    f"duplicate key '{k}' (first at line {seen[k][0]})",
                    "keep one; YAML would silently use the last"))
            seen.setdefault(k, pos)
            child = key + (k,)
            doc.marks[child] = pos
            _walk(vnode, child, doc, counter)
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        _check_timestamp(node, key, doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = key + (i,)
            doc.marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, child, doc, counter)


def load_yaml(path: str | Path, *, what: str = "file", encoding: str | None = None) -> Doc:
    return parse_yaml(read_text(path, what=what, encoding=encoding), str(path))


def _check_timestamp(node, key: Key, doc: Doc) -> None:
    """A date-looking value must be a real day (2026-02-30 is not), reported where it is."""
    import datetime as dt

    value = node.value
    try:
        if len(value) == 10:
            dt.date.fromisoformat(value)
        else:
            dt.date.fromisoformat(value[:10])
    except ValueError:
        name = ".".join(str(k) for k in key) or "value"
        raise InputError(f"'{name}' is '{value}', not a real date", path=doc.path,
                         line=node.start_mark.line + 1, column=node.start_mark.column + 1,
                         hint="write an existing day as YYYY-MM-DD") from None

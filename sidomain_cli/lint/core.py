"""The linter core: find files, decide their kind by content, run the rules.

Nothing here prints or exits.  :func:`lint_paths` returns a :class:`LintResult` (the
findings, and the inputs that could not be read); the CLI formats it and picks the
exit code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Iterator

from sidomain_cli.errors import InputError, Problem, SidomainError
from sidomain_cli.yamlio import Doc, Key

YAML_SUFFIXES = (".yaml", ".yml")
TEMPLATE_SUFFIX = ".j2"
KINDS = ("profile", "playbook", "method", "industry_pack", "template")
# Folders never walked into (explicitly named files are always checked).
SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", "build", "dist", "site-packages"})
# Fields that make an untagged YAML mapping a brand profile (two of them are enough).
PROFILE_MARKERS = frozenset({"brand", "industry", "touchpoints", "start_date", "avg_ticket",
                             "price_band", "purchases_per_month", "frequency", "quiet_hours"})
DEFAULT_QUIET = (22 * 60, 8 * 60)

_YAML_DISABLE = re.compile(r"#\s*sidomain:\s*disable(?:\s*=\s*([A-Za-z0-9_, ]+))?")
_JINJA_DISABLE = re.compile(r"\{#-?\s*sidomain:\s*disable(?:\s*=\s*([A-Za-z0-9_, ]+?))?\s*-?#\}")
ALL = "*"


@dataclass(frozen=True)
class LintOptions:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    bulk_cap: int = 1  # WeCom company bulk sends per customer/group a day (domain.md §11)
    moments_cap: int = 3  # moments posts a day (MINISO talk)
    quiet_hours: tuple[int, int] = DEFAULT_QUIET
    template_dirs: tuple[Path, ...] = ()
    terms_files: tuple[Path, ...] = ()
    locales: tuple[str, ...] = ("zh-CN", "en")
    encoding: str | None = None


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    errors: list[SidomainError] = field(default_factory=list)  # unreadable inputs (exit 2)
    files: int = 0  # files checked
    skipped: int = 0  # YAML that is none of sidomain's kinds


# ---- finding files -------------------------------------------------------------------

def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[SidomainError]]:
    """Files to check under ``paths``, in a stable order, each once.

    Each file's tree (the folder it was found in, or for a named file the folder it was
    named from) is kept in :data:`TREES`: it is read only if it stays inside it.  A folder
    that cannot be listed is an error, not silently skipped (CI said "All checks passed").
    """
    found: list[Path] = []
    errors: list[SidomainError] = []
    seen: set[str] = set()
    TREES.clear()
    NAMED.clear()

    def add(p: Path, tree: Path) -> None:
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            found.append(p)
            TREES[key] = tree

    def unreadable(exc: OSError) -> None:
        where = exc.filename if isinstance(exc.filename, str) else str(exc.filename or "")
        errors.append(InputError(f"cannot read the folder: {exc.strerror or exc}", path=where,
                                 hint="lint checks every folder it is given; fix its "
                                      "permissions or leave it out"))

    for raw in paths:
        p = Path(raw)
        try:
            p.lstat()
            p.is_dir()
        except FileNotFoundError:
            pass
        except OSError as exc:  # a folder on the way we may not look into
            unreadable(exc)
            continue
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p, onerror=unreadable):
                dirnames[:] = sorted(d for d in dirnames
                                     if not d.startswith(".") and d not in SKIP_DIRS)
                for name in sorted(filenames):
                    if name.endswith(YAML_SUFFIXES + (TEMPLATE_SUFFIX,)) and not name.startswith("."):
                        add(Path(dirpath) / name, p)
        elif p.exists() or p.is_symlink():
            if not str(p).endswith(YAML_SUFFIXES + (TEMPLATE_SUFFIX,)):
                errors.append(InputError("not a YAML (.yaml, .yml) or template (.j2) file",
                                         path=str(p)))
            else:
                NAMED.add(os.path.normcase(os.path.abspath(p)))
                # a named file's tree: the folder lint runs in if the file is there
                # (pre-commit names repository files), else the file's own folder
                inside = p.absolute().is_relative_to(Path.cwd())
                add(p, Path.cwd() if inside else p.absolute().parent)
        else:
            errors.append(InputError("no such file or folder", path=str(p),
                                     hint="check the path"))
    return found, errors


TREES: dict[str, Path] = {}  # discovered file → the tree it must stay in
NAMED: set[str] = set()  # files named on the command line (not found by walking)


def tree_of(path: Path) -> Path:
    return TREES.get(os.path.normcase(os.path.abspath(path)), path.parent)


def classify(data: Any) -> str | None:
    """A YAML document's kind by its content, or None if it is not sidomain's."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind in ("playbook", "method", "industry_pack"):
        return kind
    if kind is not None:
        return None  # holidays, compliance terms, other tools' files
    keys = {str(k) for k in data}
    if {"tasks", "phases"} <= keys or {"tasks", "channels"} <= keys:
        return "playbook"  # a playbook that lost its kind: S001 will say so
    if len(keys & PROFILE_MARKERS) >= 2:
        return "profile"
    return None


# ---- per-file context ----------------------------------------------------------------

class Workspace:
    """What every file's check may share: options, template folders, caches."""

    def __init__(self, options: LintOptions, files: list[Path]) -> None:
        self.options = options
        from sidomain_cli.domain import LOCALES

        extra: list[Path] = []
        for f in files:  # templates/<locale>/<name>.j2 being linted: their root is a folder
            if f.suffix == TEMPLATE_SUFFIX and f.parent.name in LOCALES:
                root = f.parent.parent
                if root not in extra:
                    extra.append(root)
        self.linted_template_dirs = tuple(extra)
        self._roots: dict[tuple[str, Path], tuple[Path, ...]] = {}
        self.cache: dict[Any, Any] = {}

    def template_roots(self, locale: str, near: Path) -> tuple[Path, ...]:
        """Folders a playbook at ``near`` can take templates from (first wins)."""
        key = (locale, near)
        if key not in self._roots:
            from sidomain_cli.render import template_roots

            local = [d for d in (near / "templates", near.parent / "templates") if d.is_dir()]
            extra = tuple(dict.fromkeys([*self.options.template_dirs, *self.linted_template_dirs,
                                         *local]))
            self._roots[key] = template_roots(locale, extra)
        return self._roots[key]

    def environment(self, roots: tuple[Path, ...]):
        from sidomain_cli.render import environment

        return environment(roots)

    @cached_property
    def terms(self):
        from sidomain_cli.lint.terms import load_terms

        return load_terms(self.options.terms_files, encoding=self.options.encoding)


class FileContext:
    """One file under check, handed to each rule's ``check(ctx)``."""

    def __init__(self, path: Path, kind: str, text: str, doc: Doc | None,
                 workspace: Workspace) -> None:
        self.path = path
        self.name = str(path)
        self.kind = kind
        self.text = text
        self.doc = doc
        self.data = doc.data if doc else None
        self.workspace = workspace
        self.options = workspace.options
        self.rule = None  # set by the runner before each rule
        self.locale = path.parent.name if kind == "template" else None

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    # -- reporting --------------------------------------------------------------------
    def report(self, key: Key, message: str, *, hint: str = "", value: bool = False) -> Problem:
        line, col = self.doc.where(key, value=value) if self.doc else (1, 1)
        return self.report_at(line, col, message, hint=hint)

    def report_at(self, line: int, column: int, message: str, *, hint: str = "") -> Problem:
        return Problem(self.name, line, column, self.rule.code, self.rule.severity, message, hint)

    def find_in_value(self, key: Key, needle: str) -> tuple[int, int]:
        """Line and column of ``needle`` inside the YAML value at ``key`` (else the value)."""
        line, col = self.doc.where(key, value=True)
        for i in range(line - 1, min(line + 20, len(self.lines))):
            text = self.lines[i]
            start = col - 1 if i == line - 1 else 0
            at = text.find(needle, start)
            if at < 0 and needle.isascii():
                at = text.lower().find(needle.lower(), start)
            if at >= 0:
                return i + 1, at + 1
        return line, col

    # -- shared, computed once per file ---------------------------------------------------
    @cached_property
    def schema_problems(self) -> list[Problem]:
        from sidomain_cli.lint.views import SPECS

        spec = SPECS[self.kind]
        found = [replace(p, code="S005") if not p.code else p for p in self.doc.duplicates]
        found.extend(spec.check(self.data, (), self.doc))
        return found

    @cached_property
    def playbook(self):
        from sidomain_cli.lint.views import PlaybookView

        return PlaybookView.build(self)

    @cached_property
    def disabled(self) -> dict[int, set[str]]:
        """Line → codes (or prefixes) disabled there by a ``sidomain: disable`` comment."""
        pattern = _JINJA_DISABLE if self.kind == "template" else _YAML_DISABLE
        out: dict[int, set[str]] = {}
        if "sidomain" not in self.text:
            return out
        for n, line in enumerate(self.lines, 1):
            m = pattern.search(line)
            if not m:
                continue
            codes = {c.strip().upper() for c in (m.group(1) or "").split(",") if c.strip()} or {ALL}
            out.setdefault(n, set()).update(codes)
            own_line = line[: m.start()].strip() == "" if self.kind != "template" else \
                line.replace(m.group(0), "").strip() == ""
            if own_line:  # a comment alone on its line covers the next line too
                out.setdefault(n + 1, set()).update(codes)
        return out

    def is_disabled(self, p: Problem) -> bool:
        if p.path != self.name:  # a content finding in another file (lint/content.py)
            return False
        codes = self.disabled.get(p.line)
        return bool(codes) and (ALL in codes or any(p.code.startswith(c) for c in codes))


# ---- running --------------------------------------------------------------------------

def _load(path: Path, workspace: Workspace, result: LintResult) -> FileContext | None:
    from sidomain_cli.lint.rules import all_rules
    from sidomain_cli.render import MAX_TEMPLATE_BYTES
    from sidomain_cli.yamlio import MAX_BYTES, parse_yaml, read_text

    try:
        text = read_text(path, encoding=workspace.options.encoding, within=tree_of(path),
                         max_bytes=MAX_TEMPLATE_BYTES if path.suffix == TEMPLATE_SUFFIX
                         else MAX_BYTES)
    except SidomainError as exc:
        result.errors.append(exc)
        return None
    if path.suffix == TEMPLATE_SUFFIX:
        return FileContext(path, "template", text, None, workspace)
    try:
        doc = parse_yaml(text, str(path))
    except InputError as exc:  # malformed YAML: a finding at its place (S000)
        if _other_tools(exc) and not looks_like_ours(text):  # a multi-document file,
            # a CI config with its own tags (!reference): another tool's well-formed YAML
            result.skipped += 1
            return None
        rule = all_rules()["S000"]
        ctx = FileContext(path, "unknown", text, None, workspace)
        ctx.rule = rule
        p = ctx.report_at(exc.line or 1, exc.column or 1, exc.message, hint=exc.hint)
        if rule in workspace.cache.get("rules", ()) and not ctx.is_disabled(p):
            result.problems.append(p)
        result.files += 1
        return None
    kind = classify(doc.data)
    if kind is None:
        shape = _not_a_mapping(doc.data)
        if shape and _named(path):  # plan refuses these; lint said "All checks passed"
            rule = all_rules()["S001" if doc.data is None else "S002"]
            ctx = FileContext(path, "unknown", text, doc, workspace)
            ctx.rule = rule
            p = ctx.report_at(1, 1, shape, hint="start from a file in examples/ or playbooks/")
            if rule in workspace.cache.get("rules", ()) and not ctx.is_disabled(p):
                result.problems.append(p)
            result.files += 1
            return None
        result.skipped += 1
        return None
    return FileContext(path, kind, text, doc, workspace)


_OURS = re.compile(r"^(?:(kind):[ \t]*['\"]?(?:playbook|method)\b|(tasks|phases|channels|"
                   + "|".join(sorted(PROFILE_MARKERS)) + r")[ \t]*:)", re.M)


def looks_like_ours(text: str) -> bool:
    """Whether YAML that does not parse still reads like a sidomain file (a top-level
    ``kind: playbook`` or two profile or playbook keys): else it is another tool's file
    (a multi-document manifest, a CI config with its own tags) and is skipped, as the
    README promises, instead of failing a pre-commit run."""
    keys = {m.group(1) or m.group(2) for m in _OURS.finditer(text)}
    return "kind" in keys or len(keys) >= 2


def _other_tools(exc: InputError) -> bool:
    """A parse failure that well-formed YAML of another tool meets: several documents, or a
    tag of its own (not a Python tag: that is refused wherever it is)."""
    msg = exc.message
    return ("expected a single document" in msg
            or ("YAML tag" in msg and "python" not in msg))


def _named(path: Path) -> bool:
    return os.path.normcase(os.path.abspath(path)) in NAMED


def _not_a_mapping(data: Any) -> str:
    """Plan's refusal for a file named to lint that holds no sidomain document: empty, or a
    list of what look like profiles or playbooks (another tool's list is skipped)."""
    if data is None:
        return "file is empty"
    if isinstance(data, list) and any(classify(item) for item in data[:20]):
        return "'document' must be a mapping of 'key: value' lines, got a list"
    return ""


MAX_FINDINGS_PER_FILE = 1_000  # a 1 MB template made 340,000 findings (1 GB, 115 MB report)
MAX_FINDINGS = 10_000


def check_file(ctx: FileContext, rules, room: int = MAX_FINDINGS_PER_FILE) -> Iterator[Problem]:
    """The findings of one file, at most ``room`` of them (then one that says so)."""
    n = 0
    limit = min(room, MAX_FINDINGS_PER_FILE)
    for rule in rules:
        if ctx.kind not in rule.kinds:
            continue
        ctx.rule = rule
        for p in rule.check(ctx):
            if ctx.is_disabled(p):
                continue
            if n >= limit:
                yield replace(p, message=f"more findings are not shown: lint stops at "
                                         f"{limit:,} in a file ({MAX_FINDINGS:,} in all)",
                              hint="fix these first, then lint again")
                return
            n += 1
            yield p


def lint_paths(paths: Iterable[str | Path], options: LintOptions | None = None) -> LintResult:
    """Lint files and folders: the findings (sorted) and the unreadable inputs."""
    from sidomain_cli.lint.rules import selected

    options = options or LintOptions()
    rules = selected(options.select, options.ignore)
    files, errors = discover(paths)
    result = LintResult(errors=list(errors))
    workspace = Workspace(options, files)
    workspace.cache["rules"] = rules
    if any(r.code.startswith("C") for r in rules):
        try:
            workspace.terms  # noqa: B018 - a broken --terms file is a usage error: fail first
        except SidomainError as exc:
            result.errors.append(exc)
            return result
    for path in files:
        ctx = _load(path, workspace, result)
        if ctx is None:
            continue
        result.files += 1
        room = MAX_FINDINGS - len(result.problems)
        if room <= 0:
            continue  # the last file's extra finding already says lint stopped
        result.problems.extend(check_file(ctx, rules, room))
    result.problems.sort()
    return result

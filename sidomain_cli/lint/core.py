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
    """Files to check under ``paths``, in a stable order, each once."""
    found: list[Path] = []
    errors: list[SidomainError] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            found.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames
                                     if not d.startswith(".") and d not in SKIP_DIRS)
                for name in sorted(filenames):
                    if name.endswith(YAML_SUFFIXES + (TEMPLATE_SUFFIX,)) and not name.startswith("."):
                        add(Path(dirpath) / name)
        elif p.exists() or p.is_symlink():
            if not str(p).endswith(YAML_SUFFIXES + (TEMPLATE_SUFFIX,)):
                errors.append(InputError("not a YAML (.yaml, .yml) or template (.j2) file",
                                         path=str(p)))
            else:
                add(p)
        else:
            errors.append(InputError("no such file or folder", path=str(p),
                                     hint="check the path"))
    return found, errors


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
    from sidomain_cli.yamlio import parse_yaml, read_text

    try:
        text = read_text(path, encoding=workspace.options.encoding)
    except SidomainError as exc:
        result.errors.append(exc)
        return None
    if path.suffix == TEMPLATE_SUFFIX:
        return FileContext(path, "template", text, None, workspace)
    try:
        doc = parse_yaml(text, str(path))
    except InputError as exc:  # malformed YAML: a finding at its place (S000)
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
        result.skipped += 1
        return None
    return FileContext(path, kind, text, doc, workspace)


def check_file(ctx: FileContext, rules) -> Iterator[Problem]:
    for rule in rules:
        if ctx.kind not in rule.kinds:
            continue
        ctx.rule = rule
        for p in rule.check(ctx):
            if not ctx.is_disabled(p):
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
        result.problems.extend(check_file(ctx, rules))
    result.problems.sort()
    return result

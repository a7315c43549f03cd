"""Output formats for lint findings: a name → reporter table.

A reporter turns a :class:`~sidomain_cli.lint.core.LintResult` into text; it never
prints.  Adding a format is adding one class and one row in ``FORMATS``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sidomain_cli import __version__
from sidomain_cli.safetext import one_line

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class Reporter:
    name = ""

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    def render(self, result) -> str:
        raise NotImplementedError


class TextReporter(Reporter):
    """``path:line:col: CODE message (what to do)``, one a line, then a summary."""

    name = "text"
    COLORS = {"error": "31", "warning": "33", "info": "36"}

    def _c(self, code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if self.color else s

    def render(self, result) -> str:
        out = []
        for p in result.problems:
            loc = self._c("1", f"{one_line(p.path)}:{p.line}:{p.column}:")
            code = self._c("1;" + self.COLORS.get(p.severity, "0"), p.code)
            hint = self._c("2", f" ({p.hint})") if p.hint else ""
            out.append(f"{loc} {code} {p.message}{hint}")
        n = len(result.problems)
        if n:
            errors = sum(p.severity == "error" for p in result.problems)
            out.append(f"Found {n} problem{'s' * (n != 1)} ({errors} error{'s' * (errors != 1)}, "
                       f"{n - errors} warning{'s' * (n - errors != 1)}) in {result.files} "
                       f"file{'s' * (result.files != 1)}.")
        elif not result.errors:
            out.append(self._c("32", f"All checks passed ({result.files} "
                                     f"file{'s' * (result.files != 1)})."))
        return "".join(line + "\n" for line in out)


class JsonReporter(Reporter):
    """A JSON list of findings: path, line, column, code, severity, message, hint."""

    name = "json"

    def render(self, result) -> str:
        return json.dumps([p.as_dict() for p in result.problems], ensure_ascii=False,
                          indent=2) + "\n"


def _gh_escape(s: str, *, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: each finding becomes an annotation on the line."""

    name = "github"
    LEVELS = {"error": "error", "warning": "warning", "info": "notice"}

    def render(self, result) -> str:
        out = []
        for p in result.problems:
            level = self.LEVELS.get(p.severity, "error")
            props = (f"file={_gh_escape(p.path, prop=True)},line={p.line},col={p.column},"
                     f"title={_gh_escape(p.code, prop=True)}")
            msg = p.message + (f" ({p.hint})" if p.hint else "")
            out.append(f"::{level} {props}::{_gh_escape(f'{p.code} {msg}')}")
        return "\n".join(out) + ("\n" if out else "")


class SarifReporter(Reporter):
    """SARIF 2.1.0, for GitHub code scanning and other static-analysis viewers."""

    name = "sarif"
    LEVELS = {"error": "error", "warning": "warning", "info": "note"}

    def render(self, result) -> str:
        from sidomain_cli.lint.rules import all_rules

        rules = all_rules()
        used = sorted({p.code for p in result.problems if p.code in rules})
        index = {code: i for i, code in enumerate(used)}
        descriptors = []
        for code in used:
            r = rules[code]
            descriptors.append({
                "id": code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc},
                "help": {"text": r.doc},
                "defaultConfiguration": {"level": self.LEVELS.get(r.severity, "error")},
            })
        results: list[dict[str, Any]] = []
        for p in result.problems:
            item: dict[str, Any] = {
                "ruleId": p.code,
                "level": self.LEVELS.get(p.severity, "error"),
                "message": {"text": p.message + (f" ({p.hint})" if p.hint else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": quote(p.path.replace("\\", "/"))},
                    "region": {"startLine": max(p.line, 1), "startColumn": max(p.column, 1)},
                }}],
            }
            if p.code in index:
                item["ruleIndex"] = index[p.code]
            results.append(item)
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "sidomain", "version": __version__,
                                    "semanticVersion": __version__,
                                    "rules": descriptors}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        }
        return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, type[Reporter]] = {
    r.name: r for r in (TextReporter, JsonReporter, GithubReporter, SarifReporter)
}

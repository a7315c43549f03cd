"""One error family and one ``Problem`` type shared by validation and lint.

The core raises :class:`SidomainError`; the CLI catches it once, prints
``path:line:col: message`` to stderr and exits 2.  Nothing here prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sidomain_cli.safetext import one_line  # what a message quotes stays on its line

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Problem:
    """One finding at a place a person must edit (1-based line and column)."""

    path: str
    line: int = 0
    column: int = 0
    code: str = ""
    severity: str = "error"
    message: str = ""
    hint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", one_line(self.message))
        object.__setattr__(self, "hint", one_line(self.hint))

    def location(self) -> str:
        if self.line:
            return f"{one_line(self.path)}:{self.line}:{self.column or 1}"
        return one_line(self.path)

    def format(self) -> str:
        code = f"{self.code} " if self.code else ""
        text = f"{self.location()}: {code}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class SidomainError(Exception):
    """A failure the user can fix: bad input, missing file, refused overwrite."""

    exit_code = 2

    def __init__(self, message: str, *, path: str = "", line: int = 0, column: int = 0,
                 hint: str = "", problems: list[Problem] | None = None) -> None:
        message, hint = one_line(message), one_line(hint)
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint
        self.problems = problems or []

    def __str__(self) -> str:
        return self.format()

    def format(self) -> str:
        if self.problems:
            return "\n".join(p.format() for p in self.problems)
        loc = one_line(self.path)
        if self.path and self.line:
            loc = f"{loc}:{self.line}:{self.column or 1}"
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(SidomainError):
    """A file the user gave cannot be read or does not validate."""


class TemplateError(SidomainError):
    """A message template failed to load or render."""


class OutputError(SidomainError):
    """An output cannot be written (exists without --force, folder missing …)."""


def problems_error(problems: list[Problem]) -> InputError:
    """Wrap validation problems (sorted) in one InputError."""
    problems = sorted(problems)
    first = problems[0]
    return InputError(first.message, path=first.path, line=first.line,
                      column=first.column, hint=first.hint, problems=problems)

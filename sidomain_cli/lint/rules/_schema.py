"""Shared by the S rules: the schema pass runs once per file (spec.py), each S rule
reports the findings of its own code."""

from __future__ import annotations

from dataclasses import replace

DEFAULT_HINTS = {
    "S001": "add the field",
    "S002": "write a value of the type named; `sidomain schema {kind}` lists every field",
    "S003": "remove the key or fix its spelling",
    "S004": "`sidomain schema {kind}` lists the allowed values",
    "S005": "keep one of them",
}


def check_code(ctx, code: str):
    for p in ctx.schema_problems:
        if p.code == code:
            hint = p.hint or DEFAULT_HINTS[code].format(kind=ctx.kind)
            yield replace(p, severity=ctx.rule.severity, hint=hint)

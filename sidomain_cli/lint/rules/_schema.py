"""Shared by the S rules: the schema pass runs once per file (spec.py), each S rule
reports the findings of its own code."""

from __future__ import annotations

from dataclasses import replace


def check_code(ctx, code: str):
    for p in ctx.schema_problems:
        if p.code == code:
            yield replace(p, severity=ctx.rule.severity)

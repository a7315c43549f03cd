"""JSON Schemas (``sidomain schema KIND``), generated from the code's own definitions.

Inputs (for editors): from the same specs that validate them, one source of truth for
plan, lint and the editor. Outputs (for the tools that consume sidomain's JSON): from the
types that produce them (``sidomain_cli/typeschema.py``); ``OUTPUTS`` names, per kind, the
function that builds the schema (imported only when that schema is asked for).
"""

from __future__ import annotations

from typing import Any

# kind → "module:function" returning the whole JSON Schema (draft 2020-12) of an output
OUTPUTS = {
    "plan": "sidomain_cli.planning.contract:plan_schema",
    "export-row": "sidomain_cli.exporters.table:row_schema",
    "wecom-line": "sidomain_cli.exporters.wecom_types:line_schema",
}

TITLES = {
    "profile": "sidomain brand profile (品牌档案)",
    "playbook": "sidomain playbook (运营剧本)",
    "method": "sidomain method file",
    "terms": "sidomain banned-terms list (广告法极限词)",
    "pack": "sidomain industry pack (行业包)",
}


def spec_for(kind: str):
    if kind == "terms":
        from sidomain_cli.lint.terms import TERMS_SPEC

        return TERMS_SPEC
    if kind == "pack":
        from sidomain_cli.planning.packs import PACK_SPEC

        return PACK_SPEC
    from sidomain_cli.lint.views import SPECS

    return SPECS[kind]


def json_schema(kind: str) -> dict[str, Any]:
    if kind in OUTPUTS:
        import importlib

        module, func = OUTPUTS[kind].split(":")
        return getattr(importlib.import_module(module), func)()
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"urn:sidomain:schema:{kind}",
        "title": TITLES[kind],
        **spec_for(kind).json_schema(),
    }

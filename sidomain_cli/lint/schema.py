"""JSON Schemas for editors (``sidomain schema KIND``), generated from the same specs
that validate input: one source of truth for plan, lint and the editor."""

from __future__ import annotations

from typing import Any

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
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"urn:sidomain:schema:{kind}",
        "title": TITLES[kind],
        **spec_for(kind).json_schema(),
    }

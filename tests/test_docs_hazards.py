"""docs/hazards.md stays true: every row names a test, and every test it names exists."""

from __future__ import annotations

import re

from tests.helpers_plan import ROOT

DOC = (ROOT / "docs" / "hazards.md").read_text(encoding="utf-8")
REF = re.compile(r"`((?:tests/[\w/]+\.(?:py|yaml))?(?:::\w+)?(?:…)?(?:\[[^\]`]+\])?)`")


def table_rows() -> list[str]:
    rows = []
    for line in DOC.splitlines():
        if not line.startswith("| ") or set(line) <= set("|- "):
            continue
        if line.startswith(("| Hazard |", "| Property |", "| exit |")) or re.match(r"\| \d+ \|",
                                                                                   line):
            continue
        rows.append(line)
    return rows


def test_every_hazard_row_names_a_test():
    rows = table_rows()
    assert len(rows) >= 50
    for row in rows:
        last_cell = row.rstrip(" |").rsplit(" | ", 1)[-1]
        assert "tests/" in last_cell or "`::" in last_cell or "`…[" in last_cell, row


def test_every_named_test_exists():
    checked = 0
    current = None  # `::name` and `…[id]` refer to the file named last
    for row in DOC.splitlines():
        for ref in REF.findall(row):
            if not ref or not (ref.startswith(("tests/", "::", "…"))):
                continue
            path, _, rest = ref.partition("::")
            if path.startswith("tests/"):
                current = ROOT / path
                assert current.exists(), ref
            assert current is not None, ref
            source = current.read_text(encoding="utf-8")
            name = re.match(r"\w*", rest).group() if rest else ""
            if name:
                assert re.search(rf"^def {name}\(", source, re.M), f"{ref}: no test {name}"
            param = re.search(r"\[([^\]]+)\]", ref)
            if param:
                assert f'"{param.group(1)}"' in source, f"{ref}: no parameter id"
            checked += 1
    assert checked >= 60

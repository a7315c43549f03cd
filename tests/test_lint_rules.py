"""Every lint rule, proved by data: tests/lint_cases/<CODE>.yaml holds failing and passing
inputs with the expected path:line:col of each finding.  Adding a rule means adding its
case file; a test below fails until it exists."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from sidomain_cli.lint import LintOptions, lint_paths
from sidomain_cli.lint.rules import DOC_SECTIONS, TABLE, all_rules

CASES_DIR = Path(__file__).parent / "lint_cases"


def load_cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(data["rule"], case, id=f"{data['rule']}-{case['name']}")


def run_case(tmp_path: Path, code: str, case: dict) -> list[str]:
    for name, text in case["files"].items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    opts = dict(case.get("options") or {})
    if "terms_files" in opts:
        opts["terms_files"] = tuple(tmp_path / f for f in opts["terms_files"])
    for key in ("quiet_hours", "locales"):
        if key in opts:
            opts[key] = tuple(opts[key])
    result = lint_paths([tmp_path], LintOptions(select=(code,), **opts))
    assert not result.errors, [e.format() for e in result.errors]
    assert {p.code for p in result.problems} <= {code}
    return sorted(f"{Path(p.path).relative_to(tmp_path).as_posix()}:{p.line}:{p.column}"
                  for p in result.problems)


@pytest.mark.parametrize("code,case", list(load_cases()))
def test_rule_case(tmp_path, code, case):
    assert run_case(tmp_path, code, case) == sorted(case["expect"])


@pytest.mark.parametrize("code", sorted(TABLE))
def test_every_rule_has_docs_and_a_failing_and_a_passing_case(code):
    rule = all_rules()[code]
    assert rule.doc.startswith(f"{code} {rule.name}:"), "docstring starts with 'CODE name:'"
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in rule.doc, f"{code} docs lack '{section}'"
    assert rule.summary and rule.severity in ("error", "warning", "info")
    case_file = CASES_DIR / f"{code}.yaml"
    assert case_file.exists(), f"add {case_file.name} with failing and passing cases"
    cases = yaml.safe_load(case_file.read_text(encoding="utf-8"))["cases"]
    assert any(c["expect"] for c in cases), f"{code} has no failing case"
    assert any(not c["expect"] for c in cases), f"{code} has no passing case"


def test_case_files_name_known_rules():
    assert {p.stem for p in CASES_DIR.glob("*.yaml")} <= set(TABLE)


def test_codes_are_stable_letter_plus_three_digits():
    import re

    from sidomain_cli.lint.rules import FAMILIES

    for code in TABLE:
        assert re.fullmatch(r"[A-Z]\d{3}", code) and code[0] in FAMILIES


def test_finding_messages_say_what_to_do(tmp_path):
    """Every finding in the failing cases carries a hint (what to edit), except S000's
    parser message which names the place."""
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        case = next(c for c in data["cases"] if c["expect"])
        sub = tmp_path / path.stem
        sub.mkdir()
        run_case(sub, data["rule"], case)
        result = lint_paths([sub], LintOptions(select=(data["rule"],)))
        for p in result.problems:
            assert p.message and p.hint, p.format()


def test_options_are_plain_data():
    assert dataclasses.is_dataclass(LintOptions)

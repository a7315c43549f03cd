"""Lint's content rules (C002–C010) on real plans: the profile's plan is made with the
public ``make_plan`` and checked with ``planning.checks``; each finding lands at the line
that caused it.  The pass/fail cases of each rule are data in tests/lint_cases/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sidomain_cli.lint import LintOptions, lint_paths
from tests.helpers_plan import ROOT

HOTPOT = (ROOT / "examples" / "hotpot.yaml").read_text(encoding="utf-8")


def hotpot_with(tmp_path: Path, first_order: str) -> tuple[Path, int]:
    lines = HOTPOT.splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.startswith("  first_order:"))
    lines[n] = f"  first_order: {first_order}\n"
    path = tmp_path / "hotpot.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path, n + 1


def test_another_trades_offer_in_a_hotpot_profile_is_c009_at_that_line(tmp_path):
    path, line = hotpot_with(tmp_path, "首单包邮并赠小样")
    proc = subprocess.run([sys.executable, "-m", "sidomain_cli", "lint", str(path), "-f", "json"],
                          capture_output=True, text=True, encoding="utf-8", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)
    c009 = [d for d in found if d["code"] == "C009"]
    assert c009, found
    col = path.read_text(encoding="utf-8").splitlines()[line - 1].index("包邮") + 1
    assert {(d["path"], d["line"], d["column"]) for d in c009} == {(str(path), line, col)}
    assert "hotpot" in c009[0]["message"] and c009[0]["hint"]
    assert {d["path"] for d in found} == {str(path)}  # nothing blamed on built-in files


def test_the_hotpot_example_itself_lints_clean(tmp_path):
    path, _ = hotpot_with(tmp_path, "首次到店送果盘")
    result = lint_paths([path], LintOptions(select=("C",)))
    assert result.files == 1 and result.problems == []


def test_each_profile_is_planned_once_and_other_files_never(tmp_path, monkeypatch):
    import sidomain_cli.planning as planning

    calls = []
    real = planning.make_plan

    def counting(profile, **kw):
        calls.append(profile.path)
        return real(profile, **kw)

    monkeypatch.setattr(planning, "make_plan", counting)
    path, _ = hotpot_with(tmp_path, "首单包邮并赠小样")
    result = lint_paths([path, ROOT / "playbooks", ROOT / "templates" / "zh-CN" / "topic.j2"])
    assert {p.code for p in result.problems} == {"C009"}
    assert calls == [str(path)]  # nine content rules, one plan; playbooks/templates: none


def test_a_template_finding_lands_in_the_pool_and_honours_its_disable_comment(tmp_path):
    profile = tmp_path / "brand.yaml"
    profile.write_text("brand: 小满\nindustry: 宠物用品\nprice_band: low\nfrequency: high\n"
                       "touchpoints: [wecom_1v1, wecom_group, wecom_moments]\n"
                       "start_date: 2026-12-01\nplaybook: community_promotion\n",
                       encoding="utf-8")
    pool = tmp_path / "templates" / "zh-CN" / "campaign_peak.j2"
    pool.parent.mkdir(parents=True)
    pool.write_text("{{ brand }}今天有活动：{{ deal }}。\n{# --- #}\n"
                    "{{ node }}快乐！{{ brand }}今天有活动：{{ deal }}。\n", encoding="utf-8")
    found = lint_paths([tmp_path], LintOptions(select=("C006",))).problems
    assert [(Path(p.path), p.line) for p in found] == [(pool, 3)]
    assert f"[plan of {profile}]" in found[0].message
    pool.write_text(pool.read_text(encoding="utf-8").replace(
        "。\n{# --- #}", "。\n{# --- #}\n{# sidomain: disable=C006 #}"), encoding="utf-8")
    assert lint_paths([tmp_path], LintOptions(select=("C006",))).problems == []


def test_a_profile_that_does_not_validate_gets_no_content_findings(tmp_path):
    path, _ = hotpot_with(tmp_path, "首单包邮并赠小样")
    path.write_text(path.read_text(encoding="utf-8") + "stores: many\n", encoding="utf-8")
    codes = {p.code for p in lint_paths([path]).problems}
    assert "S002" in codes and not any(c > "C001" and c.startswith("C") for c in codes)


def test_built_in_industry_packs_are_linted_as_packs():
    packs = sorted((ROOT / "playbooks" / "industries").glob("*.yaml"))
    result = lint_paths(packs)
    assert result.files == len(packs) and result.skipped == 0
    assert result.problems == []


def test_plans_of_one_process_share_compiled_pools_but_see_an_edit(tmp_path):
    from sidomain_cli.planning import make_plan
    from sidomain_cli.profile import load_profile

    path, _ = hotpot_with(tmp_path, "首次到店送果盘")
    pool = tmp_path / "tpl" / "zh-CN" / "industries" / "hotpot" / "daily_deal.j2"
    pool.parent.mkdir(parents=True)
    pool.write_text("今日推荐：{{ deal }}。\n", encoding="utf-8")
    profile = load_profile(path)

    def topics():
        plan = make_plan(profile, template_dirs=(tmp_path / "tpl",))
        return {t.message for t in plan.calendar if t.template == "daily_deal"}

    first = topics()
    assert first and all(m.startswith("今日推荐") for m in first)
    assert topics() == first
    pool.write_text("午市推荐：{{ deal }}。\n", encoding="utf-8")
    again = topics()
    assert again and all(m.startswith("午市推荐") for m in again)


def test_a_word_from_the_packs_vocabulary_is_placed_at_the_packs_line(tmp_path):
    from sidomain_cli.lint.content import Where, _plan
    from sidomain_cli.lint.core import LintResult, Workspace, _load
    from sidomain_cli.planning.checks import Finding

    path, _ = hotpot_with(tmp_path, "首次到店送果盘")
    ws = Workspace(LintOptions(), [path])
    ctx = _load(path, ws, LintResult())
    plan, _, pack, pools, playbook_path, _ = _plan(ctx)
    word = next(w for w in pack.words("products", "zh-CN") if w not in HOTPOT)
    where = Where(ctx, plan, pack, pools, playbook_path)
    f = Finding("C009", "daily_deal", "2026-12-16", "x", f"今天{word}", "template:daily_deal",
                word)
    at_path, at_line, at_col = where.of(f)
    text = Path(pack.path).read_text(encoding="utf-8").splitlines()[at_line - 1]
    assert at_path == pack.path and text[at_col - 1:].startswith(word)
    # a task's time is fixed at the playbook task
    task = Finding("C010", "topic", "2026-12-16", "x", "", "task")
    at_path, at_line, _ = where.of(task)
    text = Path(at_path).read_text(encoding="utf-8").splitlines()[at_line - 1]
    assert at_path == playbook_path and "id: topic" in text

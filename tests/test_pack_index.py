"""The compiled alias index of the industry packs (playbooks/industries/index.json): it is
current, a stale one is never used, choosing through it gives the same pack and reason as
reading every pack, and a plan parses only the pack it chooses."""

from __future__ import annotations

import re
import shutil

import pytest
from hypothesis import given, strategies as st

from sidomain_cli.errors import InputError
from sidomain_cli.planning import packs as P
from sidomain_cli.profile import load_profile
from tests.helpers_plan import EXAMPLES

REGENERATE = "run: python scripts/gen_pack_index.py > playbooks/industries/index.json"


def test_the_committed_index_is_current():
    files = P.builtin_pack_files()
    index = next(iter(files.values())).parent / P.INDEX
    assert index.read_text(encoding="utf-8") == P.index_json(), REGENERATE
    assert P.compiled_aliases(files) == {pid: p.aliases for pid, p in P.all_packs().items()}


@pytest.fixture
def copied(tmp_path):
    src = next(iter(P.builtin_pack_files().values())).parent
    dst = tmp_path / "industries"
    shutil.copytree(src, dst)
    return dst


def files_in(folder):
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def test_a_stale_or_missing_index_is_not_used(copied):
    assert P.compiled_aliases(files_in(copied)) is not None
    coffee = copied / "coffee.yaml"
    coffee.write_text(coffee.read_text(encoding="utf-8").replace(
        "aliases: [", "aliases: [手冲, ", 1), encoding="utf-8")
    assert P.compiled_aliases(files_in(copied)) is None  # an edited pack
    coffee.unlink()
    assert P.compiled_aliases(files_in(copied)) is None  # a pack gone
    (copied / P.INDEX).unlink()
    assert P.compiled_aliases(files_in(copied)) is None  # no index
    (copied / P.INDEX).write_text("{not json", encoding="utf-8")
    assert P.compiled_aliases(files_in(copied)) is None


def test_an_edited_pack_is_chosen_by_its_new_alias_despite_the_old_index(copied, monkeypatch):
    coffee = copied / "coffee.yaml"
    text = coffee.read_text(encoding="utf-8")
    assert "aliases: [" in text
    coffee.write_text(text.replace("aliases: [", "aliases: [手冲, ", 1), encoding="utf-8")
    monkeypatch.setattr(P, "builtin_pack_files", lambda: files_in(copied))
    pack, why = P.select_pack("手冲小店", None)
    assert (pack.id, why) == ("coffee", "alias:手冲")


INDUSTRIES = sorted({a for p in P.all_packs().values() for a in p.aliases} | {
    "宠物殡葬", "steakhouse", "Specialty Coffee & Tea", "精品coffee", "川渝火锅·烧烤", "", "  ",
    "FRESH-food market", "gift shop & café", "nail&hair salon", "tea"})


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_the_index_chooses_what_reading_every_pack_chooses(industry):
    expected = P.choose_pack(industry, None, P.all_packs())
    pack, why = P.select_pack(industry, None)
    assert (pack.id, why) == (expected[0].id, expected[1])
    assert pack == expected[0]


def test_a_forced_pack_and_an_unknown_one(capsys):
    assert P.select_pack("咖啡", "bakery")[0].id == "bakery"
    with pytest.raises(InputError) as via_index:
        P.select_pack("咖啡", "bakry")
    with pytest.raises(InputError) as via_all:
        P.choose_pack("咖啡", "bakry", P.all_packs())
    assert str(via_index.value) == str(via_all.value)
    assert "did you mean 'bakery'" in via_index.value.hint


@pytest.mark.parametrize("profile", EXAMPLES[:3], ids=lambda p: p.stem)
def test_a_plan_parses_only_the_pack_it_chooses(profile, monkeypatch):
    from sidomain_cli.planning import make_plan

    parsed = []
    real = P.pack_from_doc
    monkeypatch.setattr(P, "pack_from_doc", lambda doc: parsed.append(doc.path) or real(doc))
    P._load_pack_file.cache_clear()
    try:
        plan = make_plan(load_profile(profile))
    finally:
        P._load_pack_file.cache_clear()
    assert [p.rsplit("/", 1)[-1] for p in map(str, parsed)] == [f"{plan.industry_pack}.yaml"]


def _regex_only(alias: str, industry: str) -> bool:
    """_alias_hit before its substring pre-check (the reference)."""
    a = P._norm(alias)
    if not a:
        return False
    if a.isascii():
        pattern = r"(?<![a-z0-9])" + r"\s*".join(map(re.escape, a.split())) + r"(?![a-z0-9])"
        return re.search(pattern, industry) is not None
    return a.replace(" ", "") in industry.replace(" ", "")


WORDS = st.text(alphabet="abcteaf 咖啡茶-_&é", max_size=12)


@given(alias=WORDS, industry=WORDS)
def test_the_substring_pre_check_changes_no_answer(alias, industry):
    text = P._norm(industry)
    assert P._alias_hit(alias, text) == _regex_only(alias, text)

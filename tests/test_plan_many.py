"""Many profiles in one process (issue 13 §5): several files or a folder with --output-dir,
one bad profile reported by name while the others are written, exit 2 at the end, the
shared YAML parsed once per run."""

from __future__ import annotations

import json
import shutil

import pytest

from sidomain_cli import yamlio
from sidomain_cli.cli import run
from tests.helpers_plan import EXAMPLES, ROOT, write_profile


@pytest.fixture
def portfolio(tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    for example in EXAMPLES:
        shutil.copy(example, folder / example.name)
    (folder / "notes.txt").write_text("not a profile", encoding="utf-8")
    return folder


def test_a_folder_is_planned_into_the_output_dir(capsys, portfolio, tmp_path):
    out = tmp_path / "reports"
    assert run(["plan", str(portfolio), "-f", "json", "--output-dir", str(out)]) == 2
    assert "output folder does not exist" in capsys.readouterr().err
    out.mkdir()
    assert run(["plan", str(portfolio), "-f", "json", "--output-dir", str(out)]) == 0
    stdout, err = capsys.readouterr()
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(e.stem + ".json" for e in EXAMPLES)
    for example in EXAMPLES:
        alone = tmp_path / f"{example.stem}.alone.json"
        assert run(["plan", str(example), "-f", "json", "-o", str(alone)]) == 0
        # the same bytes as planning it alone
        assert (out / f"{example.stem}.json").read_bytes() == alone.read_bytes()
    assert f"{len(EXAMPLES)} planned, 0 failed" in stdout
    for example in EXAMPLES:
        assert example.name in stdout
    assert "熊猫咖啡" in stdout and "community_promotion" in stdout
    assert err == ""  # no progress bar when stderr is not a terminal


def test_one_bad_profile_is_named_and_the_others_are_written(capsys, portfolio, tmp_path):
    (portfolio / "broken.yaml").write_text("brand: x\nindustry: [\n", encoding="utf-8")
    write_profile(portfolio, name="badtouch.yaml", touchpoints=["wechat"])
    out = tmp_path / "reports"
    out.mkdir()
    assert run(["plan", str(portfolio), "-f", "html", "-d", str(out)]) == 2
    stdout, err = capsys.readouterr()
    assert f"{portfolio / 'broken.yaml'}:" in err and f"{portfolio / 'badtouch.yaml'}:" in err
    assert "wechat" in err and "Traceback" not in err
    assert all(line.startswith("sidomain: error: ") for line in err.splitlines())
    assert sorted(p.name for p in out.iterdir()) == sorted(e.stem + ".html" for e in EXAMPLES)
    assert f"{len(EXAMPLES)} planned, 2 failed" in stdout
    assert stdout.count("FAILED") == 2


def test_several_files_and_existing_outputs(capsys, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "coffee.md").write_text("keep me", encoding="utf-8")
    args = ["plan", str(ROOT / "examples" / "coffee.yaml"), str(ROOT / "examples" / "hotpot.yaml"),
            "-f", "markdown", "--output-dir", str(out)]
    assert run(args) == 2  # coffee.md exists: refused, hotpot still written
    stdout, err = capsys.readouterr()
    assert "coffee.md" in err and "--force" in err
    assert (out / "coffee.md").read_text(encoding="utf-8") == "keep me"
    assert (out / "hotpot.md").read_text(encoding="utf-8").startswith("# 川渝老火锅")
    assert run(args + ["--force"]) == 0
    assert (out / "coffee.md").read_text(encoding="utf-8").startswith("# 熊猫咖啡")


@pytest.mark.parametrize("args,message", [
    (["a.yaml", "b.yaml"], "--output-dir"),
    (["a.yaml", "b.yaml", "-d", "o", "-o", "x.json"], "--output is for one profile"),
    (["a.yaml", "b.yaml", "-d", "o", "--week", "1"], "one plan in the terminal"),
])
def test_usage_errors_with_several_profiles(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    for name in ("a.yaml", "b.yaml"):
        write_profile(tmp_path, name=name)
    assert run(["plan", *args]) == 2
    assert message in capsys.readouterr().err


def test_two_profiles_with_one_name_are_refused_before_planning(capsys, tmp_path):
    for sub in ("north", "south"):
        (tmp_path / sub).mkdir()
        write_profile(tmp_path / sub, name="shop.yaml")
    (tmp_path / "o").mkdir()
    assert run(["plan", str(tmp_path / "north"), str(tmp_path / "south"), "-f", "json",
                "-d", str(tmp_path / "o")]) == 2
    assert "two profiles would write shop.json" in capsys.readouterr().err
    assert list((tmp_path / "o").iterdir()) == []


def test_an_empty_folder_is_bad_input(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    assert run(["plan", str(tmp_path / "empty"), "-d", str(tmp_path)]) == 2
    assert "no .yaml or .yml profiles" in capsys.readouterr().err


def test_shared_yaml_is_parsed_once_per_run(capsys, portfolio, tmp_path, monkeypatch):
    parsed: list[str] = []
    real = yamlio.parse_yaml

    def counting(text, name):
        parsed.append(name)
        return real(text, name)

    monkeypatch.setattr(yamlio, "parse_yaml", counting)
    monkeypatch.setattr(yamlio, "_CACHE", {})
    for i in range(6):
        write_profile(portfolio, name=f"extra{i}.yaml", avg_ticket=30 + i)
    (tmp_path / "o").mkdir()
    assert run(["plan", str(portfolio), "-f", "json", "-d", str(tmp_path / "o")]) == 0
    profiles = [n for n in parsed if n.startswith(str(portfolio))]
    shared = [n for n in parsed if not n.startswith(str(portfolio))]
    assert len(profiles) == len(EXAMPLES) + 6  # each profile once
    assert len(shared) == len(set(shared))  # method, playbooks, holidays: once each
    assert any(n.endswith("method.yaml") for n in shared)


def test_an_edited_playbook_is_read_again(capsys, tmp_path):
    """The cache is keyed by content: rewriting a file (same size, same instant) is seen."""
    pb = tmp_path / "mine.yaml"
    src = (ROOT / "playbooks" / "tiered.yaml").read_text(encoding="utf-8")
    prof = write_profile(tmp_path)
    out = []
    for new_id in ("my_tier1", "my_tier2"):
        pb.write_text(src.replace("id: tiered", f"id: {new_id}"), encoding="utf-8")
        assert run(["plan", str(prof), "-p", str(pb), "-f", "json"]) == 0
        out.append(json.loads(capsys.readouterr().out)["playbook"])
    assert out == ["my_tier1", "my_tier2"]

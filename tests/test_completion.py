"""Shell completion (issue 13 §4): scripts for bash, zsh and fish, and the answers the
installed `sidomain` gives the shell (commands, options, formats, playbooks, profiles)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sidomain_cli.cli import run

BIN = Path(sys.executable).parent
SIDOMAIN = shutil.which("sidomain", path=str(BIN))
needs_entry_point = pytest.mark.skipif(SIDOMAIN is None, reason="sidomain is not installed "
                                                               "in this environment")


def complete(shell: str, words: str, cwd: Path | None = None) -> list[str]:
    """What the installed sidomain answers when ``shell`` completes ``words``."""
    env = {**os.environ, "_SIDOMAIN_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        parts = words.split(" ")
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    proc = subprocess.run([SIDOMAIN], env=env, capture_output=True, text=True, cwd=cwd,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize("shell,needle", [
    ("bash", "_SIDOMAIN_COMPLETE=complete_bash"),
    ("zsh", "_SIDOMAIN_COMPLETE=complete_zsh"),
    ("fish", "_SIDOMAIN_COMPLETE=complete_fish"),
])
def test_show_completion_prints_each_shells_script(capsys, shell, needle):
    assert run(["--show-completion", shell]) == 0
    out = capsys.readouterr().out
    assert needle in out and "sidomain" in out
    exe = shutil.which(shell)
    if exe and shell in ("bash", "zsh"):  # the shell itself parses it
        check = subprocess.run([exe, "-n"], input=out, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_unknown_shell_is_a_usage_error(capsys, monkeypatch):
    assert run(["--show-completion", "tcsh"]) == 2
    assert "bash, zsh, fish" in capsys.readouterr().err
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    assert run(["--install-completion"]) == 2
    assert "--show-completion bash" in capsys.readouterr().err


@pytest.mark.parametrize("shell,path", [
    ("bash", ".local/share/bash-completion/completions/sidomain"),
    ("zsh", ".zfunc/_sidomain"),
    ("fish", ".config/fish/completions/sidomain.fish"),
])
def test_install_completion_writes_where_the_shell_loads_it(capsys, monkeypatch, tmp_path,
                                                            shell, path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("SHELL", f"/usr/bin/{shell}")
    for _ in range(2):  # a second install replaces our own file
        assert run(["--install-completion"]) == 0
    err = capsys.readouterr().err
    target = tmp_path / path
    assert f"{shell} completion installed in {target}" in err
    assert f"_SIDOMAIN_COMPLETE=complete_{shell}" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [target.name]
    if shell == "zsh":
        assert "fpath=(~/.zfunc $fpath)" in err


@needs_entry_point
def test_commands_options_and_values_complete(tmp_path):
    assert complete("bash", "sidomain pl") == ["plan"]
    assert {"init", "plan", "export", "lint"} <= set(complete("bash", "sidomain "))
    assert complete("bash", "sidomain plan --we") == ["--week"]
    assert complete("bash", "sidomain plan x.yaml --format ") == ["text", "markdown", "json",
                                                                  "html", "pdf"]
    assert complete("bash", "sidomain plan x.yaml --format h") == ["html"]
    assert complete("bash", "sidomain plan x.yaml -l ") == ["zh-CN", "en"]
    playbooks = complete("bash", "sidomain plan x.yaml --playbook ")
    assert {"community_promotion", "tiered", "one_on_one", "online_counter"} <= set(playbooks)
    assert complete("bash", "sidomain --show") == ["--show-completion"]


@needs_entry_point
def test_profile_paths_complete_to_yaml_files_and_folders(tmp_path):
    (tmp_path / "coffee.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "chain.yml").write_text("x", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "tea.yaml").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.yaml").write_text("x", encoding="utf-8")
    assert complete("bash", "sidomain plan c", cwd=tmp_path) == ["chain.yml", "clients/",
                                                                 "coffee.yaml"]
    assert complete("bash", "sidomain plan ", cwd=tmp_path) == ["chain.yml", "clients/",
                                                                "coffee.yaml"]
    assert complete("bash", "sidomain plan clients/", cwd=tmp_path) == ["clients/tea.yaml"]
    pb = complete("bash", "sidomain plan coffee.yaml --playbook cl", cwd=tmp_path)
    assert pb == ["clients/"]


@needs_entry_point
@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_get_the_same_answers(shell):
    out = "\n".join(complete(shell, "sidomain plan x.yaml --format h"))
    assert "html" in out and "markdown" not in out


@needs_entry_point
def test_bash_itself_completes_through_the_script(tmp_path):
    bash = shutil.which("bash")
    if not bash:
        pytest.skip("no bash")
    script = subprocess.run([SIDOMAIN, "--show-completion", "bash"], capture_output=True,
                            text=True, check=True).stdout
    probe = (script + '\nCOMP_WORDS=(sidomain plan x.yaml --format h); COMP_CWORD=4\n'
             '_sidomain_completion sidomain\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([bash, "--norc", "--noprofile"], input=probe, capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.stdout.split() == ["html"], proc.stderr

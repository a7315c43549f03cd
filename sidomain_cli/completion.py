"""Shell completion for bash, zsh and fish.

The shell asks ``sidomain`` itself: its completion script runs ``sidomain`` with
``_SIDOMAIN_COMPLETE=complete_<shell>`` and the words typed so far, and Typer answers
from the command tree (commands, options) and from the ``autocompletion`` functions
below (formats, playbook names, profile paths). Nothing of this is imported unless the
shell asks, or a user runs ``--show-completion`` / ``--install-completion``.

``--install-completion`` writes the script where each shell loads it by itself, and edits
no start-up file:

- bash: ``~/.local/share/bash-completion/completions/sidomain`` (bash-completion ≥ 2.0
  loads it on first use);
- zsh: ``~/.zfunc/_sidomain`` (add ``fpath=(~/.zfunc $fpath)`` before ``compinit`` in
  ``~/.zshrc``; the message says so);
- fish: ``~/.config/fish/completions/sidomain.fish``.
"""

from __future__ import annotations

import os
from pathlib import Path

SHELLS = ("bash", "zsh", "fish")
PROG = "sidomain"
COMPLETE_VAR = "_SIDOMAIN_COMPLETE"


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)


def detect_shell() -> str | None:
    name = Path(os.environ.get("SHELL", "")).name
    return name if name in SHELLS else None


def install_path(shell: str, home: Path | None = None) -> Path:
    home = home or Path.home()
    if shell == "bash":
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        return data / "bash-completion" / "completions" / PROG
    if shell == "zsh":
        return home / ".zfunc" / f"_{PROG}"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "fish" / "completions" / f"{PROG}.fish"


def install(shell: str) -> tuple[Path, str]:
    """Write the script for ``shell``; returns where, and what else to do (or "")."""
    from sidomain_cli.output import write_text

    path = install_path(shell)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = script(shell)
    if shell == "zsh":
        text = f"#compdef {PROG}\n" + text
    write_text(str(path), text, force=True)  # our own file: replaced by a newer sidomain
    extra = ""
    if shell == "zsh":
        extra = ("add to ~/.zshrc, before compinit:  fpath=(~/.zfunc $fpath); "
                 "autoload -Uz compinit && compinit")
    return path, extra


# ---- values the shell completes ----------------------------------------------------------

def complete_format(incomplete: str) -> list[str]:
    from sidomain_cli.report import FORMATS

    return [f for f in FORMATS if f.startswith(incomplete)]


def complete_export_format(incomplete: str) -> list[str]:
    from sidomain_cli.exporters import FORMATS

    return [f for f in FORMATS if f.startswith(incomplete)]


def complete_playbook(incomplete: str) -> list[str]:
    """Built-in playbook names, then YAML files and folders matching what was typed."""
    from sidomain_cli.resources import builtin_playbooks

    names = [n for n in builtin_playbooks() if n.startswith(incomplete)]
    return names + complete_yaml_path(incomplete)


def complete_yaml_path(incomplete: str) -> list[str]:
    """Folders and ``.yaml``/``.yml`` files that start with ``incomplete``."""
    folder, _, stem = incomplete.rpartition("/")
    base = Path(folder or ".")
    if folder == "" and incomplete.startswith("/"):
        base = Path("/")
    try:
        entries = sorted(base.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    out = []
    for p in entries:
        if not p.name.startswith(stem) or (p.name.startswith(".") and not stem.startswith(".")):
            continue
        shown = f"{folder}/{p.name}" if folder or incomplete.startswith("/") else p.name
        if p.is_dir():
            out.append(shown + "/")
        elif p.suffix in (".yaml", ".yml"):
            out.append(shown)
    return out


def complete_locale(incomplete: str) -> list[str]:
    return [x for x in ("zh-CN", "en") if x.startswith(incomplete)]

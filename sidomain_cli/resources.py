"""Where the built-in playbooks and templates live.

In a wheel they are packed under ``sidomain_cli/_data``; in a source checkout or an
editable install they are the top-level ``playbooks/`` and ``templates/`` folders.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    for base in (_PKG / "_data", _PKG.parent):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"built-in {name}/ folder not found next to {_PKG}")


def playbooks_dir() -> Path:
    return data_dir("playbooks")


def templates_dir() -> Path:
    return data_dir("templates")


def builtin_playbooks() -> dict[str, Path]:
    """Built-in playbook name → file (the method file, holiday table and copy rules are not playbooks)."""
    return {p.stem: p for p in sorted(playbooks_dir().glob("*.yaml"))
            if p.stem not in ("method", "holidays_cn", "copy_rules")}

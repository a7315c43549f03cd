"""Plan reports: a registry maps a format name to a renderer ``(plan, **options) -> str``
(``bytes`` for ``pdf``).

Each renderer lives in its own module and is imported only when its format is asked for
(``text`` needs Rich; ``markdown`` and ``json`` need nothing), so choosing a format costs
only that format's imports.

Everything a profile, playbook, method file or template put into the plan is text to
show, never markup to run: each module says how it escapes.
"""

from __future__ import annotations

import importlib
from typing import Callable

_RENDERERS = {
    # name: (module, function)
    "text": ("sidomain_cli.report.text", "render_text"),
    "markdown": ("sidomain_cli.report.markdown", "render_markdown"),
    "json": ("sidomain_cli.report.markdown", "render_json"),
    "html": ("sidomain_cli.report.html", "render_html"),
    "pdf": ("sidomain_cli.report.html", "render_pdf"),  # needs a headless Chromium
}


def renderer(name: str) -> Callable[..., str]:
    module, func = _RENDERERS[name]
    return getattr(importlib.import_module(module), func)


def _lazy(name: str) -> Callable[..., str]:
    def render(plan, **options) -> str:
        return renderer(name)(plan, **options)
    return render


FORMATS: dict[str, Callable[..., str]] = {name: _lazy(name) for name in _RENDERERS}

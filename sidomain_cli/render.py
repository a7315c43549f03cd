"""Message scripts (话术) from Jinja templates, strict and sandboxed.

- ``StrictUndefined``: a misspelt variable fails loudly instead of printing nothing.
- ``SandboxedEnvironment``: a playbook or template from a stranger cannot reach Python
  internals (``__class__``, ``__globals__`` …).
- The loader only serves files that resolve inside the template folders: no ``../``,
  no absolute paths, no symlinks pointing out.
- Output is bounded, so a crafted loop cannot run away.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from sidomain_cli.errors import TemplateError

MAX_MESSAGE_CHARS = 20_000
TEMPLATE_SUFFIX = ".j2"


def _make_loader(roots: tuple[Path, ...]):
    import jinja2

    class ConfinedLoader(jinja2.BaseLoader):
        """Serve ``name.j2`` from ``roots`` only if its real path stays inside a root."""

        def __init__(self, roots: tuple[Path, ...]) -> None:
            self.roots = tuple(r.resolve() for r in roots)

        def get_source(self, environment, template):
            if (not template or template.startswith(("/", "\\")) or ".." in template.split("/")
                    or "\\" in template or ":" in template or "\x00" in template):
                raise jinja2.TemplateNotFound(template)
            name = template if template.endswith(TEMPLATE_SUFFIX) else template + TEMPLATE_SUFFIX
            for root in self.roots:
                candidate = root / name
                try:
                    real = candidate.resolve(strict=True)
                except (OSError, RuntimeError):
                    continue
                if not real.is_relative_to(root) or not real.is_file():
                    continue
                source = real.read_text(encoding="utf-8")
                mtime = os.path.getmtime(real)
                return source, str(real), lambda: os.path.getmtime(real) == mtime
            raise jinja2.TemplateNotFound(template)

        def list_templates(self):
            found = set()
            for root in self.roots:
                for p in root.rglob("*" + TEMPLATE_SUFFIX):
                    found.add(p.relative_to(root).as_posix()[: -len(TEMPLATE_SUFFIX)])
            return sorted(found)

    return ConfinedLoader(roots)


@lru_cache(maxsize=16)
def environment(roots: tuple[Path, ...]):
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=_make_loader(roots), undefined=StrictUndefined,
                               autoescape=False, keep_trailing_newline=False,
                               trim_blocks=True, lstrip_blocks=True)
    return env


def template_roots(locale: str, extra: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """User folders first (they override built-ins), then the built-in locale folder."""
    from sidomain_cli.resources import templates_dir

    base = templates_dir()
    roots = [Path(p) / locale for p in extra] + [base / locale]
    return tuple(r for r in roots if r.is_dir())


class Renderer:
    """Renders task messages for one locale; compiled templates are cached."""

    def __init__(self, locale: str, extra_dirs: tuple[Path, ...] = ()) -> None:
        self.locale = locale
        self.roots = template_roots(locale, extra_dirs)
        self.env = environment(self.roots)

    def exists(self, name: str) -> bool:
        import jinja2

        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        except jinja2.TemplateSyntaxError:
            return True
        return True

    def render(self, name: str, context: dict[str, Any], *, where: str = "") -> str:
        import jinja2
        from jinja2.sandbox import SecurityError

        try:
            tmpl = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise TemplateError(f"template '{name}' not found for locale {self.locale}",
                                path=where, hint="add templates/" + self.locale + "/" + name
                                + TEMPLATE_SUFFIX + " or fix the task's template name") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}",
                                path=exc.filename or name, line=exc.lineno or 0) from None
        try:
            out = []
            size = 0
            for chunk in tmpl.generate(**context):
                size += len(chunk)
                if size > MAX_MESSAGE_CHARS:
                    raise TemplateError(
                        f"template '{name}' produced more than {MAX_MESSAGE_CHARS:,} characters",
                        path=tmpl.filename or name, hint="shorten the message or remove loops")
                out.append(chunk)
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"template '{name}' uses an undefined variable: {exc.message}",
                                path=tmpl.filename or name,
                                hint="use only the variables listed in the README") from None
        except SecurityError as exc:
            raise TemplateError(f"template '{name}' tried an unsafe operation: {exc}",
                                path=tmpl.filename or name) from None
        except TemplateError:
            raise
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError,
                OverflowError, RecursionError, MemoryError) as exc:
            raise TemplateError(f"template '{name}' failed: {exc}",
                                path=tmpl.filename or name) from None
        lines = (line.strip() for line in "".join(out).splitlines())
        return "\n".join(line for line in lines if line)

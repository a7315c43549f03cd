"""Copy (话术): pools of variants, offers with an audience, and rotation.

A pool is one Jinja file whose variants are separated by a line holding only
``{# --- #}`` (docs/packs.md); the trade's own pool
(``templates/<locale>/industries/<pack>/<pool>.j2``) is preferred to the general one.
:class:`Copywriter` picks, run by run, the first variant whose text (dates and numbers
stripped) was not sent on the same channel within the repeat window and not sent
``max_repeats`` times already, so a plan never reads as one text sent sixty times.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from sidomain_cli.errors import TemplateError

SEPARATOR = re.compile(r"^[ \t]*\{#-?\s*---\s*-?#\}[ \t]*\r?$", re.M)
TEMPLATE_SUFFIX = ".j2"
_STRIP = re.compile(
    r"\d+|[〇零一二三四五六七八九十]+[月日号]|周[一二三四五六日天]|星期[一二三四五六日天]|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:mon|tue|wed|thu|fri|sat|sun)\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def normalise(message: str) -> str:
    """A message as the repeat rules compare it: no dates, numbers or weekdays."""
    return re.sub(r"\s+", " ", _STRIP.sub("#", message)).strip()


def split_variants(source: str) -> list[tuple[int, str]]:
    """(first line index, text) of each variant of a pool's source."""
    out, line, pos = [], 0, 0
    for m in SEPARATOR.finditer(source):
        out.append((line, source[pos:m.start()]))
        line += source.count("\n", pos, m.end())
        pos = m.end()
    out.append((line, source[pos:]))
    return [(n, part) for n, part in out if part.strip()]


def stable_offset(*parts: str) -> int:
    return zlib.crc32("\x1f".join(parts).encode("utf-8"))


class Pools:
    """The variants of each copy pool for one locale and pack, compiled once."""

    def __init__(self, renderer, pack_id: str) -> None:
        self.renderer = renderer
        self.pack_id = pack_id
        self._cache: dict[str, list[Any]] = {}

    def _locate(self, pool: str):
        """(root, template name) of a pool: the first root that has it wins; in a root the
        trade's own pool comes before the general one."""
        names = (f"industries/{self.pack_id}/{pool}{TEMPLATE_SUFFIX}", pool + TEMPLATE_SUFFIX)
        for root in self.renderer.roots:
            for name in names:
                if (root / name).is_file():
                    return root, name
        return None

    def name_of(self, pool: str) -> str | None:
        """The template name of a pool (see :meth:`_locate`)."""
        found = self._locate(pool)
        return found[1] if found else None

    def path_of(self, pool: str):
        """The file a pool is read from (lint points its findings there), or None."""
        found = self._locate(pool)
        return found[0] / found[1] if found else None

    def exists(self, pool: str) -> bool:
        return self.name_of(pool) is not None

    def variants(self, pool: str, *, where: str = "") -> "Variants":
        if pool in self._cache:
            return self._cache[pool]
        import jinja2

        env = self.renderer.env
        name = self.name_of(pool)
        if name is None:
            raise TemplateError(f"template '{pool}' not found for locale {self.renderer.locale}",
                                path=where, hint=f"add templates/{self.renderer.locale}/{pool}"
                                f"{TEMPLATE_SUFFIX} or fix the task's template name")
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            raise TemplateError(f"template '{pool}' not found", path=where) from None
        out = Variants(env, name, filename, split_variants(source))
        self._cache[pool] = out
        return out


# Compiled variants by (file, first line, text), shared by every plan of a process: a
# portfolio run or the test suite compiles each variant once.
_CODE: dict[tuple[str, int, str], Any] = {}


class Variants:
    """A pool's variants, each compiled the first time it is tried (most plans try a few)."""

    def __init__(self, env, name: str, filename: str, parts: list[tuple[int, str]]) -> None:
        self.env, self.name, self.filename, self.parts = env, name, filename, parts
        self._done: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.parts)

    def __getitem__(self, i: int):
        if i not in self._done:
            self._done[i] = self._compile(*self.parts[i])
        return self._done[i]

    def _compile(self, line: int, part: str):
        import jinja2

        env = self.env
        key = (self.filename or self.name, line, part)
        code = _CODE.get(key)
        if code is None:
            try:
                code = env.compile("\n" * line + part, self.name, self.filename)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(f"template syntax error: {exc.message}",
                                    path=self.filename, line=exc.lineno or 0) from None
            except TemplateError:
                raise
            except Exception as exc:  # constant folding at compile time (inf, bad index …)
                raise TemplateError(f"template '{self.name}' cannot be compiled: "
                                    f"{type(exc).__name__}: {exc}", path=self.filename) from None
            if len(_CODE) < 20_000:
                _CODE[key] = code
        return env.template_class.from_code(env, code, env.make_globals(None))


@dataclass
class Written:
    message: str
    pool: str
    variant: int
    slots: dict[str, str]


class Copywriter:
    """Chooses and renders copy so that no text repeats too soon or too often."""

    def __init__(self, pools: Pools, *, window: int = 14, max_repeats: int = 5) -> None:
        self.pools = pools
        self.window = window
        self.max_repeats = max_repeats
        self.last_day: dict[tuple[str, str], int] = {}  # (channel, text) → last plan day
        self.count: dict[str, int] = {}                 # text → sends in the plan

    def fresh(self, channel: str, norm: str, day: int) -> bool:
        last = self.last_day.get((channel, norm))
        if last is not None and day - last < self.window:
            return False
        return self.count.get(norm, 0) < self.max_repeats

    def write(self, *, task: str, pools: tuple[str, ...], run: int, day: int, channel: str,
              context: dict[str, Any], slots: dict[str, list[str]], where: str = "",
              repeatable: bool = False, fixed: dict[str, str] | None = None,
              reject=None, names: str | None = None) -> Written | None:
        """The copy for the ``run``-th run of a task, or None if every variant is stale.

        ``slots`` are the vocabulary lists (product, reward, scene) taken in turn, and the
        deal of the day (the same for every task of a date); ``fixed`` slot values are kept
        (a preview names what its event will offer); ``reject(message)`` refuses a text
        (a delivery promise while couriers stop); ``names`` is a slot the text must quote
        when it has a value (an announced activity and its preview name the same deal), tried
        before any variant that does not; ``repeatable`` texts skip the repeat rules.
        """
        for must in ((names, None) if names else (None,)):
            found = self._first(task=task, pools=pools, run=run, day=day, channel=channel,
                                context=context, slots=slots, where=where,
                                repeatable=repeatable, fixed=fixed, reject=reject, must=must)
            if found is not None:
                return found
        return None

    def _first(self, *, task: str, pools: tuple[str, ...], run: int, day: int, channel: str,
               context: dict[str, Any], slots: dict[str, list[str]], where: str,
               repeatable: bool, fixed: dict[str, str] | None, reject, must: str | None
               ) -> Written | None:
        """The first fresh variant and slot values in this run's order (quoting the ``must``
        slot's value when it has one)."""
        from sidomain_cli.render import render_template

        pool = pools[run % len(pools)]
        turn = run // len(pools)  # this pool's own run: a rotation of k pools uses each every k-th
        variants = self.pools.variants(pool, where=where)
        n = len(variants)
        start = stable_offset(task, pool) % n
        free = {k: v for k, v in slots.items() if not fixed or k not in fixed}
        widest = max([len(v) for v in free.values()] + [1])
        offsets = {k: 0 if k == "deal" else stable_offset(task, k) for k in free}
        base = {k: day if k == "deal" else turn for k in free}
        for shift in range(min(widest, 12)):
            ctx = dict(context)
            chosen = dict(fixed or {})
            for k, values in free.items():
                chosen[k] = values[(base[k] + shift + offsets[k]) % len(values)] if values else ""
            ctx.update(chosen)
            for i in range(n):
                index = (start + turn + i) % n
                message = render_template(variants[index], pool, ctx)
                if not message or (reject is not None and reject(message)):
                    continue  # a variant that needs a slot this run does not have
                if must and chosen.get(must) and chosen[must] not in message:
                    continue
                norm = normalise(message)
                if repeatable or self.fresh(channel, norm, day):
                    self.last_day[(channel, norm)] = day
                    self.count[norm] = self.count.get(norm, 0) + 1
                    return Written(message, pool, index, chosen)
        return None

"""Content rules (C002–C010): the copy of the plan a profile gets, read by the planner's own
rule book (:mod:`sidomain_cli.planning.checks`), each finding put at the input that caused it.

For every brand profile under lint, the plan is made once with the public ``make_plan``
(cached by path for the whole run) and checked once; each rule module reports the findings
of its code.  A finding's ``cause`` says where it came from and its ``needle`` what to look
for there:

- words a profile value carries (an offer, a deal, the persona …) → that profile line;
- ``offer:<key>`` → the profile's ``offers.<key>`` line if the profile gives that offer,
  else the user playbook's, else the pack's ``offers`` line;
- ``template:<pool>`` → the pool file the planner read (the trade's own pool if there is
  one, else the general one), at the line of the variant with the needle, else of the
  variant whose words the message carries;
- ``task`` → the playbook task's line.

A profile that does not validate or cannot be planned gets no content findings: the S, B
and T rules say why.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from sidomain_cli.errors import Problem, SidomainError

# Top-level profile / pack fields whose strings reach customer copy.
PROFILE_TEXT = ("offers", "deals", "persona", "marketing_nodes", "brand")
PACK_TEXT = ("offers", "vocabulary", "persona")
_JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
SNIPPET = 40


def check_code(ctx, code: str, hint: str) -> Iterator[Problem]:
    """The findings of one content rule for the profile under check."""
    for p in plan_problems(ctx).get(code, ()):
        yield Problem(p.path, p.line, p.column, code, ctx.rule.severity, p.message, hint)


def plan_problems(ctx) -> dict[str, list[Problem]]:
    """Code → problems of the profile's plan; planned and checked once per lint run."""
    cache = ctx.workspace.cache
    key = ("plan", os.path.normcase(os.path.abspath(ctx.path)))
    if key not in cache:
        cache[key] = _plan_problems(ctx)
    return cache[key]


def _plan_problems(ctx) -> dict[str, list[Problem]]:
    if ctx.schema_problems:
        return {}
    planned = _plan(ctx)
    if planned is None:
        return {}
    plan, method, pack, pools, playbook_path, offers = planned
    from sidomain_cli.planning.checks import check_plan

    where = Where(ctx, plan, pack, pools, playbook_path)
    first: dict[tuple, tuple[Any, str]] = {}
    sends: Counter[tuple] = Counter()
    for f in check_plan(plan, method, pack, offers):
        path, line, col = where.of(f)
        at = (f.code, path, line, col)
        sends[at] += 1
        first.setdefault(at, (f, path))
    out: dict[str, list[Problem]] = {}
    for at, (f, path) in first.items():
        text = f.text if len(f.text) <= SNIPPET else f.text[:SNIPPET] + "…"
        more = f", {sends[at]} sends" if sends[at] > 1 else ""
        whose = "" if path == ctx.name else f" [plan of {ctx.name}]"
        msg = f"{f.message} — task {f.task} on {f.date}{more}: “{text}”{whose}"
        problem = Problem(path, line, col, f.code, "error", msg)
        if path == ctx.name or not where.disabled(path, problem):
            out.setdefault(f.code, []).append(problem)
    return out


def _plan(ctx):
    """(plan, method, pack, pools, playbook path, offers) of the profile, or None."""
    from sidomain_cli.planning import make_plan
    from sidomain_cli.planning.copy import Pools
    from sidomain_cli.planning.packs import builtin_pack_files, load_pack_file
    from sidomain_cli.planning.pipeline import offers_for
    from sidomain_cli.playbook import load_method, load_playbook
    from sidomain_cli.profile import profile_from_doc
    from sidomain_cli.render import Renderer
    from sidomain_cli.resources import builtin_playbooks

    ws = ctx.workspace
    try:
        profile = profile_from_doc(ctx.doc)
        if "method" not in ws.cache:
            ws.cache["method"] = load_method()
        method = ws.cache["method"]
        playbook = None
        name = profile.playbook
        if name and name not in builtin_playbooks() and not Path(name).is_file() \
                and (ctx.path.parent / name).is_file():  # as B003: beside the profile
            playbook = load_playbook(str(ctx.path.parent / name))
        extra = tuple(dict.fromkeys([*ctx.options.template_dirs,
                                     *ws.linted_template_dirs]))
        plan = make_plan(profile, playbook=playbook, method=method, template_dirs=extra)
        pack_file = builtin_pack_files().get(plan.industry_pack)
        pack = load_pack_file(pack_file) if pack_file else None
        if playbook is None:  # for its offers: read once per playbook per lint run
            key = ("playbook", name or plan.playbook)
            if key not in ws.cache:
                ws.cache[key] = load_playbook(name or plan.playbook)
            playbook = ws.cache[key]
        offers = offers_for(profile, pack, plan.locale, playbook) if pack else {}
    except SidomainError:
        return None  # the S, B and T rules report why
    pools = Pools(Renderer(plan.locale, extra), plan.industry_pack)
    return plan, method, pack, pools, playbook.path, offers


class Where:
    """Maps a finding to (path, line, column) of the input to edit."""

    def __init__(self, ctx, plan, pack, pools, playbook_path: str) -> None:
        self.ctx = ctx
        self.plan = plan
        self.pack = pack
        self.pools = pools
        self.playbook_path = playbook_path
        self.locale = plan.locale

    def of(self, f) -> tuple[str, int, int]:
        kind, _, name = f.cause.partition(":")
        if f.needle:  # words a profile value carries are fixed in the profile
            hit = self._in_texts(self.ctx, PROFILE_TEXT, f.needle,
                                 first=("offers", name) if kind == "offer" else None)
            if hit:
                return hit
        if kind == "offer":
            return self._offer(name, f.needle)
        if kind == "template":
            return self._template(name, f)
        if kind == "task":
            return self._task(f.task)
        return self.ctx.name, 1, 1

    # -- offers ---------------------------------------------------------------------------
    def _offer(self, key: str, needle: str) -> tuple[str, int, int]:
        for fctx in (self.ctx, self._file(self.playbook_path, "playbook"),
                     self._file(self.pack.path if self.pack else None, "industry_pack")):
            if fctx is None or not isinstance(fctx.data, dict):
                continue
            offers = fctx.data.get("offers")
            if isinstance(offers, dict) and offers.get(key):
                k = ("offers", key)
                if isinstance(offers[key], dict) and self.locale in offers[key]:
                    k = k + (self.locale,)
                line, col = fctx.find_in_value(k, needle) if needle else fctx.doc.where(
                    k, value=True)
                return fctx.name, line, col
        return self.ctx.name, 1, 1

    # -- templates ------------------------------------------------------------------------
    def _template(self, pool: str, f) -> tuple[str, int, int]:
        if f.needle and not self._in_template(pool, f.needle):
            # words the template does not hold: the playbook's offers, the pack's words
            for fctx, fields in ((self._file(self.playbook_path, "playbook"), ("offers",)),
                                 (self._file(self.pack.path if self.pack else None,
                                             "industry_pack"), PACK_TEXT)):
                hit = self._in_texts(fctx, fields, f.needle)
                if hit:
                    return hit
        path = self.pools.path_of(pool)
        if path is None:
            return self.ctx.name, 1, 1
        found = self._in_template(pool, f.needle) if f.needle else None
        if found:
            return str(path), found[0], found[1]
        return str(path), self._variant_line(path, f.text), 1

    def _in_template(self, pool: str, needle: str) -> tuple[int, int] | None:
        path = self.pools.path_of(pool)
        if path is None or not needle:
            return None
        for n, line in enumerate(self._source(path).splitlines(), 1):
            plain = _JINJA.sub(lambda m: " " * len(m.group(0)), line)
            at = plain.find(needle)
            if at < 0 and needle.isascii():
                at = plain.lower().find(needle.lower())
            if at >= 0:
                return n, at + 1
        return None

    def _variant_line(self, path: Path, message: str) -> int:
        """First line of the variant whose own words the message carries most."""
        from sidomain_cli.planning.copy import split_variants

        best, best_line = None, 1
        for start, part in split_variants(self._source(path)):
            pieces = [p.strip() for p in _JINJA.split(part) if len(p.strip()) >= 2]
            score = sum(len(p) if p in message else -len(p) for p in pieces)
            lines = part.split("\n")
            first = next((i for i, s in enumerate(lines) if s.strip()), 0)
            if best is None or score > best:
                best, best_line = score, start + first + 1
        return best_line

    def _source(self, path: Path) -> str:
        from sidomain_cli.yamlio import read_text

        key = ("source", str(path))
        cache = self.ctx.workspace.cache
        if key not in cache:
            try:
                cache[key] = read_text(path)
            except SidomainError:
                cache[key] = ""
        return cache[key]

    # -- playbook tasks -------------------------------------------------------------------
    def _task(self, task_id: str) -> tuple[str, int, int]:
        fctx = self._file(self.playbook_path, "playbook")
        if fctx is None or not isinstance(fctx.data, dict):
            return self.ctx.name, 1, 1
        for group in ("tasks", "lifecycle"):
            for i, t in enumerate(fctx.data.get(group) or ()):
                if isinstance(t, dict) and t.get("id") == task_id:
                    field = next((k for k in ("time", "daypart") if k in t), "id")
                    line, col = fctx.doc.where((group, i, field), value=True)
                    return fctx.name, line, col
        return fctx.name, 1, 1

    # -- shared -------------------------------------------------------------------------
    def _in_texts(self, fctx, fields: tuple[str, ...], needle: str,
                  first: tuple | None = None) -> tuple[str, int, int] | None:
        """Where a string value under ``fields`` of a YAML file contains the needle."""
        if fctx is None or not isinstance(fctx.data, dict):
            return None
        found = [k for k, s in _strings(fctx.data, fields) if needle.lower() in s.lower()]
        if not found:
            return None
        found.sort(key=lambda k: not (first and k[:len(first)] == first))
        line, col = fctx.find_in_value(found[0], needle)
        return fctx.name, line, col

    def _file(self, path: str | None, kind: str):
        """A FileContext of another input (the playbook, the pack), cached per run."""
        if not path:
            return None
        from sidomain_cli.lint.core import FileContext
        from sidomain_cli.yamlio import parse_yaml

        cache = self.ctx.workspace.cache
        key = ("input", os.path.normcase(os.path.abspath(path)))
        if key not in cache:
            try:
                text = self._source(Path(path))
                cache[key] = FileContext(Path(path), kind, text, parse_yaml(text, path),
                                         self.ctx.workspace)
            except SidomainError:
                cache[key] = None
        return cache[key]

    def disabled(self, path: str, problem: Problem) -> bool:
        """A ``sidomain: disable`` comment at the finding's line of that other file."""
        from sidomain_cli.lint.core import FileContext

        cache = self.ctx.workspace.cache
        key = ("disable", path)
        if key not in cache:
            kind = "template" if path.endswith(".j2") else "yaml"
            cache[key] = FileContext(Path(path), kind, self._source(Path(path)), None,
                                     self.ctx.workspace)
        return cache[key].is_disabled(problem)


def _strings(data: Any, fields: tuple[str, ...]) -> Iterator[tuple[tuple, str]]:
    def walk(v, key):
        if isinstance(v, str):
            yield key, v
        elif isinstance(v, dict):
            for k, x in v.items():
                yield from walk(x, key + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                yield from walk(x, key + (i,))

    for name in fields:
        if name in data:
            yield from walk(data[name], (name,))

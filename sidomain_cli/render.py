"""Message scripts (话术) from Jinja templates, strict and sandboxed.

A template may come from a stranger (an agency's playbook, a pull request), so:

- ``StrictUndefined``: a misspelt variable fails loudly instead of printing nothing.
- An *immutable* sandbox: no Python internals (``__class__``, ``__globals__`` …), no
  changing the data a template is given (``offers.update(...)``).
- The loader only serves files that resolve inside the template folders: no ``../``,
  no absolute paths, no drive letters or backslashes, no symlinks pointing out; a
  template file must be UTF-8 and at most ``MAX_TEMPLATE_BYTES``.
- Work is bounded, so a crafted template cannot run away:

  * every loop step, call and include costs one of ``MAX_STEPS`` per message, and a
    message that takes longer than ``MAX_SECONDS`` is stopped (a backstop for steps
    that are each slow);
  * ``range()`` has at most ``MAX_RANGE`` items;
  * a string or list built with ``*``, ``+``, ``~``, ``|join``, ``|replace``, padding
    (``center``, ``ljust``, format widths …) or a ``{% set %}``/macro body holds at most
    ``MAX_VALUE_CHARS``; a number at most ``MAX_INT_BITS`` bits;
  * the message itself stops at ``MAX_MESSAGE_CHARS`` while it is generated.

- A template prints text and numbers (and lists/dicts of them), never a function,
  class or Jinja object.

Each refusal is a :class:`~sidomain_cli.errors.TemplateError` naming the template file.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
import types
from functools import lru_cache
from pathlib import Path
from typing import Any

from sidomain_cli.errors import TemplateError

MAX_MESSAGE_CHARS = 20_000
TEMPLATE_SUFFIX = ".j2"
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_VALUE_CHARS = MAX_MESSAGE_CHARS  # longest string or list a template may build
MAX_RANGE = 10_000                   # items of range() (Jinja's own sandbox: 100,000)
MAX_STEPS = 50_000                   # loop steps + calls + includes per message
MAX_SECONDS = 1.0                    # CPU seconds per message; no real template comes close
MAX_INT_BITS = 128                   # numbers a template computes stay below 2**128
MAX_PLAN_STEPS = 5_000_000          # all messages of one plan (~100 steps a message)
MAX_PLAN_SECONDS = 60.0              # CPU seconds for all messages of one plan
MAX_INDENT = 8                       # tojson(indent=…)
MAX_VALUE_SIZE = 100_000             # a list/dict a template makes: items + characters,
                                     # expanded (shared parts counted each time)


# ---- work budget -------------------------------------------------------------------

class _Budget(threading.local):
    """Steps left and the deadline of the message being rendered in this thread."""

    steps = MAX_STEPS
    deadline = float("inf")


_budget = _Budget()


def _start_budget() -> None:
    _budget.steps = MAX_STEPS
    _budget.deadline = time.thread_time() + MAX_SECONDS


@lru_cache(maxsize=1)
def _limit_class():
    from jinja2.sandbox import SecurityError

    class LimitExceeded(SecurityError):
        """A template did more work or built a bigger value than a message needs."""

    return LimitExceeded


def _limit_error(message: str) -> Exception:
    return _limit_class()(message)


def _step() -> None:
    b = _budget
    b.steps -= 1
    if not b.steps & 63:  # the clock every 64 steps: a step is cheap, the clock is not
        if b.steps < 0:
            raise _limit_error(f"it ran more than {MAX_STEPS:,} loop steps, calls and includes")
        if time.thread_time() > b.deadline:  # CPU time: a loaded machine is no runaway
            raise _limit_error(f"it ran longer than {MAX_SECONDS:g} s")


def _counted(iterable):
    """Iterate ``iterable``, one step of the budget an item."""
    for item in iterable:
        _step()
        yield item


# ---- value sizes -------------------------------------------------------------------

def _too_big(what: str, size: int | str) -> Exception:
    size = f"{size:,}" if isinstance(size, int) else size
    return _limit_error(f"{what} would be {size} long; a template value may hold "
                        f"{MAX_VALUE_CHARS:,}")


def _walk_size(value: Any, limit: int, *, printing: bool) -> int:
    """About how big ``value`` is, expanded (a list holding the same list twice counts it
    twice); refuses it past ``limit``.  Walking costs budget steps, so it is bounded too.

    ``printing``: a function, class, module or Jinja object may not be printed (its repr
    is not a message, and printing it is how sandbox escapes start).  Otherwise such an
    object counts as one (a cycler, a macro, a generator: nothing is drawn from it).
    """
    from jinja2 import Undefined

    total = 0
    seen = 0
    stack = [value]
    while stack:
        v = stack.pop()
        seen += 1
        if not seen & 255:
            _step()
        # printing: about the characters str() writes; else items and characters held
        if isinstance(v, (str, bytes)):
            total += len(v) + 2 if printing else len(v)
        elif v is None or isinstance(v, (bool, int, float, range)):
            total += 8 if printing else 0
        elif isinstance(v, Undefined):
            if printing and v is not value:
                str(v)  # a strict undefined inside a list fails here, as it would alone
            total += 8 if printing else 1
        elif isinstance(v, dict):
            total += 2 + 4 * len(v) if printing else 1 + 2 * len(v)
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset, _DICT_VIEWS)):
            total += 2 + 2 * len(v) if printing else 1 + len(v)
            stack.extend(v)
        elif printing:
            from jinja2.sandbox import SecurityError

            kind = "a class" if isinstance(v, type) else f"a {type(v).__name__} object"
            raise SecurityError(f"it tried to print {kind}; a template prints text and numbers")
        else:
            total += 1
        if total > limit:
            if printing:
                raise _too_big("a printed value", f"more than {limit:,}")
            raise _limit_error(f"a {type(value).__name__} would hold more than {limit:,} "
                               f"items and characters (counting shared parts each time); "
                               f"a template value may hold {limit:,}")
    return total


_DICT_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))


def _printable_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About how many characters ``str(value)`` has; refuses what a message cannot hold."""
    return _walk_size(value, limit, printing=True)


def _bounded(value: Any) -> Any:
    """Every value a template makes (a literal, a call, a filter, an operator) passes here:
    text holds at most ``MAX_VALUE_CHARS``, a list or mapping ``MAX_VALUE_SIZE`` items and
    characters counted expanded, so no value can grow without bound through any method, and no comparison, hash or sort can meet a huge value (two lists sharing
    structure compare in time exponential in their depth, inside one C call the step
    budget never sees)."""
    if type(value) is str or type(value) is bytes:
        if len(value) > MAX_VALUE_CHARS:
            raise _too_big(f"a {type(value).__name__}", len(value))
    elif isinstance(value, (str, bytes)):  # Markup
        if len(value) > MAX_VALUE_CHARS:
            raise _too_big("a text", len(value))
    elif not (value is None or type(value) in (int, float, bool)):
        _walk_size(value, MAX_VALUE_SIZE, printing=False)
    return value


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` passes here before it becomes text."""
    if type(value) is str or type(value) is int:
        return value
    _printable_size(value)
    return value


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes)) else _printable_size(value)


def _bounded_join(parts) -> str:
    """``environment.concat``: joins the output of macros, ``{% set %}`` blocks, filter
    and call blocks (``"".join`` with a size limit)."""
    out, size = [], 0
    for part in parts:
        size += len(part)
        if size > MAX_VALUE_CHARS:
            raise _too_big("a macro, block or {% set %} body", f"more than {MAX_VALUE_CHARS:,}")
        out.append(part)
    return "".join(out)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    seq = (str, bytes, list, tuple)
    if operator == "**":
        if (isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0
                and right * abs(left).bit_length() > MAX_INT_BITS + 1):
            raise _limit_error(f"{left} ** {right} is far bigger than a message needs "
                               f"(numbers stay below 2**{MAX_INT_BITS})")
    elif operator == "*":
        if isinstance(left, int) and isinstance(right, seq):
            left, right = right, left
        if isinstance(left, seq) and isinstance(right, int):
            if len(left) * right > MAX_VALUE_CHARS:
                raise _too_big(f"a {type(left).__name__} repeated {right:,} times",
                               len(left) * right)
        elif (isinstance(left, int) and isinstance(right, int)
              and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1):
            raise _limit_error(f"a product of {left.bit_length()}- and {right.bit_length()}-bit "
                               f"numbers is far bigger than a message needs")
    elif operator == "+":
        if isinstance(left, seq) and isinstance(right, seq) and len(left) + len(right) > MAX_VALUE_CHARS:
            raise _too_big(f"a {type(left).__name__} sum", len(left) + len(right))
    elif operator == "%" and isinstance(left, (str, bytes)):
        _check_percent(left if isinstance(left, str) else left.decode("latin-1"), right)


# ``%`` conversions: (width, precision) may be numbers or ``*``
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)?", re.S)
_DIGITS = re.compile(r"\d+")


def _width(text: str) -> int:
    """The largest number in a format spec (its width or precision)."""
    return max((int(d) for d in _DIGITS.findall(text)), default=0)


def _arg_size(args: Any) -> int:
    if isinstance(args, (tuple, list)):
        return max((_length(a) for a in args), default=0)
    if isinstance(args, dict):
        return max((_length(a) for a in args.values()), default=0)
    return _length(args)


def _check_percent(fmt: str, args: Any) -> None:
    """Bound ``fmt % args`` (the ``%`` operator and the ``format`` filter)."""
    per_field = _arg_size(args)
    total = len(fmt)
    for m in _PERCENT.finditer(fmt):
        width, precision, conversion = m.groups()
        if conversion == "%":
            continue
        if "*" in (width, precision):
            raise _limit_error("a '*' width in a % format is not allowed; write the number")
        total += max(int(width or 0), int(precision or 0), per_field)
        if total > MAX_VALUE_CHARS:
            raise _too_big("the formatted text", f"more than {MAX_VALUE_CHARS:,}")


def _check_format(fmt: str, args: tuple, kwargs: dict) -> None:
    """Bound ``fmt.format(*args, **kwargs)`` (and ``format_map``)."""
    from string import Formatter

    per_field = max(_arg_size(args), _arg_size(kwargs))
    total = len(fmt)
    for _, field, spec, _ in Formatter().parse(fmt):
        if field is None:
            continue
        if spec and "{" in spec:
            raise _limit_error("a format width taken from a variable ('{:>{w}}') is not "
                               "allowed; write the number")
        total += max(_width(spec or ""), per_field)
        if total > MAX_VALUE_CHARS:
            raise _too_big("the formatted text", f"more than {MAX_VALUE_CHARS:,}")


def _check_str_method(owner: str | bytes, name: str, args: tuple, kwargs: dict) -> tuple:
    """Bound the str/bytes methods that can make a long value from a short one."""
    if name in ("ljust", "rjust", "center", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int) and width > MAX_VALUE_CHARS:
            raise _too_big(f"{name}()", width)
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        tab = "\t" if isinstance(owner, str) else b"\t"
        if isinstance(tabsize, int) and len(owner) + owner.count(tab) * tabsize > MAX_VALUE_CHARS:
            raise _too_big("expandtabs()", len(owner) + owner.count(tab) * tabsize)
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "join" and args:
        items = _bounded_items(args[0], owner)
        return (items,) + args[1:]
    elif name == "translate" and args:
        table = args[0]
        longest = max((len(v) for v in table.values() if isinstance(v, (str, bytes))),
                      default=1) if isinstance(table, dict) else 1
        if len(owner) * longest > MAX_VALUE_CHARS:
            raise _too_big("translate()", len(owner) * longest)
    return args  # str.format/format_map never get here: wrap_str_format bounds them


def _bounded_items(iterable: Any, sep: Any) -> list:
    """The items ``sep.join(iterable)`` would join, refused if the result is too long."""
    items = list(iterable)
    gap = len(sep) if isinstance(sep, (str, bytes)) else len(str(sep))
    size = sum(_length(x) for x in items) + gap * max(len(items) - 1, 0)
    if size > MAX_VALUE_CHARS:
        raise _too_big("join()", size)
    return items


def _check_replace(s: Any, old: Any, new: Any, count: Any) -> None:
    if not (isinstance(s, (str, bytes)) and isinstance(old, type(s)) and isinstance(new, type(s))):
        return
    hits = s.count(old) if old else len(s) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    size = len(s) + hits * (len(new) - len(old))
    if size > MAX_VALUE_CHARS:
        raise _too_big("replace()", size)


# ---- bounded filters and globals ----------------------------------------------------

# Filters that turn their value into text: the value must be printable and bounded.
_TEXT_FILTERS = ("capitalize", "center", "e", "escape", "forceescape", "format", "indent",
                 "lower", "pprint", "replace", "safe", "string", "striptags", "title",
                 "tojson", "trim", "truncate", "upper", "urlencode", "urlize", "wordcount",
                 "wordwrap", "xmlattr")


def _guard_filter(name: str, func):
    """Wrap a built-in filter with the checks its arguments need."""
    passes = getattr(func, "jinja_pass_arg", None) is not None
    text = name in _TEXT_FILTERS

    @functools.wraps(func)
    def guarded(*args, **kwargs):
        pos = 1 if passes else 0
        value, rest = args[pos], args[pos + 1:]
        if text and type(value) is not str:
            _printable_size(value)
        if name == "center":
            width = rest[0] if rest else kwargs.get("width", 80)
            if isinstance(width, int) and width > MAX_VALUE_CHARS:
                raise _too_big("center()", width)
        elif name == "indent":
            width = rest[0] if rest else kwargs.get("width", 4)
            pad = width if isinstance(width, str) else " " * min(width, MAX_VALUE_CHARS + 1) \
                if isinstance(width, int) else ""
            lines = str(value).count("\n") + 1
            if len(str(value)) + lines * len(pad) > MAX_VALUE_CHARS:
                raise _too_big("indent()", len(str(value)) + lines * len(pad))
        elif name == "wordwrap":  # (s, width, break_long_words, wrapstring, …)
            wrap = rest[2] if len(rest) > 2 else kwargs.get("wrapstring")
            if isinstance(wrap, str) and len(wrap) > 1:
                # wrap with "\n" first (as long as the input), then count the joins
                plain_rest, plain_kw = list(rest), dict(kwargs)
                if len(rest) > 2:
                    plain_rest[2] = "\n"
                else:
                    plain_kw["wrapstring"] = "\n"
                plain = func(*args[:pos + 1], *plain_rest, **plain_kw)
                size = len(plain) + plain.count("\n") * (len(wrap) - 1)
                if size > MAX_VALUE_CHARS:
                    raise _too_big("wordwrap()", size)
        elif name == "replace" and len(rest) >= 2:
            count = rest[2] if len(rest) > 2 else kwargs.get("count")
            _check_replace(str(value) if not isinstance(value, str) else value,
                           str(rest[0]), str(rest[1]), -1 if count is None else count)
        elif name == "format":
            if isinstance(value, str):
                _check_percent(value, kwargs or rest)
        elif name == "join":
            items = _bounded_items(value, rest[0] if rest else kwargs.get("d", ""))
            args = args[:pos] + (items,) + rest
        elif name == "tojson":
            indent = rest[0] if rest else kwargs.get("indent")
            if isinstance(indent, int) and indent > MAX_INDENT or (
                    isinstance(indent, str) and len(indent) > MAX_INDENT):
                raise _limit_error(f"tojson() indents by at most {MAX_INDENT}")
        elif name == "batch":
            linecount = rest[0] if rest else kwargs.get("linecount", 0)
            if isinstance(linecount, int) and linecount > MAX_VALUE_CHARS:
                raise _too_big("batch()", linecount)
        elif name == "slice":
            slices = rest[0] if rest else kwargs.get("slices", 0)
            if isinstance(slices, int) and slices > MAX_RANGE:
                raise _limit_error(f"slice({slices:,}) makes more than {MAX_RANGE:,} slices")
        elif name == "sum":
            start = rest[1] if len(rest) > 1 else kwargs.get("start", 0)
            if isinstance(start, (str, bytes, list, tuple)):
                items = list(value)
                size = len(start) + sum(len(x) for x in items if isinstance(x, (str, bytes, list, tuple)))
                if size > MAX_VALUE_CHARS:
                    raise _too_big("sum()", size)
                args = args[:pos] + (items,) + rest
        return func(*args, **kwargs)

    return guarded


_GUARDED_FILTERS = _TEXT_FILTERS + ("join", "batch", "slice", "sum")


def _bounded_filter(func):
    """Any filter: its result is bounded like every other value a template makes."""
    @functools.wraps(func)  # keeps jinja_pass_arg
    def bounded(*args, **kwargs):
        return _bounded(func(*args, **kwargs))

    return bounded


def _safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise _limit_error(f"range() of {len(rng):,} items; a template may use {MAX_RANGE:,}")
    return rng


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    from jinja2.utils import generate_lorem_ipsum

    if n > 20 or max > 200 or min > 200:
        raise _limit_error("lipsum() is limited to 20 paragraphs of 200 words")
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


_INF = float("inf")
_UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)


def _syntax_error(exc: BaseException, name: str | None, filename: str | None):
    from jinja2 import TemplateSyntaxError

    if isinstance(exc, RecursionError):
        why = "brackets, tags or expressions are nested too deeply"
    elif isinstance(exc, SyntaxError):
        why = f"it compiles to invalid Python ({exc.msg})"
    else:
        why = str(exc) or type(exc).__name__
    return TemplateSyntaxError(f"template cannot be compiled: {why}", 1, name, filename)


@lru_cache(maxsize=1)
def _sandbox_class():
    """The sandboxed environment class (built on first use: jinja2 loads lazily)."""
    from jinja2 import Template, nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.runtime import LoopContext, markup_join, str_join
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.utils import pass_context
    from jinja2.visitor import NodeTransformer

    @pass_context
    def count_loop(context, iterable):
        return _counted(iterable)

    @pass_context
    def bounded_concat(context, parts):
        size = 0
        for part in parts:
            size += _length(part) if type(part) is not str else len(part)
        if size > MAX_VALUE_CHARS:
            raise _too_big("a '~' concatenation", size)
        return markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)

    class Bound(NodeTransformer):
        """Route every loop through the step budget and every ``~`` through a size check."""

        def __init__(self, environment) -> None:
            self.environment = environment

        def _filter(self, node, name: str, lineno: int):
            new = nodes.Filter(node, name, [], [], None, None, lineno=lineno)
            new.set_environment(self.environment)
            return new

        def visit_For(self, node):
            self.generic_visit(node)
            node.iter = self._filter(node.iter, "_sidomain_loop", node.lineno)
            return node

        def _literal(self, node):
            self.generic_visit(node)
            if getattr(node, "ctx", "load") != "load":
                return node  # a target: {% set a, b = … %}, {% for k, v in … %}
            return self._filter(node, "_sidomain_value", node.lineno)

        visit_List = visit_Tuple = visit_Dict = _literal

        def visit_Concat(self, node):
            self.generic_visit(node)
            parts = nodes.Tuple(node.nodes, "load", lineno=node.lineno)
            parts.set_environment(self.environment)
            return self._filter(parts, "_sidomain_concat", node.lineno)

    class BoundedCodeGenerator(CodeGenerator):
        def visit_Template(self, node, frame=None):
            Bound(self.environment).visit(node)
            super().visit_Template(node, frame)

        def visit_Const(self, node, frame):
            value = node.as_const(frame.eval_ctx)
            if isinstance(value, float) and value != value or value in (_INF, -_INF):
                self.write(f"float({str(value)!r})")  # Jinja wrote `inf`: a NameError
            else:
                super().visit_Const(node, frame)

    class BoundedTemplate(Template):
        """Each render starts a fresh budget; includes and imports spend from it."""

        def generate(self, *args, **kwargs):
            # Template.generate's own body (one generator, not two in a row)
            _start_budget()
            ctx = self.new_context(dict(*args, **kwargs))
            try:
                yield from self.root_render_func(ctx)
            except Exception:
                yield self.environment.handle_exception()

        def render(self, *args, **kwargs):
            _start_budget()
            return super().render(*args, **kwargs)

        def new_context(self, *args, **kwargs):
            _step()
            return super().new_context(*args, **kwargs)

    class MessageSandbox(ImmutableSandboxedEnvironment):
        """Jinja's immutable sandbox with bounded work and bounded values."""

        code_generator_class = BoundedCodeGenerator
        template_class = BoundedTemplate
        intercepted_binops = frozenset(["*", "**", "+", "%"])
        concat = staticmethod(_bounded_join)

        def __init__(self, **options) -> None:
            # optimized=False: Jinja's optimizer evaluates constant parts of a template at
            # compile time, outside the budget, and failed on some ('inf' written as a
            # name; an undefined index inside `and` raised while compiling)
            super().__init__(finalize=_finalize, optimized=False, **options)
            self.globals["range"] = _safe_range
            self.globals["lipsum"] = _lipsum
            for name in _GUARDED_FILTERS:
                self.filters[name] = _guard_filter(name, self.filters[name])
            for name in list(self.filters):
                self.filters[name] = _bounded_filter(self.filters[name])
            self.filters["_sidomain_value"] = _bounded
            self.filters["_sidomain_loop"] = count_loop
            self.filters["_sidomain_concat"] = bounded_concat

        # A template Python cannot take (a 5,000-digit number, brackets nested 1,000 deep)
        # is a syntax error of that template, not a crash of whoever parses it (lint too).
        def parse(self, source, name=None, filename=None):
            try:
                return super().parse(source, name, filename)
            except _UNPARSABLE as exc:
                raise _syntax_error(exc, name, filename) from None

        def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
            try:
                return super().compile(source, name, filename, raw, defer_init)
            except _UNPARSABLE as exc:
                raise _syntax_error(exc, name, filename) from None

        def call_binop(self, context, operator, left, right):
            _check_binop(operator, left, right)
            return _bounded(super().call_binop(context, operator, left, right))

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
            _step()
            owner = getattr(__obj, "__self__", None)
            if isinstance(__obj, LoopContext) and args:  # a recursive loop: loop(children)
                args = (_counted(args[0]),) + args[1:]
            elif isinstance(__obj, types.BuiltinMethodType) and isinstance(owner, (str, bytes)):
                args = _check_str_method(owner, __obj.__name__, args, kwargs)
            elif (isinstance(__obj, types.BuiltinMethodType) and isinstance(owner, int)
                  and __obj.__name__ == "to_bytes"):
                length = args[0] if args else kwargs.get("length", 1)
                if isinstance(length, int) and length > MAX_VALUE_CHARS:
                    raise _too_big("to_bytes()", length)
            return _bounded(super().call(__context, __obj, *args, **kwargs))

        def wrap_str_format(self, value):
            wrapper = super().wrap_str_format(value)
            if wrapper is None:
                return None
            fmt, is_map = value.__self__, value.__name__ == "format_map"

            @functools.wraps(wrapper)
            def bounded(*args, **kwargs):
                if is_map:
                    _check_format(fmt, (), args[0] if args and isinstance(args[0], dict) else {})
                else:
                    _check_format(fmt, args, kwargs)
                return wrapper(*args, **kwargs)

            return bounded

    return MessageSandbox


# ---- loading -----------------------------------------------------------------------

def _make_loader(roots: tuple[Path, ...]):
    import jinja2

    class ConfinedLoader(jinja2.BaseLoader):
        """Serve ``name.j2`` from ``roots`` only if its real path stays inside a root."""

        def __init__(self, roots: tuple[Path, ...]) -> None:
            self.roots = tuple(r.resolve() for r in roots)

        def _find(self, template: str) -> Path | None:
            if (not template or template.startswith(("/", "\\")) or ".." in template.split("/")
                    or "\\" in template or ":" in template or "\x00" in template):
                return None
            name = template if template.endswith(TEMPLATE_SUFFIX) else template + TEMPLATE_SUFFIX
            for root in self.roots:
                candidate = root / name
                try:
                    real = candidate.resolve(strict=True)
                except (OSError, RuntimeError, ValueError):
                    continue
                if real.is_relative_to(root) and real.is_file():
                    return real
            return None

        def find(self, template: str) -> Path | None:
            """The real path ``template`` is served from, or None if it is not served."""
            return self._find(template)

        def get_source(self, environment, template):
            real = self._find(template)
            if real is None:
                raise jinja2.TemplateNotFound(template)
            try:
                size = real.stat().st_size
                if size > MAX_TEMPLATE_BYTES:
                    raise TemplateError(f"template is {size:,} bytes; a template may have "
                                        f"{MAX_TEMPLATE_BYTES:,}", path=str(real))
                source = real.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TemplateError(f"template is not UTF-8 text (byte {exc.start})",
                                    path=str(real), hint="save it as UTF-8") from None
            except OSError as exc:
                raise TemplateError(f"template cannot be read: {exc.strerror or exc}",
                                    path=str(real)) from None
            mtime = os.path.getmtime(real)
            return source, str(real), lambda: os.path.getmtime(real) == mtime

        def list_templates(self):
            found = set()
            for root in self.roots:
                for p in root.rglob("*" + TEMPLATE_SUFFIX):
                    name = p.relative_to(root).as_posix()[: -len(TEMPLATE_SUFFIX)]
                    if self._find(name) is not None:
                        found.add(name)
            return sorted(found)

    return ConfinedLoader(roots)


@lru_cache(maxsize=16)
def environment(roots: tuple[Path, ...]):
    from jinja2 import StrictUndefined

    return _sandbox_class()(loader=_make_loader(roots), undefined=StrictUndefined,
                            autoescape=False, keep_trailing_newline=False,
                            trim_blocks=True, lstrip_blocks=True)


def template_roots(locale: str, extra: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """User folders first (they override built-ins), then the built-in locale folder."""
    from sidomain_cli.resources import templates_dir

    base = templates_dir()
    roots = [Path(p) / locale for p in extra] + [base / locale]
    return tuple(r for r in roots if r.is_dir())


def undeclared_variables(ast) -> set[str]:
    """``jinja2.meta.find_undeclared_variables`` without Jinja's optimizer: it evaluates
    constant parts of the template (which failed on some, like compiling did)."""
    from jinja2.meta import TrackingCodeGenerator

    codegen = TrackingCodeGenerator(ast.environment)
    codegen.optimizer = None
    codegen.visit(ast)
    return codegen.undeclared_identifiers


class Renderer:
    """Renders task messages for one locale; compiled templates are cached."""

    def __init__(self, locale: str, extra_dirs: tuple[Path, ...] = ()) -> None:
        self.locale = locale
        self.roots = template_roots(locale, extra_dirs)
        self.env = environment(self.roots)
        self.steps = 0       # spent by all messages of this renderer (one plan)
        self.seconds = 0.0

    def exists(self, name: str) -> bool:
        import jinja2

        try:
            self.env.loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            return False
        except TemplateError:
            return True  # there, but unreadable: render() says why
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
        except TemplateError:
            raise
        except Exception as exc:  # any other failure to load or compile a stranger's file
            raise TemplateError(f"template '{name}' cannot be compiled: "
                                f"{type(exc).__name__}: {exc}", path=where or name) from None
        began = time.thread_time()
        try:
            return render_template(tmpl, name, context)
        finally:
            self.steps += MAX_STEPS - _budget.steps
            self.seconds += time.thread_time() - began
            if self.steps > MAX_PLAN_STEPS or self.seconds > MAX_PLAN_SECONDS:
                spent = (f"{MAX_PLAN_STEPS:,} loop steps, calls and includes"
                         if self.steps > MAX_PLAN_STEPS else f"{MAX_PLAN_SECONDS:g} s")
                raise TemplateError(f"the plan's messages took more than {spent} to render "
                                    f"(template '{name}' was the last)",
                                    path=tmpl.filename or name,
                                    hint="a message needs only short loops and short text")


class UndefinedVariableError(TemplateError):
    """A template used a variable the context does not have (lint: T003's finding)."""


def render_template(tmpl, name: str, context: dict[str, Any]) -> str:
    """Render a loaded template within the budget; every failure is a TemplateError.

    Shared by :class:`Renderer` and ``sidomain lint`` (T005), so lint refuses exactly
    what ``plan`` and ``export`` refuse.
    """
    import jinja2
    from jinja2.sandbox import SecurityError

    path = tmpl.filename or name
    try:
        out = []
        size = 0
        for chunk in tmpl.generate(**context):
            size += len(chunk)
            if size > MAX_MESSAGE_CHARS:
                raise TemplateError(
                    f"template '{name}' produced more than {MAX_MESSAGE_CHARS:,} characters",
                    path=path, hint="shorten the message or remove loops")
            out.append(chunk)
    except jinja2.UndefinedError as exc:
        raise UndefinedVariableError(f"template '{name}' uses an undefined variable: {exc.message}",
                            path=path,
                            hint="use only the variables listed in the README") from None
    except jinja2.TemplateNotFound as exc:
        refused = ", ".join(repr(n) for n in getattr(exc, "templates", None) or [exc.name])
        raise TemplateError(
            f"template '{name}' includes, imports or extends {refused}, which is not a "
            f"template in the template folders", path=path,
            hint="name another template by its path inside the folder, without '..', "
                 "a leading '/', a drive or links that lead out") from None
    except SecurityError as exc:
        if type(exc).__name__ == "LimitExceeded":
            raise TemplateError(f"template '{name}' was stopped: {exc}", path=path,
                                hint="a message needs only short loops and short text") from None
        raise TemplateError(f"template '{name}' tried an unsafe operation: {exc}",
                            path=path) from None
    except TemplateError:
        raise
    except RecursionError:
        raise TemplateError(f"template '{name}' recursed too deeply (a macro, block or "
                            f"include that calls itself)", path=path) from None
    except MemoryError:
        raise TemplateError(f"template '{name}' ran out of memory", path=path) from None
    except Exception as exc:  # a filter's assertion, a bad argument …: the template's fault
        raise TemplateError(f"template '{name}' failed: {type(exc).__name__}: {exc}",
                            path=path) from None
    lines = (line.strip() for line in "".join(out).splitlines())
    return "\n".join(line for line in lines if line)

"""T005 template-refused: the sandbox refuses what a template does.

What it does
  Renders each template (`templates/<locale>/<name>.j2`) once, with sample values for
  every variable the planner provides, in the same sandbox `sidomain plan` and
  `sidomain export` use, and reports what the sandbox refused: reaching Python
  internals (`__class__`, `__globals__` …), including, importing or extending a file
  outside the template folders, and runaway work (loops over 10,000 items, more than
  50,000 loop steps and calls, values longer than 20,000 characters, huge numbers,
  recursion), and values that are undefined however the planner fills the variables
  (`brand.nope`, `[]|first`, `offers[[1]]`), which fail every plan. Unknown variable
  names are T003's finding and syntax errors T002's.
  One sample rendering follows one path through `{% if %}` branches: a refusal inside
  a branch the sample values do not take shows up only when a plan takes it.

Why it matters
  Without this rule a crafted or careless template passes lint and then fails the
  plan or the export for every store that uses it.

Failing example
  {{ brand }}{{ ''.__class__.__mro__ }}
  {% for i in range(1000000) %}{{ i }}{% endfor %}

Passing example
  {{ brand }}会员日:{{ offers.member_day_offer }}
  {% for i in range(3) %}{{ i }}{% endfor %}
"""

import re

CODE = "T005"
NAME = "template-refused"
SEVERITY = "error"
KINDS = ("template",)
SUMMARY = "The sandbox refuses what a template does (internals, files outside, runaway work)."

_QUOTED = re.compile(r"'([^']{2,60})'")


def _context() -> dict:
    from sidomain_cli.lint.rules.message_too_long import SAMPLE
    from sidomain_cli.planner import TEMPLATE_VARIABLES
    from sidomain_cli.profile import OFFER_KEYS

    ctx = {k: SAMPLE.get(k, k) for k in TEMPLATE_VARIABLES if k != "offers"}
    ctx["offers"] = {k: "优惠" for k in OFFER_KEYS}
    return ctx


def _line_of(ctx, message: str) -> tuple[int, int]:
    """The first template line holding a name the message quotes, else line 1."""
    for word in _QUOTED.findall(message):
        for n, text in enumerate(ctx.lines, 1):
            at = text.find(word)
            if at >= 0:
                return n, at + 1
    return 1, 1


def refusal(workspace, roots: tuple, name: str):
    """The sandbox's TemplateError for ``name`` rendered with sample values, or None.

    Cached per workspace: T004 asks first, so a runaway template costs one sandbox
    budget per folder, not one per rule.
    """
    import jinja2

    from sidomain_cli.errors import TemplateError
    from sidomain_cli.render import UndefinedVariableError, render_template

    key = ("refused", roots, name)
    cache = workspace.cache
    if key not in cache:
        found = None
        try:
            tmpl = workspace.environment(roots).get_template(name)
            render_template(tmpl, name, _context())
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
            found = None  # T001/T002
        except UndefinedVariableError as exc:
            found = exc  # T003's when it names the variable; else this rule's (check)
        except TemplateError as exc:
            found = exc
        except Exception as exc:  # loading or compiling failed otherwise: plan refuses it too
            found = TemplateError(f"template '{name}' cannot be compiled: "
                                  f"{type(exc).__name__}: {exc}")
        cache[key] = found
    return cache[key]


class _AsT003:
    """``ctx`` as T003 sees it (its report_at needs a rule)."""

    def __init__(self, ctx) -> None:
        self._ctx = ctx

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def report_at(self, line, column, message, *, hint=""):
        return (line, column, message)


def check(ctx):
    from sidomain_cli.domain import LOCALES
    from sidomain_cli.lint.rules.template_syntax import parsed
    from sidomain_cli.render import TEMPLATE_SUFFIX, template_roots

    ast, _ = parsed(ctx)
    if ast is None or not ctx.name.endswith(TEMPLATE_SUFFIX):
        return  # T002 reports syntax errors
    folder = ctx.path.parent
    if ctx.locale in LOCALES:
        roots = template_roots(ctx.locale, (folder.parent,))
    else:
        roots = (folder,) + template_roots("zh-CN")
    name = ctx.path.name[: -len(TEMPLATE_SUFFIX)]
    found = ctx.workspace.environment(roots).loader.find(name)
    if found is None or found != ctx.path.resolve():
        return  # not servable (T001), or another folder's template of that name wins
    exc = refusal(ctx.workspace, roots, name)
    if exc is None:
        return
    from sidomain_cli.render import UndefinedVariableError

    if isinstance(exc, UndefinedVariableError):
        from sidomain_cli.lint.rules import unknown_variable

        rule, ctx.rule = ctx.rule, None
        try:
            named = next(iter(unknown_variable.check(_AsT003(ctx))), None)
        finally:
            ctx.rule = rule
        if named is not None:
            return  # T003 names the variable; plan fails the same way
        # an undefined value T003 cannot see by name: brand.nope, []|first, offers[[1]]
    line, col = _line_of(ctx, exc.message)
    yield ctx.report_at(line, col,
                        exc.message.replace(f"template '{name}' ", "this template ", 1),
                        hint=exc.hint or "a message needs only plain variables, short "
                                         "loops and the template's own folder")

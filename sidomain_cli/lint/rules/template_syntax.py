"""T002 template-syntax: a message template is not valid Jinja.

What it does
  Parses each template (`templates/<locale>/<name>.j2`) and reports a Jinja syntax
  error at the template's own line: an unclosed `{{`, an `{% if %}` without
  `{% endif %}`, an unknown tag.

Why it matters
  The plan fails on the first task that uses the template.

Failing example
  {{ brand }}今晚福利:{{ offers.first_order }

Passing example
  {{ brand }}今晚福利:{{ offers.first_order }}
"""

CODE = "T002"
NAME = "template-syntax"
SEVERITY = "error"
KINDS = ("template",)
SUMMARY = "A message template is not valid Jinja (reported at its own line)."


def parsed(ctx):
    """(ast, syntax error) of a template file, parsed once per file."""
    if not hasattr(ctx, "_jinja"):
        import jinja2

        env = ctx.workspace.environment(())
        try:
            ast = env.parse(ctx.text)
            # what plan does next: a template plan cannot compile (a filter chain 5,000
            # long) is a syntax error here too, before any rule walks its tree
            env.compile(ctx.text)
            ctx._jinja = (ast, None)
        except jinja2.TemplateSyntaxError as exc:
            ctx._jinja = (None, exc)
    return ctx._jinja


def check(ctx):
    _, err = parsed(ctx)
    if err is None:
        return
    line = min(max(err.lineno or 1, 1), max(len(ctx.lines), 1))
    text = ctx.lines[line - 1] if ctx.lines else ""
    col = text.find("{") + 1 or 1
    yield ctx.report_at(line, col, f"Jinja syntax error: {err.message}",
                        hint="close every {{ }} and {% %}; see the Jinja template docs")

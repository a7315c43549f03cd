"""T003 unknown-variable: a template uses a variable the planner never provides.

What it does
  Reports each use of a variable outside the planner's context (`brand`, `industry`,
  `offers`, `day`, `date`, `date_text`, `weekday`, `time`, `segment`, `segment_id`,
  `channel`, `node`, `activity`, `phase`, `stores`, `group_size`) and each
  `offers.<key>` outside the offer keys (`welcome_gift`, `new_member_coupon`,
  `first_order`, `referral_reward`, `member_day_offer`, `stored_value`). Variables the
  template sets itself (`{% set %}`, loops) are fine.

Why it matters
  Templates render with strict undefined variables: a misspelt name stops the plan
  instead of printing an empty gap in a message sent to thousands of customers.

Failing example
  {{ brnd }}今晚福利:{{ offers.first_order }}

Passing example
  {{ brand }}今晚福利:{{ offers.first_order }}
"""

import re

from sidomain_cli.lint.rules.template_syntax import parsed

CODE = "T003"
NAME = "unknown-variable"
SEVERITY = "error"
KINDS = ("template",)
SUMMARY = "A template uses a variable the planner never provides."


def _column(ctx, line: int, word: str, *, offer: bool = False) -> int:
    text = ctx.lines[line - 1] if 0 < line <= len(ctx.lines) else ""
    if offer:  # offers.key or offers["key"]: the key
        m = re.search(rf"\boffers\s*(?:\.\s*|\[\s*['\"])({re.escape(word)})\b", text)
        if m:
            return m.start(1) + 1
    m = re.search(rf"(?<![\w.]){re.escape(word)}\b", text)
    return m.start() + 1 if m else (text.find("{") + 1 or 1)


def check(ctx):
    from jinja2 import nodes

    from sidomain_cli.planner import TEMPLATE_VARIABLES
    from sidomain_cli.profile import OFFER_KEYS
    from sidomain_cli.render import undeclared_variables

    ast, err = parsed(ctx)
    if ast is None:
        return
    unknown = undeclared_variables(ast) - set(TEMPLATE_VARIABLES)
    seen = set()
    for node in ast.find_all(nodes.Name):
        if node.name in unknown and (node.name, node.lineno) not in seen:
            seen.add((node.name, node.lineno))
            import difflib

            near = difflib.get_close_matches(node.name, TEMPLATE_VARIABLES, n=1)
            yield ctx.report_at(node.lineno, _column(ctx, node.lineno, node.name),
                                f"variable '{node.name}' is not provided by the planner",
                                hint=(f"did you mean '{near[0]}'? " if near else "")
                                + "variables: " + ", ".join(TEMPLATE_VARIABLES))
    if "offers" in unknown:
        return
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if not (isinstance(node.node, nodes.Name) and node.node.name == "offers"):
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else \
            node.arg.value if isinstance(node.arg, nodes.Const) else None
        if isinstance(key, str) and key not in OFFER_KEYS:
            import difflib

            near = difflib.get_close_matches(key, OFFER_KEYS, n=1)
            yield ctx.report_at(node.lineno, _column(ctx, node.lineno, key, offer=True),
                                f"offer 'offers.{key}' is not one of the offer keys",
                                hint=(f"did you mean 'offers.{near[0]}'? " if near else "")
                                + "offer keys: " + ", ".join(OFFER_KEYS))

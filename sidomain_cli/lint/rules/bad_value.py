"""S004 bad-value: a value of the right type that is not allowed.

What it does
  Reports values outside their allowed set or range: an unknown channel or segment
  (with the nearest known one), a number out of bounds, a time that is not HH:MM,
  an empty text, "give only one of" conflicts.

Why it matters
  The planner refuses such values; the message names the allowed ones.

Failing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_grup, action: 欢迎, template: welcome_gift}

Passing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gift}
"""

from sidomain_cli.lint.rules._schema import check_code

CODE = "S004"
NAME = "bad-value"
SEVERITY = "error"
KINDS = ("profile", "playbook", "method", "industry_pack")
SUMMARY = "A value outside its allowed set or range."


def check(ctx):
    return check_code(ctx, CODE)

"""S002 wrong-type: a value has the wrong type.

What it does
  Reports a value of the wrong kind: text where a number is expected, a list where a
  mapping is expected, an unquoted time that YAML read as a number (`10:30` is the
  sexagesimal number 630 in YAML 1.1).

Why it matters
  The planner cannot use the value; an unquoted time silently becomes a different time
  in other YAML tools.

Failing example
  tasks:
    - {id: welcome, days: [1], time: 10:30, channel: wecom_group, action: 欢迎, template: welcome_gift}

Passing example
  tasks:
    - {id: welcome, days: [1], time: "10:30", channel: wecom_group, action: 欢迎, template: welcome_gift}
"""

from sidomain_cli.lint.rules._schema import check_code

CODE = "S002"
NAME = "wrong-type"
SEVERITY = "error"
KINDS = ("profile", "playbook", "method", "industry_pack")
SUMMARY = "A value has the wrong type."


def check(ctx):
    return check_code(ctx, CODE)

"""S003 unknown-key: a key the format does not know (with the nearest valid key).

What it does
  Reports keys that are not part of the profile, playbook or method format, and
  suggests the nearest valid key (`chanel` → `channel`).

Why it matters
  A misspelt key is silently ignored by most tools: the value you meant to set never
  takes effect.

Failing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", chanel: wecom_group, action: 欢迎, template: welcome_gift}

Passing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gift}
"""

from sidomain_cli.lint.rules._schema import check_code

CODE = "S003"
NAME = "unknown-key"
SEVERITY = "error"
KINDS = ("profile", "playbook", "method", "industry_pack")
SUMMARY = "A key the format does not know (the message names the nearest valid key)."


def check(ctx):
    return check_code(ctx, CODE)

"""S005 duplicate-key: the same key twice in one mapping (or an item twice in a set list).

What it does
  Reports a key repeated in the same mapping, pointing at the second one and naming
  the line of the first; also an item repeated in a list that must hold distinct items
  (`touchpoints`, `key_days`, a task's `days`).

Why it matters
  YAML silently keeps the last value: the first one, often the one you edited, is lost.

Failing example
  brand: 熊猫咖啡
  brand: 熊猫咖啡旗舰店

Passing example
  brand: 熊猫咖啡
"""

from sidomain_cli.lint.rules._schema import check_code

CODE = "S005"
NAME = "duplicate-key"
SEVERITY = "error"
KINDS = ("profile", "playbook", "method", "industry_pack")
SUMMARY = "The same key twice in one mapping, or an item twice in a list of distinct items."


def check(ctx):
    return check_code(ctx, CODE)

"""S001 missing-field: a required field is missing.

What it does
  Checks profiles, playbooks, tasks, phases and the method file for their required
  fields (and for "one of" pairs such as `avg_ticket` or `price_band`). The finding
  points at the mapping that lacks the field and names it with what to write.

Why it matters
  `sidomain plan` refuses a file with a missing field; better to learn it in CI.

Failing example
  brand: 熊猫咖啡
  industry: coffee
  touchpoints: [wecom_group]
  # no start_date

Passing example
  brand: 熊猫咖啡
  industry: coffee
  touchpoints: [wecom_group]
  start_date: 2026-12-01
  price_band: low
  frequency: high
"""

from sidomain_cli.lint.rules._schema import check_code

CODE = "S001"
NAME = "missing-field"
SEVERITY = "error"
KINDS = ("profile", "playbook", "method", "industry_pack")
SUMMARY = "A required field is missing."


def check(ctx):
    return check_code(ctx, CODE)

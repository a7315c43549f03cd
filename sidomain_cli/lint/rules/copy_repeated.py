"""C002 copy-repeated: the plan sends one text twice on a channel within 14 days, or more than 5 times.

What it does
  Renders the plan of each brand profile (`make_plan`, as `sidomain plan` does) and
  compares its messages with dates, numbers and weekdays stripped: the same text on one
  channel within 14 days, or more than 5 times in the plan (method.yaml `copy_rules`),
  is reported at the copy pool that produced it (the trade's pool file if there is one,
  else the general one), at the variant's line.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  Customers mute a group that posts the same morning text every day; a coffee plan
  with 24 distinct texts in 231 sends reads as a bot (issue 9).

Failing example
  # templates/zh-CN/industries/hotpot/daily_deal.j2 — one variant for a daily task
  今日推荐:{{ deal }}

Passing example
  # templates/zh-CN/industries/hotpot/daily_deal.j2 — variants split by {# --- #}
  今日推荐:{{ deal }}。
  {# --- #}
  {{ persona }}帮你挑好了:{{ product }},{{ deal }}。
"""

from sidomain_cli.lint.content import check_code

CODE = "C002"
NAME = "copy-repeated"
SEVERITY = "warning"
KINDS = ("profile",)
SUMMARY = 'The plan sends one text twice on a channel within 14 days, or more than 5 times.'
HINT = 'add variants to the pool (split by a `{# --- #}` line) or more deals/products to rotate'


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

"""C009 other-trade-wording: another trade's words in a plan (包邮, 小样 in a hotpot plan; 拼团 for a jeweller).

What it does
  Renders the plan of each brand profile and reports words that belong to another
  trade (copy_rules.yaml `other_trade`, by the plan's industry pack: a restaurant or
  hotpot plan never says 包邮, 小样, 穿搭, 保养; a jeweller never runs 拼团, 秒杀) at the
  line that carries them: the profile's offer, the pack, or the template.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  "首单包邮并赠小样" (free shipping and a cosmetics sample) sent 58 times by a hotpot
  chain is a defaults-from-another-trade bug that customers see at once.

Failing example
  industry: hotpot
  offers:
    first_order: 首单包邮并赠小样

Passing example
  industry: hotpot
  offers:
    first_order: 首次到店送招牌毛肚一份
"""

from sidomain_cli.lint.content import check_code

CODE = "C009"
NAME = "other-trade-wording"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = "Another trade's words in a plan (包邮, 小样 in a hotpot plan; 拼团 for a jeweller)."
HINT = "write this trade's own offer or copy here: what its customers get"


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

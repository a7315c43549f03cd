"""C003 ops-jargon: ops-team words (私域, 引流, 回访福利 …) in copy customers read.

What it does
  Renders the plan of each brand profile and looks for the ops team's words
  (`playbooks/copy_rules.yaml` `ops_jargon`: 私域, 引流, 转化率, 回访福利, 满群仪式, SOP …)
  in every message, and reports them where they come from: the profile value (an offer,
  a deal) that carries them, else the pack, else the template line.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  Customers who read 回访福利 or 满群仪式 learn they are a funnel stage; the message
  reads as an internal memo, not as a shop talking to them.

Failing example
  offers:
    first_order: 私域专享首单立减10元

Passing example
  offers:
    first_order: 群友首单立减10元
"""

from sidomain_cli.lint.content import check_code

CODE = "C003"
NAME = "ops-jargon"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = 'Ops-team words (私域, 引流, 回访福利 …) in copy customers read.'
HINT = "say it in the customer's words: what they get, not what the ops team calls it"


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

"""C006 commercial-node-greeting: "X快乐" for a commercial node (618, 双11, a launch, the member day).

What it does
  Renders the plan of each brand profile and reports 快乐 (English: happy) in a
  node or campaign-peak message of a commercial node (tone `commercial`: shopping
  festivals, brand launches, the member day), at the pool's line.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  "618快乐" and "冬日新品上市快乐" read as a template filled by a machine: a shopping
  festival gets a campaign message, not a festival greeting.

Failing example
  # templates/zh-CN/node_commercial.j2
  {{ node }}快乐!{{ brand }}全场好价

Passing example
  # templates/zh-CN/node_commercial.j2
  {{ node }}来了:{{ brand }}{{ deal }},{{ event_date_text }}当天有效。
"""

from sidomain_cli.lint.content import check_code

CODE = "C006"
NAME = "commercial-node-greeting"
SEVERITY = "warning"
KINDS = ("profile",)
SUMMARY = '"X快乐" for a commercial node (618, 双11, a launch, the member day).'
HINT = 'a commercial node gets a campaign message: what is on and when, no 快乐'


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

"""C008 member-day-offer-off-day: the member-day offer quoted off the member day (or with no member day).

What it does
  Renders the plan of each brand profile and reports a message that quotes the
  member-day offer (`offers.member_day_offer`, window `member_day` in method.yaml) on a
  day that is neither the member day nor the day before it, at the offer's line.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  A member-day offer that runs every day is no member day: customers stop waiting
  for it, and the brand pays the discount every day.

Failing example
  # playbook task on every node day, offer: member_day_offer
  - {id: node_post, when: node, channel: wecom_group, offer: member_day_offer, …}

Passing example
  - {id: md, when: member_day, channel: wecom_group, offer: member_day_offer, …}
"""

from sidomain_cli.lint.content import check_code

CODE = "C008"
NAME = "member-day-offer-off-day"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = 'The member-day offer quoted off the member day (or with no member day).'
HINT = 'quote the member-day offer only on the member day and the day before'


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

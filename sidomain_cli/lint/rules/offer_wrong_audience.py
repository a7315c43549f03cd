"""C007 offer-wrong-audience: an offer sent to customers it is not for (a new-customer offer to old segments).

What it does
  Renders the plan of each brand profile and reports a message that quotes an offer
  to a segment outside the offer's audience (method.yaml `offer_audiences`: welcome_gift,
  new_member_coupon and first_order are for new customers, recall_offer for silent ones,
  loyal_offer for the loyal core), at the offer's line: the profile's, else the
  playbook's or the pack's.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  A first-order coupon sent every day to people who already bought teaches them to
  wait for coupons and costs margin on customers who would have paid full price.

Failing example
  # playbook task: segment all, offer: first_order
  - {id: daily, every: 1, time: "10:00", channel: wecom_group, segment: all, offer: first_order, …}

Passing example
  # a new-customer offer for the new segment
  - {id: nudge, every: 1, time: "10:00", channel: wecom_group, segment: new, offer: first_order, …}
"""

from sidomain_cli.lint.content import check_code

CODE = "C007"
NAME = "offer-wrong-audience"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = 'An offer sent to customers it is not for (a new-customer offer to old segments).'
HINT = 'send the offer to the segment it is for, or quote an offer for everyone here'


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

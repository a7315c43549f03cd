"""C004 half-width-punctuation: half-width , ! ? ; : between Chinese characters in zh-CN copy.

What it does
  Renders the plan of each zh-CN brand profile and reports half-width `, ! ? ; :`
  between Chinese characters in its messages, at the profile value or template line
  that carries them.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  Half-width punctuation in Chinese reads as machine-made or careless copy; brands
  write ,!? in customer messages.

Failing example
  offers:
    referral_reward: 邀请好友进群,双方各得一张升杯券

Passing example
  offers:
    referral_reward: 邀请好友进群，双方各得一张升杯券
"""

from sidomain_cli.lint.content import check_code

CODE = "C004"
NAME = "half-width-punctuation"
SEVERITY = "warning"
KINDS = ("profile",)
SUMMARY = 'Half-width , ! ? ; : between Chinese characters in zh-CN copy.'
HINT = 'use full-width ，。！？；： in Chinese copy'


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

"""C005 solemn-node-tone: a greeting (快乐) or a promotion on a solemn node (清明).

What it does
  Renders the plan of each brand profile and reports a message on a solemn node
  (清明 …: tone `solemn` in the marketing calendar) that wishes 快乐 or sells
  (copy_rules.yaml `tone.sale_words`: 折, 优惠, 券, 秒杀 …), at the pool's line.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  清明 is a day of mourning: "清明节快乐!…节日专属福利" sent to the loyal core is the
  message a customer screenshots and complains about.

Failing example
  # templates/zh-CN/node_festive.j2 used on 清明
  {{ node }}快乐!{{ brand }}节日福利来啦

Passing example
  # templates/zh-CN/node_solemn.j2
  {{ node_greeting }}。{{ brand }}陪你静静度过这一天。
"""

from sidomain_cli.lint.content import check_code

CODE = "C005"
NAME = "solemn-node-tone"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = 'A greeting (快乐) or a promotion on a solemn node (清明).'
HINT = 'on a solemn day send a quiet message or none: no 快乐, no offer'


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

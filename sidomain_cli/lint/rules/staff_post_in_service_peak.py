"""C010 staff-post-in-service-peak: a post staff make by hand inside the trade's service peaks.

What it does
  Renders the plan of each brand profile and reports a staff-reminder task (a post
  staff send by hand) whose time falls inside the pack's `service_peaks` (coffee
  07:30-09:30, hotpot 11:30-13:30 and 17:30-20:30 …), at the playbook task's line.
  Each profile's plan is made once per lint run; files that are not profiles are not
  planned. The rule book is `sidomain_cli/planning/checks.py`, the one the planner's
  tests run over every pack.

Why it matters
  At 19:00 a hotpot waiter is serving tables: the post is not sent, or sent late,
  or the table waits.

Failing example
  # hotpot pack service_peaks: ["17:30-20:30"]
  - {id: flash, days: [3], time: "19:00", send: staff_reminder, …}

Passing example
  - {id: flash, days: [3], time: "16:30", send: staff_reminder, …}
"""

from sidomain_cli.lint.content import check_code

CODE = "C010"
NAME = "staff-post-in-service-peak"
SEVERITY = "warning"
KINDS = ("profile",)
SUMMARY = "A post staff make by hand inside the trade's service peaks."
HINT = "move the task before or after the trade's service peaks (time or daypart)"


def check(ctx):
    yield from check_code(ctx, CODE, HINT)

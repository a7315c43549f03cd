"""B002 empty-quiet-hours: quiet hours that start and end at the same time.

What it does
  Reports `quiet_hours` such as "22:00-22:00", which is neither "never quiet" nor
  "always quiet".

Why it matters
  The planner moves tasks out of quiet hours; an empty or all-day range is almost
  always a typo for the intended night (e.g. "22:00-08:00").

Failing example
  quiet_hours: "22:00-22:00"

Passing example
  quiet_hours: "22:00-08:00"
"""

CODE = "B002"
NAME = "empty-quiet-hours"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = "Quiet hours start and end at the same time."


def check(ctx):
    from sidomain_cli.profile import quiet_hours_problem

    found = quiet_hours_problem(ctx.data.get("quiet_hours"))  # plan's rule
    if found:
        _, message, hint = found
        yield ctx.report(("quiet_hours",), message, value=True, hint=hint)

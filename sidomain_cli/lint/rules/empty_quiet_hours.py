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

import re

CODE = "B002"
NAME = "empty-quiet-hours"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = "Quiet hours start and end at the same time."

_RANGE = re.compile(r"^(\d\d:\d\d)-(\d\d:\d\d)$")


def check(ctx):
    qh = ctx.data.get("quiet_hours")
    m = _RANGE.fullmatch(qh) if isinstance(qh, str) else None
    if m and m.group(1) == m.group(2):
        yield ctx.report(("quiet_hours",), f"quiet hours '{qh}' start and end at the same time",
                         value=True, hint='give the night to keep free, e.g. "22:00-08:00"')

"""B001 unknown-timezone: the profile's timezone is not an IANA zone name.

What it does
  Checks `timezone` against the IANA time-zone database (`Asia/Shanghai`,
  `Asia/Hong_Kong` …).

Why it matters
  Calendar exports (ICS) carry the zone; a wrong name shifts every task or is refused.

Failing example
  timezone: Beijing

Passing example
  timezone: Asia/Shanghai
"""

CODE = "B001"
NAME = "unknown-timezone"
SEVERITY = "error"
KINDS = ("profile",)
SUMMARY = "The profile's timezone is not an IANA zone name."


def check(ctx):
    from sidomain_cli.profile import timezone_problem

    found = timezone_problem(ctx.data.get("timezone"))  # plan's rule
    if found:
        _, message, hint = found
        yield ctx.report(("timezone",), message, value=True, hint=hint)

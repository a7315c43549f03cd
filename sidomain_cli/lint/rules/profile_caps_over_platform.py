"""B004 profile-caps-over-platform: the profile raises a cap above the platform's limit.

What it does
  Checks the profile's `caps` overrides: `company_bulk_per_day` above the WeCom cap on
  company bulk sends to one customer or group (default 1 a day, `--bulk-cap`), and
  `moments_per_day` above 3 posts a day (`--moments-cap`).

Why it matters
  The profile's caps override the playbook's: a raised cap lets the planner schedule
  sends WeCom will refuse, or more moments posts than customers tolerate.

Failing example
  caps:
    company_bulk_per_day: 3

Passing example
  caps:
    company_bulk_per_day: 1
"""

CODE = "B004"
NAME = "profile-caps-over-platform"
SEVERITY = "warning"  # plan follows a raised cap (the profile decides): lint warns
KINDS = ("profile",)
SUMMARY = "The profile's caps allow more bulk sends or moments posts than the platform."


def check(ctx):
    caps = ctx.data.get("caps")
    if not isinstance(caps, dict):
        return
    limits = {"company_bulk_per_day": (ctx.options.bulk_cap, "WeCom allows {n} company bulk "
                                       "send(s) a day to one customer or group"),
              "moments_per_day": (ctx.options.moments_cap, "plan at most {n} moments posts a day")}
    for key, (limit, why) in limits.items():
        v = caps.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and v > limit:
            yield ctx.report(("caps", key), f"caps.{key} is {v}; {why.format(n=limit)}",
                             value=True, hint=f"set it to {limit} or less")

"""P007 phase-without-north-star: a phase with no north-star metric.

What it does
  Reports a phase whose `north_star` list is empty.

Why it matters
  Each phase of the 60-day SOP is steered by one metric (days 1-7: 7-day group
  retention; days 8-60: mini-program diversion and group consumption, domain.md §8).
  Without one, tasks in the phase have no metric and the plan cannot be reviewed.

Failing example
  phases:
    - {id: retention, days: [1, 7], north_star: []}

Passing example
  phases:
    - {id: retention, days: [1, 7], north_star: [group_retention_7d]}
"""

CODE = "P007"
NAME = "phase-without-north-star"
SEVERITY = "warning"
KINDS = ("playbook",)
SUMMARY = "A phase has no north-star metric."


def check(ctx):
    phases = ctx.data.get("phases")
    if not isinstance(phases, list):
        return
    for i, p in enumerate(phases):
        if isinstance(p, dict) and p.get("north_star") == []:
            name = p.get("id", i + 1)
            yield ctx.report(("phases", i, "north_star"), f"phase '{name}' has no north-star metric",
                             value=True, hint="name the metric that steers it, e.g. "
                             "group_retention_7d for days 1-7")

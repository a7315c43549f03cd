"""P003 too-many-moments: more than 3 moments posts on a day.

What it does
  Counts the WeCom moments (朋友圈) posts a playbook schedules on each day — routine
  tasks, small and big activities, plus its marketing-node tasks, since a node can fall
  on any day — and reports the tasks beyond 3 a day (`--moments-cap`), lowest priority
  first, as the planner would drop them. Also a `caps.moments_per_day` above 3.

Why it matters
  MINISO's 30,000-group programme plans at most 3 moments posts a day (domain.md §4):
  more is read as spam. The planner drops the extra posts silently.

Failing example
  tasks:
    - {id: morning, every: 1, time: "09:00", channel: wecom_moments, action: 早安, template: moments_seed}
    - {id: noon, every: 1, time: "12:00", channel: wecom_moments, action: 午间, template: moments_seed}
    - {id: evening, every: 1, time: "18:00", channel: wecom_moments, action: 晚间, template: moments_offer}
    - {id: night, every: 1, time: "21:00", channel: wecom_moments, action: 夜间, template: moments_offer}

Passing example
  tasks:
    - {id: morning, every: 1, time: "09:00", channel: wecom_moments, action: 早安, template: moments_seed}
    - {id: evening, every: 2, time: "18:00", channel: wecom_moments, action: 晚间, template: moments_offer}
"""

from collections import defaultdict

CODE = "P003"
NAME = "too-many-moments"
SEVERITY = "warning"
KINDS = ("playbook",)
SUMMARY = "More than 3 WeCom moments posts on a day."

_RANK = {"node": 3, "big": 2, "small": 1}


def check(ctx):
    view = ctx.playbook
    if view is None or view.days is None:
        return
    limit = ctx.options.moments_cap
    given = view.caps_given.get("moments_per_day")
    if isinstance(given, int) and given > limit:
        yield ctx.report(("caps", "moments_per_day"), f"caps.moments_per_day is {given}; plan "
                         f"at most {limit} moments posts a day", value=True,
                         hint=f"set it to {limit} or less")
    moments = [t for t in view.tasks if t.channel == "wecom_moments"]
    nodes = [t for t in moments if t.on == "node"]
    per_day: dict[int, list] = defaultdict(list)
    for t in moments:
        for r in view.runs(t):
            per_day[r.day].append((t, r.activity))
    over: dict[str, list] = {}
    for day in sorted(per_day):
        if nodes and view.phases:
            todays = per_day[day] + [(t, "node") for t in nodes
                                     if not t.phase or t.phase == view.phase_of(day)]
        else:
            todays = per_day[day] + [(t, "node") for t in nodes]
        if len(todays) <= limit:
            continue
        ranked = sorted(todays, key=lambda x: (-x[0].priority, -_RANK.get(x[1] or "", 0),
                                               x[0].index))
        for t, _ in ranked[limit:]:
            over.setdefault(t.id, [t, []])[1].append((day, len(todays)))
    for tid, (t, days) in over.items():
        day, count = days[0]
        more = f" and {len(days) - 1} more day(s)" if len(days) > 1 else ""
        node = " (counting marketing-node posts)" if nodes else ""
        key = ("tasks", t.index, "every" if t.every else "days" if t.days else "when")
        yield ctx.report(key, f"task '{t.id}' is moments post {count} on day {day}{more}{node}; "
                         f"at most {limit} a day", hint="the planner drops the lowest-priority "
                         "posts: space this task out or move it to another channel")

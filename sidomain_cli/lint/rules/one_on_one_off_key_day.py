"""P004 one-on-one-off-key-day: 1v1 chat on a non-key day, or beyond its cap.

What it does
  1v1 chat is the strongest, most disturbing touch: outside the 1V1 service model it is
  kept for key days (the playbook's `key_days`, big-activity and marketing-node days).
  Reports a 1v1 task that runs on other days, and 1v1 tasks beyond the
  `caps.one_on_one_per_week` cap (or the channel's `max_per_day`) in a week.

Why it matters
  MINISO's users ranked 1v1 chat third of four for acceptance; it is for key
  information only (domain.md §4). The planner silently drops such tasks, so the
  playbook promises touches that never happen.

Failing example
  key_days: [1]
  tasks:
    - {id: check_in, every: 3, time: "15:00", channel: wecom_1v1, action: 回访, template: service_care}

Passing example
  key_days: [1, 3]
  tasks:
    - {id: check_in, days: [1, 3], time: "15:00", channel: wecom_1v1, action: 回访, template: service_care}
"""

CODE = "P004"
NAME = "one-on-one-off-key-day"
SEVERITY = "warning"
KINDS = ("playbook",)
SUMMARY = "1v1 chat on a non-key day, or more 1v1 chats than its cap."


def _more(days) -> str:
    return f" and {len(days) - 1} more day(s)" if len(days) > 1 else ""


def check(ctx):
    view = ctx.playbook
    if view is None or view.days is None:
        return
    tasks = [t for t in view.tasks if t.channel == "wecom_1v1" and t.on != "node"]
    if not tasks:
        return
    if not view.daily_one_on_one:
        for t in tasks:
            off = [r.day for r in view.runs(t) if not view.one_on_one_allowed(t, r.day)]
            if off:
                key = ("tasks", t.index, "every" if t.every else "days" if t.days else "when")
                yield ctx.report(key, f"task '{t.id}' is a 1v1 chat on day {off[0]}{_more(off)}, "
                                 "not a key day; the planner drops it there",
                                 hint="add the day to key_days, or use wecom_group")
    originals, kept = view.simulate(view.caps)
    kept_ids = {id(c) for c in kept}
    dropped: dict[str, list] = {}
    for c, _ in originals:
        if c.pattern.channel == "wecom_1v1" and id(c) not in kept_ids:
            dropped.setdefault(c.pattern.id, [c.pattern, []])[1].append(c.day)
    per_week = view.caps.get("one_on_one_per_week")
    per_day = (view.channels or {}).get("wecom_1v1", {}).get("max_per_day", 1)
    for t, days in dropped.values():
        key = ("tasks", t.index, "every" if t.every else "days" if t.days else "when")
        yield ctx.report(key, f"task '{t.id}' is a 1v1 chat beyond the cap on day {days[0]}"
                         f"{_more(days)} (one_on_one_per_week: {per_week}, wecom_1v1 "
                         f"max_per_day: {per_day}, one_on_one_gap_days: "
                         f"{view.caps.get('one_on_one_gap_days', 1)}); the planner drops it there",
                         hint="raise its priority, space the 1v1 tasks out, or raise the cap")

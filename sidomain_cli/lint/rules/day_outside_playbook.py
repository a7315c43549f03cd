"""P001 day-outside-playbook: a task day (or key day) outside the playbook's length.

What it does
  Compares the plan days a playbook names with its `days:` length: a task's `days`
  items and `from`/`to`, and `key_days`. Also a task whose `from` is after its `to`.

Why it matters
  A task on day 75 of a 60-day playbook never runs: the welcome, lock-in or recall it
  stands for silently disappears from every plan.

Failing example
  days: 60
  tasks:
    - {id: recall, days: [75], time: "11:00", channel: wecom_group, action: 召回, template: sms_recall}

Passing example
  days: 60
  tasks:
    - {id: recall, days: [55], time: "11:00", channel: wecom_group, action: 召回, template: sms_recall}
"""

CODE = "P001"
NAME = "day-outside-playbook"
SEVERITY = "error"
KINDS = ("playbook",)
SUMMARY = "A task day or key day lies outside the playbook's length."


def check(ctx):
    view = ctx.playbook
    if view is None or view.days is None:
        return
    n = view.days
    hint = f"use a day from 1 to {n}, or raise days: {n}"
    for t in view.tasks:
        for j, d in enumerate(t.days):
            if d > n:
                yield ctx.report(("tasks", t.index, "days", j),
                                 f"task '{t.id}' runs on day {d}, after the playbook's last day "
                                 f"({n}); it never runs", hint=hint)
        if t.every and t.start > n:
            yield ctx.report(("tasks", t.index, "from"), f"task '{t.id}' starts on day {t.start}, "
                             f"after the playbook's last day ({n}); it never runs",
                             value=True, hint=hint)
        elif t.every and t.end is not None and t.end > n:
            yield ctx.report(("tasks", t.index, "to"), f"task '{t.id}' runs to day {t.end}, "
                             f"beyond the playbook's {n} days", value=True,
                             hint=f"set to: {n} or leave it out (default: the last day)")
        elif t.every and t.end is not None and t.start > t.end:
            yield ctx.report(("tasks", t.index, "from"), f"task '{t.id}' starts on day {t.start} "
                             f"but ends on day {t.end}; it never runs", value=True,
                             hint="swap from and to")
    for j, d in enumerate(view.key_days):
        if d > n:
            yield ctx.report(("key_days", j), f"key day {d} is after the playbook's last day "
                             f"({n})", hint=hint)

"""P002 time-in-quiet-hours: a task scheduled inside quiet hours.

What it does
  Reports a task `time` inside the quiet hours (default 22:00-08:00, the profile
  default; `--quiet-hours` to change), with the time the planner would move it to.

Why it matters
  Messages at night disturb customers and cost followers; the planner silently moves
  such tasks, so the playbook no longer says what really happens.

Failing example
  tasks:
    - {id: late_deal, every: 1, time: "23:30", channel: wecom_group, action: 夜宵券, template: daily_deal}

Passing example
  tasks:
    - {id: late_deal, every: 1, time: "21:00", channel: wecom_group, action: 夜宵券, template: daily_deal}
"""

CODE = "P002"
NAME = "time-in-quiet-hours"
SEVERITY = "warning"
KINDS = ("playbook",)
SUMMARY = "A task's time is inside quiet hours (default 22:00-08:00)."


def check(ctx):
    from sidomain_cli.planner import _in_quiet, shift_out_of_quiet

    view = ctx.playbook
    if view is None:
        return
    quiet = ctx.options.quiet_hours
    a, b = quiet
    qtext = f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
    for t in view.tasks:
        if t.time is None:  # a day-part: the pack's send time, moved out of quiet hours
            continue
        h, m = t.time.split(":")
        if _in_quiet(int(h) * 60 + int(m), quiet):
            moved = shift_out_of_quiet(t.time, quiet)
            yield ctx.report(("tasks", t.index, "time"),
                             f"task '{t.id}' at {t.time} is inside quiet hours {qtext}",
                             value=True, hint=f"the planner moves it to {moved}; write that time")

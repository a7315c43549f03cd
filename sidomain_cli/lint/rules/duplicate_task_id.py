"""P005 duplicate-task-id: two tasks with the same id.

What it does
  Reports a task `id` used earlier in the same playbook, naming the first task's line.

Why it matters
  Task ids are the stable keys of calendar exports (ICS UIDs) and of lint findings;
  two tasks with one id overwrite each other in calendars. `sidomain plan` refuses it.

Failing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gift}
    - {id: welcome, days: [2], time: "10:00", channel: wecom_group, action: 首单, template: first_order}

Passing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gift}
    - {id: first_order, days: [2], time: "10:00", channel: wecom_group, action: 首单, template: first_order}
"""

CODE = "P005"
NAME = "duplicate-task-id"
SEVERITY = "error"
KINDS = ("playbook",)
SUMMARY = "Two tasks share one id."


def check(ctx):
    tasks = ctx.data.get("tasks")
    if not isinstance(tasks, list):
        return
    first: dict[str, int] = {}
    for i, t in enumerate(tasks):
        tid = t.get("id") if isinstance(t, dict) else None
        if not isinstance(tid, str):
            continue
        if tid in first:
            line = ctx.doc.where(("tasks", first[tid], "id"), value=True)[0]
            yield ctx.report(("tasks", i, "id"), f"duplicate task id '{tid}' (first at line {line})",
                             value=True, hint="give each task its own id")
        else:
            first[tid] = i

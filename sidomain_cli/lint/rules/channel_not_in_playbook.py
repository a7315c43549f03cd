"""P008 channel-not-in-playbook: a task uses a channel the playbook does not define.

What it does
  Reports a task whose `channel` has no entry under the playbook's `channels:` (its
  role, share weight, daily cap and disturbance). Channel names unknown to sidomain
  altogether are S004.

Why it matters
  Without an entry the channel has no role in the channel mix and the planner falls
  back to a cap of 1 a day, so tasks vanish without a word.

Failing example
  channels:
    wecom_group: {role: 社群, weight: 1, max_per_day: 3, disturbance: medium}
  tasks:
    - {id: recall, days: [5], time: "11:00", channel: sms, action: 召回, template: sms_recall}

Passing example
  channels:
    wecom_group: {role: 社群, weight: 0.9, max_per_day: 3, disturbance: medium}
    sms: {role: 沉默召回, weight: 0.1, max_per_day: 1, disturbance: strong}
  tasks:
    - {id: recall, days: [5], time: "11:00", channel: sms, action: 召回, template: sms_recall}
"""

CODE = "P008"
NAME = "channel-not-in-playbook"
SEVERITY = "warning"
KINDS = ("playbook",)
SUMMARY = "A task uses a channel missing from the playbook's channels."


def check(ctx):
    view = ctx.playbook
    if view is None or view.channels is None:
        return
    for t in view.tasks:
        if t.channel not in view.channels:
            yield ctx.report(("tasks", t.index, "channel"),
                             f"task '{t.id}' uses channel '{t.channel}', which the playbook's "
                             "channels: does not define", value=True,
                             hint=f"add {t.channel}: {{role, weight, max_per_day, disturbance}} "
                             "under channels:")

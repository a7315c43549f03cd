"""P006 bulk-over-wecom-cap: company bulk sends beyond the WeCom cap.

What it does
  WeCom limits company bulk messages (企业群发) to one customer or one customer group
  (default here: 1 a day; set `--bulk-cap` to your admin's setting). Reports a playbook
  `caps.company_bulk_per_day` above that cap, and a company bulk task on 1v1 or group
  chat that always collides with a higher-priority bulk send on the same channel, so it
  never goes out as a bulk send (marketing-node tasks are compared with each other).

Why it matters
  WeCom refuses sends beyond the cap. The planner turns the extra sends into reminders
  for staff to post by hand: a task marked company_bulk that always becomes a staff
  reminder means work for every store the playbook does not show.

Failing example
  tasks:
    - {id: deal, every: 1, time: "11:00", channel: wecom_group, send: company_bulk, action: 推券, template: daily_deal}
    - {id: tip, every: 1, time: "15:00", channel: wecom_group, send: company_bulk, action: 干货, template: ugc_show}

Passing example
  tasks:
    - {id: deal, every: 1, time: "11:00", channel: wecom_group, send: company_bulk, action: 推券, template: daily_deal}
    - {id: tip, every: 1, time: "15:00", channel: wecom_group, send: staff_reminder, action: 干货, template: ugc_show}
"""

CODE = "P006"
NAME = "bulk-over-wecom-cap"
SEVERITY = "warning"
KINDS = ("playbook",)
SUMMARY = "Company bulk sends to one customer or group beyond the WeCom cap (default 1 a day)."


def check(ctx):
    from sidomain_cli.planner import WECOM_BULK_CHANNELS

    view = ctx.playbook
    if view is None or view.days is None:
        return
    cap = ctx.options.bulk_cap
    given = view.caps_given.get("company_bulk_per_day")
    if isinstance(given, int) and given > cap:
        yield ctx.report(("caps", "company_bulk_per_day"), f"caps.company_bulk_per_day is "
                         f"{given}; WeCom allows {cap} company bulk send(s) a day to one "
                         "customer or group", value=True,
                         hint=f"set it to {cap}, or pass --bulk-cap N if your WeCom admin allows more")
    effective = min(view.caps["company_bulk_per_day"], cap)
    hint = "set send: staff_reminder, move it to another day or time slot, or raise its priority"
    originals, kept = view.simulate({**view.caps, "company_bulk_per_day": effective})
    kept_ids = {id(c) for c in kept}
    runs: dict[str, list] = {}
    for c, send in originals:
        if send == "company_bulk" and c.pattern.channel in WECOM_BULK_CHANNELS \
                and id(c) in kept_ids:
            runs.setdefault(c.pattern.id, [c.pattern, 0, 0])
            runs[c.pattern.id][1] += 1
            runs[c.pattern.id][2] += c.send != "company_bulk"
    for t, n, demoted in runs.values():
        if n and demoted == n:
            yield ctx.report(("tasks", t.index, "send"), f"task '{t.id}' is a company bulk send "
                             f"on {t.channel}, but on all {n} of its days a higher-priority bulk "
                             f"send comes first (WeCom cap {effective} a day); it always becomes a "
                             "staff reminder", value=True, hint=hint)
    by_channel: dict[str, list] = {}
    for t in view.tasks:
        if t.on == "node" and t.send == "company_bulk" and t.channel in WECOM_BULK_CHANNELS:
            by_channel.setdefault(t.channel, []).append(t)
    for channel, tasks in by_channel.items():
        for t in sorted(tasks, key=lambda t: (-t.priority, t.index))[effective:]:
            yield ctx.report(("tasks", t.index, "send"), f"task '{t.id}' is one of {len(tasks)} "
                             f"company bulk sends on {channel} every marketing-node day; WeCom "
                             f"allows {effective} a day", value=True, hint=hint)

"""T001 template-not-found: a task names a message template that does not exist.

What it does
  Looks up each task's `template` for every locale (zh-CN and en; `--locale` to limit)
  in the template folders: `--templates DIR`, template folders being linted, a
  `templates/` folder beside the playbook or its parent folder, then the built-ins.

Why it matters
  `sidomain plan` stops with an error when it reaches the task: for a brand on the
  other locale, the whole plan fails.

Failing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gfit}

Passing example
  tasks:
    - {id: welcome, days: [1], time: "10:00", channel: wecom_group, action: 欢迎, template: welcome_gift}
"""

CODE = "T001"
NAME = "template-not-found"
SEVERITY = "error"
KINDS = ("playbook",)
SUMMARY = "A task names a message template that does not exist."


def available(ctx, locale: str) -> tuple[tuple, frozenset]:
    """(template roots, names found there) for a playbook at ctx.path, cached."""
    ws = ctx.workspace
    roots = ws.template_roots(locale, ctx.path.parent)
    key = ("names", roots)
    if key not in ws.cache:
        ws.cache[key] = frozenset(ws.environment(roots).loader.list_templates())
    return roots, ws.cache[key]


def check(ctx):
    import difflib

    view = ctx.playbook
    if view is None:
        return
    from sidomain_cli.domain import NODE_TONES

    for t in view.tasks:
        for pool in t.pools:
            # a node task's pool comes in one file per tone: node_festive, node_solemn, …
            names_of = [f"{pool}_{tone}" for tone in NODE_TONES] if t.on == "node" else [pool]
            missing = []
            near = []
            for locale in ctx.options.locales:
                _, names = available(ctx, locale)
                if not any(n in names for n in names_of):
                    missing.append(locale)
                    near += difflib.get_close_matches(pool, sorted(names), n=1)
            if missing:
                hint = (f"did you mean '{near[0]}'? " if near else "") + \
                    f"or add templates/{missing[0]}/{names_of[0]}.j2"
                field = "rotate" if t.rotate else "template"
                yield ctx.report(("tasks", t.index, field), f"template '{pool}' of task "
                                 f"'{t.id}' not found for {', '.join(missing)}", value=True,
                                 hint=hint)

"""T004 message-too-long: a message longer than its channel allows.

What it does
  Renders the template of each task on a channel with a length limit (WeCom moments
  text: 2,000 characters) with the playbook's default offers and sample values, for
  each locale, and reports the task's `template` when the message is longer.

Why it matters
  WeCom refuses or truncates a moments post over 2,000 characters (domain.md §11):
  the post fails in every store at once.

Failing example
  tasks:
    - {id: story, days: [3], time: "09:00", channel: wecom_moments, action: 品牌故事, template: brand_story}
  # templates/zh-CN/brand_story.j2 renders to 2,400 characters

Passing example
  tasks:
    - {id: story, days: [3], time: "09:00", channel: wecom_moments, action: 品牌故事, template: brand_story}
  # templates/zh-CN/brand_story.j2 renders to 600 characters
"""

CODE = "T004"
NAME = "message-too-long"
SEVERITY = "error"
KINDS = ("playbook",)
SUMMARY = "A message is longer than its channel allows (moments: 2,000 characters)."

# Characters a channel's text may hold (WeCom developer docs, domain.md §11).
LIMITS = {"wecom_moments": 2000}
SAMPLE = {"brand": "熊猫咖啡", "industry": "coffee", "day": 8, "date": "2026-12-08",
          "date_text": "12月8日", "weekday": "周二", "time": "10:00", "segment": "全体群成员",
          "segment_id": "all", "channel": "企微朋友圈", "node": "双12", "activity": "small",
          "phase": "conversion", "stores": 120, "group_size": 200}


def render_length(ctx, roots, name: str, locale: str) -> int | None:
    """Length of the rendered message (as the planner trims it), or None if it fails."""
    from sidomain_cli.domain import text
    from sidomain_cli.profile import OFFER_KEYS

    offers_raw = ctx.data.get("offers") if isinstance(ctx.data.get("offers"), dict) else {}
    offers = {k: "优惠" for k in OFFER_KEYS}
    offers.update({k: text(v, locale) for k, v in offers_raw.items()
                   if isinstance(v, (str, dict))})
    key = ("render", roots, name, locale, tuple(sorted(offers.items())))
    cache = ctx.workspace.cache
    if key not in cache:
        from sidomain_cli.lint.rules.template_refused import refusal
        from sidomain_cli.render import MAX_MESSAGE_CHARS

        if refusal(ctx.workspace, roots, name) is not None:
            cache[key] = None  # T005's finding; do not spend the sandbox budget twice
            return None

        length = None
        try:
            tmpl = ctx.workspace.environment(roots).get_template(name)
            out, size = [], 0
            for chunk in tmpl.generate(**SAMPLE, offers=offers):
                size += len(chunk)
                out.append(chunk)
                if size > MAX_MESSAGE_CHARS:
                    break
            lines = (line.strip() for line in "".join(out).splitlines())
            length = len("\n".join(line for line in lines if line))
        except Exception:  # noqa: BLE001 - broken templates are T001/T002/T003's findings
            length = None
        cache[key] = length
    return cache[key]


def check(ctx):
    from sidomain_cli.lint.rules.template_not_found import available

    view = ctx.playbook
    if view is None:
        return
    for t in view.tasks:
        limit = LIMITS.get(t.channel)
        if limit is None:
            continue
        for locale in ctx.options.locales:
            roots, names = available(ctx, locale)
            if t.template not in names:
                continue
            n = render_length(ctx, roots, t.template, locale)
            if n is not None and n > limit:
                yield ctx.report(("tasks", t.index, "template"),
                                 f"{locale} message of task '{t.id}' ({t.template}) is {n:,} "
                                 f"characters; {t.channel} allows {limit:,}", value=True,
                                 hint=f"shorten templates/{locale}/{t.template}.j2")
                break

"""T004 message-too-long: a message longer than its channel allows.

What it does
  Renders each variant of the copy pools of each task on a channel with a length limit
  (WeCom moments text: 2,000 characters) — variants split by a `{# --- #}` line, the
  general pool and every trade's own pool of that name (`industries/<pack>/<pool>.j2`) —
  separately, with the planner's full template context (every variable of
  `planning.pipeline.TEMPLATE_VARIABLES` given a sample value, the playbook's offers),
  for each locale, and reports the task's `template` (or `rotate`) when a variant is
  longer. A pool is measured by its longest variant, not by the whole file.

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
# Sample values of the planner's template context (pipeline.TEMPLATE_VARIABLES); a variable
# the planner adds later renders as "" until it gets a sample here.
SAMPLE = {"brand": "熊猫咖啡", "industry": "coffee", "day": 8, "date": "2026-12-08",
          "date_text": "12月8日", "weekday": "周二", "time": "10:00", "segment": "全体群成员",
          "segment_id": "all", "channel": "企微朋友圈", "node": "双12", "activity": "small",
          "phase": "conversion", "stores": 120, "group_size": 200, "offer": "满39减8",
          "deal": "拿铁第二杯半价", "product": "生椰拿铁", "products": ["生椰拿铁", "美式", "燕麦拿铁"],
          "reward": "免费升杯券", "scene": "下午茶", "persona": "小鹿", "persona_role": "店长",
          "node_tone": "commercial", "node_greeting": "", "node_id": "double12",
          "stage": "peak", "event_date_text": "12月12日", "event_time": "19:00",
          "member_day": 18, "offset_day": "", "season": "winter", "is_weekend": False,
          "last_stage": False}


def sample_context(offers: dict) -> dict:
    from sidomain_cli.planning.pipeline import TEMPLATE_VARIABLES

    ctx = {name: SAMPLE.get(name, "") for name in TEMPLATE_VARIABLES}
    ctx["offers"] = offers
    return ctx


def longest_variant(ctx, roots, name: str, locale: str) -> tuple[int, int] | None:
    """(characters, 1-based line) of the pool's longest rendered variant, or None if it
    cannot be rendered (T001/T002/T003/T005 say why)."""
    from types import SimpleNamespace

    from sidomain_cli.domain import text
    from sidomain_cli.errors import SidomainError
    from sidomain_cli.planning.copy import Pools, split_variants
    from sidomain_cli.profile import OFFER_KEYS

    offers_raw = ctx.data.get("offers") if isinstance(ctx.data.get("offers"), dict) else {}
    offers = {k: "优惠" for k in OFFER_KEYS}
    offers.update({k: text(v, locale) for k, v in offers_raw.items()
                   if isinstance(v, (str, dict))})
    key = ("variants", roots, name, locale, tuple(sorted(offers.items())))
    cache = ctx.workspace.cache
    if key not in cache:
        from sidomain_cli.lint.rules.template_refused import refusal
        from sidomain_cli.render import render_template

        cache[key] = None
        if refusal(ctx.workspace, roots, name) is not None:
            return None  # T005's finding; do not spend the sandbox budget twice
        env = ctx.workspace.environment(roots)
        # the planner's own reading of a pool: Pools.variants splits and compiles
        pack, _, pool = name.rpartition("/")
        pools = Pools(SimpleNamespace(env=env, roots=roots, locale=locale),
                      pack.split("/")[-1] if pack else "-")  # "-": no trade folder
        try:
            variants = pools.variants(pool)
            source = env.loader.get_source(env, name)[0]
        except Exception:  # noqa: BLE001 - broken templates are T001/T002's findings
            return None
        lines = [n + 1 + (1 if n else 0) for n, _ in split_variants(source)]
        sample = sample_context(offers)
        worst = None
        for i, line in enumerate(lines[:len(variants)]):
            try:  # variants compile when first taken
                out = render_template(variants[i], name, sample)
            except (SidomainError, Exception):  # noqa: BLE001 - T002/T003/T005's findings
                continue
            kept = (s.strip() for s in out.splitlines())
            n = len("\n".join(s for s in kept if s))
            if worst is None or n > worst[0]:
                worst = (n, line)
        cache[key] = worst
    return cache[key]


def check(ctx):
    import re

    from sidomain_cli.domain import NODE_TONES
    from sidomain_cli.lint.rules.template_not_found import available

    view = ctx.playbook
    if view is None:
        return
    for t in view.tasks:
        limit = LIMITS.get(t.channel)
        if limit is None:
            continue
        pools = [f"{p}_{tone}" for p in t.pools for tone in NODE_TONES] if t.on == "node" \
            else list(t.pools)
        for locale in ctx.options.locales:
            roots, names = available(ctx, locale)
            found = None
            for pool in pools:
                for name in sorted(n for n in names if n == pool or
                                   re.fullmatch(rf"industries/[a-z0-9_]+/{re.escape(pool)}", n)):
                    worst = longest_variant(ctx, roots, name, locale)
                    if worst is not None and worst[0] > limit:
                        found = (name, *worst)
                        break
                if found:
                    break
            if found:
                name, n, line = found
                field = "rotate" if t.rotate else "template"
                yield ctx.report(("tasks", t.index, field),
                                 f"{locale} message of task '{t.id}' ({name}, the variant at "
                                 f"line {line}) is {n:,} characters; {t.channel} allows "
                                 f"{limit:,}", value=True,
                                 hint=f"shorten that variant of templates/{locale}/{name}.j2")
                break

"""Plan reports: ``text`` (Rich tables), ``markdown`` and ``json``.

A registry maps a format name to a function ``(plan, color) -> str``.

Everything a profile, playbook, method file or template put into the plan is text to
show, never markup to run:

- ``text``: Rich markup in it is escaped (a brand ``[bold red]X[/]`` prints as typed),
  and control characters (ESC sequences, BEL, CR) and bidi overrides are replaced with
  U+FFFD, so nothing reaches the terminal raw;
- ``markdown``: ``<``, ``>``, ``&`` become entities, Markdown specials (backslash,
  backtick, ``* _ [ ] | # ~``) are backslash-escaped, line breaks become ``<br>`` and
  control characters U+FFFD, so a value stays inside its table cell and no HTML,
  link, heading or emphasis comes out of it (bare URLs may still be linked by
  renderers that autolink);
- ``json``: ``json.dumps`` escapes control characters itself.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from sidomain_cli.domain import (ACTIVITIES, CHANNELS, MODELS, PHASES, SEGMENTS, SEND_METHODS,
                                 label)
from sidomain_cli.planner import KPI_LABELS, Plan
from sidomain_cli.safetext import plain

T = {
    "diagnosis": {"zh-CN": "诊断", "en": "Diagnosis"},
    "channel_mix": {"zh-CN": "渠道组合", "en": "Channel mix"},
    "gaps": {"zh-CN": "渠道缺口(剧本需要但品牌没有)", "en": "Gaps (the playbook wants these; the brand lacks them)"},
    "acquisition": {"zh-CN": "引流计划", "en": "Acquisition plan"},
    "kpis": {"zh-CN": "KPI目标", "en": "KPI targets"},
    "calendar": {"zh-CN": "SOP日历", "en": "SOP calendar"},
    "week": {"zh-CN": "第{n}周", "en": "Week {n}"},
    "nodes": {"zh-CN": "营销节点", "en": "Marketing nodes"},
    "notes": {"zh-CN": "说明", "en": "Notes"},
    "phases": {"zh-CN": "阶段与北极星指标", "en": "Phases and north-star metrics"},
    "channel": {"zh-CN": "渠道", "en": "Channel"},
    "role": {"zh-CN": "角色", "en": "Role"},
    "share": {"zh-CN": "精力占比", "en": "Share"},
    "max_per_day": {"zh-CN": "每日上限", "en": "Max/day"},
    "disturbance": {"zh-CN": "打扰度", "en": "Disturbance"},
    "metric": {"zh-CN": "指标", "en": "Metric"},
    "target": {"zh-CN": "目标", "en": "Target"},
    "unit": {"zh-CN": "单位", "en": "Unit"},
    "source": {"zh-CN": "来源", "en": "Source"},
    "day": {"zh-CN": "天", "en": "Day"},
    "date": {"zh-CN": "日期", "en": "Date"},
    "time": {"zh-CN": "时间", "en": "Time"},
    "segment": {"zh-CN": "人群", "en": "Segment"},
    "action": {"zh-CN": "动作", "en": "Action"},
    "activity": {"zh-CN": "活动", "en": "Activity"},
    "message": {"zh-CN": "话术", "en": "Message"},
    "send": {"zh-CN": "发送方式", "en": "Send"},
    "touchpoint": {"zh-CN": "触点", "en": "Touchpoint"},
    "conversion": {"zh-CN": "预期转化", "en": "Expected conversion"},
    "how": {"zh-CN": "做法", "en": "How"},
    "store_type": {"zh-CN": "门店类型", "en": "Store type"},
    "model": {"zh-CN": "运营模式", "en": "Operating model"},
    "playbook": {"zh-CN": "剧本", "en": "Playbook"},
    "window": {"zh-CN": "计划周期", "en": "Window"},
    "phase": {"zh-CN": "阶段", "en": "Phase"},
    "north_star": {"zh-CN": "北极星指标", "en": "North star"},
    "strategies": {"zh-CN": "策略", "en": "Strategies"},
    "name": {"zh-CN": "名称", "en": "Name"},
    "none": {"zh-CN": "无", "en": "none"},
    "no_benchmark": {"zh-CN": "无公开基准", "en": "no public benchmark"},
    "plan_title": {"zh-CN": "{brand} 私域运营计划", "en": "{brand} private-domain plan"},
}


def t(key: str, locale: str, **kw) -> str:
    s = T[key].get(locale) or T[key]["zh-CN"]
    return s.format(**kw) if kw else s


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _conv(v) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def render_json(plan: Plan, color: bool = False) -> str:
    return json.dumps(plan.as_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_CODE_SAFE = re.compile(r"[A-Za-z0-9_.:/+-]+")


def _clean(s) -> str:
    """Text without control characters: line breaks become ``\\n``, the rest U+FFFD."""
    return plain(str(s))


def _md_escape(s) -> str:
    """A value as literal Markdown text that stays inside one table cell."""
    s = _clean(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s).replace("\n", "<br>")


def _md_code(s) -> str:
    """An id in a code span when it is a plain id, else escaped text."""
    s = str(s)
    return f"`{s}`" if _CODE_SAFE.fullmatch(s) else _md_escape(s)


def _rich(s) -> str:
    """A value as literal text inside Rich markup."""
    from rich.markup import escape

    return escape(_clean(s))


def render_markdown(plan: Plan, color: bool = False) -> str:
    L = plan.locale
    e = _md_escape
    d = plan.diagnosis
    out = [f"# {e(t('plan_title', L, brand=plan.brand))}", ""]
    if plan.notice:
        out += [f"> **{e(plan.notice)}**", ""]
    out += [f"## {t('diagnosis', L)}", "",
            f"- {t('store_type', L)}: {_md_code(d.store_type)}",
            f"- {t('model', L)}: {e(label(MODELS, d.operating_model, L))} ({_md_code(d.operating_model)})",
            f"- {t('playbook', L)}: {_md_code(plan.playbook)}",
            f"- {t('window', L)}: {plan.start_date.isoformat()} +{plan.days} ({e(plan.timezone)})",
            "", e(d.why), ""]
    out += [f"## {t('channel_mix', L)}", "",
            f"| {t('channel', L)} | {t('role', L)} | {t('share', L)} | {t('max_per_day', L)} | "
            f"{t('disturbance', L)} |", "|---|---|---:|---:|---|"]
    for c in plan.channel_mix:
        out.append(f"| {e(c.label)} | {e(c.role)} | {_pct(c.share)} | {c.max_per_day} | "
                   f"{e(c.disturbance)} |")
    out.append("")
    if plan.gaps:
        out += [f"### {t('gaps', L)}", ""]
        out += [f"- {e(g['label'])} ({_md_code(g['channel'])}): {e(g['role'])}" for g in plan.gaps]
        out.append("")
    if plan.acquisition:
        out += [f"## {t('acquisition', L)}", "",
                f"| {t('touchpoint', L)} | {t('conversion', L)} | {t('how', L)} | {t('source', L)} |",
                "|---|---:|---|---|"]
        for a in plan.acquisition:
            out.append(f"| {e(a['label'])} | {_conv(a['conversion'])} | {e(a['how'])} | "
                       f"{e(a['source'])} |")
        out.append("")
    out += [f"## {t('phases', L)}", ""]
    for p in plan.phases:
        ns = ", ".join(label(KPI_LABELS, m, L) for m in p["north_star"])
        out.append(f"- **{e(label(PHASES, p['id'], L))}** ({p['first_day']}–{p['last_day']}): "
                   f"{e(ns)}; {e('、'.join(p['strategies']) if L == 'zh-CN' else ', '.join(p['strategies']))}")
    out.append("")
    out += [f"## {t('kpis', L)}", "",
            f"| {t('metric', L)} | {t('target', L)} | {t('unit', L)} | {t('source', L)} |",
            "|---|---:|---|---|"]
    for k in plan.kpis:
        out.append(f"| {e(k['label'])} | {k['target']:g} | {e(k['unit'])} | {e(k['source'])} |")
    out.append("")
    if plan.nodes:
        out += [f"## {t('nodes', L)}", ""]
        out += [f"- {e(n['date'])} {e(n['name'])} ({e(n['level'])})" for n in plan.nodes]
        out.append("")
    out += [f"## {t('calendar', L)}", ""]
    week = 0
    for task in plan.calendar:
        w = (task.day - 1) // 7 + 1
        if w != week:
            week = w
            out += ["", f"### {t('week', L, n=w)}", "",
                    f"| {t('day', L)} | {t('date', L)} | {t('time', L)} | {t('channel', L)} | "
                    f"{t('segment', L)} | {t('action', L)} | {t('activity', L)} | "
                    f"{t('message', L)} | {t('send', L)} |",
                    "|---:|---|---|---|---|---|---|---|---|"]
        out.append(f"| {task.day} | {e(task.date)} | {e(task.time)} | {e(label(CHANNELS, task.channel, L))} | "
                   f"{e(label(SEGMENTS, task.segment, L))} | {e(task.action)} | "
                   f"{e(label(ACTIVITIES, task.activity, L) if task.activity else '')}"
                   f"{(' ' + e(task.node)) if task.node else ''} | {e(task.message)} | "
                   f"{e(label(SEND_METHODS, task.send, L))} |")
    out.append("")
    if plan.notes:
        out += [f"## {t('notes', L)}", ""] + [f"- {e(n)}" for n in plan.notes] + [""]
    return "\n".join(out)


def render_text(plan: Plan, color: bool = False, width: int = 120) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    L = plan.locale
    buf = StringIO()
    con = Console(file=buf, width=width, force_terminal=color, color_system="auto" if color else None,
                  highlight=False, emoji=False, legacy_windows=False)
    d = plan.diagnosis
    title = t("plan_title", L, brand=_clean(plan.brand).replace("\n", " "))
    body = (f"{t('store_type', L)}: [bold]{d.store_type}[/]   {t('model', L)}: [bold]"
            f"{_rich(label(MODELS, d.operating_model, L))}[/] ({d.operating_model})   "
            f"{t('playbook', L)}: {_rich(plan.playbook)}\n"
            f"{t('window', L)}: {plan.start_date.isoformat()} +{plan.days}d ({_rich(plan.timezone)}, "
            f"quiet {plan.quiet_hours})\n\n{_rich(d.why)}")
    if plan.notice:
        body = f"[bold yellow]{_rich(plan.notice)}[/]\n\n" + body
    con.print(Panel(body, title=_rich(title), title_align="left"))
    mix = Table(title=t("channel_mix", L), title_justify="left")
    for col in ("channel", "role", "share", "max_per_day", "disturbance"):
        mix.add_column(t(col, L), justify="right" if col in ("share", "max_per_day") else "left")
    for c in plan.channel_mix:
        mix.add_row(_rich(c.label), _rich(c.role), _pct(c.share), str(c.max_per_day),
                    _rich(c.disturbance))
    con.print(mix)
    if plan.gaps:
        con.print(f"[bold]{t('gaps', L)}[/]: " + "; ".join(
            f"{_rich(g['label'])} ({_rich(g['role'])})" for g in plan.gaps))
    if plan.acquisition:
        acq = Table(title=t("acquisition", L), title_justify="left")
        for col in ("touchpoint", "conversion", "how"):
            acq.add_column(t(col, L))
        for a in plan.acquisition:
            acq.add_row(_rich(a["label"]), _conv(a["conversion"]), _rich(a["how"]))
        con.print(acq)
    k = Table(title=t("kpis", L), title_justify="left")
    for col in ("metric", "target", "unit", "source"):
        k.add_column(t(col, L), justify="right" if col == "target" else "left")
    for row in plan.kpis:
        k.add_row(_rich(row["label"]), f"{row['target']:g}", _rich(row["unit"]), _rich(row["source"]))
    con.print(k)
    if plan.nodes:
        con.print(f"[bold]{t('nodes', L)}[/]: " + "; ".join(
            f"{n['date']} {_rich(n['name'])}" for n in plan.nodes))
    weeks: dict[int, list] = {}
    for task in plan.calendar:
        weeks.setdefault((task.day - 1) // 7 + 1, []).append(task)
    for w, tasks in weeks.items():
        tab = Table(title=f"{t('calendar', L)} · {t('week', L, n=w)}", title_justify="left",
                    show_lines=False)
        for col in ("day", "date", "time", "channel", "segment", "action", "activity"):
            tab.add_column(t(col, L))
        for task in tasks:
            act = label(ACTIVITIES, task.activity, L) if task.activity else ""
            if task.node:
                act += f" {task.node}"
            tab.add_row(str(task.day), task.date, task.time, _rich(label(CHANNELS, task.channel, L)),
                        _rich(label(SEGMENTS, task.segment, L)), _rich(task.action), _rich(act))
        con.print(tab)
    for n in plan.notes:
        con.print(f"· {_rich(n)}")
    return buf.getvalue()


FORMATS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}

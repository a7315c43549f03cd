"""The ``markdown`` and ``json`` plan reports.

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

from sidomain_cli.domain import (CHANNELS, MODELS, PHASES, SEGMENTS, SEND_METHODS,
                                 label)
from sidomain_cli.planner import KPI_LABELS, Plan
from sidomain_cli.report.labels import ACTIVITY_LABELS, node_why, t
from sidomain_cli.report.labels import clean as _clean
from sidomain_cli.report.labels import conv as _conv
from sidomain_cli.report.labels import pct as _pct

def render_json(plan: Plan, **_) -> str:
    return json.dumps(plan.as_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_CODE_SAFE = re.compile(r"[A-Za-z0-9_.:/+-]+")


def _md_escape(s) -> str:
    """A value as literal Markdown text that stays inside one table cell."""
    s = _clean(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s).replace("\n", "<br>")


def _md_code(s) -> str:
    """An id in a code span when it is a plain id, else escaped text."""
    s = str(s)
    return f"`{s}`" if _CODE_SAFE.fullmatch(s) else _md_escape(s)


def render_markdown(plan: Plan, **_) -> str:
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
        out += [e(t("levels_legend", L)), ""]
        if any(n.get("estimated") for n in plan.nodes):
            out += [e(t("estimated_legend", L)).replace("\\*", "\\*", 1), ""]
        out += [f"- {e(n['day'])} {e(n['name'])} ({e(node_why(n, L))})" for n in plan.nodes]
        out.append("")
    if plan.workdays:
        out += [f"### {t('workdays', L)}", "",
                "- " + e("; ".join(f"{w['date']} {w['name']}" for w in plan.workdays))
                + f" ({e(t('workdays_planned', L))})", ""]
    if plan.campaigns:
        out += [f"### {t('campaigns', L)}", "",
                f"| {t('nodes', L)} | {t('level', L)} | {t('warmup', L)} | {t('peak', L)} | "
                f"{t('encore', L)} |", "|---|---|---|---|---|"]
        out += [f"| {e(c['node'])} | {e(c['level'])} | {e(', '.join(c.get('warmup') or []))} | "
                f"{e(c.get('peak', ''))} | {e(', '.join(c.get('encore') or []))} |"
                for c in plan.campaigns]
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
                   f"{e(label(ACTIVITY_LABELS, task.activity, L) if task.activity else '')}"
                   f"{(' ' + e(task.node)) if task.node else ''} | {e(task.message)} | "
                   f"{e(label(SEND_METHODS, task.send, L))} |")
    out.append("")
    if plan.notes:
        out += [f"## {t('notes', L)}", ""] + [f"- {e(n)}" for n in plan.notes] + [""]
    return "\n".join(out)

"""The ``html`` plan report: one self-contained file a consultant can email.

- **Self-contained.** Styles are inline, charts are inline SVG (:mod:`.svg`), there is no
  script and no web font (a system CJK font stack); a Content-Security-Policy meta tag
  (``default-src 'none'``) makes the browser refuse anything from outside, should a value
  ever try.
- **Parts.** A title block (brand, diagnosis in one paragraph, notice), the channel mix as
  a chart, acquisition, phases, the calendar as a grid (calendar weeks × weekdays, each
  day coloured by phase, activity marked, nodes starred, its tasks listed), campaigns,
  the lifecycle SOP, KPI targets, the forecast as charts (members, orders, GMV by week),
  the message scripts grouped by task, and the notes. Parts the plan does not have
  (``lifecycle``, ``campaigns``, ``forecast``, ``workdays`` …) are left out: the report
  reads the plan's dict form with ``.get()``, so new planner fields show up when present.
- **Print.** A print stylesheet for A4 portrait: smaller type, the calendar and the scripts
  start on a new page, rows and day cells are not split.
- **Safe.** Every value from a profile, playbook, method or template is escaped
  (``html.escape`` with quotes; control characters become U+FFFD, line breaks ``<br>``),
  so nothing in a plan becomes markup.
- **Deterministic.** No time stamp, no random id: the same plan gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from sidomain_cli import __version__
from sidomain_cli.domain import CHANNELS, MODELS, PHASES, SEGMENTS, SEND_METHODS, label
from sidomain_cli.report import svg
from sidomain_cli.report.labels import (ACTIVITY_CLASS, ACTIVITY_LABELS, ACTIVITY_RANK,
                                        SEND_SHORT, STAGES, clean, conv, node_source,
                                        node_span, node_words, pct, t)

CHANNEL_COLOURS = {
    "wecom_1v1": "#7048e8", "wecom_group": "#1c7ed6", "wecom_moments": "#0ca678",
    "channels_live": "#e8590c", "official_account": "#5c940d", "mini_program": "#f08c00",
    "sms": "#868e96",
}
CHANNEL_SHORT = {
    "wecom_1v1": {"zh-CN": "1v1", "en": "1v1"},
    "wecom_group": {"zh-CN": "社群", "en": "group"},
    "wecom_moments": {"zh-CN": "朋友圈", "en": "moments"},
    "channels_live": {"zh-CN": "直播", "en": "live"},
    "official_account": {"zh-CN": "公众号", "en": "OA"},
    "mini_program": {"zh-CN": "小程序", "en": "mini prog."},
    "sms": {"zh-CN": "短信", "en": "SMS"},
}
H = {
    "workday": {"zh-CN": "班", "en": "workday"},
    "legend": {"zh-CN": "图例", "en": "Legend"},
    "tasks": {"zh-CN": "任务", "en": "tasks"},
    "runs_on": {"zh-CN": "执行日", "en": "Runs on"},
    "generated": {"zh-CN": "由 sidomain {v} 生成", "en": "Made with sidomain {v}"},
    "level": {"zh-CN": "级别", "en": "Level"},
    "kind": {"zh-CN": "类型", "en": "Kind"},
    "tone": {"zh-CN": "基调", "en": "Tone"},
    "condition": {"zh-CN": "条件", "en": "Condition"},
    "count": {"zh-CN": "数量", "en": "Count"},
    "week_col": {"zh-CN": "周", "en": "Week"},
    "start": {"zh-CN": "开始", "en": "Start"},
    "notice": {"zh-CN": "请先读", "en": "Read first"},
    "contents": {"zh-CN": "目录", "en": "Contents"},
}
WEEKDAY_HEAD = {"zh-CN": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}

CSS = """
:root{--ink:#1f2328;--mute:#656d76;--line:#d0d7de;--ret:#e9f6ec;--conv:#eaf1fb;
--small:#f0b429;--big:#e8590c;--node:#c92a2a}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:#fff;font:14px/1.5 -apple-system,"PingFang SC",
"Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",
"WenQuanYi Micro Hei","Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
header.title{border-bottom:3px solid var(--ink);padding-bottom:12px;margin-bottom:8px}
h1{font-size:28px;margin:0 0 4px}
h2{font-size:20px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:16px 0 4px}
.meta{color:var(--mute);margin:0}
.meta b{color:var(--ink)}
.why{margin:10px 0 0;font-size:15px}
.notice{border-left:4px solid var(--node);background:#fff5f5;padding:8px 12px;margin:12px 0}
nav{font-size:13px;color:var(--mute)}
nav a{color:inherit;margin-right:10px}
table{border-collapse:collapse;width:100%;margin:6px 0;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{text-align:right;white-space:nowrap}
code{font-size:12px;background:#f6f8fa;padding:0 3px;border-radius:3px}
svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.legend{font-size:12px;color:var(--mute);margin:4px 0 8px}
.legend span{display:inline-block;margin-right:12px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;
border:1px solid var(--line)}
table.cal{table-layout:fixed;font-size:11.5px}
table.cal th{text-align:center}
table.cal th.wk{width:34px}
table.cal td{height:88px;padding:3px 4px;border-top-width:4px}
table.cal td.out{background:#fafafa;border-top-width:1px}
td.ph-retention{background:var(--ret)}
td.ph-conversion{background:var(--conv)}
td.act-small{border-top-color:var(--small)}
td.act-big{border-top-color:var(--big)}
td.act-node{border-top-color:var(--node)}
.dh{display:flex;justify-content:space-between;color:var(--mute);font-size:11px}
.dh b{color:var(--ink)}
.node{color:var(--node);font-weight:bold;font-size:11.5px}
.act{font-size:10.5px;color:var(--big)}
.wd{color:#fff;background:var(--mute);border-radius:3px;padding:0 3px;font-size:10px}
ul.tasks{list-style:none;margin:2px 0 0;padding:0}
ul.tasks li{margin:1px 0;line-height:1.3}
.ch{display:inline-block;color:#fff;border-radius:3px;padding:0 3px;font-size:10px;
font-style:normal}
.tm{color:var(--mute);font-variant-numeric:tabular-nums}
.script{border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:8px 0;
break-inside:avoid}
.script .facts{color:var(--mute);font-size:12px}
.script blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid var(--line);
background:#fafbfc}
.script .days{color:var(--mute);font-size:12px}
footer{color:var(--mute);font-size:12px;margin-top:32px;border-top:1px solid var(--line);
padding-top:8px}
@page{size:A4 portrait;margin:12mm 10mm}
@media print{
body{font-size:9.5pt}
main{max-width:none;padding:0}
nav{display:none}
h1{font-size:20pt}
h2{font-size:13pt;break-after:avoid}
table{font-size:8.5pt}
tr,td,.script{break-inside:avoid}
#calendar,#scripts{break-before:page}
table.cal{font-size:6.5pt}
table.cal td{height:auto;padding:2px}
.dh,.node,.act,.ch,.wd{font-size:6.5pt}
a{color:inherit;text-decoration:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


def e(value) -> str:
    """A value as HTML text: escaped, control characters U+FFFD, line breaks ``<br>``."""
    return escape(clean("" if value is None else value), quote=True).replace("\n", "<br>")


def h(key: str, locale: str, **kw) -> str:
    s = H[key].get(locale) or H[key]["zh-CN"]
    return s.format(**kw) if kw else s


def _table(head: list[str], rows: list[list[str]], num_cols: tuple[int, ...] = ()) -> str:
    out = ["<table><thead><tr>", *(f"<th>{c}</th>" for c in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(
            f'<td class="num">{c}</td>' if i in num_cols else f"<td>{c}</td>"
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_html(plan, **_) -> str:
    p: dict[str, Any] = plan if isinstance(plan, dict) else plan.as_dict()
    L = p["locale"]
    title = t("plan_title", L, brand=" ".join(clean(p["brand"]).split()))
    parts = [_title(p, title), _mix(p), _acquisition(p), _phases(p), _calendar(p),
             _nodes(p), _campaigns(p), _lifecycle(p), _kpis(p), _forecast(p), _scripts(p), _notes(p)]
    sections = [s for s in parts if s]
    nav = "".join(f'<a href="#{sid}">{e(name)}</a>' for sid, name in _toc(p))
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"zh-CN" if L == "zh-CN" else "en"}"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'style-src \'unsafe-inline\'; img-src data:">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="sidomain {e(__version__)}">'
            f"<title>{e(title)}</title><style>{CSS}</style></head>\n<body><main>\n"
            + sections[0] + f"\n<nav>{h('contents', L)}: {nav}</nav>\n"
            + "\n".join(sections[1:])
            + f"\n<footer>{e(h('generated', L, v=__version__))} · {e(p['start_date'])} "
              f"+{p['days']}</footer>\n</main></body></html>\n")


def render_pdf(plan, **_) -> bytes:
    """The HTML report printed to A4 by a headless Chromium (see :mod:`.browser`)."""
    from sidomain_cli.report.browser import html_to_pdf

    p: dict[str, Any] = plan if isinstance(plan, dict) else plan.as_dict()
    return html_to_pdf(render_html(p), date_stamp=p["start_date"].replace("-", "") + "000000")


def _toc(p: dict) -> list[tuple[str, str]]:
    L = p["locale"]
    toc = [("mix", t("channel_mix", L)), ("calendar", t("calendar", L))]
    if p.get("nodes"):
        toc.append(("nodes", t("nodes", L)))
    if p.get("lifecycle"):
        toc.append(("lifecycle", t("lifecycle", L)))
    toc.append(("kpis", t("kpis", L)))
    if p.get("forecast"):
        toc.append(("forecast", t("forecast", L)))
    toc.append(("scripts", t("scripts", L)))
    return toc


# ---- sections -------------------------------------------------------------------------

def _title(p: dict, title: str) -> str:
    L = p["locale"]
    d = p["diagnosis"]
    end = dt.date.fromisoformat(p["start_date"]) + dt.timedelta(days=p["days"] - 1)
    meta = [f"{t('store_type', L)}: <b>{e(d['store_type'])}</b>",
            f"{t('model', L)}: <b>{e(label(MODELS, d['operating_model'], L))}</b> "
            f"(<code>{e(d['operating_model'])}</code>)",
            f"{t('playbook', L)}: <code>{e(p['playbook'])}</code>",
            f"{t('window', L)}: <b>{e(p['start_date'])} – {end.isoformat()}</b> "
            f"({p['days']} {t('day', L)}, {e(p['timezone'])})"]
    if p.get("industry_pack"):
        meta.append(f"pack: <code>{e(p['industry_pack'])}</code>")
    why = d.get("why", "")
    if d.get("pack_reason") and d["pack_reason"] not in why:
        why = f"{why} {d['pack_reason']}"
    out = [f'<header class="title"><h1>{e(title)}</h1>',
           f'<p class="meta">{" · ".join(meta)}</p>',
           f'<p class="why"><b>{t("diagnosis", L)}:</b> {e(why)}</p>']
    if p.get("notice"):
        out.append(f'<p class="notice"><b>{h("notice", L)}:</b> {e(p["notice"])}</p>')
    out.append("</header>")
    return "".join(out)


def _mix(p: dict) -> str:
    L = p["locale"]
    mix = p["channel_mix"]
    chart = svg.hbars([(clean(c["label"]), c["share"], CHANNEL_COLOURS.get(c["channel"], "#555"),
                        pct(c["share"])) for c in mix], title=t("channel_mix", L))
    table = _table([t(x, L) for x in ("channel", "role", "share", "max_per_day", "disturbance")],
                   [[e(c["label"]), e(c["role"]), pct(c["share"]), str(c["max_per_day"]),
                     e(c["disturbance"])] for c in mix], num_cols=(2, 3))
    out = f'<section id="mix"><h2>{t("channel_mix", L)}</h2>{chart}{table}'
    if p.get("gaps"):
        out += (f"<h3>{t('gaps', L)}</h3><ul>" + "".join(
            f"<li>{e(g['label'])} (<code>{e(g['channel'])}</code>): {e(g['role'])}</li>"
            for g in p["gaps"]) + "</ul>")
    return out + "</section>"


def _acquisition(p: dict) -> str:
    L = p["locale"]
    if not p.get("acquisition"):
        return ""
    rows = [[e(a["label"]), conv(a["conversion"]), e(a["how"]), e(a.get("source") or "")]
            for a in p["acquisition"]]
    return (f'<section id="acquisition"><h2>{t("acquisition", L)}</h2>'
            + _table([t(x, L) for x in ("touchpoint", "conversion", "how", "source")], rows,
                     num_cols=(1,)) + "</section>")


def _kpi_label(name: str, L: str) -> str:
    from sidomain_cli.planner import KPI_LABELS

    return label(KPI_LABELS, name, L)


def _phases(p: dict) -> str:
    L = p["locale"]
    sep = "、" if L == "zh-CN" else ", "
    items = "".join(
        f"<li><b>{e(label(PHASES, ph['id'], L))}</b> ({t('days_range', L, a=ph['first_day'], b=ph['last_day'])}): "
        f"{t('north_star', L)} {e(sep.join(_kpi_label(m, L) for m in ph['north_star']))}; "
        f"{t('strategies', L)}: {e(sep.join(ph.get('strategies') or []))}</li>"
        for ph in p["phases"])
    return f'<section id="phases"><h2>{t("phases", L)}</h2><ul>{items}</ul></section>'


def _phase_of(p: dict, day: int) -> str:
    for ph in p["phases"]:
        if ph["first_day"] <= day <= ph["last_day"]:
            return ph["id"]
    return p["phases"][-1]["id"] if p["phases"] else ""


def _calendar(p: dict) -> str:
    L = p["locale"]
    start = dt.date.fromisoformat(p["start_date"])
    end = start + dt.timedelta(days=p["days"] - 1)
    by_day: dict[str, list[dict]] = {}
    for task in p["calendar"]:
        by_day.setdefault(task["date"], []).append(task)
    nodes: dict[str, list[str]] = {}
    for n in p.get("nodes") or ():
        first = dt.date.fromisoformat(n["date"])
        last = dt.date.fromisoformat(n.get("end_date") or n["date"])
        d = max(first, start)
        while d <= min(last, end):
            nodes.setdefault(d.isoformat(), []).append(clean(n["name"]))
            d += dt.timedelta(days=1)
    workdays = {w["date"] for w in p.get("workdays") or ()}
    heads = WEEKDAY_HEAD.get(L, WEEKDAY_HEAD["zh-CN"])
    out = [f'<section id="calendar"><h2>{t("calendar", L)}</h2>', _calendar_legend(p),
           '<table class="cal"><thead><tr><th class="wk">', h("week_col", L), "</th>",
           *(f"<th>{e(x)}</th>" for x in heads), "</tr></thead><tbody>"]
    monday = start - dt.timedelta(days=start.weekday())
    row = 1
    while monday <= end:
        out.append(f'<tr><th class="wk">{row}</th>')
        for i in range(7):
            d = monday + dt.timedelta(days=i)
            if not start <= d <= end:
                out.append('<td class="out"></td>')
                continue
            out.append(_day_cell(p, d, start, by_day.get(d.isoformat(), []),
                                 nodes.get(d.isoformat(), []), d.isoformat() in workdays))
        out.append("</tr>")
        monday += dt.timedelta(days=7)
        row += 1
    out.append("</tbody></table></section>")
    return "".join(out)


def _calendar_legend(p: dict) -> str:
    L = p["locale"]
    items = [f'<span><i class="sw" style="background:var(--ret)"></i>{e(label(PHASES, "retention", L))}</span>',
             f'<span><i class="sw" style="background:var(--conv)"></i>{e(label(PHASES, "conversion", L))}</span>',
             *(f'<span><i class="sw" style="background:var(--{a})"></i>{e(label(ACTIVITY_LABELS, a, L))}</span>'
               for a in ("small", "big", "node")),
             *(f'<span><i class="ch" style="background:{CHANNEL_COLOURS[c]}">'
               f'{e(label(CHANNEL_SHORT, c, L))}</i> {e(label(CHANNELS, c, L))}</span>'
               for c in CHANNELS if any(x["channel"] == c for x in p["calendar"]))]
    return f'<p class="legend">{h("legend", L)}: {"".join(items)}</p>'


def _day_cell(p: dict, d: dt.date, start: dt.date, tasks: list[dict], node_names: list[str],
              workday: bool) -> str:
    L = p["locale"]
    n = (d - start).days + 1
    acts = list(dict.fromkeys(x["activity"] for x in tasks if x.get("activity")))
    rank = max((ACTIVITY_RANK.get(a, 1) for a in acts), default=3 if node_names else 0)
    cls = [f"ph-{_phase_of(p, n)}"] + ([f"act-{ACTIVITY_CLASS[rank]}"] if rank else [])
    out = [f'<td class="{" ".join(cls)}" id="d{n}"><div class="dh"><b>{d.month}/{d.day}</b>'
           f"<span>{e(t('day_n', L, n=n))}</span></div>"]
    if workday:
        out.append(f'<span class="wd">{h("workday", L)}</span>')
    if node_names:
        out.append(f'<div class="node">★ {e("、".join(dict.fromkeys(node_names)))}</div>')
    stages = [s for s in dict.fromkeys(x["stage"] for x in tasks if x.get("stage"))
              if s not in acts]
    marks = [label(ACTIVITY_LABELS, a, L) for a in acts if a != "node"]
    marks += [label(STAGES, s, L) for s in stages]
    if marks:
        out.append('<div class="act">' + e(" · ".join(marks)) + "</div>")
    if tasks:
        out.append('<ul class="tasks">')
        for x in tasks:
            colour = CHANNEL_COLOURS.get(x["channel"], "#555")
            out.append(f'<li><span class="tm">{e(x["time"])}</span> '
                       f'<i class="ch" style="background:{colour}">'
                       f'{e(label(CHANNEL_SHORT, x["channel"], L))}</i> {e(x["action"])}</li>')
        out.append("</ul>")
    out.append("</td>")
    return "".join(out)


def _nodes(p: dict) -> str:
    """The calendar explained: each node's level, kind, tone, days off, who set its level and
    whether it is estimated, the legend of levels and the adjusted working days."""
    L = p["locale"]
    if not p.get("nodes"):
        return ""
    rows = [[e(n.get("day") or n["date"]), e(n["name"]) + (" *" if n.get("estimated") else ""),
             e(n["level"]), e(node_words(n["kind"], L)), e(node_words(n["tone"], L)),
             e(" · ".join(x for x in (node_span(n, L), node_source(n, L)) if x))]
            for n in p["nodes"]]
    head = [t(k, L) for k in ("date", "name", "level", "kind", "tone", "why")]
    legend = e(t("levels_legend", L))
    if any(n.get("estimated") for n in p["nodes"]):
        legend += "<br>" + e(t("estimated_legend", L))
    work = ""
    if p.get("workdays"):
        work = (f"<p>{e(t('workdays', L))} ({e(t('workdays_planned', L))}): "
                + e("; ".join(f"{w['date']} {w['name']}" for w in p["workdays"])) + "</p>")
    return (f'<section id="nodes"><h2>{t("nodes", L)}</h2>' + _table(head, rows)
            + f'<p class="legend">{legend}</p>{work}</section>')


def _campaigns(p: dict) -> str:
    L = p["locale"]
    if not p.get("campaigns"):
        return ""
    rows = [[e(c.get("node", "")), e(c.get("level", "")), e(", ".join(c.get("warmup") or [])),
             e(c.get("peak", "")), e(", ".join(c.get("encore") or [])),
             str(len(c.get("tasks") or []))] for c in p["campaigns"]]
    head = [t("nodes", L), h("level", L), t("warmup", L), t("peak", L), t("encore", L),
            h("tasks", L)]
    return (f'<section id="campaigns"><h2>{t("campaigns", L)}</h2>'
            + _table(head, rows, num_cols=(5,)) + "</section>")


def _lifecycle(p: dict) -> str:
    L = p["locale"]
    if not p.get("lifecycle"):
        return ""
    rows = [[str(x.get("offset_day", "")), e(x.get("time", "")),
             e(label(CHANNELS, x.get("channel"), L)), e(label(SEGMENTS, x.get("segment"), L)),
             e(x.get("action", "")), e(x.get("trigger") or ""), e(x.get("condition") or ""),
             e(label(SEND_SHORT, x.get("send"), L)), e(x.get("message") or "")]
            for x in p["lifecycle"]]
    head = [t(x, L) for x in ("offset_day", "time", "channel", "segment", "action", "trigger")] + \
        [h("condition", L), t("send", L), t("message", L)]
    return (f'<section id="lifecycle"><h2>{t("lifecycle", L)}</h2>'
            + _table(head, rows, num_cols=(0,)) + "</section>")


def _kpis(p: dict) -> str:
    L = p["locale"]
    defs = any(k.get("definition") for k in p["kpis"])
    counts = any(k.get("count") is not None for k in p["kpis"])
    head = [t(x, L) for x in ("metric", "target", "unit", "source")]
    head += [t("definition", L)] if defs else []
    head += [h("count", L)] if counts else []
    rows = []
    for k in p["kpis"]:
        row = [e(k["label"]), f"{k['target']:g}", e(k["unit"]), e(k["source"])]
        if defs:
            d = k.get("definition") or {}
            scope = d.get("cohort") or d.get("period") or ""
            row.append(e(" / ".join(str(d[x]) for x in ("numerator", "denominator") if d.get(x))
                         + (f" ({scope})" if scope else "")))
        if counts:
            row.append("" if k.get("count") is None else f"{k['count']:,}")
        rows.append(row)
    return (f'<section id="kpis"><h2>{t("kpis", L)}</h2>'
            + _table(head, rows, num_cols=(1,) + ((len(head) - 1,) if counts else ()))
            + "</section>")


def _money(v: float) -> str:
    return f"¥{v:,.0f}"


def _int(v: float) -> str:
    return f"{v:,.0f}"


def _forecast(p: dict) -> str:
    L = p["locale"]
    f = p.get("forecast")
    if not f:
        return ""
    weeks = f.get("weeks") or []
    labels = [str(w.get("week", i + 1)) for i, w in enumerate(weeks)]
    charts = "".join(
        svg.columns([float(w.get(key) or 0) for w in weeks], labels, title=t(key, L),
                    colour=colour, fmt=fmt)
        for key, colour, fmt in (("members", "#1c7ed6", _int), ("orders", "#0ca678", _int),
                                 ("gmv", "#e8590c", _money)))
    out = [f'<section id="forecast"><h2>{t("forecast", L)}</h2><div class="charts">{charts}</div>']
    if weeks:
        cols = [c for c in ("members", "groups", "first_orders", "orders", "gmv")
                if any(c in w for w in weeks)]
        rows = [[str(w.get("week", "")), e(w.get("start_date", ""))]
                + [(_money if c == "gmv" else _int)(float(w.get(c) or 0)) for c in cols]
                for w in weeks]
        out.append(_table([h("week_col", L), h("start", L)] + [t(c, L) for c in cols], rows,
                          num_cols=tuple(range(2, 2 + len(cols)))))
    if f.get("assumptions"):
        out.append(f"<h3>{t('assumptions', L)}</h3>")
        out.append(_table([t("name", L), t("value", L), t("unit", L), t("source", L)],
                          [[e(a.get("name", "")), e(a.get("value", "")), e(a.get("unit", "")),
                            e(a.get("source", ""))] for a in f["assumptions"]], num_cols=(1,)))
    out.append("</section>")
    return "".join(out)


def _scripts(p: dict) -> str:
    """Each task once, with its distinct messages and the days each one runs."""
    L = p["locale"]
    tasks: dict[str, list[dict]] = {}
    for x in p["calendar"]:
        tasks.setdefault(x["task"], []).append(x)
    out = [f'<section id="scripts"><h2>{t("scripts", L)}</h2>']
    for task_id, rows in tasks.items():
        first = rows[0]
        facts = [label(CHANNELS, first["channel"], L), label(SEGMENTS, first["segment"], L),
                 label(SEND_METHODS, first.get("send"), L)]
        out.append(f'<div class="script" id="task-{e(task_id)}"><h3>{e(first["action"])} '
                   f'<code>{e(task_id)}</code></h3><div class="facts">{e(" · ".join(facts))} · '
                   f'{len(rows)} × </div>')
        messages: dict[str, list[dict]] = {}
        for x in rows:
            messages.setdefault(x["message"], []).append(x)
        for message, runs in messages.items():
            days = ", ".join(f'<a href="#d{x["day"]}">{x["day"]}</a>' for x in runs[:12])
            if len(runs) > 12:
                days += f" … (+{len(runs) - 12})"
            out.append(f"<blockquote>{e(message)}</blockquote><div class=\"days\">"
                       f"{h('runs_on', L)} ({t('day', L)}): {days}</div>")
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


def _notes(p: dict) -> str:
    L = p["locale"]
    if not p.get("notes"):
        return ""
    return (f'<section id="notes"><h2>{t("notes", L)}</h2><ul>'
            + "".join(f"<li>{e(n)}</li>" for n in p["notes"]) + "</ul></section>")

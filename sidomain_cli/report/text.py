"""The ``text`` plan report: Rich tables that fit the terminal.

Rendered from the plan's dict form (``Plan.as_dict()``, the JSON contract), so fields
the planner adds (lifecycle, campaigns, stage, scope …) show when they are present.

**Width.** The caller passes the width (the terminal's, or ``COLUMNS``); no line is ever
longer. Layouts by width:

- narrow (< 100 columns): the calendar shows day, date, time, channel, action and
  activity; the channel-mix table drops disturbance;
- medium (100–139): the calendar adds the segment and the weekday;
- wide (≥ 140): the calendar adds the send method and the message (wrapped in its
  column; ``--week N`` / ``--day N`` show each script in a box of its own).

The default view ends with a short summary and the commands that show more.

**Safety.** Rich markup in any value is escaped (a brand ``[bold red]X[/]`` prints as
typed), and control characters (ESC sequences, BEL, CR) and bidi overrides are replaced
with U+FFFD, so nothing reaches the terminal raw.
"""

from __future__ import annotations

import shlex
from typing import Any

from sidomain_cli.domain import CHANNELS, MODELS, SEGMENTS, SEND_METHODS, label
from sidomain_cli.report.labels import (ACTIVITY_LABELS, ACTIVITY_SHORT, SEND_SHORT, STAGES, clean, conv,
                                        node_source, node_span, node_words, pct, t, week_of,
                                        weekday)

NARROW = 100  # below this many columns: fewer calendar columns
WIDE = 140    # from this many columns: the calendar shows message and send method
MIN_WIDTH = 40


def _rich(s) -> str:
    """A value as literal text inside Rich markup."""
    from rich.markup import escape

    return escape(clean(s))


def _one_line(s) -> str:
    return _rich(" ".join(clean(s).split()))


def _console(width: int, color: bool):
    from io import StringIO

    from rich.console import Console

    return Console(file=StringIO(), width=max(MIN_WIDTH, width), force_terminal=color,
                   color_system="auto" if color else None, highlight=False, emoji=False,
                   legacy_windows=False, soft_wrap=False)


def _activity(task: dict, L: str, short: bool) -> str:
    act = task.get("activity")
    out = label(ACTIVITY_SHORT if short else ACTIVITY_LABELS, act, L) if act else ""
    if task.get("stage") and task["stage"] != act:
        out += ("·" if out else "") + label(STAGES, task["stage"], L)
    if task.get("node"):
        out += (" " if out else "") + clean(task["node"])
    return _rich(out)


def render_text(plan, color: bool = False, width: int = 120, week: int | None = None,
                day: int | None = None, source: str | None = None, **_) -> str:
    p: dict[str, Any] = plan if isinstance(plan, dict) else plan.as_dict()
    con = _console(width, color)
    if week is not None or day is not None:
        _scripts(con, p, week=week, day=day)
    else:
        _overview(con, p, source)
    return con.file.getvalue()


# ---- the default view -------------------------------------------------------------------

def _header(con, p: dict) -> None:
    from rich.panel import Panel

    L = p["locale"]
    d = p["diagnosis"]
    title = t("plan_title", L, brand=" ".join(clean(p["brand"]).split()))
    body = (f"{t('store_type', L)}: [bold]{_rich(d['store_type'])}[/]   {t('model', L)}: [bold]"
            f"{_rich(label(MODELS, d['operating_model'], L))}[/] ({_rich(d['operating_model'])})"
            f"   {t('playbook', L)}: {_rich(p['playbook'])}\n"
            f"{t('window', L)}: {p['start_date']} +{p['days']}d ({_rich(p['timezone'])}, "
            f"quiet {_rich(p['quiet_hours'])})\n\n{_rich(d['why'])}")
    if p.get("notice"):
        body = f"[bold yellow]{_rich(p['notice'])}[/]\n\n" + body
    con.print(Panel(body, title=_rich(title), title_align="left"))


def _table(title: str):
    from rich.table import Table

    return Table(title=title, title_justify="left")


def _overview(con, p: dict, source: str | None) -> None:
    L = p["locale"]
    width = con.width
    narrow, wide = width < NARROW, width >= WIDE
    _header(con, p)

    mix = _table(t("channel_mix", L))
    cols = ["channel", "role", "share", "max_per_day"] + ([] if narrow else ["disturbance"])
    for col in cols:
        mix.add_column(t(col, L), justify="right" if col in ("share", "max_per_day") else "left")
    for c in p["channel_mix"]:
        row = [_rich(c["label"]), _rich(c["role"]), pct(c["share"]), str(c["max_per_day"])]
        mix.add_row(*row, *([] if narrow else [_rich(c["disturbance"])]))
    con.print(mix)
    if p.get("gaps"):
        con.print(f"[bold]{t('gaps', L)}[/]: " + "; ".join(
            f"{_rich(g['label'])} ({_rich(g['role'])})" for g in p["gaps"]))

    if p.get("acquisition"):
        acq = _table(t("acquisition", L))
        for col in ("touchpoint", "conversion", "how") + (("source",) if wide else ()):
            acq.add_column(t(col, L))
        for a in p["acquisition"]:
            acq.add_row(_rich(a["label"]), conv(a["conversion"]), _rich(a["how"]),
                        *([_rich(a.get("source") or "")] if wide else []))
        con.print(acq)

    k = _table(t("kpis", L))
    show_def = wide and any(row.get("definition") for row in p["kpis"])
    for col in ("metric", "target", "unit", "source") + (("definition",) if show_def else ()):
        k.add_column(t(col, L), justify="right" if col == "target" else "left")
    for row in p["kpis"]:
        cells = [_rich(row["label"]), f"{row['target']:g}", _rich(row["unit"]),
                 _rich(row["source"])]
        if show_def:
            dfn = row.get("definition") or {}
            cells.append(_rich(" / ".join(str(dfn[x]) for x in ("numerator", "denominator")
                                          if dfn.get(x))))
        k.add_row(*cells)
    con.print(k)

    if p.get("nodes"):
        _nodes(con, p, narrow=narrow)

    if p.get("lifecycle"):
        life = _table(t("lifecycle", L))
        cols = ["offset_day", "time", "channel", "action"] + ([] if narrow else ["trigger"])
        for col in cols + (["message"] if wide else []):
            life.add_column(t(col, L), overflow="fold",
                            **({"min_width": 20} if col == "message" else {}))
        for row in p["lifecycle"]:
            cells = [str(row.get("offset_day", "")), _rich(row.get("time", "")),
                     _rich(label(CHANNELS, row.get("channel"), L)), _rich(row.get("action", ""))]
            if not narrow:
                cells.append(_rich(row.get("trigger") or ""))
            if wide:
                cells.append(_one_line(row.get("message") or ""))
            life.add_row(*cells)
        con.print(life)

    _calendar(con, p, narrow=narrow, wide=wide)
    for n in p.get("notes") or ():
        _note(con, n)
    _summary(con, p, source, wide=wide)


def _nodes(con, p: dict, *, narrow: bool) -> None:
    """The calendar explained: each node's day, level, kind, tone, span, who set its level and
    whether its date is estimated; the adjusted working days; the campaigns' shape."""
    L = p["locale"]
    tab = _table(t("nodes", L))
    cols = ["date", "name", "level"] + ([] if narrow else ["kind", "tone"]) + ["why"]
    for col in cols:
        tab.add_column(t(col, L), overflow="fold")
    for n in p["nodes"]:
        day = n.get("day") or n["date"]
        why = [x for x in (node_span(n, L), node_source(n, L)) if x]
        if narrow:
            why[:0] = [node_words(n["kind"], L), node_words(n["tone"], L)]
        cells = [_rich(day), _rich(n["name"]) + (" *" if n.get("estimated") else ""),
                 _rich(n["level"])]
        if not narrow:
            cells += [_rich(node_words(n["kind"], L)), _rich(node_words(n["tone"], L))]
        tab.add_row(*cells, _rich(" · ".join(why)))
    tab.caption = t("levels_legend", L) + (
        "\n" + t("estimated_legend", L) if any(n.get("estimated") for n in p["nodes"]) else "")
    tab.caption_justify = "left"
    con.print(tab)
    if p.get("workdays"):
        _note(con, f"{t('workdays', L)} ({t('workdays_planned', L)}): " + "; ".join(
            f"{w['date']} {w['name']}" for w in p["workdays"]))
    if p.get("campaigns"):
        camp = _table(t("campaigns", L))
        for col in ("nodes", "level", "warmup", "peak", "encore"):
            camp.add_column(t(col, L), overflow="fold")
        for c in p["campaigns"]:
            camp.add_row(_rich(c["node"]), _rich(c["level"]),
                         _rich(", ".join(d[5:] for d in c.get("warmup") or [])),
                         _rich((c.get("peak") or "")[5:]),
                         _rich(", ".join(d[5:] for d in c.get("encore") or [])))
        con.print(camp)


def _note(con, note: str) -> None:
    """``· note``, folded at the width; CJK text (no spaces to wrap at) by characters."""
    import re

    from rich.cells import chop_cells

    text = " ".join(clean(note).split())
    if not re.search(r"[\u3000-\u9fff\uff00-\uffef]", text):
        con.print(f"· {_rich(text)}")
        return
    for i, line in enumerate(chop_cells(text, con.width - 2)):
        con.print(("· " if i == 0 else "  ") + _rich(line))


def _calendar(con, p: dict, *, narrow: bool, wide: bool) -> None:
    L = p["locale"]
    weeks: dict[int, list[dict]] = {}
    for task in p["calendar"]:
        weeks.setdefault(week_of(task["day"]), []).append(task)
    for w, tasks in weeks.items():
        tab = _table(f"{t('calendar', L)} · {t('week', L, n=w)}")
        cols = ["day", "date", "time", "channel"] + ([] if narrow else ["segment"]) + \
            ["action", "activity"] + (["send", "message"] if wide else [])
        for col in cols:
            # fold, not …: CJK text has no spaces to wrap at, and a cut word loses meaning
            opts: dict[str, Any] = {"overflow": "fold"}
            if col == "message":
                opts["min_width"] = 20  # the widest column: Rich narrows and wraps it first
            elif col in ("day", "time", "date"):
                opts["no_wrap"] = True
            tab.add_column(t(col, L), **opts)
        for task in tasks:
            date = task["date"] if wide else task["date"][5:]
            if not narrow:
                date += " " + weekday(task["date"], L)
            cells = [str(task["day"]), _rich(date), _rich(task["time"]),
                     _rich(label(CHANNELS, task["channel"], L))]
            if not narrow:
                cells.append(_rich(label(SEGMENTS, task["segment"], L)))
            cells += [_rich(task["action"]), _activity(task, L, short=narrow)]
            if wide:
                cells += [_rich(label(SEND_SHORT, task.get("send"), L)),
                          _one_line(task["message"])]
            tab.add_row(*cells)
        con.print(tab)


def _summary(con, p: dict, source: str | None, *, wide: bool) -> None:
    from rich.rule import Rule

    L = p["locale"]
    cal = p["calendar"]
    weeks = week_of(p["days"])
    con.print(Rule(style="dim"))
    con.print(t("summary", L, days=p["days"], tasks=len(cal), weeks=weeks,
                nodes=len(p.get("nodes") or ()),
                channels=len({x["channel"] for x in cal})))
    from rich.table import Table

    from sidomain_cli.report import FORMATS

    prof = shlex.quote(source) if source else "PROFILE"
    first_day = cal[0]["day"] if cal else 1
    cmds = [(f"sidomain plan {prof} --week 1", t("more_week", L)),
            (f"sidomain plan {prof} --day {first_day}", t("more_day", L))]
    if "html" in FORMATS:
        cmds.append((f"sidomain plan {prof} --format html -o plan.html", t("more_html", L)))
    cmds.append((f"sidomain plan {prof} --format json", t("more_json", L)))
    if not wide:
        cmds.append((f"COLUMNS={WIDE} sidomain plan {prof}", t("more_wide", L)))
    con.print(f"[bold]{t('see_more', L)}[/]:")
    if con.width < NARROW:  # the comment above its command: commands stay whole
        for cmd, what in cmds:
            con.print(f"  [dim]# {_rich(what)}[/]\n  {_rich(cmd)}")
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(style="dim")
    for cmd, what in cmds:
        grid.add_row("  " + _rich(cmd), "# " + _rich(what))
    con.print(grid)


# ---- one week or one day with the full scripts ----------------------------------------------

def _scripts(con, p: dict, *, week: int | None, day: int | None) -> None:
    from rich.panel import Panel
    from rich.rule import Rule

    L = p["locale"]
    if day is not None:
        days = [day]
        heading = t("day_n", L, n=day)
    else:
        first = (week - 1) * 7 + 1
        days = list(range(first, min(first + 6, p["days"]) + 1))
        heading = f"{t('week', L, n=week)} · {t('days_range', L, a=days[0], b=days[-1])}"
    brand = " ".join(clean(p["brand"]).split())
    con.print(f"[bold]{_rich(t('plan_title', L, brand=brand))}[/] · {_rich(heading)}")
    by_day: dict[int, list[dict]] = {}
    for task in p["calendar"]:
        by_day.setdefault(task["day"], []).append(task)
    import datetime as dt

    start = dt.date.fromisoformat(p["start_date"])
    for d in days:
        date = (start + dt.timedelta(days=d - 1)).isoformat()
        tasks = by_day.get(d, [])
        acts = sorted({_activity(x, L, short=False) for x in tasks if x.get("activity")})
        title = f"{t('day_n', L, n=d)} · {date} {weekday(date, L)}"
        if acts:
            title += " · " + " · ".join(acts)
        con.print(Rule(title, align="left"))
        if not tasks:
            con.print(f"  [dim]{t('no_tasks', L)}[/]")
        for x in tasks:
            head = f"{_rich(x['time'])} {_rich(label(CHANNELS, x['channel'], L))} · {_rich(x['action'])}"
            facts = [f"{t('segment', L)}: {_rich(label(SEGMENTS, x['segment'], L))}",
                     f"{t('send', L)}: {_rich(label(SEND_METHODS, x.get('send'), L))}"]
            if x.get("metric"):
                facts.append(f"{t('metric', L)}: {_rich(x['metric'])}")
            body = _rich(x["message"]) + f"\n[dim]{' · '.join(facts)}[/]"
            con.print(Panel(body, title=head, title_align="left"))

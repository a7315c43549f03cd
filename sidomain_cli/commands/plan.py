"""``sidomain plan``: from a brand profile to a 60-day private-domain plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import typer

from sidomain_cli.app import app


# Shell completion (sidomain_cli.completion is imported only when the shell asks).
def _complete(name: str):
    def complete(incomplete: str) -> list[str]:
        from sidomain_cli import completion

        return getattr(completion, name)(incomplete)
    return complete

PLAN_HELP = """Diagnose a brand profile and write its private-domain plan.

The plan: store type and operating model (with the reasons), channel mix, acquisition
plan, phases with north-star metrics, the day-by-day SOP calendar with rendered
message scripts, and KPI targets.

\b
Examples:
  sidomain plan examples/coffee.yaml
  sidomain plan examples/coffee.yaml --week 2         # one week with the full scripts
  sidomain plan examples/hotpot.yaml --format markdown --output hotpot-plan.md
  sidomain plan examples/apparel.yaml --format json --output - | jq '.calendar[0]'
  sidomain plan examples/jeweller.yaml --locale en --start 2027-01-04 --days 90
  sidomain plan brand.yaml --playbook tiered          # force an operating model
  sidomain plan brand.yaml --playbook my-playbook.yaml
  sidomain plan clients/ --format html --output-dir reports/   # a folder of profiles

\b
Exit codes:
  0  plan written (every plan, with several profiles)
  2  bad input (the message names file, line and field) or refused output
  130 interrupted
"""


def parse_start(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)  # its year is checked by make_plan
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date; write YYYY-MM-DD",
                                 param_hint="--start") from None


@app.command("plan", help=PLAN_HELP, no_args_is_help=True)
def plan_command(
    profiles: List[Path] = typer.Argument(..., metavar="PROFILE...",
                                          help="Brand profile YAML (see examples/); several, "
                                               "or folders of them, with --output-dir.",
                                          autocompletion=_complete("complete_yaml_path")),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      autocompletion=_complete("complete_format"),
                            help="text (tables), markdown (a report), html (the client report, one file), "
                                 "pdf (that report on A4, needs Chromium) or json (the contract)."),
    output: str = typer.Option("-", "--output", "-o",
                               help="File to write, or - for stdout (default)."),
    output_dir: Optional[Path] = typer.Option(
        None, "--output-dir", "-d", help="Plan every profile given into this existing folder: "
                                         "DIR/<profile name>.<format suffix>."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
    playbook: Optional[str] = typer.Option(
        None, "--playbook", "-p", autocompletion=_complete("complete_playbook"),
        help="Built-in playbook (community_promotion, tiered, one_on_one, online_counter) "
             "or a playbook YAML path; default: the diagnosed model."),
    method: Optional[Path] = typer.Option(
        None, "--method", help="Method file (thresholds, grid, nodes); default: built-in."),
    start: Optional[str] = typer.Option(None, "--start", help="First day, YYYY-MM-DD "
                                                              "(default: profile start_date)."),
    days: Optional[int] = typer.Option(None, "--days", min=1, max=366,
                                       help="Length of the calendar (default 60)."),
    locale: Optional[str] = typer.Option(None, "--locale", "-l",
                                         autocompletion=_complete("complete_locale"),
                                         help="zh-CN (default) or en; overrides the profile."),
    templates: Optional[List[Path]] = typer.Option(
        None, "--templates", help="Extra template folder (with zh-CN/ and en/ inside); "
                                  "its templates override the built-in ones. Repeatable."),
    encoding: Optional[str] = typer.Option(None, "--encoding",
                                           help="Read input files in this encoding "
                                                "(e.g. gb18030); default UTF-8."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color",
                                         help="Colour text output (default: on a terminal)."),
    week: Optional[int] = typer.Option(None, "--week", min=1,
                                       help="Text: show one week (1 = days 1-7) with the full "
                                            "message scripts."),
    day: Optional[int] = typer.Option(None, "--day", min=1,
                                      help="Text: show one day with the full message scripts."),
) -> int:
    from sidomain_cli.errors import InputError
    from sidomain_cli.output import check_target, write_bytes, write_text
    from sidomain_cli.planner import make_plan
    from sidomain_cli.playbook import load_method, load_playbook
    from sidomain_cli.profile import load_profile
    from sidomain_cli.report import FORMATS

    if fmt is None:  # -o plan.json picks json (it wrote the text view)
        suffix = Path(output).suffix.lower() if output != "-" else ""
        fmt = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html",
               ".htm": "html", ".pdf": "pdf"}.get(suffix, "text")
        fmt = fmt if fmt in FORMATS else "text"
    if fmt not in FORMATS:
        raise typer.BadParameter(f"'{fmt}' is not one of {', '.join(FORMATS)}",
                                 param_hint="--format")
    if locale is not None and locale not in ("zh-CN", "en"):
        raise typer.BadParameter(f"'{locale}' is not zh-CN or en", param_hint="--locale")
    if (week is not None or day is not None) and fmt != "text":
        raise typer.BadParameter("--week and --day select what the text view shows; "
                                 "drop them or use --format text", param_hint="--week/--day")
    if week is not None and day is not None:
        raise typer.BadParameter("give --week or --day, not both", param_hint="--week/--day")
    import sys

    if fmt == "pdf" and output == "-" and sys.stdout.isatty():
        raise typer.BadParameter("a PDF is binary: give a file with -o plan.pdf",
                                 param_hint="--output")
    many = output_dir is not None or len(profiles) > 1  # a lone folder: "is a folder"
    if many:
        if output_dir is None:
            raise typer.BadParameter("several profiles (or a folder) are planned into a "
                                     "folder: give --output-dir DIR", param_hint="--output-dir")
        if output != "-":
            raise typer.BadParameter("--output is for one profile; --output-dir names the "
                                     "files itself", param_hint="--output")
        if week is not None or day is not None:
            raise typer.BadParameter("--week and --day show one plan in the terminal",
                                     param_hint="--week/--day")
    elif output != "-":
        check_target(output, force=force)  # refuse before doing any work
    pb = load_playbook(playbook, encoding=encoding) if playbook else None
    meth = load_method(method, encoding=encoding) if method else None
    for d in templates or ():
        if not d.is_dir():
            raise InputError("template folder not found", path=str(d))
    start_date = parse_start(start)

    def plan_one(path: Path):
        return make_plan(load_profile(path, encoding=encoding), playbook=pb, method=meth,
                         start=start_date, days=days, locale=locale,
                         template_dirs=tuple(templates or ()))

    if many:
        def render(plan, path: Path):
            return FORMATS[fmt](plan, color=False, width=DEFAULT_WIDTH, source=str(path))
        return _plan_many(profiles, output_dir, fmt=fmt, force=force, plan_one=plan_one,
                          render=render)
    profile = profiles[0]
    plan = plan_one(profile)
    if week is not None and (week - 1) * 7 + 1 > plan.days:
        raise typer.BadParameter(f"the plan has {-(-plan.days // 7)} weeks", param_hint="--week")
    if day is not None and day > plan.days:
        raise typer.BadParameter(f"the plan has {plan.days} days", param_hint="--day")
    if color is None:
        color = output == "-" and sys.stdout.isatty()
    report = FORMATS[fmt](plan, color=color, width=text_width(output), week=week, day=day,
                          source=str(profile))
    if isinstance(report, bytes):
        write_bytes(output, report, force=force)
    else:
        write_text(output, report, force=force, document=fmt != "text")
    return 0


DEFAULT_WIDTH = 120  # text written to a file or a pipe: the same bytes whatever the terminal


def _plan_many(profiles: List[Path], output_dir: Path, *, fmt: str, force: bool, plan_one,
               render) -> int:
    """Plan each profile into ``output_dir``: progress on a terminal, a summary, exit 2 if
    any failed (the others are still written)."""
    import sys

    from sidomain_cli.batch import expand, plan_many
    from sidomain_cli.errors import OutputError

    paths = expand(profiles)
    if not output_dir.is_dir():
        raise OutputError("output folder does not exist", path=str(output_dir),
                          hint="create it first")
    bar = _Progress(len(paths)) if sys.stderr.isatty() else None
    results = []
    with bar or _nothing():
        for result in plan_many(paths, output_dir, fmt=fmt, force=force, plan_one=plan_one,
                                render=render,
                                on_start=bar.start if bar else (lambda p: None)):
            results.append(result)
            if not result.ok:
                sys.stderr.write("".join(f"sidomain: error: {line}\n"
                                         for line in result.error.splitlines()))
            if bar:
                bar.done()
    sys.stdout.write(_summary(results, text_width("-")))
    return 2 if any(not r.ok for r in results) else 0


class _Progress:
    """A progress bar on stderr naming the profile being planned (terminal only)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.progress = Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True),
                                 transient=True)
        self.task = self.progress.add_task("planning", total=total)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def start(self, path: Path) -> None:
        self.progress.update(self.task, description=path.name)

    def done(self) -> None:
        self.progress.advance(self.task)


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def _summary(results, width: int) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from sidomain_cli.safetext import one_line

    con = Console(file=StringIO(), width=max(60, width), color_system=None, highlight=False,
                  emoji=False)
    folder = escape(one_line(str(results[0].output.parent))) if results else ""
    tab = Table(title=f"{sum(r.ok for r in results)} planned, "
                      f"{sum(not r.ok for r in results)} failed, into {folder}",
                title_justify="left")
    for col in ("profile", "brand", "store type", "model", "tasks", "output / error"):
        tab.add_column(col, justify="right" if col == "tasks" else "left", overflow="fold")
    for r in results:
        first = r.error.splitlines()[0] if r.error else ""
        tab.add_row(escape(one_line(r.profile.name)), escape(one_line(r.brand)), r.store_type,
                    r.operating_model, str(r.tasks) if r.ok else "",
                    escape(one_line(r.output.name)) if r.ok else "FAILED: " + escape(first))
    con.print(tab)
    return con.file.getvalue()


def text_width(output: str) -> int:
    """Columns for the text view: ``COLUMNS`` if set, else the terminal's, else 120."""
    import os
    import shutil
    import sys

    cols = os.environ.get("COLUMNS", "").strip()
    if cols.isdigit() and int(cols) > 0:
        return int(cols)
    if output == "-" and sys.stdout.isatty():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH

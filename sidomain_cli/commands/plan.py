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

\b
Exit codes:
  0  plan written
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
    profile: Path = typer.Argument(..., metavar="PROFILE", help="Brand profile YAML (see examples/).",
                                   autocompletion=_complete("complete_yaml_path")),
    fmt: str = typer.Option("text", "--format", "-f", autocompletion=_complete("complete_format"),
                            help="text (tables), markdown (a report), html (the client report, one file), "
                                 "pdf (that report on A4, needs Chromium) or json (the contract)."),
    output: str = typer.Option("-", "--output", "-o",
                               help="File to write, or - for stdout (default)."),
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
) -> None:
    from sidomain_cli.errors import InputError
    from sidomain_cli.output import check_target, write_bytes, write_text
    from sidomain_cli.planner import make_plan
    from sidomain_cli.playbook import load_method, load_playbook
    from sidomain_cli.profile import load_profile
    from sidomain_cli.report import FORMATS

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
    if output != "-":
        check_target(output, force=force)  # refuse before doing any work
    prof = load_profile(profile, encoding=encoding)
    pb = load_playbook(playbook, encoding=encoding) if playbook else None
    meth = load_method(method, encoding=encoding) if method else None
    for d in templates or ():
        if not d.is_dir():
            raise InputError("template folder not found", path=str(d))
    plan = make_plan(prof, playbook=pb, method=meth, start=parse_start(start), days=days,
                     locale=locale, template_dirs=tuple(templates or ()))
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
        write_text(output, report, force=force)


DEFAULT_WIDTH = 120  # text written to a file or a pipe: the same bytes whatever the terminal


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

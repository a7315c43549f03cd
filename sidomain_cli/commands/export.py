"""``sidomain export``: the plan's SOP calendar as ICS, CSV, XLSX, JSON, JSON Lines or WeCom
API calls."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from sidomain_cli.app import app

EXPORT_HELP = """Export the SOP calendar `sidomain plan` computes, for calendar apps,
spreadsheets and SCRM tools — for one brand, or with --stores for every group of
every store in a chain.

Formats: ics (calendar apps: stable UIDs, so re-importing updates events instead of
duplicating them), csv (Excel on Chinese Windows: UTF-8 with BOM, formula-safe),
xlsx (calendar sheet + summary sheet), json (the plan contract's calendar), jsonl
(one row a line, for big exports), wecom (one WeCom server API call a line:
add_msg_template, add_moment_task, welcome messages; staff reminders and non-WeCom
sends as sidomain/... lines). Without --format the output's suffix decides
(.wecom.jsonl is wecom).

With --stores STORES.csv (columns store_id, name, city, owner, groups, optional
launch_date, wave, staff) every store's groups get their own calendar of group tasks
starting on the store's launch date (or --start + (wave-1) x --wave-gap days); moments
and 1v1 tasks go once to each staff account (the staff column: one name or several
separated by ';', else the owner), merged over its stores within its caps. Every row
and event carries store and group ids and the sending account. ICS then goes out as
one file per owner or account into a folder or a .zip, with an index.csv.

\b
Examples:
  sidomain export examples/coffee.yaml -f ics -o coffee.ics
  sidomain export examples/coffee.yaml -f csv -o coffee.csv
  sidomain export examples/coffee.yaml -o coffee.xlsx
  sidomain export examples/coffee.yaml -f json -o - | jq '.[0]'
  sidomain export examples/coffee.yaml --stores examples/stores.csv -o chain.jsonl
  sidomain export examples/coffee.yaml --stores examples/stores.csv -f ics -o owners.zip
  sidomain export examples/coffee.yaml --stores examples/stores.csv -o chain.wecom.jsonl
  sidomain export examples/coffee.yaml -f ics -o coffee.ics --force   # after a change
  sidomain export examples/coffee.yaml -f ics -o coffee.ics --alarm 30

\b
Writing is atomic; an existing output is replaced only with --force. Re-exporting an
ICS file over the earlier one (--force) or naming it with --previous keeps unchanged
events byte-identical, gives changed ones SEQUENCE+1 and a new DTSTAMP, and writes
events that left the plan as STATUS:CANCELLED so a re-import removes them.
SOURCE_DATE_EPOCH, if set, is used as the time stamp.

\b
Exit codes:
  0  exported
  2  bad input (the message names file, line and field) or refused output
  130 interrupted
"""

PROGRESS_MIN_ROWS = 20_000


def _infer_format(output: str, stores: Optional[Path]) -> str:
    from sidomain_cli.exporters import FORMATS

    name = Path(output).name.lower() if output != "-" else ""
    for f in sorted(FORMATS.values(), key=lambda f: -len(f.suffix)):  # .wecom.jsonl first
        if name.endswith(f.suffix):
            return f.name
    suffix = Path(output).suffix.lower() if output != "-" else ""
    if stores is not None and output != "-" and (suffix == ".zip" or not suffix):
        return "ics"
    raise typer.BadParameter("give --format (" + ", ".join(FORMATS) + "); it cannot be "
                             "told from the output name", param_hint="--format")


def _epoch() -> Optional[int]:
    import datetime as dt
    import os

    from sidomain_cli.errors import InputError

    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return None
    from sidomain_cli.safetext import one_line
    from sidomain_cli.spec import LAST_YEAR

    shown = one_line(value if len(value) <= 40 else value[:40] + "…")
    try:
        seconds = int(value) if len(value) <= 40 else None
    except ValueError:
        seconds = None
    if seconds is None:
        raise InputError(f"SOURCE_DATE_EPOCH is '{shown}', not a number of seconds")
    # the stamps of a calendar: from 1970 (what the variable counts from) to its last year
    last = int(dt.datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc).timestamp())
    if not 0 <= seconds <= last:
        raise InputError(f"SOURCE_DATE_EPOCH is {shown}, outside 0-{last} (1970-{LAST_YEAR})",
                         hint="give seconds since 1970-01-01 UTC, e.g. the last commit's "
                              "time: git log -1 --format=%ct")
    return seconds


class _Bar:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.progress = Progress("[progress.description]{task.description}", BarColumn(),
                                 MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
        self.task = self.progress.add_task("exporting", total=total)

    def __enter__(self):
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *exc) -> None:
        self.progress.stop()


@app.command("export", help=EXPORT_HELP, no_args_is_help=True)
def export_command(
    profile: Path = typer.Argument(..., metavar="PROFILE", help="Brand profile YAML (see examples/)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="ics, csv, xlsx, json, jsonl or wecom "
                                           "(default: from the output's suffix)."),
    output: str = typer.Option("-", "--output", "-o",
                               help="File to write, or - for stdout (not for xlsx). With "
                                    "--stores and ics: a folder or a .zip."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output."),
    stores: Optional[Path] = typer.Option(None, "--stores", "-s", metavar="STORES.csv",
                                          help="Chain rollout: one calendar per group of "
                                               "every store in this CSV."),
    wave_gap: int = typer.Option(7, "--wave-gap", min=0, max=365,
                                 help="Days between rollout waves (stores without "
                                      "launch_date)."),
    header: str = typer.Option("labels", "--header",
                               help="CSV/XLSX header row: labels (the plan's language) or "
                                    "ids (the contract's field names, for machines)."),
    duration: int = typer.Option(15, "--duration", min=1, max=1440,
                                 help="ICS: minutes each task event lasts."),
    alarm: Optional[int] = typer.Option(
        None, "--alarm", metavar="MINUTES", min=0, max=7 * 24 * 60,
        help="ICS: remind the staff member this many minutes before each task (VALARM)."),
    ids: Optional[Path] = typer.Option(
        None, "--ids", metavar="IDS.csv",
        help="wecom: a CSV placeholder,id mapping senders (owner names), group ids "
             "(SH001-G01) and segment:<segment> tags to WeCom userids, chat ids and tag "
             "ids; what it does not map stays a placeholder."),
    assets: Optional[Path] = typer.Option(
        None, "--assets", metavar="ASSETS.csv",
        help="wecom: a CSV of the attachments tasks send (task, msgtype image|link|"
             "miniprogram|video|file, asset, title, url, desc, appid, page, date); media "
             "stay asset references to upload before each call."),
    previous: Optional[Path] = typer.Option(
        None, "--previous", help="ICS: an earlier export (file, folder or zip) to continue "
                                 "SEQUENCE from (default: the output being replaced)."),
    playbook: Optional[str] = typer.Option(
        None, "--playbook", "-p",
        help="Built-in playbook or a playbook YAML path; default: the diagnosed model."),
    method: Optional[Path] = typer.Option(None, "--method", help="Method file; default: built-in."),
    start: Optional[str] = typer.Option(None, "--start", help="First day, YYYY-MM-DD "
                                                              "(default: profile start_date)."),
    days: Optional[int] = typer.Option(None, "--days", min=1, max=366,
                                       help="Length of the calendar (default 60)."),
    locale: Optional[str] = typer.Option(None, "--locale", "-l",
                                         help="zh-CN (default) or en; overrides the profile."),
    templates: Optional[List[Path]] = typer.Option(
        None, "--templates", help="Extra template folder overriding built-ins. Repeatable."),
    encoding: Optional[str] = typer.Option(None, "--encoding",
                                           help="Read input files in this encoding, e.g. "
                                                "gb18030; default UTF-8."),
    stores_encoding: Optional[str] = typer.Option(
        None, "--stores-encoding", help="Encoding of the stores CSV (Excel on Chinese "
                                        "Windows saves gb18030); default: --encoding, "
                                        "else UTF-8."),
) -> None:
    import datetime as dt
    import sys

    from sidomain_cli.commands.plan import parse_start
    from sidomain_cli.errors import InputError, OutputError
    from sidomain_cli.exporters import FORMATS
    from sidomain_cli.exporters.sinks import check_folder, is_zip
    from sidomain_cli.output import check_target

    fmt = fmt or _infer_format(output, stores)
    if fmt not in FORMATS:
        raise typer.BadParameter(f"'{fmt}' is not one of {', '.join(FORMATS)}",
                                 param_hint="--format")
    if locale is not None and locale not in ("zh-CN", "en"):
        raise typer.BadParameter(f"'{locale}' is not zh-CN or en", param_hint="--locale")
    spec = FORMATS[fmt]
    if previous is not None and fmt != "ics":
        raise typer.BadParameter("only ICS has an earlier version to continue from",
                                 param_hint="--previous")
    if header not in ("labels", "ids"):
        raise typer.BadParameter(f"'{header}' is not labels or ids", param_hint="--header")
    if alarm is not None and fmt != "ics":
        raise typer.BadParameter("only ICS events have alarms", param_hint="--alarm")
    if ids is not None and fmt != "wecom":
        raise typer.BadParameter("only the wecom format has ids to map", param_hint="--ids")
    if assets is not None and fmt != "wecom":
        raise typer.BadParameter("only the wecom format has attachments",
                                 param_hint="--assets")
    per_owner = fmt == "ics" and stores is not None
    # Refuse before doing any work.
    if output == "-":
        if per_owner:
            raise OutputError("with --stores, ICS is one file per owner: give --output a "
                              "folder or a .zip", path="-")
        if not spec.stdout:
            raise OutputError(f"{fmt} cannot go to stdout", path="-",
                              hint=f"give --output a file name ending in {spec.suffix}")
    elif per_owner:
        if output.lower().endswith(".ics"):
            raise OutputError("with --stores, ICS is one file per owner: give a folder or a "
                              ".zip, not a .ics file", path=output)
        if is_zip(output):
            check_target(output, force=force)
        else:
            check_folder(output, force=force)
    else:
        check_target(output, force=force)
    epoch = _epoch()

    from sidomain_cli.exporters.stores import ExportSource, load_stores
    from sidomain_cli.playbook import load_method, load_playbook
    from sidomain_cli.profile import load_profile

    prof = load_profile(profile, encoding=encoding)
    pb = load_playbook(playbook, encoding=encoding) if playbook else None
    meth = load_method(method, encoding=encoding) if method else None
    for d in templates or ():
        if not d.is_dir():
            raise InputError("template folder not found", path=str(d))
    store_list = load_stores(stores, encoding=stores_encoding or encoding) if stores is not None else None
    source = ExportSource(prof, playbook=pb, method=meth, start=parse_start(start), days=days,
                          locale=locale, template_dirs=tuple(templates or ()),
                          stores=store_list, wave_gap=wave_gap)

    options: dict = {"duration": duration, "epoch": epoch,
                     "now": (dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
                             if epoch is None else None)}
    if fmt in ("csv", "xlsx"):
        options["header"] = header
    if ids is not None:
        from sidomain_cli.exporters.wecom import load_ids

        options["ids"] = load_ids(ids, encoding=encoding)
    if assets is not None:
        from sidomain_cli.exporters.wecom import load_assets

        options["assets"] = load_assets(assets, encoding=encoding)
        options["assets"].check_tasks({t.task for t in source.plan.calendar}
                                      | {t.task for t in source.plan.lifecycle})
    if fmt == "ics":
        options["alarm"] = alarm
        earlier_path = str(previous) if previous else (output if force and output != "-"
                                                       else None)
        if previous is not None and not previous.exists():
            raise InputError("earlier export not found", path=str(previous))
        if per_owner:
            from sidomain_cli.exporters.sinks import EarlierFiles

            options["earlier"] = EarlierFiles(earlier_path)
        elif earlier_path and Path(earlier_path).is_file():
            from sidomain_cli.exporters.ics import file_opener

            options["earlier"] = file_opener(earlier_path)

    _write(source, fmt, spec, output, force, per_owner, options)
    # what the staff accounts' caps left out or demoted, in the planner's words
    for line in source.notes() if source.rollout else ():
        sys.stderr.write(f"sidomain: note: {line}\n")


def _write(source, fmt: str, spec, output: str, force: bool, per_owner: bool,
           options: dict) -> None:
    import contextlib
    import sys

    from sidomain_cli.output import atomic_open

    show = sys.stderr.isatty() and source.row_count() >= PROGRESS_MIN_ROWS
    bar = _Bar(source.total_units) if show else contextlib.nullcontext(None)
    with bar as progress:
        if per_owner:
            from sidomain_cli.exporters.ics import write_owner_files
            from sidomain_cli.exporters.sinks import open_sink

            with open_sink(output, force=force) as sink:
                write_owner_files(source, sink, progress=progress, **options)
            return
        write = spec.load()
        if output == "-":
            sys.stdout.flush()
            write(source, sys.stdout.buffer, progress=progress, **options)
            sys.stdout.buffer.flush()
            return
        with contextlib.ExitStack() as stack:
            if fmt == "xlsx":
                from sidomain_cli.output import scratch_dir

                options["scratch"] = stack.enter_context(scratch_dir(output))
            fh = stack.enter_context(atomic_open(output, force=force, binary=True))
            write(source, fh, progress=progress, **options)

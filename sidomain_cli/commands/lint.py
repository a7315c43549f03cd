"""``sidomain lint``, ``sidomain rules`` and ``sidomain schema``.

Only typer is imported at module level: the linter is imported when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from sidomain_cli.app import app

LINT_HELP = """Check playbooks, brand profiles and message templates like code.

Finds YAML files and Jinja templates under PATH (default: the current folder), decides
each file's kind by its content (`kind: playbook`, `kind: method`, or profile fields;
other YAML is skipped) and reports every finding as `path:line:col: CODE message`,
pointing at the key or template line to edit. `sidomain rules` lists the rules.

Mark a deliberate exception on its line with `# sidomain: disable=C001` (YAML) or
`{# sidomain: disable=C001 #}` (templates); a comment alone on a line also covers the
next line.

\b
Examples:
  sidomain lint                                   # everything under the current folder
  sidomain lint playbooks/mine.yaml templates/    # some files and folders
  sidomain lint --select P,T --ignore P002        # playbook and template rules, not P002
  sidomain lint --format sarif -o lint.sarif      # for GitHub code scanning
  sidomain lint --format json | jq '.[].code'
  sidomain lint --bulk-cap 4 --terms our-terms.yaml

\b
Exit codes:
  0  no findings (or --exit-zero)
  1  findings
  2  usage error or an input that cannot be read
"""

RULES_HELP = """List the lint rules, or show one rule's documentation.

\b
Examples:
  sidomain rules          # every rule: code, name, severity, summary
  sidomain rules P003     # what it checks, why, a failing and a passing example
  sidomain rules C        # every rule of a family (S, B, P, T, C)
"""

SCHEMA_HELP = """Print the JSON Schema of a sidomain file or of sidomain's JSON output.

Inputs, for editors: profile, playbook, method, terms, pack. Save the schema and point
the YAML language server (VS Code's YAML extension, Neovim …) at it for completion and
checks as you type.

Outputs, for the tools that read them (draft 2020-12, generated from the planner's own
types): plan (`sidomain plan --format json`), export-row (a line of `export --format
jsonl`, an element of `--format json`, with or without --stores), wecom-line (a line of
`export --format wecom`: a WeCom API call).

\b
Examples:
  sidomain schema playbook > playbook.schema.json
  sidomain schema profile -o profile.schema.json
  # then, first line of a playbook:
  # yaml-language-server: $schema=./playbook.schema.json
  sidomain schema plan -o plan.schema.json
  sidomain schema export-row -o export-row.schema.json
  sidomain schema wecom-line -o wecom-line.schema.json
"""

INPUT_KINDS = ("profile", "playbook", "method", "terms", "pack")


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(s.strip().upper() for s in v.split(",") if s.strip())
    return tuple(out)


def _quiet(value: str) -> tuple[int, int]:
    import re

    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", value)
    if not m or m.group(1, 2) == m.group(3, 4):
        raise typer.BadParameter(f"'{value}' is not a range like 22:00-08:00",
                                 param_hint="--quiet-hours")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    return (h1 * 60 + m1, h2 * 60 + m2)


@app.command("lint", help=LINT_HELP)
def lint_command(
    paths: Optional[List[Path]] = typer.Argument(None, metavar="[PATH]...",
                                                 help="Files or folders (default: .)."),
    fmt: str = typer.Option("auto", "--format", "-f",
                            help="auto (github inside GitHub Actions, else text), text, json, "
                                 "github or sarif."),
    output: str = typer.Option("-", "--output", "-o", help="File to write, or - for stdout."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
    select: Optional[List[str]] = typer.Option(
        None, "--select", help="Only these codes or prefixes (comma-separated, repeatable)."),
    ignore: Optional[List[str]] = typer.Option(
        None, "--ignore", help="Skip these codes or prefixes (comma-separated, repeatable)."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even with findings."),
    bulk_cap: int = typer.Option(1, "--bulk-cap", min=1, max=31,
                                 help="WeCom company bulk sends a day to one customer or group "
                                      "(your admin's setting; default 1)."),
    moments_cap: int = typer.Option(3, "--moments-cap", min=1, max=20,
                                    help="Moments posts a day (default 3)."),
    quiet_hours: str = typer.Option("22:00-08:00", "--quiet-hours",
                                    help="No task inside these hours (default 22:00-08:00)."),
    templates: Optional[List[Path]] = typer.Option(
        None, "--templates", help="Extra template folder (with zh-CN/ and en/ inside). "
                                  "Repeatable."),
    terms: Optional[List[Path]] = typer.Option(
        None, "--terms", help="Extra banned-terms file (kind: compliance; terms, allow). "
                              "Repeatable."),
    locale: Optional[List[str]] = typer.Option(
        None, "--locale", "-l", help="Check templates for these locales (default: zh-CN and en)."),
    encoding: Optional[str] = typer.Option(None, "--encoding",
                                           help="Read inputs in this encoding (default UTF-8)."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color",
                                         help="Colour text output (default: on a terminal)."),
) -> None:
    import os
    import sys

    from sidomain_cli.domain import LOCALES
    from sidomain_cli.lint import LintOptions, lint_paths
    from sidomain_cli.lint.formats import FORMATS
    from sidomain_cli.lint.rules import valid_selector

    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if fmt not in FORMATS:
        raise typer.BadParameter(f"'{fmt}' is not one of auto, {', '.join(FORMATS)}",
                                 param_hint="--format")
    sel, ign = _split(select), _split(ignore)
    for opt, values in (("--select", sel), ("--ignore", ign)):
        bad = [v for v in values if not valid_selector(v)]
        if bad:
            raise typer.BadParameter(f"'{bad[0]}' matches no rule (see `sidomain rules`)",
                                     param_hint=opt)
    for loc in locale or ():
        if loc not in LOCALES:
            raise typer.BadParameter(f"'{loc}' is not one of {', '.join(LOCALES)}",
                                     param_hint="--locale")
    for d in templates or ():
        if not d.is_dir():
            raise typer.BadParameter(f"'{d}' is not a folder", param_hint="--templates")
    if output != "-":
        from sidomain_cli.output import check_target

        check_target(output, force=force)  # refuse before doing any work
    options = LintOptions(select=sel, ignore=ign, bulk_cap=bulk_cap, moments_cap=moments_cap,
                          quiet_hours=_quiet(quiet_hours), template_dirs=tuple(templates or ()),
                          terms_files=tuple(terms or ()), locales=tuple(locale or LOCALES),
                          encoding=encoding)
    result = lint_paths(paths or [Path(".")], options)
    if color is None:
        color = (output == "-" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    text = FORMATS[fmt](color=color).render(result)
    from sidomain_cli.output import write_text

    write_text(output, text, force=force, document=fmt != "text")
    for err in result.errors:
        sys.stderr.write(f"sidomain: error: {err.format()}\n")
    if result.errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if result.problems and not exit_zero else 0)


@app.command("rules", help=RULES_HELP)
def rules_command(
    code: Optional[str] = typer.Argument(None, metavar="[CODE]",
                                         help="A rule code (P003) or family prefix (P)."),
) -> None:
    import difflib

    from sidomain_cli.lint.rules import FAMILIES, all_rules

    rules = all_rules()
    if code is None:
        lines = []
        for fam, title in FAMILIES.items():
            lines.append(f"{fam}  {title}")
            for r in rules.values():
                if r.code.startswith(fam):
                    lines.append(f"  {r.code}  {r.name:<28} {r.severity:<8} {r.summary}")
        lines.append("\n`sidomain rules CODE` shows what a rule checks, why, and examples.")
        typer.echo("\n".join(lines))
        return
    code = code.upper()
    if code in rules:
        r = rules[code]
        typer.echo(f"{r.code} {r.name} ({r.severity}; checks: {', '.join(r.kinds) or 'YAML'})\n")
        typer.echo(r.doc.split("\n", 1)[1].strip("\n") if "\n" in r.doc else r.doc)
        return
    family = [r for c, r in rules.items() if c.startswith(code)]
    if family:
        typer.echo("\n".join(f"{r.code}  {r.name:<28} {r.severity:<8} {r.summary}"
                             for r in family))
        return
    near = difflib.get_close_matches(code, list(rules), n=1)
    raise typer.BadParameter(f"no rule '{code}'" + (f"; did you mean {near[0]}?" if near else ""),
                             param_hint="CODE")


@app.command("schema", help=SCHEMA_HELP, no_args_is_help=True)
def schema_command(
    kind: str = typer.Argument(..., metavar="KIND",
                               help="profile, playbook, method, terms, pack (inputs); plan, "
                                    "export-row, wecom-line (outputs)."),
    output: str = typer.Option("-", "--output", "-o", help="File to write, or - for stdout."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
) -> None:
    import json

    from sidomain_cli.lint.schema import OUTPUTS, json_schema

    kinds = INPUT_KINDS + tuple(OUTPUTS)
    if kind not in kinds:
        raise typer.BadParameter(f"'{kind}' is not one of {', '.join(kinds)}",
                                 param_hint="KIND")

    text = json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"
    from sidomain_cli.output import check_target, write_text

    if output != "-":
        check_target(output, force=force)
    write_text(output, text, force=force)

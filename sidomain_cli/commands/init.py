"""``sidomain init``: write a brand profile from a few questions (or flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sidomain_cli.app import app

INIT_HELP = """Write a brand profile (a commented YAML file) from a few questions.

Asks, in Chinese (default) or English (--locale en), for the brand, the trade, the
average ticket, purchases a month (a number, or low/mid/high), the touchpoints (a
checklist), stores and the start date. Every question has a flag; --yes takes the
defaults for the rest, so it also runs without a terminal. Answers may be piped, one a
line. It never replaces a file without --force. The profile it writes is one that
`sidomain plan` and `sidomain lint` accept.

\b
Examples:
  sidomain init                                   # asks, writes brand.yaml
  sidomain init coffee.yaml --brand 熊猫咖啡 --industry 咖啡 --avg-ticket 28 \\
      --purchases 6 --touchpoints wecom_group,wecom_moments,store_qr --stores 120 --yes
  sidomain init shop.yaml --locale en --yes --brand "Lotus Tea"
  printf '熊猫咖啡\\n咖啡\\n28\\n6\\n\\n120\\n2026-12-01\\n' | sidomain init coffee.yaml

\b
Exit codes:
  0  profile written
  2  bad answer or flag, or the file exists (pass --force)
"""


@app.command("init", help=INIT_HELP)
def init_command(
    path: Path = typer.Argument(Path("brand.yaml"), metavar="[PATH]",
                                help="Profile to write (default brand.yaml)."),
    brand: Optional[str] = typer.Option(None, "--brand", help="Brand name as customers know it."),
    industry: Optional[str] = typer.Option(None, "--industry",
                                           help="Trade, free text: 咖啡, 火锅, apparel …"),
    avg_ticket: Optional[str] = typer.Option(None, "--avg-ticket",
                                             help="Average ticket in CNY, or low|mid|high."),
    purchases: Optional[str] = typer.Option(None, "--purchases",
                                            help="Purchases per customer a month, or "
                                                 "low|mid|high."),
    touchpoints: Optional[str] = typer.Option(None, "--touchpoints",
                                              help="Comma-separated touchpoint ids "
                                                   "(wecom_group,store_qr …)."),
    stores: Optional[int] = typer.Option(None, "--stores", min=1, max=1_000_000,
                                         help="Number of stores."),
    start_date: Optional[str] = typer.Option(None, "--start-date",
                                             help="First day of the plan, YYYY-MM-DD "
                                                  "(default: next Monday)."),
    locale: str = typer.Option("zh-CN", "--locale", "-l",
                               help="zh-CN or en: the questions and the plan's language."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Take the default for every question "
                                                       "not given as a flag; ask nothing."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
) -> int:
    import sys

    from sidomain_cli.init import Answers, ask_missing, check_answers, next_steps, profile_text
    from sidomain_cli.output import check_target, write_text

    if locale not in ("zh-CN", "en"):
        raise typer.BadParameter(f"'{locale}' is not zh-CN or en", param_hint="--locale")
    check_target(path, force=force)  # refuse before asking anything
    given = Answers(brand=brand, industry=industry, avg_ticket=avg_ticket, purchases=purchases,
                    touchpoints=touchpoints, stores=stores, start_date=start_date)
    answers = check_answers(given, locale)  # a bad flag is a usage error, before any question
    if not yes:
        answers = ask_missing(answers, locale, sys.stdin, sys.stderr)
    text = profile_text(answers.with_defaults(locale), locale, path=str(path))
    write_text(str(path), text, force=force)
    sys.stderr.write(next_steps(str(path), locale))
    return 0

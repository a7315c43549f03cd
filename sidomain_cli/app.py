"""The Typer application object; commands register themselves on it.

Only typer is imported here: every command imports what it needs when it runs,
so ``sidomain --version`` stays as fast as ``import typer``.
"""

from __future__ import annotations

from typing import Optional

import typer

from sidomain_cli import __version__

HELP = """Plan private-domain (私域) operations for Chinese retail brands.

From a brand profile (YAML) sidomain diagnoses the store type and operating model
and writes the plan: channel mix, 60-day group SOP calendar, message scripts (话术)
and KPI targets.

\b
Examples:
  sidomain plan examples/coffee.yaml                  # the plan in the terminal
  sidomain plan brand.yaml --format markdown -o plan.md
  sidomain plan brand.yaml --format json --output -   # the machine contract
  sidomain export brand.yaml --format ics -o sop.ics  # calendars for store managers
  sidomain lint .                                     # check playbooks, profiles, templates

Run `sidomain COMMAND --help` for each command's options and examples.
"""

app = typer.Typer(
    name="sidomain",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sidomain {__version__}")
        raise typer.Exit()


def _shell(value: str, option: str) -> str:
    from sidomain_cli.completion import SHELLS, detect_shell

    shell = detect_shell() if value == "auto" else value
    if shell not in SHELLS:
        raise typer.BadParameter(
            f"'{value if value != 'auto' else 'your shell'}' is not one of {', '.join(SHELLS)}"
            + ("; set SHELL, or save the script yourself: "
               "sidomain --show-completion bash > FILE" if value == "auto" else ""),
            param_hint=option)
    return shell


def _show_completion(value: Optional[str]) -> None:
    if value:
        from sidomain_cli.completion import script

        typer.echo(script(_shell(value, "--show-completion")), nl=False)
        raise typer.Exit()


def _install_completion(value: bool) -> None:
    if value:
        from sidomain_cli.completion import install

        shell = _shell("auto", "--install-completion")
        path, extra = install(shell)
        typer.echo(f"{shell} completion installed in {path}" + (f"\n{extra}" if extra else "")
                   + "\nIt takes effect in a new shell.", err=True)
        raise typer.Exit()


@app.callback()
def root(
    version: Optional[bool] = typer.Option(None, "--version", "-V", callback=_version,
                                           is_eager=True, help="Print the version and exit."),
    show_completion: Optional[str] = typer.Option(
        None, "--show-completion", metavar="SHELL", callback=_show_completion, is_eager=True,
        expose_value=False, help="Print the completion script for bash, zsh or fish."),
    install_completion: bool = typer.Option(
        False, "--install-completion", callback=_install_completion, is_eager=True,
        expose_value=False, help="Install completion for your shell ($SHELL: bash, zsh or "
                                 "fish)."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
) -> None:
    """Plan private-domain (私域) operations for Chinese retail brands."""
    state["debug"] = debug

"""The command line: one error boundary around every command.

``run()`` returns the exit code: 0 success, 1 findings (lint), 2 bad input or usage,
130 interrupted.  A traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import os
import sys

from sidomain_cli.app import app, state

INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
TERMINATED = 143   # 128 + SIGTERM

# Each import registers its commands on ``app`` (each module imports only typer),
# in the order ``sidomain --help`` lists them.
from sidomain_cli.commands import init  # noqa: F401,E402,I001
from sidomain_cli.commands import plan  # noqa: F401,E402,I001
from sidomain_cli.commands import export  # noqa: F401,E402,I001
from sidomain_cli.commands import lint  # noqa: F401,E402,I001


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def run(argv: list[str] | None = None) -> int:
    import typer

    args = sys.argv[1:] if argv is None else list(argv)
    state["debug"] = "--debug" in args
    if "_SIDOMAIN_COMPLETE" in os.environ:  # the shell asks for completions
        from typer._completion_classes import completion_init

        completion_init()  # registers bash/zsh/fish (add_completion=False skips it)
    command = typer.main.get_command(app)
    state["signal"] = None
    _console_replaces()
    previous = _on_sigterm()
    try:
        return _run(command=command, args=args)
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _console_replaces() -> None:
    """Text for a person at the console: what its encoding cannot show is replaced (a
    console or redirect in GBK or ASCII raised UnicodeEncodeError on --help, lint, rules).
    Documents do not pass here: output.write_text writes them as UTF-8 bytes."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, timeout, docker stop, a cancelled CI job), handled like Ctrl-C: every
    open output removes its temporary file or folder on the way out."""


def _on_sigterm():
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        state["signal"] = signum
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError, AttributeError):
        return None


def _run(command, args: list[str]) -> int:
    from sidomain_cli.errors import SidomainError

    try:
        try:
            result = command.main(args=args, prog_name="sidomain", standalone_mode=False)
        except SystemExit as exc:
            # typer turns a broken stdout pipe into sys.exit(1) even outside standalone mode
            if _is_broken_pipe(exc.__context__):
                _silence_stdout()
                return 0
            raise
    except SidomainError as exc:
        if state["debug"]:
            import traceback

            traceback.print_exc()
        _err(f"sidomain: error: {exc.format()}")
        return exc.exit_code
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): not an error of ours
        _silence_stdout()
        return 0
    except Exception as exc:  # click/typer usage errors, Abort, and genuine bugs
        if _is_broken_pipe(exc):
            _silence_stdout()
            return 0
        code = _click_exception(exc)
        if code is not None:
            return code
        import traceback

        if state["debug"]:
            traceback.print_exc()
        else:
            _err(f"sidomain: internal error: {type(exc).__name__}: {exc}\n"
                 "This is a bug in sidomain; run again with --debug and report the traceback.")
        return 70
    if result == INTERRUPTED:
        # typer catches KeyboardInterrupt itself and returns Exit(130)'s code silently
        return _interrupted()
    if isinstance(result, int):
        return result
    return 0


def _interrupted() -> int:
    if state.get("signal"):
        _err("sidomain: terminated")
        return TERMINATED
    _err("sidomain: interrupted")
    return INTERRUPTED


def _is_broken_pipe(exc: BaseException | None) -> bool:
    import errno

    return isinstance(exc, OSError) and exc.errno == errno.EPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _click_exception(exc: Exception) -> int | None:
    """Handle typer/click's own exceptions (they live in a vendored click in typer 0.28)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "Abort" in names:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return _interrupted()
        _err("sidomain: aborted")
        return INTERRUPTED
    if "Exit" in names and hasattr(exc, "exit_code"):
        return int(exc.exit_code)
    if "ClickException" in names and hasattr(exc, "show"):
        exc.show(file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    return None

"""A headless Chromium, for ``plan --format pdf`` and for screenshots of the HTML report.

The browser is found as ``$SIDOMAIN_BROWSER``, else the first of ``chromium``,
``chromium-browser``, ``google-chrome`` on ``PATH``. Each run gets a fresh profile folder
(so runs in parallel do not share one) and a time limit. Missing or failing, it is an
:class:`~sidomain_cli.errors.InputError` that says what to install (exit 2).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sidomain_cli.errors import InputError

NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 120  # seconds
# Chromium's PDF carries the wall clock twice; we write a fixed date of the same length.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


def find_browser() -> str | None:
    env = os.environ.get("SIDOMAIN_BROWSER")
    if env:
        return shutil.which(env) or (env if Path(env).is_file() else None)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_browser(html_file: Path, *flags: str) -> subprocess.CompletedProcess:
    exe = find_browser()
    if exe is None:
        raise InputError("no headless browser found for this format",
                         hint="install Chromium (Debian: apt-get install chromium) or set "
                              "SIDOMAIN_BROWSER; --format html needs no browser")
    with tempfile.TemporaryDirectory(prefix="sidomain-browser-") as profile:
        cmd = [exe, "--headless", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={profile}", *flags, html_file.resolve().as_uri()]
        if getattr(os, "geteuid", lambda: -1)() == 0:
            cmd.insert(2, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            return subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise InputError(f"the browser took longer than {TIMEOUT} s", path=exe) from None
        except OSError as exc:
            raise InputError(f"cannot run the browser: {exc.strerror or exc}", path=exe) from None


def html_to_pdf(html: str, date_stamp: str = "20000101000000") -> bytes:
    """Print ``html`` to an A4 PDF (the report's print stylesheet); fixed dates inside."""
    from sidomain_cli.output import write_text

    with tempfile.TemporaryDirectory(prefix="sidomain-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        write_text(str(src), html, force=True)
        out = Path(tmp) / "report.pdf"
        proc = run_browser(src, "--no-pdf-header-footer", f"--print-to-pdf={out}")
        if not out.is_file() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise InputError("the browser did not write the PDF" +
                             (f": {tail[0]}" if tail else ""))
        data = out.read_bytes()
    stamp = date_stamp.encode("ascii")
    return _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + stamp + b"+00'00')", data)


def screenshot(html_file: Path, png: Path, *, width: int = 1280, height: int = 2000) -> str:
    """Save a PNG of ``html_file``; returns the browser's log (console messages included)."""
    proc = run_browser(html_file, f"--window-size={width},{height}", f"--screenshot={png}",
                       "--enable-logging=stderr", "--v=0")
    return proc.stderr.decode("utf-8", "replace")


def dump_dom(html_file: Path) -> tuple[str, str]:
    """The DOM after load (serialised) and the browser's log (console messages included)."""
    proc = run_browser(html_file, "--dump-dom", "--enable-logging=stderr", "--v=0")
    return proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def console_messages(log: str) -> list[str]:
    """The page's console messages (errors, CSP refusals) in a Chromium log."""
    return [line for line in log.splitlines() if ":CONSOLE" in line]

"""Regenerate docs/report.png, the README's screenshot of `sidomain plan --format html`.

    python scripts/screenshot_report.py [--profile examples/coffee.yaml] [--out docs/report.png]

Needs a headless Chromium (Debian: apt-get install chromium) and, for readable Chinese,
a CJK font (Debian: fonts-wqy-microhei or fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default=str(ROOT / "examples" / "coffee.yaml"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "report.png"))
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=1700)
    args = ap.parse_args()
    from sidomain_cli.cli import run
    from sidomain_cli.report.browser import console_messages, screenshot

    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        code = run(["plan", args.profile, "--format", "html", "-o", str(html)])
        if code:
            return code
        log = screenshot(html, Path(args.out), width=args.width, height=args.height)
    for line in console_messages(log):
        print(line, file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the marketing calendar adds to a plan's start-up, as whole processes.

    python benchmarks/calendar_speed.py [--runs 15]

Times `python -c "import json, yaml, sidomain_cli.errors"` (what a plan imports anyway) against
the same plus `build_calendar` for a 60-day window (reading nodes.yaml, the holiday lines of
the years it needs and the lunar table), and prints medians and the difference. Run it from
a regular install or with bytecode caching on (PYTHONDONTWRITEBYTECODE unset), else every
run recompiles the modules.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from startup import timed  # benchmarks/startup.py: whole processes, one warm-up run

BASE = "import json, yaml, sidomain_cli.errors, sidomain_cli.yamlio"
CALENDAR = (BASE + "; import datetime as dt; from sidomain_cli.planning.calendar import "
            "build_calendar, shape_campaigns; c = build_calendar(dt.date(2026, 12, 1), "
            "dt.date(2027, 1, 29), member_day=18); shape_campaigns(c, c.start, c.end, set())")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    base = statistics.median(timed([sys.executable, "-c", BASE], args.runs)) * 1000
    cal = statistics.median(timed([sys.executable, "-c", CALENDAR], args.runs)) * 1000
    print(f"{'imports a plan has anyway':<40} {base:7.1f} ms")
    print(f"{'+ build_calendar (60 days) + campaigns':<40} {cal:7.1f} ms")
    print(f"{'calendar adds':<40} {cal - base:7.1f} ms")


if __name__ == "__main__":
    main()

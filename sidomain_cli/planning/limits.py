"""How big a plan may get (issue 14, F4): a plan is for people to carry out.

A 676 KB playbook (7,000 tasks every day, caps of 100) made 256,000 calendar rows: 13 s
and 1.25 GB, and hours with a template that is slow but inside its budget.  Plans are
refused before any message is rendered when their playbook would make more.
"""

from __future__ import annotations

from sidomain_cli.errors import InputError

MAX_PLAN_ROWS = 20_000  # calendar rows of one plan: 366 days of a busy playbook make ~6,000
MAX_CANDIDATES = 5 * MAX_PLAN_ROWS  # task occurrences before the caps drop some


def check_plan_size(rows: int, playbook_path: str, *, before_caps: bool = False) -> None:
    if before_caps and rows > MAX_CANDIDATES:
        raise InputError(f"the playbook's tasks occur {rows:,} times in the plan (before "
                         f"caps); a plan may have {MAX_PLAN_ROWS:,} calendar rows",
                         path=playbook_path, hint="fewer tasks or days, or a longer 'every'")
    if not before_caps and rows > MAX_PLAN_ROWS:
        raise InputError(f"the plan would have {rows:,} calendar rows; a plan may have "
                         f"{MAX_PLAN_ROWS:,}", path=playbook_path,
                         hint="fewer tasks or days, a longer 'every', or lower max_per_day "
                              "and caps")

"""Local times that exist: a task at 02:30 on the night clocks spring forward does not.

Calendar apps resolve a nonexistent local time (in the DST gap) to the time after the
jump, which may fall inside the quiet hours the plan promised to avoid.  The planner asks
:func:`existing_time` for every task's time on its date instead.
"""

from __future__ import annotations

import datetime as dt
import functools


@functools.lru_cache(maxsize=64)
def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def exists(day: dt.date, hhmm: str, tz: str) -> bool:
    """Whether the wall-clock time ``hhmm`` happens on ``day`` in ``tz``."""
    zone = _zone(tz)
    h, m = (int(x) for x in hhmm.split(":"))
    local = dt.datetime.combine(day, dt.time(h, m), tzinfo=zone)
    back = local.astimezone(dt.timezone.utc).astimezone(zone)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def existing_time(day: dt.date, hhmm: str, tz: str, allowed) -> str | None:
    """``hhmm`` if it exists on ``day``; else the first later minute of that day that exists
    and ``allowed(hhmm)`` accepts (outside quiet hours), else the last earlier one; None if
    the day has no such minute."""
    if exists(day, hhmm, tz):
        return hhmm
    h, m = (int(x) for x in hhmm.split(":"))
    start = h * 60 + m
    order = list(range(start + 1, 1440)) + list(range(start - 1, -1, -1))
    for minute in order:
        text = f"{minute // 60:02d}:{minute % 60:02d}"
        if exists(day, text, tz) and allowed(text):
            return text
    return None

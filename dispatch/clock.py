"""Clock times as operators write them: ``"HH:MM"`` (or ``"HH:MM:SS"``) to seconds and back.

The plan's clock counts seconds since the plan's midnight; hours may exceed 23 for
the next day (as in GTFS timetables): ``"28:30"`` is 04:30 tomorrow, 102600 s.
"""

from __future__ import annotations

import math
import re

from core.limits import quoted
from solvers.errors import InvalidInputError

_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?$")
CLOCK_PATTERN = _CLOCK.pattern


def parse_clock(text: str, *, field: str = "time") -> float:
    """Seconds since the plan's midnight of ``"HH:MM"`` or ``"HH:MM:SS"``.

    Raises:
        InvalidInputError: not in that form (the message names ``field``).
    """
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidInputError(
            field,
            f'must be a clock time "HH:MM" or "HH:MM:SS" (HH may pass 23), got {quoted(text)}',
        )
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600.0 + int(minutes) * 60.0 + float(seconds or 0.0)


def format_clock(seconds: float) -> str:
    """``"HH:MM"``, or ``"HH:MM:SS"`` when there are seconds left (rounded to the second).

    Hours count on past 23 (``"28:30"`` for 04:30 the next day).

    Raises:
        InvalidInputError: ``seconds`` is negative or not finite.
    """
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
        raise InvalidInputError("time", f"must be a finite number of seconds >= 0, got {seconds!r}")
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if secs:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours:02d}:{minutes:02d}"


def format_hhmm(seconds: float) -> str:
    """``"HH:MM"`` rounded to the nearest minute (half a minute up): clock times for
    people (ETAs on a manifest, a route table, the plan viewer), where seconds are noise.

    Hours count on past 23 (``"28:30"`` for 04:30 the next day).

    Raises:
        InvalidInputError: ``seconds`` is negative or not finite.
    """
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
        raise InvalidInputError("time", f"must be a finite number of seconds >= 0, got {seconds!r}")
    # Half a minute rounds up (10:00:30 -> 10:01), not to even as round() would.
    hours, minutes = divmod(math.floor(seconds / 60.0 + 0.5), 60)
    return f"{hours:02d}:{minutes:02d}"

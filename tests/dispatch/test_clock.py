"""Clock times "HH:MM" on the plan's clock."""

from __future__ import annotations

import pytest

from dispatch.clock import format_clock, format_hhmm, parse_clock
from solvers.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00", 0.0),
        ("10:00", 36000.0),
        ("9:05", 32700.0),
        ("28:30", 102600.0),
        ("10:00:30", 36030.0),
    ],
)
def test_parse_and_format(text: str, seconds: float) -> None:
    assert parse_clock(text) == seconds
    assert parse_clock(format_clock(seconds)) == seconds


def test_format_keeps_seconds_only_when_there_are_some() -> None:
    assert format_clock(36000.0) == "10:00"
    assert format_clock(36030.4) == "10:00:30"
    assert format_clock(86400.0 + 4 * 3600) == "28:00"


@pytest.mark.parametrize("text", ["", "10", "10:60", "ten", "10:00:61", "-1:00"])
def test_bad_clock_times_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^--at: must be a clock time"):
        parse_clock(text, field="--at")
    with pytest.raises(InvalidInputError):
        format_clock(-1.0)


def test_format_hhmm_rounds_to_the_minute() -> None:
    assert format_hhmm(0) == "00:00"
    assert format_hhmm(36029.0) == "10:00"
    assert format_hhmm(36029.9) == "10:00"
    assert format_hhmm(36030.0) == "10:01"  # half a minute rounds up
    assert format_hhmm(86400 + 4.5 * 3600) == "28:30"
    with pytest.raises(InvalidInputError, match="time: must be a finite number"):
        format_hhmm(-1.0)

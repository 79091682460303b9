"""Malformed benchmark files: InvalidInputError naming the file, the line and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.instances import FORMATS, read_instance
from solvers.errors import InvalidInputError
from tests.scenarios.tiny import TEXTS, write


def broken(fmt: str, old: str, new: str) -> str:
    """The tiny file of ``fmt`` with ``old`` replaced by ``new`` (which must be there)."""
    assert old in TEXTS[fmt]
    return TEXTS[fmt].replace(old, new, 1)


# (format, edited text, line named (0: the file only), words of the rule)
CASES = [
    # Cordeau
    ("cordeau", broken("cordeau", "2 2 3 2\n", "2 2 3\n"), 1, "4 whole numbers: type m n t"),
    ("cordeau", broken("cordeau", "2 2 3 2\n", "1 2 3 2\n"), 1, "type must be 2 (MDVRP)"),
    ("cordeau", broken("cordeau", "2 2 3 2\n", "2 0 3 2\n"), 1, "m, n and t must be >= 1"),
    ("cordeau", broken("cordeau", "50 10\n", "50 10 1\n"), 2, "must hold 2 numbers: D Q"),
    ("cordeau", broken("cordeau", "0 8\n", "0 0\n"), 3, "capacity Q > 0"),
    ("cordeau", broken("cordeau", " 3  3  4 0 6\n", " 3  3  4 0\n"), 6, "id x y service demand"),
    (
        "cordeau",
        broken("cordeau", " 2 10  0 3 5 1 2 1 2\n", " 2 10  0 3 5 1 2 1 2 4\n"),
        5,
        "exactly n_combinations numbers",
    ),
    ("cordeau", broken("cordeau", " 2 10  0 3 5 1", " 7 10  0 3 5 1"), 5, "ids must run 1..3"),
    ("cordeau", broken("cordeau", " 2 10  0 3 5 1", " 2 10  0 3 -5 1"), 5, "demand must be >= 0"),
    ("cordeau", broken("cordeau", " 5 13  4 0 0 0 0\n", " 6 13 4\n"), 8, "expected 5"),
    ("cordeau", broken("cordeau", " 5 13  4 0 0 0 0\n", " 5 13\n"), 8, "at least id x y"),
    ("cordeau", broken("cordeau", " 4 -3 -4 0 0", " 4 -3 -4 9 0"), 7, "service duration and"),
    ("cordeau", TEXTS["cordeau"] + " 6 0 0 0 0\n", 9, "past the end"),
    ("cordeau", broken("cordeau", " 5 13  4 0 0 0 0\n", ""), 7, "ends after 7 data lines"),
    ("cordeau", broken("cordeau", " 3  3  4 0 6\n", " 3  3  x 0 6\n"), 6, "finite numbers only"),
    ("cordeau", broken("cordeau", " 3  3  4 0 6\n", " 3  3  nan 0 6\n"), 6, "finite numbers"),
    # vrplib
    ("vrplib", broken("vrplib", "TYPE : CVRP\n", ""), 0, "must have a 'TYPE : CVRP' line"),
    ("vrplib", broken("vrplib", "TYPE : CVRP", "TYPE : TSP"), 3, "TYPE must be CVRP"),
    ("vrplib", broken("vrplib", ": EUC_2D", ": GEO"), 5, "EDGE_WEIGHT_TYPE must be EUC_2D"),
    ("vrplib", broken("vrplib", "DIMENSION : 5", "DIMENSION : five"), 4, "whole number >= 2"),
    ("vrplib", broken("vrplib", "CAPACITY : 10\n", ""), 0, "'CAPACITY : number'"),
    ("vrplib", broken("vrplib", "CAPACITY : 10", "CAPACITY : 0"), 6, "CAPACITY must be"),
    ("vrplib", broken("vrplib", "2\t1\t1\n", "2\t1\n"), 9, "must hold 3 numbers, got 2"),
    ("vrplib", broken("vrplib", "2\t1\t1\n", "2\t1\t1\t7\n"), 9, "must hold 3 numbers, got 4"),
    ("vrplib", broken("vrplib", "2\t1\t1\n", "3\t1\t1\n"), 9, "ids must run 1..5 in order"),
    ("vrplib", broken("vrplib", "5\t2.5\t0\n", ""), 7, "DIMENSION = 5 lines, got 4"),
    (
        "vrplib",
        broken("vrplib", "5\t2.5\t0\n", "5\t2.5\t0\n6\t1\t2\n"),
        13,
        "NODE_COORD_SECTION must have DIMENSION = 5 lines",
    ),
    ("vrplib", broken("vrplib", "3\t5\n", "3\t-5\n"), 16, "a demand must be >= 0"),
    ("vrplib", broken("vrplib", "\t1\n\t-1", "\t1\n\t2\n\t-1"), 19, "exactly one depot"),
    ("vrplib", broken("vrplib", "\t1\n\t-1", "\t9\n\t-1"), 20, "a node id in 1..5"),
    ("vrplib", broken("vrplib", "1\t0\n2\t4", "1\t3\n2\t4"), 20, "the depot's demand must be 0"),
    (
        "vrplib",
        broken("vrplib", "DEMAND_SECTION\n", "DEMAND_SECTION\nX : 1\n"),
        14,
        "before the sections",
    ),
    ("vrplib", broken("vrplib", "COMMENT : hand-made", "hand-made"), 2, "'KEY : value'"),
    ("vrplib", broken("vrplib", "DEPOT_SECTION", "TIME_WINDOW_SECTION"), 19, "only NODE_COORD"),
    # Solomon, Li & Lim, MPDPTW
    ("solomon", broken("solomon", " 5\n", "\n"), 11, "must hold 7 numbers, got 6"),
    ("solomon", broken("solomon", "VEHICLE\nNUMBER", "VEHICLE\nCOUNT"), 0, "VEHICLE block"),
    ("solomon", broken("solomon", "  2         10", "  2"), 5, "vehicle NUMBER and CAPACITY"),
    ("lilim", broken("lilim", "2\t15\t1\n", "2\t15\n"), 1, "vehicles capacity speed"),
    ("lilim", broken("lilim", "\t0\t2\n", "\t2\n"), 3, "must hold 9 numbers, got 8"),
    ("lilim", broken("lilim", "\t0\t2\n", "\t0\t1\n"), 3, "names it back"),
    ("mpdptw", broken("mpdptw", "2 1 0\n", "2 7 0\n"), 5, "type must be 0 (pickup) or 1"),
    ("mpdptw", broken("mpdptw", "2 20\n", "2.5 20\n"), 1, "whole vehicle count"),
]


@pytest.mark.parametrize(("fmt", "text", "line", "rule"), CASES)
def test_malformed_file_names_file_line_and_rule(
    tmp_path: Path, fmt: str, text: str, line: int, rule: str
) -> None:
    path = write(tmp_path, fmt, text)
    with pytest.raises(InvalidInputError) as caught:
        read_instance(path, fmt)
    message = str(caught.value)
    assert rule in message
    if line:
        assert caught.value.field == f"{path}:{line}", message
    else:
        assert caught.value.field == str(path), message


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file_is_refused(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, fmt, "")
    with pytest.raises(InvalidInputError, match=str(path)):
        read_instance(path, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_binary_file_is_refused(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "binary.dat"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InvalidInputError, match="must be UTF-8 text: byte 0xff at offset 0"):
        read_instance(path, fmt)


def test_unknown_format_names_the_formats(tmp_path: Path) -> None:
    path = write(tmp_path, "solomon")
    with pytest.raises(InvalidInputError) as caught:
        read_instance(path, "tsplib")
    assert caught.value.field == "format"
    assert caught.value.rule == (
        "must be one of solomon, lilim, mpdptw, cordeau, vrplib, got 'tsplib'"
    )


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    for path, rule in (
        (tmp_path / "nope.txt", "must be an existing file"),
        (tmp_path, "must be a regular file, not a folder"),
    ):
        with pytest.raises(InvalidInputError) as caught:
            read_instance(path, "cordeau")
        assert caught.value.field == str(path)
        assert caught.value.rule == rule

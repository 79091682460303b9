"""Property-based tests of every file and option input (issue 16): any input gives a
result or ONE clear :class:`InvalidInputError`, within a time bound; never another
exception, never a hang.

Input kinds: scenario files (mutations of a valid scenario, and arbitrary bytes as a
file), replay policies (scenario days and the Grubhub family), instance files (each
format's tiny file, mutated text; the Grubhub MDRP tables) and the command line's
numeric options.  The example counts come from the hypothesis profile
(``tests/conftest.py``: ``ci`` in the default run, ``fuzz`` for ``./run fuzz``); the
inputs are small so the default run stays cheap.  A hang is caught by an alarm
(:func:`within`) and fails the example.
"""

from __future__ import annotations

import json
import math
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer._click.exceptions import UsageError

import cli
from core.errors import InvalidInputError
from core.limits import (
    MAX_CITY_BLOCKS_PER_SIDE,
    MAX_COURIERS,
    MAX_ITERATIONS,
    MAX_ORDERS,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WORKERS,
)
from scenarios.grubhub import read_grubhub
from scenarios.grubhub_dispatcher import GrubhubPolicy, policy_from_json
from scenarios.instances import FORMATS, read_instance
from scenarios.replay import ReplayPolicy, replay_policy_from_json
from scenarios.scenario_build import build_scenario
from scenarios.scenario_file import read_scenario_file
from scenarios.scenario_schema import parse_scenario
from tests.scenarios.scenario_data import straight_line_scenario
from tests.scenarios.test_grubhub import write_instance
from tests.scenarios.tiny import TEXTS

pytestmark = pytest.mark.property

# Every example must end within this many seconds (the inputs are tiny).
TIME_BOUND_S = 20
# An error message stays short whatever the input (long text is shortened).
MAX_MESSAGE_CHARS = 20_000


class HangError(Exception):
    """An example ran past TIME_BOUND_S."""


@contextmanager
def within(seconds: int = TIME_BOUND_S) -> Iterator[None]:
    """Fail the example with :class:`HangError` if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise HangError(f"no result or error within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def one_clear_error(error: InvalidInputError) -> None:
    """What every refusal must look like: a field, a rule, a bounded message."""
    assert error.field and error.rule
    assert len(str(error)) < MAX_MESSAGE_CHARS


# --- strategies ----------------------------------------------------------------------------

EXTREMES = st.sampled_from(
    [
        0,
        -1,
        1,
        0.001,
        1e15,
        1e300,
        2**63,
        2**64 + 1,
        10**30,
        1.8e308,
        -1e300,
        math.nan,
        math.inf,
        -math.inf,
        604_800,
        604_801,
        86_400.5,
        "",
        "09:00",
        "28:00",
        "99:99",
        "-1:00",
        "x" * 300,
    ]
)
SCALARS = st.one_of(
    EXTREMES,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=8), children, max_size=3),
    ),
    max_leaves=6,
)


def _paths(node: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in decoded JSON (dict keys and list indices)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            out.extend(_paths(value, (*prefix, k)))
    return out


BASE_SCENARIO = straight_line_scenario()
SCENARIO_PATHS = _paths(BASE_SCENARIO)


def mutate(draw: st.DrawFn, base: object, paths: list[tuple[Any, ...]]) -> Any:
    """A copy of decoded JSON ``base`` with one to three values (at ``paths``, from
    :func:`_paths`) replaced, removed or added (an unknown key), anywhere in it."""
    data: Any = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for key in path[:-1]:
            if (isinstance(parent, dict) and key in parent) or (
                isinstance(parent, list) and isinstance(key, int) and key < len(parent)
            ):
                parent = parent[key]
            else:
                break
        else:
            last = path[-1]
            action = draw(st.sampled_from(["replace", "remove", "add"]))
            if isinstance(parent, dict) and last in parent:
                if action == "remove":
                    del parent[last]
                elif action == "add":
                    parent[draw(st.text(max_size=6))] = draw(JSON_VALUES)
                else:
                    parent[last] = draw(JSON_VALUES)
            elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
                if action == "remove":
                    parent.pop(last)
                elif action == "add":
                    parent.append(draw(JSON_VALUES))
                else:
                    parent[last] = draw(JSON_VALUES)
    return data


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """The valid straight-line scenario with one to three values replaced, removed or
    added (an unknown key), anywhere in it."""
    data: dict[str, Any] = mutate(draw, BASE_SCENARIO, SCENARIO_PATHS)
    return data


# --- scenario files ------------------------------------------------------------------------


@given(mutated_scenarios())
def test_a_mutated_scenario_builds_or_is_refused_clearly(data: dict[str, Any]) -> None:
    with within():
        try:
            scenario = build_scenario(parse_scenario(data))
        except InvalidInputError as error:
            one_clear_error(error)
            return
    assert scenario.world is not None


@given(JSON_VALUES)
def test_arbitrary_json_is_a_scenario_or_refused_clearly(data: object) -> None:
    with within():
        try:
            build_scenario(parse_scenario(data))
        except InvalidInputError as error:
            one_clear_error(error)


def _cut(drawn: tuple[dict[str, Any], int, int]) -> bytes:
    """A scenario's JSON with ``size`` bytes cut out at ``start`` (broken JSON)."""
    data, start, size = drawn
    text = json.dumps(data).encode()
    return text[:start] + text[start + size :]


@given(
    st.one_of(
        st.binary(max_size=300),
        mutated_scenarios().map(lambda d: json.dumps(d).encode()),
        st.tuples(mutated_scenarios(), st.integers(0, 2000), st.integers(1, 40)).map(_cut),
        st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
    )
)
def test_any_bytes_as_a_scenario_file_give_a_scenario_or_one_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder, within():
        path = Path(folder) / "s.json"
        path.write_bytes(content)
        try:
            spec = read_scenario_file(path)
            build_scenario(spec, base_dir=folder)
        except InvalidInputError as error:
            one_clear_error(error)


# --- replay policies -----------------------------------------------------------------------

REPLAY_FIELDS = [*ReplayPolicy.__dataclass_fields__, "bogus"]
GRUBHUB_FIELDS = [*GrubhubPolicy.__dataclass_fields__, "bogus"]


@given(
    st.one_of(
        st.dictionaries(st.sampled_from(REPLAY_FIELDS), st.one_of(EXTREMES, SCALARS), max_size=4),
        JSON_VALUES,
    )
)
def test_a_replay_policy_is_built_or_refused_clearly(data: object) -> None:
    with within():
        try:
            policy = replay_policy_from_json(data, source="policy")
        except InvalidInputError as error:
            one_clear_error(error)
            return
    # What is accepted is within the documented ranges: no millisecond waves.
    assert policy.wave_s >= 1 and 1 <= policy.workers <= MAX_WORKERS


@given(
    st.one_of(
        st.dictionaries(st.sampled_from(GRUBHUB_FIELDS), st.one_of(EXTREMES, SCALARS), max_size=4),
        JSON_VALUES,
    )
)
def test_a_grubhub_policy_is_built_or_refused_clearly(data: object) -> None:
    with within():
        try:
            policy = policy_from_json(data, source="policy")
        except InvalidInputError as error:
            one_clear_error(error)
            return
    assert policy.wave_min >= 1 / 60 and policy.max_bundle <= 6


# --- instance files ------------------------------------------------------------------------

TOKENS = st.one_of(
    EXTREMES.map(str),
    st.sampled_from(["", "-", "x", "nan", "inf", "1e400", "100000000", "NAME", ":", "EOF"]),
    st.integers().map(str),
    st.floats().map(str),
    st.text(alphabet=" \t0123456789.-eE:\n", max_size=10),
)


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """``text`` with one to three tokens replaced, lines removed, duplicated or added."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            lines.append(draw(TOKENS))
            continue
        k = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["token", "token", "remove", "duplicate", "insert"]))
        if action == "token":
            words = lines[k].split() or [""]
            words[draw(st.integers(0, len(words) - 1))] = draw(TOKENS)
            lines[k] = " ".join(words)
        elif action == "remove":
            lines.pop(k)
        elif action == "duplicate":
            lines.insert(k, lines[k])
        else:
            lines.insert(k, draw(TOKENS))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
def test_a_mutated_instance_file_is_read_or_refused_clearly(fmt: str, data: st.DataObject) -> None:
    text = data.draw(mutated_text(TEXTS[fmt]))
    with tempfile.TemporaryDirectory() as folder, within():
        path = Path(folder) / f"tiny.{fmt}"
        path.write_text(text, encoding="utf-8")
        try:
            instance = read_instance(path, fmt)
        except InvalidInputError as error:
            one_clear_error(error)
            return
    assert instance.problem.tasks is not None


GRUBHUB_ROWS = {
    "orders": ["o1\t500\t300\t0\tr1\t10", "o2\t500\t1050\t30\tr1\t40"],
    "couriers": ["c1\t0\t0\t0\t120"],
    "restaurants": ["r1\t500\t0"],
}


@st.composite
def mutated_rows(draw: st.DrawFn, rows: list[str]) -> list[str]:
    out = list(rows)
    for _ in range(draw(st.integers(0, 2))):
        k = draw(st.integers(0, len(out) - 1)) if out else 0
        if not out or draw(st.booleans()):
            out.insert(k, "\t".join(draw(st.lists(TOKENS, min_size=1, max_size=7))))
        else:
            fields = out[k].split("\t")
            fields[draw(st.integers(0, len(fields) - 1))] = draw(TOKENS)
            out[k] = "\t".join(fields)
    return out


@given(
    mutated_rows(GRUBHUB_ROWS["orders"]),
    mutated_rows(GRUBHUB_ROWS["couriers"]),
    mutated_rows(GRUBHUB_ROWS["restaurants"]),
)
def test_mutated_grubhub_tables_are_read_or_refused_clearly(
    orders: list[str], couriers: list[str], restaurants: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as folder, within():
        path = write_instance(Path(folder) / "g", orders, couriers, tuple(restaurants))
        try:
            read_grubhub(path)
        except InvalidInputError as error:
            one_clear_error(error)


# --- command-line numeric options ----------------------------------------------------------


class ReachedError(Exception):
    """The command got past its checks to the library call (patched out here)."""

    def __init__(self, **values: Any) -> None:
        super().__init__("reached")
        self.values = values


OPTION_VALUES = st.one_of(
    st.integers().map(str),
    st.integers(-3, 300).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e15", "1e300", "0.001", "nan", "inf", "-0", "100000000", "x", ""]),
)


COMMAND = typer.main.get_command(cli.app)


def _run(args: list[str]) -> object:
    """What the command line does with ``args``: the exit code it returns, the usage
    error click raises for a value of the wrong type, or any other exception (without
    click's standalone mode, so that no help panel is rendered for each example)."""
    try:
        return COMMAND.main(args, prog_name="dispatch", standalone_mode=False)
    except Exception as error:
        return error


def _refused_clearly(result: object) -> bool:
    """Exit code 2 after one `error: ...` line (the engine's check), or click's usage
    error for a value that is not a number; nothing else."""
    return result == 2 or isinstance(result, UsageError)


@given(blocks=OPTION_VALUES, orders=OPTION_VALUES, couriers=OPTION_VALUES, seed=OPTION_VALUES)
def test_generate_city_options_are_bounded(
    blocks: str, orders: str, couriers: str, seed: str
) -> None:
    def reached(seed: int, **kwargs: Any) -> Any:
        raise ReachedError(seed=seed, **kwargs)

    args = [
        "generate",
        "city",
        "--out",
        "unused.json",
        "--blocks",
        blocks,
        "--orders",
        orders,
        "--couriers",
        couriers,
        "--seed",
        seed,
    ]
    with mock.patch.object(cli, "city_day_scenario", reached), within():
        result = _run(args)
    if isinstance(result, ReachedError):
        v = result.values
        assert 1 <= v["blocks"] <= MAX_CITY_BLOCKS_PER_SIDE
        assert 1 <= v["orders"] <= MAX_ORDERS and 1 <= v["couriers"] <= MAX_COURIERS
        assert 0 <= v["seed"] <= MAX_SEED
        return
    assert _refused_clearly(result), repr(result)


@given(
    time_limit=OPTION_VALUES, workers=OPTION_VALUES, iterations=OPTION_VALUES, seed=OPTION_VALUES
)
def test_solve_options_are_bounded(
    time_limit: str, workers: str, iterations: str, seed: str
) -> None:
    def reached(path: Path, fmt: str) -> Any:
        raise ReachedError()

    args = [
        "solve",
        "unused.txt",
        "--format",
        "solomon",
        "--out",
        "unused.json",
        "--time-limit",
        time_limit,
        "--workers",
        workers,
        "--iterations",
        iterations,
        "--seed",
        seed,
    ]
    with mock.patch.object(cli, "read_instance", reached), within():
        result = _run(args)
    if isinstance(result, ReachedError):
        # The option texts as numbers (click reads "0.0" as the integer 0).
        assert 0 < float(time_limit) <= MAX_TIME_LIMIT_S
        assert 1 <= float(workers) <= MAX_WORKERS and 1 <= float(iterations) <= MAX_ITERATIONS
        assert 0 <= float(seed) <= MAX_SEED
        return
    assert _refused_clearly(result), repr(result)

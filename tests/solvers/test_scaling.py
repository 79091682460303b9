"""The integer scaling of :mod:`solvers.scaling`: rounding direction and the horizon cap,
and the import rule that keeps OR-Tools behind :mod:`solvers.solve`."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from solvers.errors import InvalidInputError
from solvers.scaling import (
    COST_SCALE,
    DEMAND_SCALE,
    MAX_HORIZON,
    MAX_SCALED,
    objective_rate,
    positive_coefficient,
    priced,
    scaled,
    scaled_amount,
    scaled_capacity,
    scaled_cost,
    scaled_demand,
    scaled_time,
    scaled_up,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_travel_rounds_up_but_float_noise_does_not() -> None:
    assert scaled_up([1.0001, 2.0, 0.1 + 0.2], 1000).tolist() == [1001, 2000, 300]
    assert scaled_up([1.0004], 1000).tolist() == [1001]


def test_distances_and_demands_round_to_nearest() -> None:
    assert scaled([1.0004, 1.0006], 1000).tolist() == [1000, 1001]
    assert scaled_demand([2.5, 0.0004]).tolist() == [2500, 0]


def test_infinite_times_are_capped_at_the_horizon() -> None:
    assert scaled_time(math.inf, 1000, up=False) == MAX_HORIZON
    assert scaled_time(-math.inf, 1000, up=True) == -MAX_HORIZON


@pytest.mark.parametrize("value", [1e300, 2.0**63, 1.8e308, math.inf, math.nan])
def test_values_beyond_the_integer_range_are_named_input_errors(value: float) -> None:
    # Before: silently clipped (arrays) or an OverflowError from OR-Tools (scalars).
    with pytest.raises(InvalidInputError, match=r"Vehicle 'v2': capacity\[0\]: a capacity"):
        scaled_capacity(value, field="Vehicle 'v2': capacity[0]")
    with pytest.raises(InvalidInputError, match="Task 't7': demand"):
        scaled_demand([1.0, value], field="Task 't7': demand")
    with pytest.raises(InvalidInputError, match="Vehicle 'v2': fixed_cost"):
        scaled_cost(value, field="Vehicle 'v2': fixed_cost")
    with pytest.raises(InvalidInputError, match="matrices"):
        scaled_up([[0.0, value]], 1000, field="matrices['car'].duration_s")
    with pytest.raises(InvalidInputError, match="matrices"):
        scaled([value], 1000, field="matrices['car'].distance_m")
    with pytest.raises(InvalidInputError, match="cost_per_km"):
        priced([1000.0], value, field="cost_per_km")
    if not math.isinf(value):  # infinity is the open end of a window
        with pytest.raises(InvalidInputError, match="Task 't7' delivery: windows"):
            scaled_time(value, 1000, up=True, field="Task 't7' delivery: windows")
    assert scaled_time(MAX_SCALED / 1000, 1000, up=False) == MAX_SCALED


def test_window_ends_round_inwards() -> None:
    assert scaled_time(1.0004, 1000, up=True) == 1001  # opening: later
    assert scaled_time(1.0006, 1000, up=False) == 1000  # closing: earlier
    assert scaled_time(1.0, 1000, up=True) == scaled_time(1.0, 1000, up=False) == 1000


def test_capacity_rounds_down_except_for_float_noise() -> None:
    assert scaled_capacity(1.0009) == 1000
    assert scaled_capacity(0.1 + 0.2) == 300  # 0.30000000000000004
    assert scaled_capacity(0.3 - 1e-12) == 300  # a hair under is float noise
    assert scaled_capacity(12.5) == 12_500 == 12.5 * DEMAND_SCALE


def test_money_and_prices() -> None:
    assert scaled_cost(1.5) == 1_500_000 == 1.5 * COST_SCALE
    # 3 yuan per km on distances in millimetres: 3 objective units per millimetre.
    rate = objective_rate(3.0, 1000.0, 1000)
    assert rate == 3.0
    assert priced(np.array([[0, 7]]), rate).tolist() == [[0, 21]]
    assert priced(np.array([1, 3]), 0.5).tolist() == [0, 2]  # ties to even
    assert positive_coefficient(0.2) == 1  # a price never becomes free
    assert positive_coefficient(2.6) == 3
    assert scaled_amount(-12.34, 10) == -123
    assert scaled_amount(0.25, 10) == 2  # ties to even, as round()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_only_solve_imports_the_routing_adapter() -> None:
    offenders = []
    for path in sorted(REPO_ROOT.glob("**/*.py")):
        rel = path.relative_to(REPO_ROOT)
        if rel.parts[0] in {".venv", "tests", "build"} or rel.parts[:2] == ("solvers", "ortools"):
            continue
        # solve.py and the portfolio that runs OR-Tools' workers beside other members.
        if rel in (Path("solvers/solve.py"), Path("solvers/portfolio.py")):
            continue
        if any(m == "solvers.ortools" or m.startswith("solvers.ortools.") for m in _imports(path)):
            offenders.append(str(rel))
    assert offenders == []

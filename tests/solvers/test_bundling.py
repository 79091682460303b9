"""The bundling model on its own: each resource and item at most once, least total cost."""

from __future__ import annotations

import math

import pytest

from solvers.bundling import BundleOption, choose_bundles, greedy_bundles
from solvers.cp_sat import ModelStatus
from solvers.errors import InvalidInputError


def opt(resource: str, items: str, cost: float) -> BundleOption:
    return BundleOption(resource, tuple(items.split()), cost)


def test_each_resource_and_item_once_at_least_cost() -> None:
    options = [
        opt("c1", "a b", -15.0),  # both orders on one courier...
        opt("c1", "a", -9.0),
        opt("c2", "b", -8.0),  # ...beats them on two couriers: -17 < -15
        opt("c2", "a b", -14.0),
        opt("c3", "c", 4.0),  # costs more than leaving it: never taken
    ]
    result = choose_bundles(options, deterministic_time_s=1.0)
    assert result.chosen == (1, 2)
    assert result.run.status is ModelStatus.OPTIMAL
    assert result.run.objective == result.run.bound == -17.0
    assert not result.run.fallback


def test_costs_are_seen_to_the_resolution() -> None:
    # At a resolution of 1, -1.4 and -1.2 both round to -1: the tie goes either way,
    # but the objective reported is in integer units of the resolution.
    options = [opt("c1", "a", -1.4), opt("c2", "a", -1.2)]
    result = choose_bundles(options, resolution=1, time_limit_s=1.0)
    assert len(result.chosen) == 1 and result.run.objective == -1.0
    fine = choose_bundles(options, resolution=10, time_limit_s=1.0)
    assert fine.chosen == (0,) and fine.run.objective == pytest.approx(-1.4)


def test_nothing_to_choose() -> None:
    result = choose_bundles([])
    assert result.chosen == () and result.run.status is ModelStatus.OPTIMAL


def test_same_input_same_answer() -> None:
    options = [
        opt(f"c{c}", f"o{i} o{i + 1}", -10.0 - ((c * 7 + i) % 5))
        for c in range(6)
        for i in range(8)
    ]
    first = choose_bundles(options, deterministic_time_s=0.5)
    assert first.chosen
    for _ in range(2):
        assert choose_bundles(options, deterministic_time_s=0.5).chosen == first.chosen


@pytest.mark.parametrize(
    ("options", "kwargs", "match"),
    [
        ([opt("", "a", 1.0)], {}, r"options\[0\]\.resource_id: must not be empty"),
        ([BundleOption("c", (), 1.0)], {}, r"options\[0\]\.item_ids: must not be empty"),
        ([opt("c", "a a", 1.0)], {}, r"options\[0\]\.item_ids: must not repeat an item"),
        ([opt("c", "a", 1.0), opt("c", "b", math.nan)], {}, r"options\[1\]\.cost: must be finite"),
        ([], {"resolution": 0}, r"resolution: must be an integer >= 1"),
        ([opt("c", "a", 1.0)], {"time_limit_s": -1.0}, r"time_limit_s: must be a finite number"),
        ([opt("c", "a", 1.0)], {"seed": -1}, r"seed: must be >= 0"),
    ],
)
def test_bad_input(options: list[BundleOption], kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        choose_bundles(options, **kwargs)  # type: ignore[arg-type]


def test_greedy_takes_cheapest_first_and_skips_clashes() -> None:
    options = [
        opt("c1", "a b", -15.0),
        opt("c1", "a", -9.0),
        opt("c2", "b", -8.0),
        opt("c2", "c", -20.0),  # cheapest: taken first
        opt("c3", "a", 4.0),  # costs more than leaving it: never taken
    ]
    assert greedy_bundles(options, [round(o.cost) for o in options]) == (0, 3)


def test_fallback_answers_when_cp_sat_finds_nothing() -> None:
    options = [opt(f"c{k}", f"i{k} i{k + 1}", -10.0 - k) for k in range(200)]
    nothing = choose_bundles(options, deterministic_time_s=0.0)
    assert nothing.chosen == () and nothing.run.status is ModelStatus.NO_SOLUTION
    result = choose_bundles(options, deterministic_time_s=0.0, fallback=True)
    assert result.run.fallback and result.run.status is ModelStatus.GREEDY
    assert result.chosen == greedy_bundles(options, [10 * round(o.cost) for o in options])
    items = [i for k in result.chosen for i in options[k].item_ids]
    assert len(items) == len(set(items)) and result.chosen
    # With time, CP-SAT starts from the greedy hint and answers at least as well.
    solved = choose_bundles(options, deterministic_time_s=5.0, fallback=True)
    assert not solved.run.fallback
    assert solved.run.objective <= result.run.objective


def test_fallback_without_hint_still_answers() -> None:
    options = [opt(f"c{k}", f"i{k} i{k + 1}", -10.0 - k) for k in range(200)]
    result = choose_bundles(options, deterministic_time_s=0.0, fallback=True, hint=False)
    assert result.run.fallback and result.chosen
    assert result.chosen == greedy_bundles(options, [10 * round(o.cost) for o in options])

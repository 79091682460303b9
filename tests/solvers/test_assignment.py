"""The capacitated assignment on its own: sizes, rewards, costs, and its fallback."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

import solvers.assignment
from solvers.assignment import Candidate, Request, _greedy, assign_capacitated
from solvers.cp_sat import ModelStatus
from solvers.errors import InvalidInputError


def req(rid: str, size: int, reward: int, *sites: tuple[str, int]) -> Request:
    return Request(rid, size, reward, tuple(Candidate(s, c) for s, c in sites))


def test_capacity_in_sizes_and_least_cost() -> None:
    requests = [
        req("a", 2, 1000, ("p", 10), ("q", 50)),
        req("b", 2, 1000, ("p", 10), ("q", 50)),
        req("c", 1, 1000, ("p", 20), ("q", 30)),
    ]
    result = assign_capacitated(requests, {"p": 3, "q": 5})
    assert result.status == "optimal"
    # p holds 3, so never both size-2 requests.  Best: one of them and c at p, the other
    # at q (10 + 20 + 50 = 80); c at q instead costs 10 + 30 + 50 = 90.
    assert sorted(result.assigned.values()) == ["p", "p", "q"]
    assert result.assigned["c"] == "p"
    assert result.objective == 3000 - (10 + 20 + 50)
    assert result.run.bound == result.run.objective == 2920.0
    assert not result.run.fallback and result.run.solve_s >= 0.0


def test_no_solution_in_time_falls_back_to_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing_in_time(
        model: cp_model.CpModel, **_: object
    ) -> tuple[cp_model.CpSolver, ModelStatus | None]:
        return cp_model.CpSolver(), None

    monkeypatch.setattr(solvers.assignment, "solve_model", nothing_in_time)
    requests = [req("a", 1, 100, ("p", 7)), req("b", 1, 50, ("p", 1))]
    result = assign_capacitated(requests, {"p": 1})
    assert result.status is ModelStatus.GREEDY
    assert result.run.fallback and result.run.bound is None
    assert dict(result.assigned) == {"a": "p"}
    assert result.objective == 93


def test_costs_count_to_the_resolution() -> None:
    requests = [Request("r", 1, 10.0, (Candidate("p", 0.4), Candidate("q", 0.2)))]
    whole = assign_capacitated(requests, {"p": 1, "q": 1})
    assert whole.objective == 10.0  # both costs round to 0 metres
    fine = assign_capacitated(requests, {"p": 1, "q": 1}, resolution=10)
    assert dict(fine.assigned) == {"r": "q"}
    assert fine.objective == pytest.approx(9.8) and fine.run.bound == pytest.approx(9.8)
    with pytest.raises(InvalidInputError, match="resolution: must be an integer >= 1"):
        assign_capacitated(requests, {"p": 1, "q": 1}, resolution=0)


def test_rewards_decide_who_is_left_out() -> None:
    requests = [req("small", 1, 1000, ("p", 0)), req("paid", 1, 10_000, ("p", 900))]
    result = assign_capacitated(requests, {"p": 1})
    assert dict(result.assigned) == {"paid": "p"}


def test_requests_without_candidates_and_empty_input() -> None:
    assert assign_capacitated([], {}).assigned == {}
    result = assign_capacitated([req("x", 1, 10)], {"p": 1})
    assert result.assigned == {}


def test_greedy_fallback_fills_by_reward_then_cost() -> None:
    requests = [
        req("low", 1, 10, ("p", 1), ("q", 2)),
        req("high", 1, 100, ("p", 5), ("q", 1)),
        req("mid", 1, 50, ("q", 1)),
    ]
    assert _greedy(requests, {"p": 1, "q": 1}) == {"high": "q", "low": "p"}


@pytest.mark.parametrize(
    ("requests", "capacities", "match"),
    [
        ([req("a", 1, 1, ("zz", 0))], {"p": 1}, r"Request 'a': unknown site 'zz'"),
        ([req("a", -1, 1, ("p", 0))], {"p": 1}, r"Request 'a': size: must be an integer >= 0"),
        ([req("a", 1, 1), req("a", 1, 1)], {}, r"Request 'a': id must be unique"),
        ([req("a", 1, 1, ("p", -3))], {"p": 1}, r"cost of 'p': must be a finite number >= 0"),
        ([], {"p": -1}, r"capacity of 'p': must be an integer >= 0"),
    ],
)
def test_bad_input(requests: list[Request], capacities: dict[str, int], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        assign_capacitated(requests, capacities)

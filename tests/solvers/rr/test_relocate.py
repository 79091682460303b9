"""Stop relocation (multi-pickup tasks): single stops move to better places on their
route, pickups before their delivery, never into the locked prefix."""

from __future__ import annotations

import numpy as np

from solvers import check
from solvers.evaluate import Visit, evaluate_route
from solvers.problem import RoutingProblem, Stop, Task, TravelMatrices, Vehicle, VehicleLock
from solvers.rr import ensure_compiled
from solvers.rr import kernels as K  # noqa: N812
from solvers.rr.compiled import compile_problem
from solvers.rr.search import SearchRun, _encode, _state, _workspaces
from tests.solvers.rr.test_search import _as_solution


def _line() -> RoutingProblem:
    """Shops and homes on a line (location i at x = 10 i): two baskets of three shops."""
    x = 10.0 * np.arange(10)
    d = np.abs(x[:, None] - x[None, :])
    a = Task("a", (Stop(5), Stop(1), Stop(3)), Stop(9), demand=(3.0,))
    b = Task("b", (Stop(2), Stop(6), Stop(4)), Stop(8), demand=(3.0,))
    vehicle = Vehicle("v", 0, None, capacity=(10.0,), cost_per_km=1000.0)
    lock = VehicleLock("v", fixed_prefix=(("a", 0),))  # the shop at x = 50 first: kept
    return RoutingProblem((vehicle,), (a, b), {"default": TravelMatrices(d, d)}, (lock,))


def test_relocation_shortens_the_route_and_keeps_precedence_and_prefix() -> None:
    ensure_compiled()
    problem = _line()
    zigzag: list[Visit] = [("a", 0), ("b", 1), ("a", 1), ("b", 0), ("a", 2)]
    zigzag += [("b", 2), ("b", 3), ("a", 3)]
    compiled = compile_problem(problem)
    st = _state(compiled, problem)
    assert _encode(compiled, problem, {"v": zigzag}, st)
    scratch, work = _workspaces(compiled, problem)
    before = float(K.init_state(compiled.arrays, scratch, work, st))
    work[K.W_STAMP][0] += 1
    assert K.relocate_stops(compiled.arrays, scratch, work, st, 0, True)
    n = int(st[K.R_LEN][0])
    route = [compiled.visits[int(s)] for s in st[K.R_STOPS][0, :n]]
    after = evaluate_route(problem, problem.vehicle("v"), route)
    assert after.feasible
    assert after.cost.total < before - 1.0
    assert route[0] == ("a", 0)
    for tid in ("a", "b"):
        positions = [i for i, (t, _) in enumerate(route) if t == tid]
        assert route[positions[-1]] == (tid, 3)  # the delivery after every pickup
    run = SearchRun({"v": route}, {"v": 0.0}, after.cost.total, before, 0, 0.0)
    assert check(problem, _as_solution(problem, run)).ok

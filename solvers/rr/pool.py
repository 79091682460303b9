"""A pool of the routes the search built, and set partitioning over it (CP-SAT).

Ruin and recreate builds many good routes that never sit together in one plan: the
annealing moves on, and a route built early is lost when a neighbour is rebuilt.  The
classic remedy for pickup-and-delivery (Ropke & Cordeau; for multi-pickup requests the
"pre-SP" scheme the MPDPTW results come from) keeps every feasible route in a pool and,
at the end, chooses the cheapest set of pool routes that serves every task at most once
(a task left out pays its drop penalty) with no more routes per kind of vehicle than
there are such vehicles.

Only problems without locks or pins take part (:func:`eligible`): there every route's
cost depends only on its vehicle's class (:func:`solvers.rr.compiled._vehicle_key`:
alike vehicles are interchangeable), so a pool route may go to any vehicle of its class.
The kernels record the routes (:func:`solvers.rr.kernels.record_routes`); this module
keeps them deduplicated and solves the set partitioning model.  Costs are money.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solvers.cp_sat import solve_model
from solvers.problem import RoutingProblem
from solvers.rr import kernels as K  # noqa: N812 (the kernels' index constants read as K.X)
from solvers.rr.compiled import Compiled

# Routes kept at most: beyond this the pool takes no new route (CP-SAT's model stays
# small enough to solve in a second or two).  Routes.
MAX_ROUTES = 40_000
# Integer entries of the kernels' recording buffer (rows x longest route): 8 MB.
BUFFER_ENTRIES = 1_000_000
# Rows of the recording buffer at most.  Routes.
BUFFER_ROWS = 4096
# Largest integer cost in the model (CP-SAT's objective must stay within int64).
MAX_UNITS = 10**12


def eligible(problem: RoutingProblem) -> bool:
    """Whether set partitioning may recombine routes of ``problem``: no locks and no
    pinned tasks (every route then costs the same on any vehicle of its class)."""
    return not problem.locks and not problem.pinned


def buffer(compiled: Compiled, n_vehicles: int) -> tuple[tuple[np.ndarray, ...], int]:
    """The kernels' recording buffer (:data:`solvers.rr.kernels.POOL_STOPS` ...) and the
    most iterations one chunk may run so that it cannot overflow (each iteration
    records at most one route per vehicle)."""
    width = max(1, len(compiled.visits))
    rows = max(1, min(BUFFER_ROWS, BUFFER_ENTRIES // width))
    pool = (
        np.zeros((rows, width), dtype=np.int64),
        np.zeros(rows, dtype=np.int64),
        np.zeros(rows, dtype=np.float64),
        np.zeros(rows, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )
    return pool, max(1, rows // max(1, n_vehicles))


@dataclass
class RoutePool:
    """Distinct feasible routes by (vehicle class, stop sequence): cost and a vehicle
    of that class it was priced on."""

    classes: np.ndarray
    routes: dict[tuple[int, bytes], tuple[float, int]] = field(default_factory=dict)

    def drain(self, pool: tuple[np.ndarray, ...]) -> None:
        """Take the routes the kernels recorded into ``pool`` and empty it."""
        count = int(pool[K.POOL_COUNT][0])
        stops, lengths, costs, vehicles = (
            pool[K.POOL_STOPS],
            pool[K.POOL_LEN],
            pool[K.POOL_COST],
            pool[K.POOL_VEH],
        )
        for k in range(count):
            if len(self.routes) >= MAX_ROUTES:
                break
            v = int(vehicles[k])
            key = (int(self.classes[v]), stops[k, : lengths[k]].tobytes())
            if key not in self.routes:
                self.routes[key] = (float(costs[k]), v)
        pool[K.POOL_COUNT][0] = 0

    def __len__(self) -> int:
        return len(self.routes)


def partition(
    compiled: Compiled,
    route_pool: RoutePool,
    best: tuple[np.ndarray, ...],
    scratch: tuple[np.ndarray, ...],
    *,
    seed: int,
    time_limit_s: float | None,
    deterministic_s: float | None,
) -> tuple[tuple[np.ndarray, ...], float] | None:
    """The cheapest plan made of pool routes (with ``best``, the search's best state, as
    CP-SAT's hint, so the answer is never worse by the model's rounding), as a new
    search state and its objective; None when CP-SAT found nothing within the limits
    (``time_limit_s`` wall-clock seconds or None, ``deterministic_s`` CP-SAT's deterministic
    seconds for reproducible runs)."""
    P = compiled.arrays
    stop_task = P[K.STOP_TASK]
    penalty = P[K.TASK_PENALTY]
    classes = route_pool.classes
    n_tasks = len(compiled.task_ids)
    keys = list(route_pool.routes)
    if not keys:
        return None
    chosen_now = set()
    for v in range(best[K.R_LEN].shape[0]):
        n = int(best[K.R_LEN][v])
        if n:
            key = (int(classes[v]), best[K.R_STOPS][v, :n].tobytes())
            if key not in route_pool.routes:  # the pool is full: the best routes go in anyway
                route_pool.routes[key] = (float(best[K.R_COST][v]), v)
                keys.append(key)
            chosen_now.add(key)
    total = sum(route_pool.routes[k][0] for k in keys)
    unit = max(total, 1.0) / 1e8  # money per model unit
    model = cp_model.CpModel()
    covering: list[list[cp_model.IntVar]] = [[] for _ in range(n_tasks)]
    by_class: dict[int, list[cp_model.IntVar]] = {}
    terms = []
    x = []
    for r, key in enumerate(keys):
        var = model.new_bool_var(f"r{r}")
        x.append(var)
        cost, _ = route_pool.routes[key]
        seq = np.frombuffer(key[1], dtype=np.int64)
        for t in np.unique(stop_task[seq]):
            covering[int(t)].append(var)
        by_class.setdefault(key[0], []).append(var)
        terms.append(min(MAX_UNITS, round(cost / unit)) * var)
        model.add_hint(var, key in chosen_now)
    for t in range(n_tasks):
        if not covering[t]:
            continue
        left_out = model.new_bool_var(f"u{t}")
        model.add(sum(covering[t]) + left_out == 1)
        terms.append(min(MAX_UNITS, round(float(penalty[t]) / unit)) * left_out)
        model.add_hint(left_out, int(best[K.T_ROUTE][t]) < 0)
    frozen = best[K.R_FROZEN]
    free: dict[int, list[int]] = {}
    for v in range(len(classes)):
        if not frozen[v]:
            free.setdefault(int(classes[v]), []).append(v)
    for c, members in by_class.items():
        model.add(sum(members) <= len(free.get(c, ())))
    model.minimize(sum(terms))
    solver, status = solve_model(
        model, seed=seed, time_limit_s=time_limit_s, deterministic_time_s=deterministic_s
    )
    if status is None:
        return None
    state = tuple(a.copy() for a in best)
    state[K.R_LEN][:] = 0
    state[K.T_ROUTE][:] = -1
    for key, var in zip(keys, x, strict=True):
        if not solver.value(var):
            continue
        v = free[key[0]].pop(0)
        seq = np.frombuffer(key[1], dtype=np.int64)
        state[K.R_STOPS][v, : len(seq)] = seq
        state[K.R_LEN][v] = len(seq)
        state[K.T_ROUTE][stop_task[seq]] = v
    for v in range(len(classes)):
        K._recost(P, scratch, state, v)
        if state[K.R_COST][v] >= K.INFEASIBLE_COST and state[K.R_LEN][v]:
            return None  # cannot happen for pool routes; never trade feasibility
    return state, float(K.objective(P, state))


def buffer_stub() -> tuple[np.ndarray, ...]:
    """A one-row recording buffer for searches that keep no pool (the kernels take the
    argument whether they record or not)."""
    return (
        np.zeros((1, 1), dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.float64),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )

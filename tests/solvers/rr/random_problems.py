"""Random routing problems with every feature the search must respect, and random routes."""

from __future__ import annotations

import numpy as np

from solvers.evaluate import Visit
from solvers.problem import (
    RoutingProblem,
    Stop,
    Task,
    TimeWindow,
    TravelMatrices,
    Vehicle,
    VehicleLock,
)


def _windows(rng: np.random.Generator) -> tuple[TimeWindow, ...]:
    if rng.random() < 0.25:
        return (TimeWindow(0.0, float("inf")),)
    a = float(rng.uniform(0, 300))
    b = a + float(rng.uniform(20, 300))
    if rng.random() < 0.3:
        c = b + float(rng.uniform(10, 100))
        return (TimeWindow(a, b), TimeWindow(c, c + float(rng.uniform(20, 300))))
    return (TimeWindow(a, b),)


def _stop(rng: np.random.Generator, n_loc: int) -> Stop:
    soft = rng.random() < 0.3
    return Stop(
        int(rng.integers(1, n_loc)),
        service_s=float(rng.choice([0.0, 5.0, 10.0])),
        windows=_windows(rng),
        max_lateness_s=float(rng.uniform(0, 60)) if soft else 0.0,
        lateness_cost_per_s=float(rng.uniform(0, 2)) if soft else 0.0,
    )


def random_problem(seed: int, n_tasks: int = 8, n_vehicles: int = 3) -> RoutingProblem:
    """Multi-pickup and depot-loaded tasks, windows (several), soft lateness, ride
    limits, two capacity dimensions, skills, shifts, open routes, two profiles, drop
    penalties, and locks (prefix, on board, partly picked, pinned)."""
    rng = np.random.default_rng(seed)
    n_loc = 12
    xy = rng.uniform(0, 100, size=(n_loc, 2))
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    slow = d * 1.5
    matrices = {"default": TravelMatrices(d, d), "slow": TravelMatrices(d, slow)}
    tasks = []
    for i in range(n_tasks):
        k = int(rng.choice([0, 1, 1, 2, 3]))
        demand = (float(rng.integers(1, 4)), float(rng.integers(0, 3)))
        tasks.append(
            Task(
                f"t{i}",
                tuple(_stop(rng, n_loc) for _ in range(k)),
                _stop(rng, n_loc),
                demand=demand,
                skills=frozenset({"cold"}) if rng.random() < 0.2 else frozenset(),
                max_ride_s=float(rng.uniform(60, 400)) if rng.random() < 0.4 else None,
                drop_penalty=float(rng.uniform(10, 500)) if rng.random() < 0.7 else None,
            )
        )
    vehicles = []
    for j in range(n_vehicles):
        start = float(rng.uniform(0, 50))
        vehicles.append(
            Vehicle(
                f"v{j}",
                int(rng.integers(0, n_loc)),
                None if rng.random() < 0.3 else 0,
                shift=TimeWindow(start, start + float(rng.uniform(400, 1500))),
                capacity=(float(rng.integers(4, 10)), float(rng.integers(2, 6))),
                profile="slow" if rng.random() < 0.3 else "default",
                fixed_cost=float(rng.choice([0.0, 20.0])),
                cost_per_km=float(rng.uniform(500, 2000)),
                cost_per_hour=float(rng.choice([0.0, 30.0])),
                skills=frozenset({"cold"}) if rng.random() < 0.5 else frozenset(),
                max_duration_s=float(rng.uniform(300, 1200)) if rng.random() < 0.2 else None,
                max_distance_m=float(rng.uniform(200, 800)) if rng.random() < 0.2 else None,
            )
        )
    locks = []
    pinned: dict[str, str] = {}
    used: set[str] = set()
    if rng.random() < 0.7:
        v = vehicles[0]
        on_board = [t.id for t in tasks if t.pickups and t.id not in used][:1]
        used |= set(on_board)
        partly = [t for t in tasks if len(t.pickups) >= 2 and t.id not in used][:1]
        used |= {t.id for t in partly}
        prefix_task = next((t for t in tasks if t.pickups and t.id not in used), None)
        prefix: tuple[tuple[str, int], ...] = ()
        if prefix_task is not None:
            used.add(prefix_task.id)
            prefix = ((prefix_task.id, 0),)
        locks.append(
            VehicleLock(
                v.id,
                fixed_prefix=prefix,
                on_board=tuple(on_board),
                picked_up_at_s={
                    **dict.fromkeys(on_board, v.shift.start_s - 30.0),
                    **{t.id: v.shift.start_s - 20.0 for t in partly},
                },
                pickups_done={t.id: (0,) for t in partly},
            )
        )
    free = [t for t in tasks if t.id not in used]
    if free and rng.random() < 0.5:
        pinned[free[0].id] = vehicles[-1].id
    return RoutingProblem(tuple(vehicles), tuple(tasks), matrices, tuple(locks), pinned)


def random_routes(problem: RoutingProblem, seed: int) -> dict[str, list[Visit]]:
    """Each task (or none) on one vehicle, stops interleaved at random with every pickup
    before the delivery; locked prefixes first and carried tasks on their carrier."""
    rng = np.random.default_rng(seed)
    per: dict[str, list[str]] = {v.id: [] for v in problem.vehicles}
    prefix_tasks = {tid for lock in problem.locks for tid, _ in lock.fixed_prefix}
    for task in problem.tasks:
        forced = problem.forced_vehicle(task.id)
        if forced is not None:
            per[forced].append(task.id)
        elif rng.random() < 0.8:
            per[problem.vehicles[int(rng.integers(len(problem.vehicles)))].id].append(task.id)
    routes: dict[str, list[Visit]] = {}
    for v in problem.vehicles:
        lock = problem.lock_of(v.id)
        prefix = list(lock.fixed_prefix) if lock else []
        pending = {
            tid: [(tid, i) for i in problem.stops_left(tid) if (tid, i) not in prefix]
            for tid in per[v.id]
        }
        seq: list[Visit] = []
        while any(pending.values()):
            choices = [tid for tid, left in pending.items() if left]
            tid = choices[int(rng.integers(len(choices)))]
            seq.append(pending[tid].pop(0))
        if prefix or seq:
            routes[v.id] = prefix + seq
        assert prefix_tasks is not None
    return routes

"""Peer solvers for the quality report: PyVRP, VROOM (pyvroom) and plain OR-Tools.

``./run quality --peers`` solves every instance with the engine and with each peer here
at the same time limit and checks every answer with :func:`solvers.check`.  A peer takes
the project's :class:`~solvers.problem.RoutingProblem` of a benchmark instance, a time
limit and a seed, and returns routes as the problem's visits ``(task id, stop index)``;
:func:`peer_solution` turns them into a :class:`~solvers.solution.RoutingSolution` with
the project's own route evaluation (:func:`solvers.evaluate.evaluate_route`), so every
time, load and distance is recomputed in real arithmetic, whatever the peer computed.

VROOM is a benchmark-only dependency (the ``bench`` extra), imported here lazily inside
the function that uses it; PyVRP is a main dependency (the portfolio's member), and its
translation is the member's (:mod:`solvers.pyvrp_member`, which imports PyVRP lazily too)
with a distance-only objective.  Each peer runs one search thread (PyVRP is
single-threaded; VROOM gets ``nb_threads=1``; plain OR-Tools searches in one thread).

What the peers can model (:func:`peer_support` says why not, per problem): one depot
that every vehicle leaves from and returns to, one travel profile, hard single time
windows, no skills, ride-time, route-duration or route-distance limits, no locks, no
drop penalties, and tasks loaded at the depot (VRPTW, CVRP) or with exactly one pickup
(PDPTW: PyVRP and VROOM shipments, a pickup-and-delivery pair in plain OR-Tools).  So
Solomon, Gehring-Homberger and Li & Lim are covered by all three, Uchoa X by PyVRP and
VROOM (plain OR-Tools needs shifts that end, its horizon); MPDPTW (several pickups per
request) and Cordeau (several depots, a route-duration limit) are not applicable, so the
report shows "n/a" rather than solving a relaxed problem.

Integer data: PyVRP and VROOM take integer matrices, so distances are scaled by
:data:`SCALE` and rounded (the objective), and times are scaled and rounded so that an
integer-feasible schedule is feasible in real arithmetic: travel and service up,
window starts up, window and shift ends down.  Loads are scaled by :data:`SCALE` with
demands rounded up and capacities down, for the same reason.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from benchmarks.plain_ortools import solve_plain
from solvers.errors import InvalidInputError
from solvers.evaluate import Visit, evaluate_route
from solvers.problem import RoutingProblem, Stop, TimeWindow, Vehicle
from solvers.pyvrp_member import build_data, run_pyvrp
from solvers.solution import (
    CostBreakdown,
    Route,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    UnassignedReason,
    UnassignedTask,
)

SCALE = 1000  # integer units per distance, time or load unit: three decimals kept
# VROOM's exploration level (1-5): 5 is its command line's default and strongest search.
VROOM_EXPLORATION = 5
THREADS = 1  # search threads per peer, for a fair comparison with one engine worker


class Peer(StrEnum):
    """A peer solver of the quality report."""

    PYVRP = "pyvrp"
    VROOM = "vroom"
    PLAIN_ORTOOLS = "ortools"


PEERS: tuple[Peer, ...] = tuple(Peer)

# The module each peer needs, for the "not installed" check.
_MODULES: dict[Peer, str] = {
    Peer.PYVRP: "pyvrp",
    Peer.VROOM: "vroom",
    Peer.PLAIN_ORTOOLS: "ortools",
}
_PACKAGES: dict[Peer, str] = {
    Peer.PYVRP: "pyvrp",
    Peer.VROOM: "pyvroom",
    Peer.PLAIN_ORTOOLS: "ortools",
}


class PeerNotApplicableError(InvalidInputError):
    """The peer cannot model this problem without dropping a constraint."""


@dataclass(frozen=True)
class PeerRoutes:
    """What a peer found, in the problem's terms.

    Attributes:
        peer: which peer.
        routes: per used vehicle, (vehicle id, visits in order).
        solve_s: wall-clock seconds, model building included.
        threads: search threads used.
    """

    peer: Peer
    routes: tuple[tuple[str, tuple[Visit, ...]], ...]
    solve_s: float
    threads: int = THREADS


def peer_missing(peer: Peer) -> str | None:
    """Why ``peer`` cannot run here (its library is not installed), or None."""
    try:
        spec = importlib.util.find_spec(_MODULES[peer])
    except (ImportError, ValueError):  # a broken or blocked install counts as missing
        spec = None
    if spec is None:
        return (
            f"{_PACKAGES[peer]} is not installed (benchmark-only dependency: "
            "pip install -e '.[bench]' or ./run setup)"
        )
    return None


def _one_window(stop: Stop) -> bool:
    return len(stop.windows) == 1 and stop.max_lateness_s == 0


def peer_support(peer: Peer, problem: RoutingProblem) -> str | None:
    """Why ``peer`` cannot model ``problem`` exactly, or None when it can."""
    if not problem.vehicles or not problem.tasks:
        return "needs vehicles and tasks"
    first = problem.vehicles[0]
    if problem.locks:
        return "cannot keep locked routes"
    for v in problem.vehicles:
        if v.end != first.start or v.start != first.start:
            return "needs one depot that every vehicle leaves from and returns to"
        if v.profile != first.profile:
            return "needs one travel profile"
        if v.skills or v.max_duration_s is not None or v.max_distance_m is not None:
            return "cannot model skills or route duration or distance limits"
        if len(v.capacity) != len(first.capacity):
            return "needs the same capacity dimensions on every vehicle"
    for task in problem.tasks:
        if len(task.pickups) > 1:
            return f"task {task.id!r} has {len(task.pickups)} pickups (one at most)"
        if task.skills or task.max_ride_s is not None:
            return "cannot model skills or ride-time limits"
        if task.drop_penalty is not None:
            return "needs every task required (no drop penalties)"
        if len(task.demand) != len(first.capacity):
            return f"task {task.id!r}: needs one demand per capacity dimension"
        if not all(_one_window(s) for s in task.stops):
            return "needs one hard time window per stop"
    if peer is Peer.PLAIN_ORTOOLS:
        if not math.isfinite(first.shift.end_s):
            return "needs shifts that end (its horizon)"
        if len({(v.capacity, v.shift) for v in problem.vehicles}) > 1:
            return "needs identical vehicles"
        if len({bool(t.pickups) for t in problem.tasks}) > 1:
            return "needs every task picked up, or none"
        if len(first.capacity) > 1:
            return "needs one capacity dimension"
    return None


# --- integer data ------------------------------------------------------------------------


def _up(value: float) -> int:
    """Scaled and rounded up (a time that must not be underestimated)."""
    return math.ceil(value * SCALE - 1e-6)


def _down(value: float) -> int:
    """Scaled and rounded down (a deadline or capacity that must not be overestimated)."""
    return math.floor(value * SCALE + 1e-6)


@dataclass(frozen=True)
class _IntegerData:
    """The problem's locations and matrices in scaled integers.

    ``places[i]`` is the problem location of integer location ``i``; 0 is the depot.
    """

    places: tuple[int, ...]
    index: dict[int, int]
    distance: npt.NDArray[np.int64]
    duration: npt.NDArray[np.int64]


def _integer_data(problem: RoutingProblem) -> _IntegerData:
    depot = problem.vehicles[0].start
    places = [depot]
    seen = {depot}
    for task in problem.tasks:
        for stop in task.stops:
            if stop.location not in seen:
                seen.add(stop.location)
                places.append(stop.location)
    mats = problem.matrices[problem.vehicles[0].profile]
    sub = np.ix_(places, places)
    distance = np.rint(mats.distance_m[sub] * SCALE).astype(np.int64)
    duration = np.ceil(mats.duration_s[sub] * SCALE - 1e-6).astype(np.int64)
    return _IntegerData(tuple(places), {p: i for i, p in enumerate(places)}, distance, duration)


def _window(stop: Stop) -> tuple[int, int | None]:
    """(earliest start, latest start or None for open) of the stop's one window."""
    return _span(stop.windows[0])


def _span(window: TimeWindow) -> tuple[int, int | None]:
    """(start, end or None for open) of ``window``, scaled inwards."""
    end = _down(window.end_s) if math.isfinite(window.end_s) else None
    return _up(window.start_s), end


def _demand(values: Sequence[float]) -> list[int]:
    return [_up(d) for d in values]


def _capacity(vehicle: Vehicle) -> list[int]:
    return [_down(c) for c in vehicle.capacity]


def _left_s(started: float, time_limit_s: float) -> float:
    # The model building counts against the limit, as the engine's does.
    return max(0.01, time_limit_s - (time.perf_counter() - started))


# --- PyVRP -------------------------------------------------------------------------------


def solve_pyvrp(problem: RoutingProblem, time_limit_s: float, seed: int = 0) -> PeerRoutes:
    """Solve ``problem`` with PyVRP's iterated local search for ``time_limit_s`` seconds.

    The translation is the portfolio member's (:mod:`solvers.pyvrp_member`: tasks loaded
    at the depot are clients with a delivery amount, tasks with one pickup are
    shipments, alike vehicles one vehicle type), with a distance-only objective: plain
    PyVRP, as the engine is scored on these instances.

    Raises:
        PeerNotApplicableError: the problem has a shape PyVRP is not given here.
    """
    started = time.perf_counter()
    _require(Peer.PYVRP, problem)
    translated = build_data(problem, SCALE, distance_only=True)
    found = run_pyvrp(translated, started + time_limit_s, seed)
    routes = tuple((vehicle_id, visits) for vehicle_id, visits, _ in found.routes)
    return PeerRoutes(Peer.PYVRP, routes, time.perf_counter() - started)


# --- VROOM -------------------------------------------------------------------------------


def solve_vroom(problem: RoutingProblem, time_limit_s: float, seed: int = 0) -> PeerRoutes:
    """Solve ``problem`` with VROOM (pyvroom) for at most ``time_limit_s`` seconds.

    Tasks loaded at the depot are jobs with a delivery amount; tasks with one pickup are
    shipments.  Durations are the scaled travel times and the cost matrix the scaled
    distances (so VROOM minimises distance, as the engine does here); one thread,
    exploration level :data:`VROOM_EXPLORATION`.  VROOM has no seed: ``seed`` is
    accepted for a uniform signature and ignored.

    Raises:
        PeerNotApplicableError: the problem has a shape VROOM is not given here.
    """
    del seed  # VROOM's search is deterministic for a given input
    started = time.perf_counter()
    _require(Peer.VROOM, problem)
    import vroom  # noqa: PLC0415  (benchmark-only dependency, as pyvrp above)

    data = _integer_data(problem)
    # VROOM reads matrices as unsigned 32-bit integers.
    limit = int(np.iinfo(np.uint32).max)
    if max(int(data.distance.max()), int(data.duration.max())) > limit:
        raise PeerNotApplicableError("vroom", "scaled matrices exceed 32-bit integers")
    problem_input = vroom.Input()
    problem_input.set_durations_matrix("car", data.duration)
    problem_input.set_costs_matrix("car", data.distance)

    def windows(stop: Stop) -> list[object]:
        early, late = _window(stop)
        return [] if late is None else [vroom.TimeWindow(early, late)]

    for k, v in enumerate(problem.vehicles):
        early, late = _span(v.shift)
        problem_input.add_vehicle(
            vroom.Vehicle(
                k,
                start=0,
                end=0,
                capacity=_capacity(v),
                time_window=None if late is None else vroom.TimeWindow(early, late),
            )
        )
    for k, task in enumerate(problem.tasks):
        if not task.pickups:
            problem_input.add_job(
                vroom.Job(
                    k,
                    location=data.index[task.delivery.location],
                    default_service=_up(task.delivery.service_s),
                    delivery=vroom.Amount(_demand(task.demand)),
                    time_windows=windows(task.delivery),
                )
            )
            continue
        pickup = task.pickups[0]
        problem_input.add_shipment(
            vroom.ShipmentStep(
                k,
                location=data.index[pickup.location],
                default_service=_up(pickup.service_s),
                time_windows=windows(pickup),
            ),
            vroom.ShipmentStep(
                k,
                location=data.index[task.delivery.location],
                default_service=_up(task.delivery.service_s),
                time_windows=windows(task.delivery),
            ),
            amount=vroom.Amount(_demand(task.demand)),
        )
    left = _left_s(started, time_limit_s)
    solution = problem_input.solve(
        exploration_level=VROOM_EXPLORATION,
        nb_threads=THREADS,
        timeout=timedelta(seconds=left),
    )
    frame = solution.routes
    steps: dict[int, list[Visit]] = {}
    for vehicle_k, kind, job in zip(
        frame["vehicle_id"].tolist(), frame["type"].tolist(), frame["id"].tolist(), strict=True
    ):
        if kind in ("job", "pickup", "delivery"):
            stop_index = 1 if kind == "delivery" else 0
            steps.setdefault(int(vehicle_k), []).append((problem.tasks[int(job)].id, stop_index))
    routes = tuple(
        (problem.vehicles[k].id, tuple(visits)) for k, visits in sorted(steps.items()) if visits
    )
    return PeerRoutes(Peer.VROOM, routes, time.perf_counter() - started)


# --- plain OR-Tools ----------------------------------------------------------------------


def solve_ortools(problem: RoutingProblem, time_limit_s: float, seed: int = 0) -> PeerRoutes:
    """Solve ``problem`` with the textbook OR-Tools model (:mod:`benchmarks.plain_ortools`).

    Its search has no seed (PATH_CHEAPEST_ARC then guided local search): ``seed`` is
    accepted for a uniform signature and ignored.

    Raises:
        PeerNotApplicableError: the problem has a shape the plain model does not take.
    """
    del seed  # OR-Tools' routing search is deterministic for a given model
    _require(Peer.PLAIN_ORTOOLS, problem)
    result = solve_plain(problem, time_limit_s)
    return PeerRoutes(Peer.PLAIN_ORTOOLS, result.routes, result.solve_s)


def _require(peer: Peer, problem: RoutingProblem) -> None:
    reason = peer_support(peer, problem)
    if reason is not None:
        raise PeerNotApplicableError(str(peer), reason)


SOLVERS = {
    Peer.PYVRP: solve_pyvrp,
    Peer.VROOM: solve_vroom,
    Peer.PLAIN_ORTOOLS: solve_ortools,
}


def solve_peer(
    peer: Peer, problem: RoutingProblem, time_limit_s: float, seed: int = 0
) -> PeerRoutes:
    """Solve ``problem`` with ``peer`` (see :data:`SOLVERS`).

    Raises:
        PeerNotApplicableError: the peer cannot model the problem.
    """
    return SOLVERS[peer](problem, time_limit_s, seed)


# --- back to the project's terms ---------------------------------------------------------


def peer_solution(problem: RoutingProblem, found: PeerRoutes) -> RoutingSolution:
    """A :class:`RoutingSolution` of the peer's routes, evaluated by the project.

    Each route is driven by :func:`solvers.evaluate.evaluate_route` from its vehicle's
    shift start (earliest service everywhere); a task on no route is unassigned with
    reason ``search_limit`` (the peer did not place it).  The checker then judges it.
    """
    routes: list[Route] = []
    for vehicle_id, visits in found.routes:
        ev = evaluate_route(problem, problem.vehicle(vehicle_id), visits)
        routes.append(
            Route(vehicle_id, ev.start_s, ev.stops, ev.end_s, ev.distance_m, ev.duration_s, ev.cost)
        )
    served = {task_id for _, visits in found.routes for task_id, _ in visits}
    unassigned = tuple(
        UnassignedTask(task.id, UnassignedReason.SEARCH_LIMIT, f"{found.peer} left it out")
        for task in problem.tasks
        if task.id not in served
    )
    drop = sum(problem.task(u.task_id).drop_penalty or 0.0 for u in unassigned)
    cost = sum((r.cost for r in routes), CostBreakdown(drop_penalty=drop))
    status = SolveStatus.SOLVED if routes else SolveStatus.NO_SOLUTION
    stats = SolveStats(status, found.solve_s, 0, 0, found.threads, 0)
    return RoutingSolution(tuple(routes), unassigned, cost, stats)

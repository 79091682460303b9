"""PyVRP as a member of the solver portfolio, for the problems it models exactly.

PyVRP (hybrid genetic search / iterated local search, a locked main dependency) is
strong on capacitated VRP with time windows and on pickup-and-delivery with one pickup
per shipment, but it has no multi-pickup tasks, ride-time limits, several windows per
stop, soft lateness, skills or locks.  :func:`pyvrp_support` says whether a
:class:`~solvers.problem.RoutingProblem` is representable *exactly* (nothing dropped or
changed) and, if not, why; only then does the portfolio run it.

:func:`build_data` translates a problem to PyVRP's integer data with the project's
scaling (:mod:`solvers.scaling`: travel times and window starts rounded up, window and
shift ends down, capacities down, so an integer-feasible schedule is feasible in real
arithmetic); :func:`run_pyvrp` runs it to a deadline (and ``MaxIterations`` for the
iteration stop rule) with a seed and reads the routes back as visit sequences per
vehicle.  The caller re-evaluates them with :mod:`solvers.evaluate` and keeps them only
when :func:`solvers.checker.check` accepts them.  The quality report's "plain PyVRP"
peer (:mod:`benchmarks.peers`) uses the same translation with a distance-only objective.

PyVRP is imported inside the functions that run it, so importing this module is cheap.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from solvers.errors import InvalidInputError
from solvers.evaluate import Visit
from solvers.problem import RoutingProblem, Stop, Vehicle
from solvers.processes import die_with_parent, worker_context
from solvers.scaling import (
    COST_SCALE,
    MAX_HORIZON,
    objective_rate,
    scaled,
    scaled_capacity,
    scaled_cost,
    scaled_demand,
    scaled_time,
    scaled_up,
)

# Integer cost coefficients are the objective's rates (objective units per integer unit
# of distance or time, :func:`solvers.scaling.objective_rate`) times this factor before
# rounding, then divided by their common divisor: a rate like 1.5 (1.5 per km at 1000
# units per metre) keeps its ratio to the others within 0.1%.
RATE_PRECISION = 1000


# PyVRP checks its stop between iterations and then builds its result: it is given this
# share of the time left so that it returns by the deadline (measured on Li & Lim lr1xx
# at 1 s on a loaded machine: 0.11 s over the deadline with the whole time left).
RUNTIME_SHARE = 0.85


def _one_hard_window(stop: Stop) -> bool:
    return len(stop.windows) == 1 and stop.max_lateness_s == 0


def pyvrp_support(problem: RoutingProblem) -> str | None:
    """Why PyVRP cannot model ``problem`` exactly, or None when it can.

    Exactly representable: vehicles with a start, an end or an open route, a shift, a
    capacity vector, a travel profile, fixed, distance and time costs and a route
    duration limit (vehicles alike in all of these form one vehicle type); tasks loaded
    at the start or with one pickup, each stop with one hard time window, required or
    optional with a drop penalty (a prize).  Everything else is a reason: several
    pickups, ride-time limits, several windows, soft lateness, skills some vehicle
    lacks, route distance limits (PyVRP's distances are rounded, so the limit would not
    hold exactly), locks and pinned tasks.
    """
    if not problem.vehicles or not problem.tasks:
        return "needs vehicles and tasks"
    if problem.time_dependent:
        return "travel time depends on the departure time (speed profiles)"
    if problem.locks:
        return "locked routes (fixed prefixes, goods on board) cannot be kept"
    if problem.pinned:
        return "pinned tasks cannot be kept"
    if problem.balance is not None or any(v.breaks for v in problem.vehicles):  # fleet13
        return "workload balance and breaks are not modelled in PyVRP"
    for v in problem.vehicles:
        if v.max_distance_m is not None:
            return f"vehicle {v.id!r} has a route distance limit (rounded distances)"
    for task in problem.tasks:
        if len(task.pickups) > 1:
            return f"task {task.id!r} has {len(task.pickups)} pickups (one at most)"
        if task.max_ride_s is not None:
            return f"task {task.id!r} has a ride-time limit"
        for stop in task.stops:
            if len(stop.windows) != 1:
                return f"task {task.id!r} has a stop with {len(stop.windows)} time windows"
            if stop.max_lateness_s > 0:
                return f"task {task.id!r} has soft lateness"
        if any(not task.skills <= v.skills for v in problem.vehicles):
            return f"task {task.id!r} needs skills some vehicle lacks"
    return None


def preload() -> None:
    """Import PyVRP now: a parent process does it before forking its members, so the
    fork inherits the module instead of each member importing it on its own clock."""
    import pyvrp  # noqa: F401, PLC0415


@dataclass(frozen=True)
class PyvrpData:
    """A problem translated to PyVRP, and the way back.

    Attributes:
        data: the ``pyvrp.ProblemData``.
        client_task: task id of each PyVRP client (tasks loaded at the start).
        shipment_task: task id of each PyVRP shipment (tasks with one pickup).
        type_vehicles: the vehicle ids of each PyVRP vehicle type, in problem order.
        scale: integer time units per second (``SolveParams.distance_scale``).
    """

    data: Any
    client_task: tuple[str, ...]
    shipment_task: tuple[str, ...]
    type_vehicles: tuple[tuple[str, ...], ...]
    scale: int


def _ints(values: list[float]) -> list[int]:
    """Rates to integers with :data:`RATE_PRECISION`, divided by their common divisor."""
    floor = min((x for x in values if x > 0), default=1.0)
    factor = RATE_PRECISION / floor if floor < RATE_PRECISION else 1.0
    ints = [round(x * factor) if x > 0 else 0 for x in values]
    divisor = reduce(math.gcd, ints, 0) or 1
    return [x // divisor for x in ints]


def _window(stop: Stop, scale: int) -> tuple[int, int]:
    window = stop.windows[0]
    return scaled_time(window.start_s, scale, up=True), scaled_time(window.end_s, scale, up=False)


def build_data(problem: RoutingProblem, scale: int, *, distance_only: bool = False) -> PyvrpData:
    """PyVRP's data for ``problem`` (which :func:`pyvrp_support` accepts).

    Objective: each vehicle's fixed, distance and time costs and the drop penalties as
    prizes, in proportion (:data:`RATE_PRECISION`); ``distance_only`` makes it the total
    distance (the quality report's plain peer on distance-only benchmarks).

    Raises:
        InvalidInputError: never for a problem :func:`pyvrp_support` accepts (the
            caller checks it first).
    """
    import pyvrp  # noqa: PLC0415  (heavy import, only when PyVRP runs)

    # Locations: the depots first (every start and end; one "anywhere" end for open
    # routes, reached from every place at no distance or time), then the stops.
    depot_places = list(
        dict.fromkeys(
            [v.start for v in problem.vehicles]
            + [v.end for v in problem.vehicles if v.end is not None]
        )
    )
    open_end = any(v.end is None for v in problem.vehicles)
    stop_places = list(dict.fromkeys(s.location for t in problem.tasks for s in t.stops))
    depot_count = len(depot_places) + int(open_end)
    anywhere = len(depot_places) if open_end else -1
    index = {p: i for i, p in enumerate(depot_places)}
    # The problem location of each PyVRP location (the "anywhere" end copies a depot's row).
    rows = depot_places + ([depot_places[0]] if open_end else []) + stop_places
    sub = np.ix_(rows, rows)
    profiles = list(dict.fromkeys(v.profile for v in problem.vehicles))
    distances, durations = [], []
    for profile in profiles:
        mats = problem.matrices[profile]
        dist = scaled(mats.distance_m[sub], scale)
        dur = scaled_up(mats.duration_s[sub], scale)
        if open_end:
            dist[:, anywhere] = 0
            dur[:, anywhere] = 0
        distances.append(dist)
        durations.append(dur)

    stop_index = {p: depot_count + k for k, p in enumerate(stop_places)}
    groups: dict[tuple[Any, ...], list[Vehicle]] = {}
    for v in problem.vehicles:
        key = (
            v.start,
            v.end,
            v.profile,
            v.capacity,
            v.shift,
            v.fixed_cost,
            v.cost_per_km,
            v.cost_per_hour,
            v.max_duration_s,
        )
        groups.setdefault(key, []).append(v)
    kinds = [g[0] for g in groups.values()]
    sizes = [len(g) for g in groups.values()]
    # The objective's integer coefficients, all in one proportion.
    rates: list[float] = []
    for v in kinds:
        if distance_only:
            rates += [0.0, 1.0, 0.0]
        else:
            rates += [
                float(scaled_cost(v.fixed_cost)),
                objective_rate(v.cost_per_km, 1000.0, scale),
                objective_rate(v.cost_per_hour, 3600.0, scale),
            ]
    prizes = [
        0.0 if task.drop_penalty is None or distance_only else float(task.drop_penalty * COST_SCALE)
        for task in problem.tasks
    ]
    coefficients = _ints(rates + prizes)
    vehicle_types = []
    for k, v in enumerate(kinds):
        fixed, per_distance, per_duration = coefficients[3 * k : 3 * k + 3]
        vehicle_types.append(
            pyvrp.VehicleType(
                sizes[k],
                capacity=[scaled_capacity(c) for c in v.capacity],
                start_depot=index[v.start],
                end_depot=anywhere if v.end is None else index[v.end],
                fixed_cost=fixed,
                tw_early=scaled_time(v.shift.start_s, scale, up=True),
                tw_late=scaled_time(v.shift.end_s, scale, up=False),
                shift_duration=(
                    MAX_HORIZON
                    if v.max_duration_s is None
                    else scaled_time(v.max_duration_s, scale, up=False)
                ),
                unit_distance_cost=per_distance,
                unit_duration_cost=per_duration,
                profile=profiles.index(v.profile),
            )
        )
    task_prizes = coefficients[3 * len(kinds) :]
    clients, shipments = [], []
    client_task, shipment_task = [], []
    for task, prize in zip(problem.tasks, task_prizes, strict=True):
        demand = [int(x) for x in scaled_demand(task.demand)] if task.demand else []
        early, late = _window(task.delivery, scale)
        required = task.drop_penalty is None
        if not task.pickups:
            clients.append(
                pyvrp.Client(
                    stop_index[task.delivery.location],
                    delivery=demand,
                    service_duration=scaled_time(task.delivery.service_s, scale, up=True),
                    tw_early=early,
                    tw_late=late,
                    prize=0 if required else prize,
                    required=required,
                )
            )
            client_task.append(task.id)
            continue
        pickup = task.pickups[0]
        p_early, p_late = _window(pickup, scale)
        shipments.append(
            pyvrp.Shipment(
                stop_index[pickup.location],
                stop_index[task.delivery.location],
                pickup_tw_early=p_early,
                pickup_tw_late=p_late,
                pickup_service_duration=scaled_time(pickup.service_s, scale, up=True),
                delivery_tw_early=early,
                delivery_tw_late=late,
                delivery_service_duration=scaled_time(task.delivery.service_s, scale, up=True),
                amount=demand,
                prize=0 if required else prize,
                required=required,
            )
        )
        shipment_task.append(task.id)
    data = pyvrp.ProblemData(
        [pyvrp.Location(0.0, 0.0) for _ in rows],
        clients,
        [pyvrp.Depot(i) for i in range(depot_count)],
        vehicle_types,
        # PyVRP's stub annotates matrices as ``np.ndarray[int]`` (not a shape type).
        distances,  # type: ignore[arg-type]
        durations,  # type: ignore[arg-type]
        shipments=shipments,
    )
    return PyvrpData(
        data,
        tuple(client_task),
        tuple(shipment_task),
        tuple(tuple(v.id for v in g) for g in groups.values()),
        scale,
    )


@dataclass(frozen=True)
class PyvrpRoutes:
    """What PyVRP found, in the problem's terms.

    Attributes:
        routes: per used vehicle, (vehicle id, visits in order, departure in seconds).
        feasible: whether PyVRP itself judged its best solution feasible.
        objective: PyVRP's objective (its integer units), -1 when infeasible.
        iterations: iterations its search ran.
    """

    routes: tuple[tuple[str, tuple[Visit, ...], float], ...]
    feasible: bool
    objective: int
    iterations: int


def stopping_rule(time_limit_s: float, iterations: int | None) -> Any:
    """PyVRP's stop: the clock, and ``MaxIterations`` when the iteration rule is set."""
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria  # noqa: PLC0415

    clock = MaxRuntime(max(0.01, time_limit_s))
    if iterations is None:
        return clock
    return MultipleCriteria([clock, MaxIterations(iterations)])


def run_pyvrp(
    translated: PyvrpData, deadline_s: float, seed: int, iterations: int | None = None
) -> PyvrpRoutes:
    """Run PyVRP's search until ``deadline_s`` (a ``perf_counter`` time) or
    ``iterations``, with ``seed``; the best solution's routes in the problem's terms."""
    import pyvrp  # noqa: PLC0415

    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound (no feasible solution in sight):
        # its answer is judged by the checker whatever it says, so the warning adds nothing.
        warnings.simplefilter("ignore")
        result = pyvrp.solve(
            translated.data,
            stopping_rule(RUNTIME_SHARE * (deadline_s - time.perf_counter()), iterations),
            seed=seed,
            collect_stats=False,
            display=False,
        )
    best = result.best
    free = [list(ids) for ids in translated.type_vehicles]
    routes: list[tuple[str, tuple[Visit, ...], float]] = []
    for route in best.routes():
        visits: list[Visit] = []
        for activity in route.schedule():
            if activity.is_client():
                visits.append((translated.client_task[activity.idx], 0))
            elif activity.is_pickup():
                visits.append((translated.shipment_task[activity.idx], 0))
            elif activity.is_delivery():
                visits.append((translated.shipment_task[activity.idx], 1))
        if visits:
            vehicle_id = free[route.vehicle_type()].pop(0)
            routes.append((vehicle_id, tuple(visits), route.start_time() / translated.scale))
    feasible = bool(best.is_feasible())
    objective = int(result.cost()) if feasible else -1
    return PyvrpRoutes(tuple(routes), feasible, objective, int(result.num_iterations))


# --- rel16: PyVRP behind a process boundary --------------------------------------------
# PyVRP's setup (our translation, then its own before the first iteration) is not cut by
# the deadline: it grows with the problem (see SETUP_S) and, on a loaded machine, can
# outlast a short limit.  So the member runs in a child process that the caller abandons
# (kills) once the deadline has passed by this much without an answer: the result of a
# search that stopped on time still arrives (PyVRP stops at RUNTIME_SHARE of the time
# left).  Seconds.
ABANDON_GRACE_S = 0.1
# PyVRP's setup in seconds (build_data + pyvrp.solve up to its first iteration) by
# tasks, measured with `python -m benchmarks.pyvrp_setup` (the slowest of 3 runs,
# random depot-delivery problems with one time window per stop, on the 2-core machine
# shared by other helpers, load average 5.6-5.9; 2,000 tasks took 4.6 s).  Between and
# beyond the sizes, linear.
SETUP_S: tuple[tuple[int, float], ...] = ((100, 0.055), (250, 0.14), (500, 0.51), (1000, 1.36))
# PyVRP runs only where its predicted setup takes at most this share of the search's
# time: the rest is its search, which must be worth its start.
SETUP_SHARE = 0.5


def predicted_setup_s(tasks: int) -> float:
    """PyVRP's setup time for a problem of ``tasks`` tasks (:data:`SETUP_S`, linear
    between and beyond the measured sizes), seconds."""
    (n0, s0), *rest = SETUP_S
    if tasks <= n0:
        return s0
    for n1, s1 in rest:
        if tasks <= n1:
            return s0 + (s1 - s0) * (tasks - n0) / (n1 - n0)
        n0, s0 = n1, s1
    (na, sa), (nb, sb) = SETUP_S[-2], SETUP_S[-1]
    return sb + (sb - sa) * (tasks - nb) / (nb - na)


def setup_fits(problem: RoutingProblem, search_s: float) -> bool:
    """Whether PyVRP's predicted setup for ``problem`` leaves it most of ``search_s``
    seconds (:data:`SETUP_SHARE`); the portfolio's lineup runs it only then."""
    return predicted_setup_s(len(problem.tasks)) <= SETUP_SHARE * search_s


def run_pyvrp_abandonable(
    problem: RoutingProblem,
    scale: int,
    deadline_s: float,
    seed: int,
    iterations: int | None = None,
) -> PyvrpRoutes | None:
    """:func:`build_data` and :func:`run_pyvrp` in a child process (dying with this one),
    abandoned when ``deadline_s`` (a ``perf_counter`` time) has passed by
    :data:`ABANDON_GRACE_S` without an answer: its routes, or None when abandoned or the
    child died.

    Raises:
        InvalidInputError: the translation refused the problem (a value out of range).
    """
    context = worker_context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_pyvrp_child,
        args=(problem, scale, deadline_s, seed, iterations, send, os.getpid()),
        daemon=True,
    )
    child.start()
    send.close()  # the child's end: EOF here when the child dies
    try:
        wait_s = deadline_s + ABANDON_GRACE_S - time.perf_counter()
        answer = receive.recv() if receive.poll(max(0.0, wait_s)) else None
    except EOFError:  # the child died without answering
        answer = None
    finally:
        if child.is_alive():
            child.kill()  # abandoned: its setup or search outlasted the deadline
        child.join()
        receive.close()
    if isinstance(answer, InvalidInputError):
        raise answer
    return answer if isinstance(answer, PyvrpRoutes) else None


def _pyvrp_child(  # noqa: PLR0917 (a Process target takes its arguments by position)
    problem: RoutingProblem,
    scale: int,
    deadline_s: float,
    seed: int,
    iterations: int | None,
    send: Any,
    parent_pid: int,
) -> None:
    die_with_parent(parent_pid)
    answer: PyvrpRoutes | InvalidInputError | str
    try:
        answer = run_pyvrp(build_data(problem, scale), deadline_s, seed, iterations)
    except InvalidInputError as exc:
        answer = exc
    except Exception as exc:  # a failing member is ignored, never fatal
        answer = f"{type(exc).__name__}: {exc}"
    send.send(answer)
    send.close()


# --- end rel16 -------------------------------------------------------------------------

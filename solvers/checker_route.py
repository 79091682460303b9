"""The checker's replay of one route, in its own arithmetic (see :mod:`solvers.checker`).

It reads the problem and the route only, never :mod:`solvers.evaluate`: a bug in the
evaluator that builds solutions would otherwise pass its own check.  The route's
reported schedule (its departure and each stop's start of service) is verified, not
re-derived: travel from the matrices gives each arrival, and the reported start must
come at or after it, inside a window or within the stop's lateness allowance after a
soft window (each window soft or hard, real13), and no
later than the next open window unless it is the first pickup of a ride-limited task
(a courier may wait at the shop rather than with the food).  Units: seconds on the
problem's clock, metres, the problem's money.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from solvers.problem import RoutingProblem, Stop, Task, Vehicle
from solvers.solution import CostBreakdown, Route, RouteBreak, RouteStop, StopKind

# A constraint is broken only by more than this (seconds, metres or load units): the
# solver's own float arithmetic may sum in another order.
LIMIT_TOL = 1e-6
# A reported time may differ from the replay by this much (seconds) before it is wrong.
TIME_TOL_S = 1e-3
# Reported loads, and distances and costs relative to their size.
VALUE_TOL = 1e-6


class ViolationKind(StrEnum):
    """The rules the checker verifies (see :func:`solvers.checker.check`).

    Defined here, beside the route replay that reports most of them, and not shared with
    :class:`solvers.evaluate.BreachKind`: the checker must not depend on the evaluator
    it checks.
    """

    UNKNOWN_VEHICLE = "unknown_vehicle"
    DUPLICATE_ROUTE = "duplicate_route"
    UNKNOWN_TASK = "unknown_task"
    DUPLICATE_STOP = "duplicate_stop"
    PARTIAL_TASK = "partial_task"
    SPLIT_TASK = "split_task"
    PRECEDENCE = "precedence"
    COVERAGE = "coverage"
    ON_BOARD = "on_board"
    PARTLY_PICKED = "partly_picked"
    PREFIX = "prefix"
    PINNED = "pinned"
    MUST_SERVE = "must_serve"
    TIME_WINDOW = "time_window"
    CAPACITY = "capacity"
    SKILL = "skill"
    RIDE_TIME = "ride_time"
    SHIFT = "shift"
    MAX_DURATION = "max_duration"
    MAX_DISTANCE = "max_distance"
    BREAK = "break"  # fleet13: a vehicle's break not taken, or taken out of its window
    REPORTED = "reported"
    ROUTE_COST = "route_cost"
    COST = "cost"


Report = Callable[[ViolationKind, str], None]  # (kind, detail) about this route's vehicle


@dataclass(frozen=True, slots=True)
class ReplayedRoute:
    """What the replay found: the route's visits as (task id, stop index) and its cost."""

    visits: tuple[tuple[str, int], ...]
    cost: CostBreakdown
    duration_s: float = 0.0  # recomputed: from the departure to the end of the route


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _soft_ends_s(stop: Stop) -> list[float]:
    """real13: the ends of the windows after which service may start late: a window's
    own ``hard`` flag decides; without one, only the last window is soft."""
    last = len(stop.windows) - 1
    return [
        w.end_s for i, w in enumerate(stop.windows) if (i == last if w.hard is None else not w.hard)
    ]


def _next_open_s(stop: Stop, arrival_s: float) -> float:
    """Earliest start of service for an arrival: now (inside a window, or after a soft
    window's end within the allowance), or when the next window opens; past the last
    window, now (late)."""
    if any(0 < arrival_s - e <= stop.max_lateness_s for e in _soft_ends_s(stop)):
        return arrival_s
    opens = [max(arrival_s, w.start_s) for w in stop.windows if w.end_s >= arrival_s]
    return min(opens) if opens else arrival_s


def _lateness_s(stop: Stop, start_s: float) -> tuple[float, float] | None:
    """(seconds late, seconds allowed) for a start of service: late since the latest
    soft window that ended before it (allowed ``max_lateness_s``), or with none, since
    the last window (allowed 0); None when it starts before a window opens (in a gap
    after hard windows or before the first)."""
    if any(w.start_s <= start_s <= w.end_s for w in stop.windows):
        return 0.0, 0.0
    ended = [e for e in _soft_ends_s(stop) if e < start_s]
    if ended:
        return start_s - max(ended), stop.max_lateness_s
    last_end_s = stop.windows[-1].end_s
    return (start_s - last_end_s, 0.0) if start_s > last_end_s else None


def _start_load(problem: RoutingProblem, vehicle: Vehicle, route: Route) -> list[float]:
    """Load on board at departure: the lock's on-board tasks whole, the done pickups'
    shares of its partly picked tasks, and the route's tasks that have no pickup stop."""
    load = [0.0] * len(vehicle.capacity)
    lock = problem.lock_of(vehicle.id)
    whole: set[str] = set(lock.on_board) if lock is not None else set()
    for stop in route.stops:
        task = _task_or_none(problem, stop)
        if task is not None and not task.pickups:
            whole.add(task.id)
    for tid in sorted(whole):
        for k, d in enumerate(problem.task(tid).demand):
            load[k] += d
    if lock is not None:
        for tid, done in sorted(lock.pickups_done.items()):
            task = problem.task(tid)
            for i in done:
                for k, d in enumerate(task.pickup_demand(i)):
                    load[k] += d
    return load


def _task_or_none(problem: RoutingProblem, stop: RouteStop) -> Task | None:
    try:
        task = problem.task(stop.task_id)
    except KeyError:
        return None
    return task if 0 <= stop.stop_index <= len(task.pickups) else None


# --- time-dependent travel ------------------------------------------------------------
def _arrival_rule(problem: RoutingProblem, vehicle: Vehicle) -> Callable[[float, float], float]:
    """(departure, free-flow seconds) -> arrival for the vehicle's profile.

    With a speed profile (``RoutingProblem.speed_profiles``) the checker integrates the
    speed over time itself, slice by slice from the profile's periods, and does not call
    :meth:`solvers.travel_time.SpeedProfile.arrival_s`, the evaluator's rule."""
    speed = problem.speed_profiles.get(vehicle.profile)
    if speed is None:
        return lambda depart_s, base_s: depart_s + base_s
    periods, day_s = speed.periods, speed.period_s

    def arrive(depart_s: float, base_s: float) -> float:
        clock_s, left_s = depart_s, base_s
        while left_s > 0.0:
            midnight = math.floor(clock_s / day_s) * day_s
            phase = clock_s - midnight
            factor, until = 1.0, day_s
            for start, end, f in periods:
                if start <= phase < end:
                    factor, until = f, end
                    break
                if start > phase:
                    until = start
                    break
            slice_end = midnight + until
            if slice_end <= clock_s:  # rounding at a boundary: step into the next slice
                slice_end = math.nextafter(clock_s, math.inf)
            can = (slice_end - clock_s) * factor
            if left_s <= can:
                return clock_s + left_s / factor
            left_s -= can
            clock_s = slice_end
        return clock_s

    return arrive


def replay_route(
    problem: RoutingProblem, vehicle: Vehicle, route: Route, report: Report
) -> ReplayedRoute:
    """Drive ``route`` with ``vehicle`` from its reported departure and report, through
    ``report(kind, detail)``, every broken rule and every reported figure that differs.

    Kinds: ``unknown_task`` (a stop not in the problem; skipped), ``time_window``,
    ``capacity``, ``skill``, ``ride_time``, ``shift``, ``max_duration``,
    ``max_distance``, ``reported`` (a time, lateness, load, location, kind, distance or
    end differs from the replay, or service starts before arrival or waits without
    reason) and ``route_cost`` (``route.cost`` differs from the recomputed cost).
    Returns the visits found and the recomputed cost.
    """
    mats = problem.matrices[vehicle.profile]
    distance_of, duration_of = mats.distance_m, mats.duration_s
    arrive = _arrival_rule(problem, vehicle)
    lock = problem.lock_of(vehicle.id)
    if route.start_s < vehicle.shift.start_s - LIMIT_TOL:
        report(
            ViolationKind.SHIFT,
            f"leaves at {route.start_s:g} s, before its shift starts at "
            f"{vehicle.shift.start_s:g} s",
        )
    load = _start_load(problem, vehicle, route)
    # Overloaded by its lock (carries more than its capacity at the start): its locked
    # work is kept whatever the load, and it may take nothing else.
    capacity = _capacity_unless_overloaded(problem, vehicle, route, report)
    _check_capacity(capacity, load, "at departure", report)
    # When each task's ride began: carried tasks per the lock, tasks loaded at the
    # start at the departure, the others at their first pickup on this route.
    ride_began_s: dict[str, float] = {}
    if lock is not None:
        ride_began_s.update(
            (tid, at_s)
            for tid, at_s in lock.picked_up_at_s.items()
            if problem.carrier(tid) == vehicle.id
        )
    carries = lock is not None and bool(lock.on_board or lock.pickups_done)  # rel16
    clock_s = route.start_s
    here = vehicle.start
    distance_m = 0.0
    lateness_cost = 0.0
    visits: list[tuple[str, int]] = []
    breaks_at = _breaks_by_place(vehicle, route, report)  # fleet13
    for position, reported in enumerate(route.stops):
        clock_s = _take_breaks(vehicle, breaks_at.get(position, ()), clock_s, report)
        task = _task_or_none(problem, reported)
        if task is None:
            report(
                ViolationKind.UNKNOWN_TASK,
                f"task {reported.task_id!r} stop {reported.stop_index} is not in the problem",
            )
            continue
        what = f"task {task.id!r} stop {reported.stop_index}"
        visits.append((task.id, reported.stop_index))
        # Goods this vehicle's lock says it carries are delivered, late if need be and
        # whatever its skills: only windows not yet open and the route rules bind them.
        carried = lock is not None and (task.id in lock.on_board or task.id in lock.pickups_done)
        spec = task.stops[reported.stop_index]
        is_delivery = reported.stop_index == len(task.pickups)
        if not task.pickups and task.id not in ride_began_s:
            ride_began_s[task.id] = route.start_s
        arrival_s = arrive(clock_s, float(duration_of[here, spec.location]))
        distance_m += float(distance_of[here, spec.location])
        here = spec.location
        start_s = _verified_start(task, reported, arrival_s, ride_began_s, report)
        lateness = _lateness_s(spec, start_s)
        late_s = 0.0
        if lateness is None:
            report(
                ViolationKind.TIME_WINDOW,
                f"{what}: service starts at {start_s:g} s, outside its windows",
            )
        else:
            late_s, allowed_s = lateness
            if late_s > allowed_s + LIMIT_TOL and not carried:
                report(
                    ViolationKind.TIME_WINDOW,
                    f"{what}: service starts {late_s:g} s after its window "
                    f"(allowed {allowed_s:g} s)",
                )
        lateness_cost += late_s * spec.lateness_cost_per_s
        clock_s = start_s + spec.service_s
        if not task.skills <= vehicle.skills and not carried:
            report(
                ViolationKind.SKILL,
                f"task {task.id!r} needs {', '.join(sorted(task.skills - vehicle.skills))}",
            )
        if is_delivery:
            load = [have - d for have, d in zip(load, task.demand, strict=True)]
            began_s = ride_began_s.get(task.id)
            if (
                task.max_ride_s is not None
                and began_s is not None
                and start_s - began_s > task.max_ride_s + LIMIT_TOL
                and not carried
            ):
                report(
                    ViolationKind.RIDE_TIME,
                    f"task {task.id!r}: {start_s - began_s:g} s from first pickup to "
                    f"delivery, max {task.max_ride_s:g} s",
                )
        else:
            ride_began_s.setdefault(task.id, start_s)
            share = task.pickup_demand(reported.stop_index)
            load = [have + d for have, d in zip(load, share, strict=True)]
        _check_capacity(capacity, load, f"after {what}", report)
        # rel16: a vehicle carrying goods may work past its shift end only to deliver
        # them; the work it does not carry ends by the shift end.
        if carries and not carried and clock_s > vehicle.shift.end_s + LIMIT_TOL:
            report(
                ViolationKind.SHIFT,
                f"{what}: ends at {clock_s:g} s, after the shift ends at "
                f"{vehicle.shift.end_s:g} s (past it, only goods on board are delivered)",
            )
        if carries and not carried:  # rel16: so are its max duration and distance
            _check_new_work_within_limits(
                vehicle, what, clock_s - route.start_s, distance_m, report
            )
        _compare_stop(
            reported,
            what,
            location=spec.location,
            kind=StopKind.DELIVERY if is_delivery else StopKind.PICKUP,
            arrival_s=arrival_s,
            departure_s=clock_s,
            lateness_s=late_s,
            load=load,
            report=report,
        )
    clock_s = _take_breaks(vehicle, breaks_at.get(len(route.stops), ()), clock_s, report)
    if visits and vehicle.end is not None:
        clock_s = arrive(clock_s, float(duration_of[here, vehicle.end]))
        distance_m += float(distance_of[here, vehicle.end])
    end_s = clock_s if visits else route.start_s
    _check_breaks_off_route(vehicle, route, end_s, report)
    _check_route_limits(vehicle, route.start_s, end_s, distance_m, report, overtime=carries)
    _check_past_limits_reported(  # rel16
        vehicle, route, end_s - route.start_s, distance_m, report, carries=carries
    )
    if not _close(route.distance_m, distance_m, VALUE_TOL):
        report(
            ViolationKind.REPORTED, f"distance {route.distance_m!r} m, recomputed {distance_m!r} m"
        )
    if abs(route.end_s - end_s) > TIME_TOL_S:
        report(ViolationKind.REPORTED, f"end {route.end_s!r} s, recomputed {end_s!r} s")
    if abs(route.duration_s - (end_s - route.start_s)) > TIME_TOL_S:
        report(
            ViolationKind.REPORTED,
            f"duration {route.duration_s!r} s, recomputed {end_s - route.start_s!r} s",
        )
    cost = (
        CostBreakdown(
            fixed=vehicle.fixed_cost,
            distance=vehicle.cost_per_km * distance_m / 1000.0,
            time=vehicle.cost_per_hour * (end_s - route.start_s) / 3600.0,
            lateness=lateness_cost,
        )
        if visits
        else CostBreakdown()
    )
    for term in ("fixed", "distance", "time", "lateness", "drop_penalty", "balance"):
        said, computed = getattr(route.cost, term), getattr(cost, term)
        if not _close(said, computed, VALUE_TOL):
            report(ViolationKind.ROUTE_COST, f"{term} cost {said!r}, recomputed {computed!r}")
    return ReplayedRoute(tuple(visits), cost, end_s - route.start_s)


# --- fleet13: breaks ----------------------------------------------------------------------
def _breaks_by_place(vehicle: Vehicle, route: Route, report: Report) -> dict[int, list[RouteBreak]]:
    """The reported breaks by the number of stops before them; a break that names no
    break of the vehicle, is listed twice, or is placed outside the route is reported."""
    out: dict[int, list[RouteBreak]] = {}
    seen: set[int] = set()
    for taken in route.breaks:
        i = taken.break_index
        if not 0 <= i < len(vehicle.breaks) or i in seen:
            report(
                ViolationKind.BREAK, f"break {i} is not a break of the vehicle or is listed twice"
            )
            continue
        seen.add(i)
        if not 0 <= taken.after_stops <= len(route.stops):
            report(ViolationKind.BREAK, f"break {i} after {taken.after_stops} stops: no such place")
            continue
        out.setdefault(taken.after_stops, []).append(taken)
    return out


def _take_breaks(
    vehicle: Vehicle, taken: Sequence[RouteBreak], clock_s: float, report: Report
) -> float:
    """Take the breaks reported at this place, in order: each of its break's duration,
    within its window, no earlier than the vehicle is free.  Returns the clock after."""
    for item in sorted(taken, key=lambda b: b.start_s):
        brk = vehicle.breaks[item.break_index]
        what = f"break {item.break_index}"
        if item.start_s < clock_s - TIME_TOL_S:
            report(
                ViolationKind.BREAK,
                f"{what} starts at {item.start_s:g} s, before the vehicle is free at {clock_s:g} s",
            )
        if abs(item.end_s - item.start_s - brk.duration_s) > TIME_TOL_S:
            report(
                ViolationKind.BREAK,
                f"{what} lasts {item.end_s - item.start_s:g} s, must last {brk.duration_s:g} s",
            )
        if (
            item.start_s < brk.window.start_s - TIME_TOL_S
            or item.end_s > brk.window.end_s + TIME_TOL_S
        ):
            report(
                ViolationKind.BREAK,
                f"{what} [{item.start_s:g}, {item.end_s:g}] s is not within its window "
                f"[{brk.window.start_s:g}, {brk.window.end_s:g}] s",
            )
        clock_s = max(clock_s, item.start_s + brk.duration_s)
    return clock_s


def _check_breaks_off_route(vehicle: Vehicle, route: Route, end_s: float, report: Report) -> None:
    """Every break not on the route must fit before its departure or after its end."""
    if not route.stops:
        return
    on_route = {b.break_index for b in route.breaks}
    for i, brk in enumerate(vehicle.breaks):
        if i in on_route:
            continue
        before = brk.window.start_s + brk.duration_s <= route.start_s + TIME_TOL_S
        after = end_s <= brk.window.end_s - brk.duration_s + TIME_TOL_S
        if not (before or after):
            report(
                ViolationKind.BREAK,
                f"break {i} ({brk.duration_s:g} s within [{brk.window.start_s:g}, "
                f"{brk.window.end_s:g}] s) is not taken and fits neither before nor after "
                "the route",
            )


# --- end fleet13


def _verified_start(
    task: Task,
    reported: RouteStop,
    arrival_s: float,
    ride_began_s: dict[str, float],
    report: Report,
) -> float:
    """The reported start of service if it is possible, else the earliest start."""
    what = f"task {task.id!r} stop {reported.stop_index}"
    spec = task.stops[reported.stop_index]
    earliest_s = _next_open_s(spec, arrival_s)
    start_s = reported.start_s
    if start_s < arrival_s - TIME_TOL_S:
        report(
            ViolationKind.REPORTED,
            f"{what}: service starts at {start_s!r} s, before arriving at {arrival_s!r} s",
        )
        return earliest_s
    # Holding back the first pickup of a ride-limited task is the one wait allowed
    # beyond the next open window: it shortens the ride.
    held = (
        task.max_ride_s is not None
        and reported.stop_index < len(task.pickups)
        and task.id not in ride_began_s
    )
    if start_s > earliest_s + TIME_TOL_S and not held:
        report(
            ViolationKind.REPORTED,
            f"{what}: service starts at {start_s!r} s, could start at {earliest_s!r} s",
        )
        return earliest_s
    return start_s


def _compare_stop(
    reported: RouteStop,
    what: str,
    *,
    location: int,
    kind: StopKind,
    arrival_s: float,
    departure_s: float,
    lateness_s: float,
    load: list[float],
    report: Report,
) -> None:
    if reported.location != location:
        report(
            ViolationKind.REPORTED,
            f"{what}: location {reported.location!r}, the task says {location}",
        )
    if reported.kind != kind:
        report(
            ViolationKind.REPORTED, f"{what}: kind {reported.kind.value!r}, expected {kind.value!r}"
        )
    for name, computed in (
        ("arrival_s", arrival_s),
        ("departure_s", departure_s),
        ("lateness_s", lateness_s),
    ):
        said = getattr(reported, name)
        if abs(said - computed) > TIME_TOL_S:
            report(ViolationKind.REPORTED, f"{what}: {name} {said!r}, recomputed {computed!r}")
    if len(reported.load) != len(load) or any(
        abs(said - computed) > VALUE_TOL
        for said, computed in zip(reported.load, load, strict=False)
    ):
        report(ViolationKind.REPORTED, f"{what}: load {reported.load}, recomputed {tuple(load)}")


def _capacity_unless_overloaded(
    problem: RoutingProblem, vehicle: Vehicle, route: Route, report: Report
) -> tuple[float, ...]:
    """The capacity the route is held to: the vehicle's, or none (infinite) when its
    lock alone loads it beyond its capacity (at the start, or a partly picked task once
    complete); then every task on the route must be one
    it carries or has in its locked prefix (``capacity``), and the route must say it is
    overloaded (``reported``)."""
    lock = problem.lock_of(vehicle.id)
    carried = [0.0] * len(vehicle.capacity)
    own: set[str] = set()
    if lock is not None:
        own = {*lock.on_board, *lock.pickups_done, *(tid for tid, _ in lock.fixed_prefix)}
        for tid in lock.on_board:
            carried = [c + d for c, d in zip(carried, problem.task(tid).demand, strict=True)]
        for tid, done in lock.pickups_done.items():
            task = problem.task(tid)
            for i in done:
                share = task.pickup_demand(i)
                carried = [c + d for c, d in zip(carried, share, strict=True)]
    overloaded = any(
        have > room + LIMIT_TOL for have, room in zip(carried, vehicle.capacity, strict=True)
    ) or any(  # rel16: or a partly picked task cannot be completed within the capacity
        need > room + LIMIT_TOL
        for tid in (lock.pickups_done if lock is not None else {})
        for need, room in zip(problem.task(tid).demand, vehicle.capacity, strict=True)
    )
    if overloaded != (route.overloaded is not None):
        said = "overloaded" if route.overloaded is not None else "not overloaded"
        report(ViolationKind.REPORTED, f"route says {said}; carried at the start {carried}")
    if not overloaded:
        return vehicle.capacity
    for tid in dict.fromkeys(stop.task_id for stop in route.stops):
        if tid not in own:
            report(
                ViolationKind.CAPACITY,
                f"task {tid!r}: the vehicle carries {carried} > capacity "
                f"{vehicle.capacity} at the start and may take no new work",
            )
    return (math.inf,) * len(vehicle.capacity)


def _check_capacity(
    capacity: tuple[float, ...], load: list[float], when: str, report: Report
) -> None:
    for k, (have, room) in enumerate(zip(load, capacity, strict=True)):
        if have > room + LIMIT_TOL:
            report(ViolationKind.CAPACITY, f"{when}: load[{k}] {have:g} > capacity {room:g}")


def _check_route_limits(
    vehicle: Vehicle,
    start_s: float,
    end_s: float,
    distance_m: float,
    report: Report,
    *,
    overtime: bool = False,
) -> None:
    # overtime (rel16): a vehicle carrying goods may end after its shift, and run past its
    # max duration and distance, to deliver them.
    if end_s > vehicle.shift.end_s + LIMIT_TOL and not overtime:
        report(
            ViolationKind.SHIFT,
            f"route ends at {end_s:g} s, after its shift ends at {vehicle.shift.end_s:g} s",
        )
    if overtime:
        return
    if vehicle.max_duration_s is not None and end_s - start_s > vehicle.max_duration_s + LIMIT_TOL:
        report(
            ViolationKind.MAX_DURATION,
            f"route lasts {end_s - start_s:g} s, max {vehicle.max_duration_s:g} s",
        )
    if vehicle.max_distance_m is not None and distance_m > vehicle.max_distance_m + LIMIT_TOL:
        report(
            ViolationKind.MAX_DISTANCE,
            f"route covers {distance_m:g} m, max {vehicle.max_distance_m:g} m",
        )


# --- rel16: a carrier's route limits ---------------------------------------------------
def _check_new_work_within_limits(
    vehicle: Vehicle, what: str, since_departure_s: float, distance_m: float, report: Report
) -> None:
    """Past its max duration or distance a vehicle carrying goods only delivers them: a
    stop of other work ends within the max duration of the departure and is reached
    within the max distance."""
    if (
        vehicle.max_duration_s is not None
        and since_departure_s > vehicle.max_duration_s + LIMIT_TOL
    ):
        report(
            ViolationKind.MAX_DURATION,
            f"{what}: ends {since_departure_s:g} s after the departure, max "
            f"{vehicle.max_duration_s:g} s (past it, only goods on board are delivered)",
        )
    if vehicle.max_distance_m is not None and distance_m > vehicle.max_distance_m + LIMIT_TOL:
        report(
            ViolationKind.MAX_DISTANCE,
            f"{what}: reached after {distance_m:g} m, max {vehicle.max_distance_m:g} m "
            "(past it, only goods on board are delivered)",
        )


def _check_past_limits_reported(
    vehicle: Vehicle,
    route: Route,
    duration_s: float,
    distance_m: float,
    report: Report,
    *,
    carries: bool,
) -> None:
    """A carrier's route past its max duration or distance says so (``past_limits``), and
    any other route does not."""
    if not carries:
        if route.past_limits is not None:
            report(
                ViolationKind.REPORTED,
                f"route says it runs past its limits ({route.past_limits}); it carries no goods",
            )
        return
    over = max(
        duration_s - vehicle.max_duration_s if vehicle.max_duration_s is not None else -1.0,
        distance_m - vehicle.max_distance_m if vehicle.max_distance_m is not None else -1.0,
    )
    if route.past_limits is None and over > LIMIT_TOL:
        report(
            ViolationKind.REPORTED,
            f"route runs past its limits (lasts {duration_s:g} s, covers {distance_m:g} m) "
            "without saying so",
        )
    elif route.past_limits is not None and over <= 0:
        report(
            ViolationKind.REPORTED,
            f"route says it runs past its limits ({route.past_limits}); it does not",
        )


# --- end rel16 -------------------------------------------------------------------------

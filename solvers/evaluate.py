"""Pure-Python evaluation of one route: times, loads, distance and broken constraints.

A forward pass from the vehicle's departure: arrive, wait for the next window that is
still open (or start late, up to the stop's ``max_lateness_s``, past its last window),
serve, leave.  It needs nothing but the problem, so the solution builder, the route
repairs and the unassigned-task diagnosis all use it without OR-Tools; the checker
(:mod:`solvers.checker`) deliberately does not, so that it can catch a bug here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from solvers.problem import Break, RoutingProblem, Stop, Task, Vehicle
from solvers.solution import CostBreakdown, Route, RouteBreak, RouteStop, StopKind

EPS = 1e-6
# Rank of a second of lateness of goods on board past their deadline, in money: far above
# any route cost, as in the model (solvers.ortools.model.LATE_CARRIED_COST).
LATE_CARRIED_PER_S = 1000.0
# rel16: rank of a metre a vehicle carrying goods drives past its max distance to deliver
# them, in money: far above any route cost, as LATE_CARRIED_PER_S is for seconds.
PAST_LIMIT_PER_M = 1000.0

Visit = tuple[str, int]  # (task id, stop index: pickups 0..k-1, delivery k)


class BreachKind(StrEnum):
    """The constraints a route can break.

    Each value is also an :class:`solvers.solution.UnassignedReason` value, so that the
    diagnosis (:mod:`solvers.reasons`) can name a blocked task's reason by its breach.
    """

    SKILL = "skill"
    CAPACITY = "capacity"
    RIDE_TIME = "ride_time"
    TIME_WINDOW = "time_window"
    SHIFT = "shift"
    MAX_DURATION = "max_duration"
    MAX_DISTANCE = "max_distance"


@dataclass(frozen=True, slots=True)
class Breach:
    """A constraint a route breaks, and by how much."""

    kind: BreachKind
    detail: str


@dataclass(frozen=True, slots=True)
class RouteEvaluation:
    """What driving a visit sequence means: stops with times and loads, totals, breaches.

    ``cost`` is the route's cost (fixed, distance, time, lateness; no drop penalty),
    the one pricing of a route that the search, the repairs and the solution share.
    ``late_carried_s`` is how far, in seconds summed over stops, goods the vehicle
    carries are delivered past their deadlines (window end plus allowance, ride limit),
    plus how far the route of a vehicle carrying goods ends past its shift end:
    not a breach (they are delivered late rather than dropped), but ranked far above
    any cost (:attr:`ranking_cost`).  ``over_duration_s`` and ``over_distance_m``
    (rel16) are how far the route of a vehicle carrying goods runs past its max duration
    and max distance to deliver them: not breaches either, ranked like late carried
    time, and said on the route (:attr:`past_limits`).
    """

    stops: tuple[RouteStop, ...]
    start_s: float
    end_s: float
    distance_m: float
    cost: CostBreakdown
    breaches: tuple[Breach, ...]
    late_carried_s: float = 0.0
    breaks: tuple[RouteBreak, ...] = ()
    over_duration_s: float = 0.0
    over_distance_m: float = 0.0

    @property
    def duration_s(self) -> float:
        """From leaving the start to the end of the route."""
        return self.end_s - self.start_s

    @property
    def feasible(self) -> bool:
        """Whether no constraint is broken."""
        return not self.breaches

    @property
    def ranking_cost(self) -> float:
        """The route's total cost plus :data:`LATE_CARRIED_PER_S` per second carried goods
        are late: what comparisons of routes minimise."""
        return (
            self.cost.total
            + LATE_CARRIED_PER_S * (self.late_carried_s + self.over_duration_s)
            + PAST_LIMIT_PER_M * self.over_distance_m
        )

    @property
    def past_limits(self) -> str | None:
        """rel16: why the route runs past its vehicle's max duration or max distance (to
        deliver goods on board), or None when it does not (``Route.past_limits``)."""
        parts = []
        if self.over_duration_s > EPS:
            parts.append(f"{self.over_duration_s:.0f} s past its max duration")
        if self.over_distance_m > EPS:
            parts.append(f"{self.over_distance_m:.0f} m past its max distance")
        if not parts:
            return None
        return f"runs {' and '.join(parts)} to deliver the goods on board"

    def as_route(self, problem: RoutingProblem, vehicle_id: str) -> Route:
        """The solution's route for this evaluation of ``vehicle_id``'s visits: its stops,
        totals and breaks, and what the solution must say of it (overloaded at the start,
        past its limits), so every builder of routes says the same."""
        return Route(
            vehicle_id,
            self.start_s,
            self.stops,
            self.end_s,
            self.distance_m,
            self.duration_s,
            self.cost,
            overloaded=problem.overloaded(vehicle_id),
            breaks=self.breaks,
            past_limits=self.past_limits,
        )

    @property
    def feasible_cost(self) -> float:
        """The route's ranking cost, or infinity when it breaks a constraint (what the
        stop moves and insertions minimise)."""
        return self.ranking_cost if self.feasible else math.inf


def service_start(stop: Stop, arrival_s: float) -> tuple[float, float, float]:
    """(start of service, lateness, lateness allowed) for an arrival: as early as the
    windows let it start.

    Inside a window, or after a soft window's end within its allowance
    (:meth:`Stop.soft_window`), service starts on arrival (late by the time since that
    window's end); otherwise it waits for the next window.  Past every window it starts
    on arrival, late since the end of the last soft window (allowed ``max_lateness_s``)
    or, with none, since the last window (allowed 0): the caller judges the breach.
    """
    soft_end = -math.inf  # end of the latest soft window closed before the arrival
    for i, window in enumerate(stop.windows):
        if arrival_s <= window.end_s:
            if arrival_s >= window.start_s:
                return arrival_s, 0.0, 0.0
            if arrival_s - soft_end <= stop.max_lateness_s:  # real13: late now beats waiting
                return arrival_s, arrival_s - soft_end, stop.max_lateness_s
            return window.start_s, 0.0, 0.0
        if stop.soft_window(i):
            soft_end = window.end_s
    if math.isfinite(soft_end):
        return arrival_s, arrival_s - soft_end, stop.max_lateness_s
    return arrival_s, arrival_s - stop.windows[-1].end_s, 0.0


def initial_load(
    problem: RoutingProblem, vehicle: Vehicle, visits: Sequence[Visit] = ()
) -> list[float]:
    """Load on board when the route starts: the vehicle's on-board tasks, the done
    pickups' shares of its partly picked tasks, and the tasks on ``visits`` that have no
    pickup stop (loaded at the start)."""
    load = [0.0] * len(vehicle.capacity)
    lock = problem.lock_of(vehicle.id)
    loaded = {tid for tid, _ in visits if not problem.task(tid).pickups}
    if lock is not None:
        loaded |= {*lock.on_board, *lock.pickups_done}
    for tid in sorted(loaded):
        carried = problem.carrier(tid) == vehicle.id
        for k, d in enumerate(problem.done_load(tid) if carried else problem.task(tid).demand):
            load[k] += d
    return load


def evaluate_route(
    problem: RoutingProblem,
    vehicle: Vehicle,
    visits: Sequence[Visit],
    start_s: float | None = None,
) -> RouteEvaluation:
    """Drive ``visits`` with ``vehicle`` leaving its start at ``start_s`` (default: shift start).

    Checks the vehicle's own constraints along the way: windows (with lateness
    allowance), capacity, skills, max ride time, shift end, max duration and distance.
    Structural rules across routes (each task once, all stops on one vehicle, pickups
    before the delivery) are the checker's.

    Schedule: service starts as early as possible, except that a task whose ride would
    exceed its ``max_ride_s`` has its first pickup held back by the excess (a courier
    waits at the shop rather than with the food), as long as that helps; the solver's
    model allows exactly this waiting.  The vehicle's breaks (``Vehicle.breaks``) are
    placed by :func:`_with_breaks` and listed in ``RouteEvaluation.breaks``.
    """
    if vehicle.breaks and visits:
        return _with_breaks(problem, vehicle, visits, start_s)
    return _held(problem, vehicle, visits, start_s, {})


def _held(
    problem: RoutingProblem,
    vehicle: Vehicle,
    visits: Sequence[Visit],
    start_s: float | None,
    placed: Mapping[int, Sequence[int]],
) -> RouteEvaluation:
    """The route with its ride-limit holds settled (see :func:`evaluate_route`) and
    breaks at the places given (``placed``: stops before the break -> break indices)."""
    hold: dict[int, float] = {}
    evaluation = None
    for _ in range(len(visits) + 1):
        evaluation, excess = _drive(problem, vehicle, visits, start_s, hold, placed=placed)
        changed = False
        for position, (start, extra) in excess.items():
            wanted = start + extra
            if wanted > hold.get(position, -math.inf) + EPS:
                hold[position] = wanted
                changed = True
        if not changed:
            break
    assert evaluation is not None  # the loop runs at least once
    return _unplaced_breaks(vehicle, evaluation, placed)


# --- fleet13: breaks ----------------------------------------------------------------------
def _outside(brk: Break, evaluation: RouteEvaluation) -> bool:
    """Whether the break fits before the route's departure or after its end."""
    return (
        brk.window.start_s + brk.duration_s <= evaluation.start_s + EPS
        or evaluation.end_s <= brk.latest_start_s + EPS
    )


def _unplaced_breaks(
    vehicle: Vehicle, evaluation: RouteEvaluation, placed: Mapping[int, Sequence[int]]
) -> RouteEvaluation:
    """A breach for each break neither on the route nor fitting off it."""
    on_route = {i for indices in placed.values() for i in indices}
    missing = [
        Breach(
            BreachKind.SHIFT,
            f"break {i} ({brk.duration_s:g} s within [{brk.window.start_s:g}, "
            f"{brk.window.end_s:g}] s) fits neither off the route nor between its stops",
        )
        for i, brk in enumerate(vehicle.breaks)
        if i not in on_route and evaluation.stops and not _outside(brk, evaluation)
    ]
    if not missing:
        return evaluation
    return dataclasses.replace(evaluation, breaches=(*evaluation.breaches, *missing))


def _with_breaks(
    problem: RoutingProblem, vehicle: Vehicle, visits: Sequence[Visit], start_s: float | None
) -> RouteEvaluation:
    """Place the vehicle's breaks one by one, in window order: a break that fits off the
    route stays off it; otherwise it goes after the number of stops (not before the
    previous break's) that gives the best route: feasible first, then the lowest ranking
    cost, then the earliest place.  Each break starts as late as it can without delaying
    the next stop, so it fills waiting time where there is some."""
    placed: dict[int, list[int]] = {}
    best = _held(problem, vehicle, visits, start_s, placed)
    earliest = 0
    for i, brk in enumerate(vehicle.breaks):
        if _outside(brk, best):
            continue
        options: list[tuple[int, float, int, RouteEvaluation]] = []
        for position in range(earliest, len(visits)):
            trial = {p: list(v) for p, v in placed.items()}
            trial.setdefault(position, []).append(i)
            ev = _held(problem, vehicle, visits, start_s, trial)
            options.append((len(ev.breaches), ev.ranking_cost, position, ev))
        if not options:
            continue
        _, _, position, best = min(options, key=lambda o: (o[0], o[1], o[2]))
        placed.setdefault(position, []).append(i)
        earliest = position
    return best


def _take_breaks(
    vehicle: Vehicle,
    indices: Sequence[int],
    after_stops: int,
    t: float,
    *,
    next_stop: tuple[float, float],
    breaches: list[Breach],
) -> tuple[float, list[RouteBreak]]:
    """Take these breaks at ``t`` before driving on; ``next_stop``: (travel time, start of
    service without the breaks).  Each starts as late as it can without delaying that
    service (filling the wait), but no earlier than ``t`` and its window, no later than
    its latest start.  Returns the time after them and the breaks taken."""
    travel, natural = next_stop
    taken: list[RouteBreak] = []
    for i in sorted(indices):
        brk = vehicle.breaks[i]
        later = sum(vehicle.breaks[j].duration_s for j in indices if j > i)
        begin = max(
            t,
            brk.window.start_s,
            min(brk.latest_start_s, natural - travel - later - brk.duration_s),
        )
        if begin > brk.latest_start_s + EPS:
            breaches.append(
                Breach(
                    BreachKind.SHIFT,
                    f"break {i} would start at {begin:g} s, after its latest start "
                    f"{brk.latest_start_s:g} s",
                )
            )
        taken.append(RouteBreak(i, after_stops, begin, begin + brk.duration_s))
        t = begin + brk.duration_s
    return t, taken


# --- end fleet13


def _drive(
    problem: RoutingProblem,
    vehicle: Vehicle,
    visits: Sequence[Visit],
    start_s: float | None,
    hold: dict[int, float],
    *,
    placed: Mapping[int, Sequence[int]],
) -> tuple[RouteEvaluation, dict[int, tuple[float, float]]]:
    """One forward pass; service at position i starts no earlier than ``hold[i]``.

    Also returns, per position of a first pickup whose task rides too long, (its start
    of service, the excess in seconds).
    """
    excess: dict[int, tuple[float, float]] = {}
    first_position: dict[str, int] = {}
    mats = problem.matrices[vehicle.profile]
    dist, dur = mats.distance_m, mats.duration_s
    # Time-dependent travel (solvers.travel_time): the arrival depends on the departure.
    speed = problem.speed_profiles.get(vehicle.profile)
    t = vehicle.shift.start_s if start_s is None else start_s
    breaches: list[Breach] = []
    if t < vehicle.shift.start_s - EPS:
        breaches.append(
            Breach(
                BreachKind.SHIFT,
                f"leaves at {t:g} s, before the shift starts at {vehicle.shift.start_s:g} s",
            )
        )
    load = initial_load(problem, vehicle, visits)
    # An overloaded vehicle (RoutingProblem.overloaded) keeps its locked work, whatever
    # the load, and takes nothing else.
    overloaded = problem.overloaded(vehicle.id)
    capacity = vehicle.capacity if overloaded is None else (math.inf,) * len(load)
    if overloaded is not None:
        for tid in dict.fromkeys(tid for tid, _ in visits):
            if problem.locked_to(tid) != vehicle.id:
                breaches.append(
                    Breach(BreachKind.CAPACITY, f"task {tid!r}: the vehicle {overloaded}")
                )
    for k, value in enumerate(load):
        if value > capacity[k] + EPS:
            breaches.append(
                Breach(
                    BreachKind.CAPACITY,
                    f"at departure: load[{k}] {value:g} > capacity {vehicle.capacity[k]:g}",
                )
            )
    lock = problem.lock_of(vehicle.id)
    # rel16: a vehicle with goods on board may end past its shift to deliver them: the
    # time past its shift end counts as late carried time, and work it does not carry
    # must still end by the shift end.
    carries = lock is not None and bool(lock.on_board or lock.pickups_done)
    first_pickup_s: dict[str, float] = dict(lock.picked_up_at_s) if lock is not None else {}
    # Tasks loaded at the start ride from the departure, unless a lock says when they
    # were loaded (on board since an earlier departure), as the model counts them.
    for tid, _ in visits:
        if not problem.task(tid).pickups:
            first_pickup_s.setdefault(tid, t)
    location = vehicle.start
    departed_s = t
    distance = 0.0
    lateness_cost = 0.0
    late_carried_s = 0.0
    stops: list[RouteStop] = []
    taken: list[RouteBreak] = []
    for task_id, index in visits:
        task: Task = problem.task(task_id)
        stop = task.stops[index]
        is_delivery = index == len(task.pickups)
        if placed.get(len(stops)):  # fleet13: breaks before driving on
            travel = float(dur[location, stop.location])
            natural, _, _ = service_start(stop, max(t + travel, hold.get(len(stops), -math.inf)))
            t, now = _take_breaks(
                vehicle,
                placed[len(stops)],
                len(stops),
                t,
                next_stop=(travel, natural),
                breaches=breaches,
            )
            taken.extend(now)
        leg_s = float(dur[location, stop.location])
        arrival = t + leg_s if speed is None else speed.arrival_s(t, leg_s)
        distance += float(dist[location, stop.location])
        start, late, allowed = service_start(stop, max(arrival, hold.get(len(stops), -math.inf)))
        # Goods this vehicle carries are delivered late rather than not at all, whatever
        # its skills: windows, ride limit and skills do not bind them (see the model).
        carried = problem.carrier(task_id) == vehicle.id
        if carried:
            late_carried_s += max(0.0, late - allowed)
        if late > allowed + EPS and not carried:
            breaches.append(
                Breach(
                    BreachKind.TIME_WINDOW,
                    f"task {task_id!r} stop {index}: service starts at {start:g} s, "
                    f"{late:g} s after its window (allowed {allowed:g} s)",
                )
            )
        lateness_cost += late * stop.lateness_cost_per_s
        if not task.skills <= vehicle.skills and not carried:
            missing = ", ".join(sorted(task.skills - vehicle.skills))
            breaches.append(Breach(BreachKind.SKILL, f"task {task_id!r} needs {missing}"))
        if is_delivery:
            for k, d in enumerate(task.demand):
                load[k] -= d
            began = first_pickup_s.get(task_id)
            if carried and task.max_ride_s is not None and began is not None:
                late_carried_s += max(0.0, start - began - task.max_ride_s)
            if (
                task.max_ride_s is not None
                and began is not None
                and start - began > task.max_ride_s + EPS
                and not carried
            ):
                breaches.append(
                    Breach(
                        BreachKind.RIDE_TIME,
                        f"task {task_id!r}: {start - began:g} s from first pickup to delivery, "
                        f"max {task.max_ride_s:g} s",
                    )
                )
                if task_id in first_position:
                    over = start - began - task.max_ride_s
                    excess[first_position[task_id]] = (began, over)
        else:
            if task_id not in first_pickup_s:
                first_pickup_s[task_id] = start
                first_position[task_id] = len(stops)
            for k, d in enumerate(task.pickup_demand(index)):
                load[k] += d
        for k, value in enumerate(load):
            if value > capacity[k] + EPS:
                breaches.append(
                    Breach(
                        BreachKind.CAPACITY,
                        f"after task {task_id!r} stop {index}: load[{k}] {value:g} > "
                        f"capacity {vehicle.capacity[k]:g}",
                    )
                )
        t = start + stop.service_s
        if carries and not carried and t > vehicle.shift.end_s + EPS:  # rel16: overtime
            breaches.append(
                Breach(
                    BreachKind.SHIFT,
                    f"task {task_id!r} stop {index}: ends at {t:g} s, after the shift ends "
                    f"at {vehicle.shift.end_s:g} s (past it, only goods on board)",
                )
            )
        if carries and not carried:  # rel16: past its limits, only goods on board
            breaches.extend(
                _new_work_past_limits(
                    vehicle, f"task {task_id!r} stop {index}", t - departed_s, distance
                )
            )
        stops.append(
            RouteStop(
                task_id=task_id,
                stop_index=index,
                kind=StopKind.DELIVERY if is_delivery else StopKind.PICKUP,
                location=stop.location,
                arrival_s=arrival,
                start_s=start,
                departure_s=t,
                load=tuple(load),
                lateness_s=late,
            )
        )
        location = stop.location
    if vehicle.end is not None and stops:
        home_s = float(dur[location, vehicle.end])
        t = t + home_s if speed is None else speed.arrival_s(t, home_s)
        distance += float(dist[location, vehicle.end])
    begin = vehicle.shift.start_s if start_s is None else start_s
    end = t if stops else begin
    if carries:  # rel16: past its shift end a carrier delivers its goods, late
        late_carried_s += max(0.0, end - vehicle.shift.end_s)
    elif end > vehicle.shift.end_s + EPS:
        breaches.append(
            Breach(
                BreachKind.SHIFT,
                f"route ends at {end:g} s, after the shift ends at {vehicle.shift.end_s:g} s",
            )
        )
    # rel16: a vehicle carrying goods runs past its max duration and distance to deliver
    # them (counted, ranked far above any cost); any other vehicle breaks them.
    over_duration_s = over_distance_m = 0.0
    if vehicle.max_duration_s is not None and end - begin > vehicle.max_duration_s + EPS:
        if carries:
            over_duration_s = end - begin - vehicle.max_duration_s
        else:
            breaches.append(
                Breach(
                    BreachKind.MAX_DURATION,
                    f"route lasts {end - begin:g} s, max {vehicle.max_duration_s:g} s",
                )
            )
    if vehicle.max_distance_m is not None and distance > vehicle.max_distance_m + EPS:
        if carries:
            over_distance_m = distance - vehicle.max_distance_m
        else:
            breaches.append(
                Breach(
                    BreachKind.MAX_DISTANCE,
                    f"route covers {distance:g} m, max {vehicle.max_distance_m:g} m",
                )
            )
    evaluation = RouteEvaluation(
        stops=tuple(stops),
        start_s=begin,
        end_s=end,
        distance_m=distance,
        cost=_price(vehicle, distance, end - begin, lateness_cost) if stops else CostBreakdown(),
        breaches=tuple(breaches),
        late_carried_s=late_carried_s,
        breaks=tuple(taken),
        over_duration_s=over_duration_s,
        over_distance_m=over_distance_m,
    )
    return evaluation, excess


def carries_past_limits(problem: RoutingProblem, vehicle: Vehicle) -> bool:
    """rel16: whether ``vehicle`` has goods on board and a max duration or max distance,
    which it may then run past to deliver them (the own search's kernels do not model
    it: ``solvers.rr.search.supports``)."""
    lock = problem.lock_of(vehicle.id)
    carries = lock is not None and bool(lock.on_board or lock.pickups_done)
    return carries and (vehicle.max_duration_s is not None or vehicle.max_distance_m is not None)


def _new_work_past_limits(
    vehicle: Vehicle, what: str, since_departure_s: float, distance_m: float
) -> list[Breach]:
    """rel16: a vehicle carrying goods may run past its max duration and distance only to
    deliver them: a stop of work it does not carry must end within the max duration of
    its departure and be reached within the max distance."""
    out = []
    if vehicle.max_duration_s is not None and since_departure_s > vehicle.max_duration_s + EPS:
        out.append(
            Breach(
                BreachKind.MAX_DURATION,
                f"{what}: ends {since_departure_s:g} s after the departure, max "
                f"{vehicle.max_duration_s:g} s (past it, only goods on board)",
            )
        )
    if vehicle.max_distance_m is not None and distance_m > vehicle.max_distance_m + EPS:
        out.append(
            Breach(
                BreachKind.MAX_DISTANCE,
                f"{what}: reached after {distance_m:g} m, max {vehicle.max_distance_m:g} m "
                "(past it, only goods on board)",
            )
        )
    return out


def _price(
    vehicle: Vehicle, distance_m: float, duration_s: float, lateness: float
) -> CostBreakdown:
    """A non-empty route's cost: the vehicle's fixed cost, ``cost_per_km`` per km of
    ``distance_m``, ``cost_per_hour`` per hour of ``duration_s`` (waiting included), and
    ``lateness`` (the stops' seconds late times their ``lateness_cost_per_s``)."""
    return CostBreakdown(
        fixed=vehicle.fixed_cost,
        distance=vehicle.cost_per_km * distance_m / 1000.0,
        time=vehicle.cost_per_hour * duration_s / 3600.0,
        lateness=lateness,
    )

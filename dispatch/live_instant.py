"""Live re-planning of instant micro-warehouse orders by the instant dispatcher.

With ``PlannerSettings.live.instant == "dispatcher"`` a live re-plan
(:func:`dispatch.live.replan`) serves instant orders from one micro-warehouse with the
rolling-horizon dispatcher of the Grubhub replay instead of the routing search:

* **who**: the instant orders from one micro-warehouse created by the re-plan time (the
  dispatcher never sees an order before its creation), and the couriers that may work
  instant orders (the pool, couriers declaring instant, shared couriers declaring it)
  whose locked work is only such orders and who carry no return;
* **the dispatcher's view** (:func:`dispatch_problem`): pickup place = the
  micro-warehouse, ready time = when the order is packed (the pickup window's start:
  creation + the warehouse's ``pick_duration_s``, what the instant flow assumes),
  drop-off = the building; a courier is free where and when its locked work ends (its
  committed stop first, then what it carries, in the best order), or where it is at the
  re-plan time (its shift start if later);
* **the decision** is the instant dispatcher's (:func:`solvers.instant_dispatch.decide_wave`,
  the one the Grubhub replay uses): candidate bundles per micro-warehouse (each order
  alone and runs of up to ``live.max_bundle`` orders in ready-time order, each with its
  best drop-off sequence), each paired with the couriers free by the next wave that
  reach the warehouse first, chosen with CP-SAT (each order and each courier at most
  once; serve as many orders as possible, then the least time to the door with extra
  weight past the target and a reward for the orders' age).  Its policy is
  :class:`~solvers.instant_dispatch.InstantPolicy`'s defaults (2-minute waves) with
  ``live.max_bundle`` and a search no longer than the re-plan's share; its travel is
  the matrix of the profile most free couriers ride, its target click-to-door the
  orders' median promise, its services the flow's;
* **the result** is a :class:`solvers.RoutingSolution` of the flow's routing problem:
  each courier's route is its locked stops, then its bundle's pickups and drop-offs,
  timed, loaded and priced by :func:`solvers.evaluate.evaluate_route` like every route,
  and the whole solution must pass the independent checker (:func:`solvers.checker.check`);
  a free courier with a new bundle leaves at the dispatcher's commit-by time (just in
  time for the bundle), so a re-plan before then can still change its trip (later
  commitment: the replay commits a stop only once its courier has set off).  A bundle
  whose exact evaluation breaks a rule (capacity, the lateness cap, the shift) is not
  given: its orders stay open.  An order
  not chosen this wave stays open: it is unassigned ``no_courier`` with the detail "not
  dispatched in this wave", and the next wave tries again.

Couriers the dispatcher gives no route go back to the routing re-plan of the other
orders (multi-store, scheduled, instant orders not from one micro-warehouse).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.fleet import declared_flows
from dispatch.flows.delivery import single_micro_warehouse
from dispatch.world import World
from solvers.balance import balance_cost
from solvers.checker import check
from solvers.evaluate import RouteEvaluation, Visit, evaluate_route
from solvers.improve import precedence_ok
from solvers.instant_dispatch import (
    InstantCourier,
    InstantOrder,
    InstantPolicy,
    InstantRules,
    MatrixTravel,
    decide_wave,
)
from solvers.problem import RoutingProblem, Task, Vehicle, VehicleLock
from solvers.solution import (
    CostBreakdown,
    Route,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    UnassignedReason,
    UnassignedTask,
)

# The portfolio member name the dispatcher's runs report (SolveStats.member).
MEMBER = "instant_dispatch"
# Locked deliveries are sequenced by trying every order up to this many, then greedily.
_MAX_PERMUTED = 5


@dataclass(frozen=True)
class DispatcherShare:
    """The orders and couriers of a re-plan the dispatcher serves (ids)."""

    order_ids: frozenset[str]
    courier_ids: frozenset[str]


def dispatcher_share(
    world: World,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    *,
    at_s: float,
    owner: Mapping[str, str],
    courier_flow: Mapping[str, FulfilmentMode],
    carrying_returns: Iterable[str] = (),
) -> DispatcherShare:
    """Which orders and couriers go to the dispatcher (see the module doc)."""

    def ours(order: Order) -> bool:
        return (
            order.mode is FulfilmentMode.INSTANT
            and order.created_at_s <= at_s
            and single_micro_warehouse(order, world) is not None
        )

    returns = set(carrying_returns)
    eligible: set[str] = set()
    for courier in couriers:
        flow = courier_flow.get(courier.id)
        declared = declared_flows(courier)
        if courier.id in returns or (flow is not None and flow is not FulfilmentMode.INSTANT):
            continue
        # A courier committed to instant orders works instant, whatever it declares.
        if flow is None and declared and FulfilmentMode.INSTANT not in declared:
            continue
        eligible.add(courier.id)
    for order in orders:
        holder = owner.get(order.id)
        if holder is not None and not ours(order):
            eligible.discard(holder)  # it keeps other locked work: the routing re-plan's
    order_ids = frozenset(
        o.id for o in orders if ours(o) and (o.id not in owner or owner[o.id] in eligible)
    )
    return DispatcherShare(order_ids, frozenset(eligible))


@dataclass(frozen=True)
class _Free:
    """Where and when a courier is free for a new trip, and its locked stops."""

    vehicle: Vehicle
    location: int
    free_s: float
    locked: tuple[Visit, ...]
    start_s: float


@dataclass(frozen=True)
class _Bundle:
    """Orders of one pickup place for one trip: tasks in drop-off order, when the last
    is ready, and the latest departure that does not delay the pickup."""

    pickup: int
    tasks: tuple[Task, ...]
    ready_s: float
    commit_by_s: float


def dispatch_problem(
    problem: RoutingProblem,
    *,
    at_s: float,
    placement_s: Mapping[str, float],
    policy: InstantPolicy,
    seed: int,
) -> RoutingSolution | None:
    """The dispatcher's routes for a live instant problem (one pickup per free task).

    Locked work stays on its vehicle, the committed stop first; free tasks are bundled
    and matched to couriers by CP-SAT; a task not chosen is unassigned ``no_vehicle``
    (the plan's ``no_courier``) with "not dispatched in this wave".  The solution is
    checked by :func:`solvers.checker.check`; None when the checker rejects it.
    """
    started = time.perf_counter()
    free = {v.id: _free(problem, v) for v in problem.vehicles if v.shift.end_s > at_s}
    locked = {tid for lock in problem.locks for tid in _lock_tasks(lock)}
    pending = [t for t in problem.tasks if t.id not in locked and len(t.pickups) == 1]
    chosen = _choose(
        problem, list(free.values()), pending, at_s=at_s, placement_s=placement_s, policy=policy
    )
    routes: list[Route] = []
    served: set[str] = set()
    for vehicle in problem.vehicles:
        state = free.get(vehicle.id)
        base = list(state.locked) if state is not None else []
        if state is None and problem.lock_of(vehicle.id) is not None:
            base = list(_locked_visits(problem, vehicle)[0])
        best: RouteEvaluation | None = None
        bundle = chosen.get(vehicle.id)
        if bundle is not None and state is not None:
            visits = [*base, *((t.id, 0) for t in bundle.tasks), *((t.id, 1) for t in bundle.tasks)]
            start = state.start_s
            if not base:
                # Later commitment: leave at the commit-by time, just in time for the
                # bundle; a re-plan before then can still change the trip.
                start = max(state.start_s, bundle.commit_by_s)
            trial = evaluate_route(problem, vehicle, visits, start)
            if not trial.breaches:
                best = trial
                served |= {t.id for t in bundle.tasks}
        if best is None and base:
            best = evaluate_route(problem, vehicle, base, state.start_s if state else None)
        if best is None:
            continue
        routes.append(best.as_route(problem, vehicle.id))
    served |= locked
    unassigned = tuple(
        UnassignedTask(
            t.id,
            UnassignedReason.NO_VEHICLE,
            "not dispatched in this wave: no courier is free for it in time (tried again "
            "at the next re-plan)",
        )
        for t in problem.tasks
        if t.id not in served
    )
    drop = sum(problem.task(u.task_id).drop_penalty or 0.0 for u in unassigned)
    cost = sum((r.cost for r in routes), CostBreakdown(drop_penalty=drop))
    cost += balance_cost(problem, routes)
    stats = SolveStats(
        SolveStatus.SOLVED if routes else SolveStatus.NO_SOLUTION,
        time.perf_counter() - started,
        0,
        seed,
        1,
        0,
        member=MEMBER,
    )
    solution = RoutingSolution(tuple(routes), unassigned, cost, stats)
    # Judged by the independent checker like every portfolio member's answer: one it
    # rejects is not used (the caller routes the flow instead).
    return solution if check(problem, solution).ok else None


def _lock_tasks(lock: VehicleLock) -> set[str]:
    return {*lock.on_board, *lock.pickups_done, *(tid for tid, _ in lock.fixed_prefix)}


def _locked_visits(
    problem: RoutingProblem, vehicle: Vehicle
) -> tuple[tuple[Visit, ...], RouteEvaluation | None]:
    """The vehicle's locked stops in their best order: the committed prefix first, then
    the other stops of its locked tasks (pickups before deliveries), by trying every
    order of up to :data:`_MAX_PERMUTED` stops, else nearest first."""
    lock = problem.lock_of(vehicle.id)
    if lock is None:
        return (), None
    prefix: list[Visit] = list(lock.fixed_prefix)
    tasks = dict.fromkeys([*lock.on_board, *lock.pickups_done, *(t for t, _ in prefix)])
    rest: list[Visit] = []
    for tid in tasks:
        for index in problem.stops_left(tid):
            if (tid, index) not in prefix:
                rest.append((tid, index))
    best: tuple[tuple[int, float], tuple[Visit, ...], RouteEvaluation] | None = None
    orders: Iterable[Sequence[Visit]]
    if len(rest) <= _MAX_PERMUTED:
        orders = itertools.permutations(rest)
    else:
        orders = [_nearest_first(problem, vehicle, prefix, rest)]
    for perm in orders:
        visits = (*prefix, *perm)
        if not precedence_ok(problem, visits):
            continue
        ev = evaluate_route(problem, vehicle, visits)
        key = (len(ev.breaches), ev.ranking_cost)
        if best is None or key < best[0]:
            best = (key, visits, ev)
    if best is None:  # no order keeps precedence: cannot happen for a valid lock
        visits = (*prefix, *rest)
        return visits, evaluate_route(problem, vehicle, visits)
    return best[1], best[2]


def _nearest_first(
    problem: RoutingProblem, vehicle: Vehicle, prefix: Sequence[Visit], rest: Sequence[Visit]
) -> list[Visit]:
    """Pickups first (in order), then deliveries nearest first."""
    durations = problem.matrices[vehicle.profile].duration_s

    def location(visit: Visit) -> int:
        task = problem.task(visit[0])
        return (
            task.delivery.location
            if visit[1] == len(task.pickups)
            else task.pickups[visit[1]].location
        )

    here = location(prefix[-1]) if prefix else vehicle.start
    pickups = [v for v in rest if v[1] < len(problem.task(v[0]).pickups)]
    left = [v for v in rest if v not in pickups]
    out = list(pickups)
    if pickups:
        here = location(pickups[-1])
    while left:
        nxt = min(left, key=lambda v: (float(durations[here, location(v)]), v))
        out.append(nxt)
        left.remove(nxt)
        here = location(nxt)
    return out


def _free(problem: RoutingProblem, vehicle: Vehicle) -> _Free:
    """Where and when the vehicle is free after its locked work."""
    visits, ev = _locked_visits(problem, vehicle)
    if ev is None or not ev.stops:
        return _Free(vehicle, vehicle.start, vehicle.shift.start_s, (), vehicle.shift.start_s)
    return _Free(vehicle, ev.stops[-1].location, ev.end_s, visits, ev.start_s)


def _ready_s(task: Task) -> float:
    return task.pickups[0].windows[0].start_s


def _choose(
    problem: RoutingProblem,
    free: Sequence[_Free],
    pending: Sequence[Task],
    *,
    at_s: float,
    placement_s: Mapping[str, float],
    policy: InstantPolicy,
) -> dict[str, _Bundle]:
    """The wave's decision by :func:`solvers.instant_dispatch.decide_wave`: vehicle id ->
    the bundle it takes, its tasks in drop-off order, and when it leaves."""
    couriers = [f for f in free if problem.overloaded(f.vehicle.id) is None]
    if not couriers or not pending:
        return {}
    # One travel for the decision: the profile most couriers ride (the routes are then
    # timed exactly with each courier's own profile by the evaluation).
    profiles = sorted(f.vehicle.profile for f in couriers)
    profile = max(profiles, key=profiles.count)
    travel = MatrixTravel(problem.matrices[profile].duration_s / 60.0)
    orders = [
        InstantOrder(
            t.id,
            t.pickups[0].location,
            placement_s[t.id] / 60.0,
            _ready_s(t) / 60.0,
            t.delivery.location,
        )
        for t in pending
    ]
    targets = sorted(t.delivery.windows[-1].end_s - placement_s[t.id] for t in pending)
    services = sorted(t.delivery.service_s for t in pending)
    rules = InstantRules(
        pickup_service_min=pending[0].pickups[0].service_s / 60.0,
        dropoff_service_min=services[len(services) // 2] / 60.0,
        target_click_to_door_min=max(0.0, targets[len(targets) // 2] / 60.0),
    )
    decision = decide_wave(
        at_s / 60.0,
        orders,
        [
            InstantCourier(
                f.vehicle.id, f.location, max(f.free_s, at_s) / 60.0, f.vehicle.shift.end_s / 60.0
            )
            for f in couriers
        ],
        travel=travel,
        rules=rules,
        policy=policy,
    )
    tasks = {t.id: t for t in pending}
    return {
        a.courier_id: _Bundle(
            a.pickup_place,
            tuple(tasks[o] for o in a.order_ids),
            a.ready_min * 60.0,
            a.commit_by_min * 60.0,
        )
        for a in decision.assignments
    }

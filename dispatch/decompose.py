"""City scale: a flow's batch split into parts, solved in parallel, then improved across borders.

One routing model for a whole city's wave is too large to search well in a minute
(OR-Tools' own guidance is below about a thousand stops), and its travel matrix alone
grows with the square of the stops.  A flow with more than
:attr:`ScaleSettings.max_part_orders` orders is planned in parts:

1. **Split** (:func:`split_batch`): courier deliveries (instant, multi-store, scheduled)
   by micro-warehouse service area: an order goes to the area of its first store when
   that is a micro-warehouse, else of the micro-warehouse nearest to that store; home
   services by the area of the micro-warehouse nearest to the home.  An area with more
   orders than the part size is cut along the wider axis of its homes into pieces of
   about equal size, as few as fit; an area with fewer than a quarter of the part size
   joins its nearest neighbour while the two fit in one part.  Each part gets its
   couriers by the zone rule (:func:`dispatch.zones.share_couriers`) in proportion to
   its work (:func:`order_points`: service time plus the ride from the store to the
   home, so an area of far homes gets more couriers per order), the nearest couriers
   first, wherever they stand: a part whose own area has fewer couriers than its work
   needs takes its neighbour's nearest ones (couriers are shared at borders); a courier
   is in one part only.
2. **Solve in parallel**: each part's routing problem, with a travel matrix over its
   own points only (so memory grows with the parts, not with the square of the batch),
   goes through one executor (:mod:`solvers.executor`: in-process, local processes or
   Ray) running :func:`solvers.parts.solve_part`.  Every part gets its share of the
   flow's budget: the time left times the parallel slots times its share of the orders
   (capped at the time left), keeping :data:`BORDER_SHARE` for the next steps; on this
   machine (local pool, local Ray) a part queued behind others also stops by the
   round's deadline.
3. **Second chance**: the orders each part left out (at most half a part; the
   :data:`SECOND_CHANCE_GROUPS` parts that left out the most) are re-planned with the
   couriers nearest to them, whatever part they are in: idle ones
   first, then those with the shortest routes (their orders come along: a courier with
   room takes more), within one part's size; the groups take disjoint couriers and are
   solved in parallel.
4. **Borders**: neighbouring parts (each with the part whose centre is nearest to its
   own) are paired without overlap; for each pair the routes nearest to the border (up
   to :data:`BORDER_ROUTES` a side and their orders, with the pair's unassigned orders
   up to half as many again, at most one part's size) are re-solved together.

Steps 3 and 4 never make the plan worse: their result replaces what was there only
when the independent checker accepts it and its checker-evaluated cost (routes plus
drop penalties) is lower than the checker-evaluated cost of what it would replace.
Every part keeps a routing run whose problem and solution the checker takes
(``Plan.routing_runs``); the plan's ``parts`` record each part's size, seconds and cost.

A flow at or under the part size is planned exactly as without decomposition.  With
``SolveParams.iterations`` and a seed the three engines give the same plan: parts run
with one search each (``workers=1``), results are joined in part order, and no
decision depends on which part ends first.

Not decomposed: next-day trunk routes (one task per pickup point, a few hundred in a
city) and the pickup-point assignment.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter

import numpy as np

from dispatch.domain import Courier, FulfilmentMode, Order
from dispatch.flows.delivery import PromiseRule, delivery_task
from dispatch.flows.home_service import visit_task
from dispatch.flows.instant import instant_promise
from dispatch.flows.multi_store import multi_store_promise
from dispatch.flows.routing import (
    FlowOutcome,
    FlowProblem,
    PlanContext,
    TaskOrigin,
    build_problem,
    build_tasks,
    solved_flow,
)
from dispatch.flows.scheduled import slot_promise
from dispatch.locations import LocationTable
from dispatch.plan import PartKind, PartRecord, PlannedRoute, SolverRun, UnassignedOrder
from dispatch.world import World
from dispatch.zones import share_couriers
from geo.frame import haversine_m
from solvers.budget import MIN_PART_S
from solvers.checker import check
from solvers.errors import InvalidInputError
from solvers.executor import ExecutorSpec, run_jobs
from solvers.parts import PartAnswer, PartJob, solve_part
from solvers.problem import Task
from solvers.solution import CostBreakdown, RoutingSolution

MAX_PART_ORDERS = 500
"""Most orders of one part by default (about 1,000 stops, OR-Tools' own guidance for one
model).  Smaller parts solve faster but, measured on a generated 2,000-order day at
120 s, parts of 200 cost 7.65 per order against 4.05 for one whole solve (more routes,
fewer couriers left for the later flows), so a flow is split only where one model is
too large to solve in the budget."""
BORDER_SHARE = 0.2
"""Share of a decomposed flow's budget kept for the second chance and the borders."""
BORDER_ROUTES = 4
"""Most routes a side of a border re-solve takes, the nearest to the other part first."""
NEXT_DAY_WEIGHT_PER_POINT = 3
"""Budget weight of the next-day flow per pickup point (the assignment and the trunk
routes share its time 1:1; see :func:`flow_weight`)."""
WORK_SPEED_MPS = 4.0
"""Riding speed of the work estimate that shares couriers over parts (an e-bike in
town, about 15 km/h), metres per second."""
WORK_DETOUR = 1.3
"""Road metres per straight-line metre in the work estimate."""
SECOND_CHANCE_COURIERS = 8
"""Fewest couriers a second-chance group is offered (more for a group of more than
four times as many orders): the nearest to its left-out orders, idle ones first."""
SECOND_CHANCE_GROUPS = 4
"""Most second-chance groups of a flow (the parts that left out the most orders)."""
COST_EPS = 1e-6
"""A re-solve must lower the checker's cost by more than this (money units) to count."""

DECOMPOSED_FLOWS = (
    FulfilmentMode.INSTANT,
    FulfilmentMode.MULTI_STORE,
    FulfilmentMode.SCHEDULED,
    FulfilmentMode.HOME_SERVICE,
)
_PROMISES: Mapping[FulfilmentMode, PromiseRule] = {
    FulfilmentMode.INSTANT: instant_promise,
    FulfilmentMode.MULTI_STORE: multi_store_promise,
    FulfilmentMode.SCHEDULED: slot_promise,
}


@dataclass(frozen=True)
class PartEvent:
    """Progress of a decomposed plan, for a progress bar: a part is ``queued`` (with its
    orders) or ``done`` (with its seconds and cost)."""

    flow: FulfilmentMode
    label: str
    kind: PartKind
    state: str
    orders: int
    seconds: float = 0.0
    cost: float = 0.0


Progress = Callable[[PartEvent], None]


@dataclass(frozen=True)
class ScaleSettings:
    """How the planner handles large batches (the library's choice of engine).

    Attributes:
        executor: which engine solves the parts (in-process, local processes by default,
            Ray); see :class:`solvers.executor.ExecutorSpec`.
        max_part_orders: most orders of one part; a flow with more is decomposed
            (:data:`MAX_PART_ORDERS` by default, at least 20).
        borders: whether to run the second chance and the border re-solves.
    """

    executor: ExecutorSpec = field(default_factory=ExecutorSpec)
    max_part_orders: int = MAX_PART_ORDERS
    borders: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.executor, ExecutorSpec):
            raise InvalidInputError(
                "ScaleSettings.executor", f"must be an ExecutorSpec, got {self.executor!r}"
            )
        if (
            not isinstance(self.max_part_orders, int)
            or isinstance(self.max_part_orders, bool)
            or not 20 <= self.max_part_orders <= 100_000
        ):
            raise InvalidInputError(
                "ScaleSettings.max_part_orders",
                f"must be an integer in [20, 100000], got {self.max_part_orders!r}",
            )


@dataclass(frozen=True)
class PartSpec:
    """One part of a flow's batch: a label, its orders and couriers (ids), its centre."""

    label: str
    order_ids: tuple[str, ...]
    courier_ids: tuple[str, ...]
    lon: float
    lat: float


@dataclass
class _Part:
    """A solved part: its problem and solution as they stand (border moves shrink them)."""

    label: str
    kind: PartKind
    flow_problem: FlowProblem
    solution: RoutingSolution
    lon: float
    lat: float


@dataclass(frozen=True)
class _Candidate:
    """A re-solve (second chance or border): its problem, what it would replace (tasks,
    vehicles) and the checker's cost of that as the parts have it."""

    label: str
    kind: PartKind
    flow_problem: FlowProblem
    lon: float
    lat: float
    task_ids: frozenset[str]
    vehicle_ids: frozenset[str]
    old_cost: float


FlowPlanner = Callable[[Sequence[Order], Sequence[Courier], PlanContext], FlowOutcome]


def plan_flow(
    flow: FulfilmentMode,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    ctx: PlanContext,
    *,
    plan_whole: FlowPlanner,
    scale: ScaleSettings,
    progress: Progress | None = None,
) -> tuple[FlowOutcome, tuple[PartRecord, ...]]:
    """Plan one flow: whole (``plan_whole``, as without decomposition) when it has at most
    ``scale.max_part_orders`` orders, else in parts (see the module doc)."""
    if flow not in DECOMPOSED_FLOWS or len(orders) <= scale.max_part_orders:
        return plan_whole(orders, couriers, ctx), ()
    return _Decomposed(flow, orders, couriers, ctx, scale=scale, progress=progress).run()


@dataclass(frozen=True)
class OrderPoints:
    """Where a flow's orders are: each order's area (index into
    ``world.micro_warehouses``, 0 when the world has fewer than two), its home and its
    anchor (the first store, or for home services and orders without a store the home),
    degrees, and its work estimate (:func:`order_points`), seconds."""

    areas: list[int]
    lon: np.ndarray
    lat: np.ndarray
    work_s: np.ndarray


def flow_weight(flow: FulfilmentMode, orders: int, world: World) -> float:
    """A flow's weight in the plan's budget (:mod:`solvers.budget`): its orders, except
    the next-day flow, whose search is the trunk routing of one task per pickup point
    (after a CP-SAT assignment of the orders): at most
    :data:`NEXT_DAY_WEIGHT_PER_POINT` per open pickup point.  Weighting it by its
    orders gave a city wave's trunk routes of 200 points 45% of the budget, and left the
    scheduled flow's 3,500 orders a second and a half a part."""
    if flow is FulfilmentMode.NEXT_DAY_PICKUP:
        return float(max(1, min(orders, NEXT_DAY_WEIGHT_PER_POINT * len(world.pickup_points))))
    return float(orders)


def order_points(world: World, flow: FulfilmentMode, orders: Sequence[Order]) -> OrderPoints:
    """Each order's area, home and work estimate: its service time plus the ride from
    its anchor (first store; for a home service the nearest micro-warehouse, where
    technicians are based) to the home at :data:`WORK_SPEED_MPS` over
    :data:`WORK_DETOUR` times the straight line, seconds.  The work decides how many
    couriers a part gets (an area far from its store needs more riding per order)."""
    warehouses = world.micro_warehouses
    index = {w.id: k for k, w in enumerate(warehouses)}
    wlon = np.array([w.lon for w in warehouses])
    wlat = np.array([w.lat for w in warehouses])
    areas: list[int] = []
    n = len(orders)
    lon, lat = np.zeros(n), np.zeros(n)
    alon, alat = np.zeros(n), np.zeros(n)
    service_s = np.array([o.service_duration_s for o in orders], dtype=np.float64)
    for i, order in enumerate(orders):
        assert order.building_id is not None  # Order's rule for every routed flow
        home = world.building(order.building_id)
        lon[i], lat[i] = home.lon, home.lat
        alon[i], alat[i] = home.lon, home.lat
        if flow is not FulfilmentMode.HOME_SERVICE and order.store_ids:
            store = world.place(order.store_ids[0])
            alon[i], alat[i] = store.lon, store.lat
        if len(warehouses) < 2:
            areas.append(0)
        elif (
            flow is not FulfilmentMode.HOME_SERVICE
            and order.store_ids
            and (order.store_ids[0] in index)
        ):
            areas.append(index[order.store_ids[0]])
        else:
            areas.append(int(np.argmin(haversine_m(alon[i], alat[i], wlon, wlat))))
    if flow is FulfilmentMode.HOME_SERVICE and len(warehouses) >= 1:
        picked = np.array(areas, dtype=np.int64) if len(warehouses) >= 2 else np.zeros(n, int)
        alon, alat = wlon[picked], wlat[picked]
    ride_m = haversine_m(alon, alat, lon, lat) * WORK_DETOUR if n else np.zeros(0)
    return OrderPoints(areas, lon, lat, service_s + ride_m / WORK_SPEED_MPS)


def _bisect(members: list[int], lon: np.ndarray, lat: np.ndarray, size: int) -> list[list[int]]:
    """``members`` (order positions) cut along the wider axis into ``ceil(n / size)``
    pieces of about equal size (ties by position, so the cut is deterministic)."""
    if len(members) <= size:
        return [members]
    xs, ys = lon[members], lat[members]
    # Degrees of longitude are shorter than of latitude away from the equator.
    wide_x = (xs.max() - xs.min()) * math.cos(math.radians(float(ys.mean()))) >= ys.max() - ys.min()
    key = xs if wide_x else ys
    ranked = [m for _, m in sorted(zip(key.tolist(), members, strict=True))]
    # Cut so that both sides need whole numbers of parts: 45 orders in parts of 20 are
    # three parts (15 | 30), not four halves of halves.
    pieces = math.ceil(len(ranked) / size)
    cut = round(len(ranked) * (pieces // 2) / pieces)
    return _bisect(ranked[:cut], lon, lat, size) + _bisect(ranked[cut:], lon, lat, size)


def split_batch(
    world: World,
    flow: FulfilmentMode,
    orders: Sequence[Order],
    couriers: Sequence[Courier],
    max_part_orders: int,
) -> tuple[PartSpec, ...]:
    """The parts of a flow's batch (see the module doc, step 1); every order and every
    courier is in exactly one part.  Deterministic: the same input gives the same parts."""
    points = order_points(world, flow, orders)
    areas, lon, lat = points.areas, points.lon, points.lat
    warehouses = world.micro_warehouses
    by_area: dict[int, list[int]] = {}
    for i, area in enumerate(areas):
        by_area.setdefault(area, []).append(i)
    groups: list[tuple[str, list[int]]] = []
    for area in sorted(by_area):
        name = warehouses[area].id if len(warehouses) >= 2 else "all"
        pieces = _bisect(by_area[area], lon, lat, max_part_orders)
        for k, piece in enumerate(pieces):
            groups.append((name if len(pieces) == 1 else f"{name}/{k + 1}", piece))
    groups = _merge_small(groups, lon, lat, max_part_orders)
    centre_lon = np.array([float(lon[g].mean()) for _, g in groups])
    centre_lat = np.array([float(lat[g].mean()) for _, g in groups])
    # Couriers in proportion to each part's work (whole seconds), not its orders.
    work = [round(float(points.work_s[g].sum())) for _, g in groups]
    courier_part = share_couriers(centre_lon, centre_lat, work, couriers, {})
    return tuple(
        PartSpec(
            label=label,
            order_ids=tuple(orders[i].id for i in sorted(members)),
            courier_ids=tuple(c.id for c in couriers if courier_part[c.id] == p),
            lon=float(centre_lon[p]),
            lat=float(centre_lat[p]),
        )
        for p, (label, members) in enumerate(groups)
    )


def _merge_small(
    groups: list[tuple[str, list[int]]], lon: np.ndarray, lat: np.ndarray, size: int
) -> list[tuple[str, list[int]]]:
    """Groups under a quarter of ``size`` joined to their nearest group while both fit."""
    groups = list(groups)
    while len(groups) > 1:
        small = [k for k, (_, g) in enumerate(groups) if len(g) < size // 4]
        merged = False
        for k in sorted(small, key=lambda k: (len(groups[k][1]), k)):
            centre = [(float(lon[g].mean()), float(lat[g].mean())) for _, g in groups]
            options = sorted(
                (float(haversine_m(centre[k][0], centre[k][1], centre[j][0], centre[j][1])), j)
                for j in range(len(groups))
                if j != k and len(groups[j][1]) + len(groups[k][1]) <= size
            )
            if options:
                j = options[0][1]
                first, second = sorted((j, k))
                joined = (
                    f"{groups[first][0]}+{groups[second][0]}",
                    groups[first][1] + groups[second][1],
                )
                groups = [g for i, g in enumerate(groups) if i not in (j, k)]
                groups.insert(first, joined)
                merged = True
                break
        if not merged:
            break
    return groups


def restrict(
    flow_problem: FlowProblem,
    solution: RoutingSolution,
    task_ids: set[str],
    vehicle_ids: set[str],
) -> tuple[FlowProblem, RoutingSolution]:
    """The part of a problem and its solution with only these tasks and vehicles (every
    task on a kept route must be kept); the solution's cost recomputed from its routes
    and the kept unassigned tasks' drop penalties."""
    problem = flow_problem.problem
    tasks = tuple(t for t in problem.tasks if t.id in task_ids)
    kept = dataclasses.replace(
        problem,
        tasks=tasks,
        vehicles=tuple(v for v in problem.vehicles if v.id in vehicle_ids),
        locks=tuple(lock for lock in problem.locks if lock.vehicle_id in vehicle_ids),
        pinned={t: v for t, v in problem.pinned.items() if t in task_ids and v in vehicle_ids},
    )
    routes = tuple(r for r in solution.routes if r.vehicle_id in vehicle_ids)
    unassigned = tuple(u for u in solution.unassigned if u.task_id in task_ids)
    by_id = {t.id: t for t in tasks}
    cost = CostBreakdown(drop_penalty=sum(by_id[u.task_id].drop_penalty or 0.0 for u in unassigned))
    for route in routes:
        cost = cost + route.cost
    return (
        FlowProblem(
            flow_problem.flow,
            kept,
            {tid: o for tid, o in flow_problem.origins.items() if tid in task_ids},
        ),
        dataclasses.replace(solution, routes=routes, unassigned=unassigned, cost=cost),
    )


def checked_cost(problem_solution: tuple[FlowProblem, RoutingSolution]) -> float | None:
    """The checker's cost of a solution (routes plus drop penalties), None if it breaks
    a rule."""
    flow_problem, solution = problem_solution
    report = check(flow_problem.problem, solution)
    return report.cost.total if report.ok else None


class _Decomposed:
    """One decomposed flow, step by step (see the module doc)."""

    def __init__(
        self,
        flow: FulfilmentMode,
        orders: Sequence[Order],
        couriers: Sequence[Courier],
        ctx: PlanContext,
        *,
        scale: ScaleSettings,
        progress: Progress | None,
    ) -> None:
        self.flow = flow
        self.orders = {o.id: o for o in orders}
        self.couriers = {c.id: c for c in couriers}
        self.ctx = ctx
        self.scale = scale
        self.progress = progress
        self.records: list[PartRecord] = []
        self.invalid: list[UnassignedOrder] = []
        self.specs = split_batch(ctx.world, flow, orders, couriers, scale.max_part_orders)
        points = order_points(ctx.world, flow, orders)
        self.home = {
            o.id: (float(points.lon[i]), float(points.lat[i])) for i, o in enumerate(orders)
        }

    def _task(self, order: Order, table: LocationTable) -> tuple[Task, TaskOrigin]:
        world, settings = self.ctx.world, self.ctx.settings
        if self.flow is FulfilmentMode.HOME_SERVICE:
            return visit_task(order, world, table, settings)
        promise = _PROMISES[self.flow](order, world, settings)
        return delivery_task(order, promise, world, table, settings)

    def _build(self, order_ids: Sequence[str], courier_ids: Sequence[str]) -> FlowProblem | None:
        """A part's problem, its matrices over its own points; orders whose task cannot
        be built are set aside as ``invalid_input`` (None when no task is left)."""
        couriers = [self.couriers[c] for c in courier_ids]
        table = LocationTable()
        for courier in couriers:
            table.courier(courier)
        tasks, invalid = build_tasks(
            [self.orders[o] for o in order_ids], lambda order: self._task(order, table)
        )
        self.invalid.extend(invalid)
        if not tasks:
            return None
        return build_problem(self.flow, couriers, tasks, table, self.ctx)

    def _solve_round(
        self, items: Sequence[tuple[str, PartKind, FlowProblem]], share: float
    ) -> list[PartAnswer]:
        """Solve these parts in parallel within ``share`` of the time left: each gets
        that time times the slots times its share of the tasks (capped at that time)."""
        weights = [len(fp.problem.tasks) for _, _, fp in items]
        total = max(1, sum(weights))
        spec = self.scale.executor.for_work(total)
        slots = spec.slots()
        budget_s = self.ctx.budget.remaining_s() * share
        jobs = []
        # Parts queued behind others start late: on this machine each also stops by the
        # round's deadline (a job's time limit alone holds on a remote Ray).
        deadline_s = perf_counter() + budget_s if spec.same_clock() else None
        for weight, (label, kind, fp) in zip(weights, items, strict=True):
            limit_s = max(MIN_PART_S, min(budget_s, budget_s * slots * weight / total))
            params = dataclasses.replace(self.ctx.params, time_limit_s=limit_s, workers=1)
            jobs.append(PartJob(fp.problem, params, deadline_s))
            self._event(label, kind, "queued", weight)

        def done(index: int, answer: PartAnswer) -> None:
            label, kind, _ = items[index]
            self._event(
                label,
                kind,
                "done",
                weights[index],
                seconds=answer.seconds,
                cost=answer.solution.cost.total,
            )

        return run_jobs(solve_part, jobs, spec, done)

    def _event(
        self,
        label: str,
        kind: PartKind,
        state: str,
        orders: int,
        *,
        seconds: float = 0.0,
        cost: float = 0.0,
    ) -> None:
        if self.progress is not None:
            self.progress(PartEvent(self.flow, label, kind, state, orders, seconds, cost))

    def _record(self, part: _Part, *, seconds: float, cost: float, accepted: bool) -> None:
        self.records.append(
            PartRecord(
                flow=self.flow,
                part=part.label,
                kind=part.kind,
                orders=len(part.flow_problem.problem.tasks),
                couriers=len(part.flow_problem.problem.vehicles),
                solve_s=seconds,
                cost=cost,
                accepted=accepted,
            )
        )

    def run(self) -> tuple[FlowOutcome, tuple[PartRecord, ...]]:
        built = [(s, self._build(s.order_ids, s.courier_ids)) for s in self.specs]
        items = [(s.label, PartKind.PART, fp) for s, fp in built if fp is not None]
        answers = self._solve_round(items, 1.0 - BORDER_SHARE if self.scale.borders else 1.0)
        parts: list[_Part] = []
        solved = [(s, fp) for s, fp in built if fp is not None]
        for (spec, fp), answer in zip(solved, answers, strict=True):
            part = _Part(spec.label, PartKind.PART, fp, answer.solution, spec.lon, spec.lat)
            self._record(
                part, seconds=answer.seconds, cost=answer.solution.cost.total, accepted=True
            )
            parts.append(part)
        if self.scale.borders and parts:
            parts = self._second_chance(parts)
            parts = self._borders(parts)
        return self._outcome(parts), tuple(self.records)

    def _outcome(self, parts: Sequence[_Part]) -> FlowOutcome:
        routes: list[PlannedRoute] = []
        unassigned = [*self.invalid]
        runs: list[SolverRun] = []
        served: set[str] = set()
        on_time: set[str] = set()
        for part in parts:
            out = solved_flow(part.flow_problem, part.solution).outcome(self.flow)
            routes.extend(out.routes)
            unassigned.extend(out.unassigned)
            runs.extend(out.runs)
            served |= out.served
            on_time |= out.on_time
        return FlowOutcome(
            routes=tuple(sorted(routes, key=lambda r: r.courier_id)),
            unassigned=tuple(sorted(unassigned, key=lambda u: u.order_id)),
            served=frozenset(served),
            on_time=frozenset(on_time),
            runs=tuple(runs),
        )

    def _take(
        self, parts: list[_Part], task_ids: set[str], vehicle_ids: set[str], new: _Part
    ) -> list[_Part]:
        """The parts with these tasks and vehicles moved out into ``new``."""
        out = []
        for part in parts:
            problem = part.flow_problem.problem
            keep_tasks = {t.id for t in problem.tasks} - task_ids
            keep_vehicles = {v.id for v in problem.vehicles} - vehicle_ids
            fp, solution = restrict(part.flow_problem, part.solution, keep_tasks, keep_vehicles)
            if fp.problem.tasks or fp.problem.vehicles:
                out.append(dataclasses.replace(part, flow_problem=fp, solution=solution))
        return [*out, new]

    def _accept(
        self, parts: list[_Part], candidates: Sequence[_Candidate], answers: Sequence[PartAnswer]
    ) -> list[_Part]:
        """Each re-solve replaces what it covers when the checker accepts it and its cost
        is lower than the checker's cost of what it replaces (candidates are disjoint)."""
        for candidate, answer in zip(candidates, answers, strict=True):
            new = _Part(
                candidate.label,
                candidate.kind,
                candidate.flow_problem,
                answer.solution,
                candidate.lon,
                candidate.lat,
            )
            cost = checked_cost((new.flow_problem, new.solution))
            accepted = cost is not None and cost < candidate.old_cost - COST_EPS
            shown = cost if cost is not None else answer.solution.cost.total
            self._record(new, seconds=answer.seconds, cost=shown, accepted=accepted)
            if accepted:
                parts = self._take(parts, set(candidate.task_ids), set(candidate.vehicle_ids), new)
        return parts

    def _old_cost(self, parts: Sequence[_Part], task_ids: set[str], vehicle_ids: set[str]) -> float:
        """The checker's cost of these tasks and vehicles as the parts have them."""
        total = 0.0
        for part in parts:
            problem = part.flow_problem.problem
            tasks = {t.id for t in problem.tasks} & task_ids
            vehicles = {v.id for v in problem.vehicles} & vehicle_ids
            if not tasks and not vehicles:
                continue
            cost = checked_cost(restrict(part.flow_problem, part.solution, tasks, vehicles))
            if cost is None:  # cannot happen for a checked part; never replace it then
                return -math.inf
            total += cost
        return total

    def _second_chance(self, parts: list[_Part]) -> list[_Part]:
        """Orders the parts left out, placed with any courier that has room (step 3).

        The left-out orders are grouped by the part that left them out (the
        :data:`SECOND_CHANCE_GROUPS` parts that left out the most; at most half of
        ``ScaleSettings.max_part_orders`` a group, nearest to a courier first); each
        group is re-solved with the couriers nearest to it, whatever part they are in:
        idle couriers first, then the least loaded routes (whose orders come along),
        within one part's size.  Groups take disjoint couriers, are solved
        in parallel and are accepted one by one when the checker's cost drops."""
        size = self.scale.max_part_orders
        taken: set[str] = set()
        candidates: list[_Candidate] = []
        routes = {r.vehicle_id: r for p in parts for r in p.solution.routes}
        starts = {v.id: v for p in parts for v in p.flow_problem.problem.vehicles}
        # The parts that left out the most first, at most SECOND_CHANCE_GROUPS of them:
        # the step has a tenth of the flow's time, too little to share among many.
        leaving = sorted(
            (p for p in parts if p.solution.unassigned),
            key=lambda p: -len(p.solution.unassigned),
        )[:SECOND_CHANCE_GROUPS]
        for part in leaving:
            left = sorted(u.task_id for u in part.solution.unassigned)
            free = [v for v in sorted(starts) if v not in taken]
            if not free:
                break
            # The couriers by their distance to the nearest left-out order; an idle one
            # before a busy one, a short route before a long one.
            by_distance = self._couriers_nearest(free, left)
            rank = {cid: k for k, cid in enumerate(by_distance)}
            load = {cid: len(routes[cid].stops) if cid in routes else 0 for cid in free}
            near = by_distance[: max(SECOND_CHANCE_COURIERS, len(left) // 4)]
            chosen: list[str] = []
            tasks: list[str] = self._nearest_first(left, near)[: size // 2]
            for cid in sorted(near, key=lambda c: (load[c] > 0, load[c], rank[c])):
                on_route = sorted({s.task_id for s in routes[cid].stops}) if cid in routes else []
                if len(tasks) + len(on_route) > size:
                    continue
                chosen.append(cid)
                tasks.extend(on_route)
            if not chosen:
                continue
            fp = self._build(tasks, sorted(chosen))
            if fp is None:
                continue
            taken |= set(chosen)
            task_ids, vehicle_ids = set(tasks), set(chosen)
            candidates.append(
                _Candidate(
                    f"second-chance:{part.label}",
                    PartKind.SECOND_CHANCE,
                    fp,
                    part.lon,
                    part.lat,
                    frozenset(task_ids),
                    frozenset(vehicle_ids),
                    self._old_cost(parts, task_ids, vehicle_ids),
                )
            )
        if not candidates:
            return parts
        answers = self._solve_round([(c.label, c.kind, c.flow_problem) for c in candidates], 0.5)
        return self._accept(parts, candidates, answers)

    def _nearest_first(self, order_ids: Sequence[str], courier_ids: Sequence[str]) -> list[str]:
        """Orders by the straight-line distance from their home to the nearest of these
        couriers (ties by id)."""
        clon = np.array([self.couriers[c].lon for c in courier_ids])
        clat = np.array([self.couriers[c].lat for c in courier_ids])
        scored = []
        for oid in order_ids:
            lon, lat = self.home[oid]
            scored.append((float(np.min(haversine_m(lon, lat, clon, clat))), oid))
        return [oid for _, oid in sorted(scored)]

    def _couriers_nearest(self, courier_ids: Sequence[str], order_ids: Sequence[str]) -> list[str]:
        """Couriers by the straight-line distance to the nearest of these orders' homes."""
        hlon = np.array([self.home[o][0] for o in order_ids])
        hlat = np.array([self.home[o][1] for o in order_ids])
        scored = []
        for cid in courier_ids:
            courier = self.couriers[cid]
            distance_m = float(np.min(haversine_m(courier.lon, courier.lat, hlon, hlat)))
            scored.append((distance_m, cid))
        return [cid for _, cid in sorted(scored)]

    def _pairs(self, parts: Sequence[_Part]) -> list[tuple[int, int]]:
        """Neighbouring parts paired without overlap: each part and the part whose centre
        is nearest, closest pairs first."""
        regular = [i for i, p in enumerate(parts) if p.kind is PartKind.PART]
        candidates = set()
        for i in regular:
            others = [
                (float(haversine_m(parts[i].lon, parts[i].lat, parts[j].lon, parts[j].lat)), j)
                for j in regular
                if j != i
            ]
            if others:
                distance_m, j = min(others)
                candidates.add((distance_m, min(i, j), max(i, j)))
        taken: set[int] = set()
        pairs = []
        for _, i, j in sorted(candidates):
            if i not in taken and j not in taken:
                pairs.append((i, j))
                taken |= {i, j}
        return pairs

    def _border_routes(self, part: _Part, other: _Part) -> list[str]:
        """The vehicles of ``part``'s routes nearest to ``other`` (by the mean of their
        homes: nearer to the other centre, relative to its own), at most BORDER_ROUTES."""
        scored = []
        for route in part.solution.routes:
            homes = [self.home[s.task_id] for s in route.stops if s.task_id in self.home]
            if not homes:
                continue
            lon = sum(h[0] for h in homes) / len(homes)
            lat = sum(h[1] for h in homes) / len(homes)
            score = float(haversine_m(lon, lat, other.lon, other.lat)) - float(
                haversine_m(lon, lat, part.lon, part.lat)
            )
            scored.append((score, route.vehicle_id))
        return [vid for _, vid in sorted(scored)[:BORDER_ROUTES]]

    def _borders(self, parts: list[_Part]) -> list[_Part]:
        """Routes near each border re-solved with their neighbours' (step 4)."""
        limit = self.scale.max_part_orders
        candidates: list[_Candidate] = []
        for i, j in self._pairs(parts):
            a, b = parts[i], parts[j]
            near_a, near_b = self._border_routes(a, b), self._border_routes(b, a)
            vehicles: list[str] = []
            tasks: list[str] = []
            routes = {r.vehicle_id: r for p in (a, b) for r in p.solution.routes}
            for k in range(BORDER_ROUTES):
                for side in (near_a, near_b):
                    if k < len(side):
                        on_route = sorted({s.task_id for s in routes[side[k]].stops})
                        if len(tasks) + len(on_route) <= limit:
                            vehicles.append(side[k])
                            tasks.extend(on_route)
            # The pair's left-out orders ride along, at most half as many as the routed
            # ones: a re-solve of mostly unplaceable orders only burns its time.
            spare = sorted(u.task_id for p in (a, b) for u in p.solution.unassigned)
            tasks.extend(spare[: max(0, min(limit - len(tasks), len(tasks) // 2))])
            if not vehicles or not tasks:
                continue
            fp = self._build(sorted(tasks), sorted(vehicles))
            if fp is None:
                continue
            task_ids, vehicle_ids = set(tasks), set(vehicles)
            candidates.append(
                _Candidate(
                    f"border:{a.label}|{b.label}",
                    PartKind.BORDER,
                    fp,
                    (a.lon + b.lon) / 2,
                    (a.lat + b.lat) / 2,
                    frozenset(task_ids),
                    frozenset(vehicle_ids),
                    self._old_cost(parts, task_ids, vehicle_ids),
                )
            )
        if not candidates:
            return parts
        answers = self._solve_round([(c.label, c.kind, c.flow_problem) for c in candidates], 1.0)
        return self._accept(parts, candidates, answers)

"""A plan: routes per courier, pickup-point assignments and pick lists, leader commissions,
unassigned orders with reasons, KPIs, and its JSON export.

Everything carries ids (orders, couriers, places); no matrix index leaves the planner.
Times are seconds on the plan's clock (since the plan's midnight), distances metres
unless the name says otherwise, money yuan (:class:`decimal.Decimal` where exact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

from dispatch.domain import FulfilmentMode, TemperatureClass
from dispatch.returns import PlannedReturn, ReturnKpis
from solvers.cp_sat import ModelRun
from solvers.problem import RoutingProblem
from solvers.solution import RoutingSolution


class StopAction(StrEnum):
    """What a courier does at a stop."""

    PICKUP = "pickup"  # collects an order at a store or micro-warehouse
    DELIVER = "deliver"  # hands an order over at a building, or a trunk load at a pickup point
    VISIT = "visit"  # a home-service visit
    COLLECT = "collect"  # collects a return at the door or pickup point (order_ids: the return)
    RETURN = "return"  # hands a return over at its store, micro-warehouse or depot


#: The stops that hand an order over (a collect or return stop handles a return).
HANDOVER_ACTIONS = frozenset({StopAction.DELIVER, StopAction.VISIT})


class UnassignedOrderReason(StrEnum):
    """Why an order is not served; each names something an operator can change.

    The first group are the routing solver's reasons
    (:class:`solvers.solution.UnassignedReason`, same values); the rest are the planner's.
    """

    CAPACITY = "capacity"
    TIME_WINDOW = "time_window"
    RIDE_TIME = "ride_time"
    SKILL = "skill"
    SHIFT = "shift"
    MAX_DURATION = "max_duration"
    MAX_DISTANCE = "max_distance"
    PINNED = "pinned"
    NOT_WORTH_PENALTY = "not_worth_penalty"
    SEARCH_LIMIT = "search_limit"
    NO_VEHICLE = "no_vehicle"
    # The planner's own reasons.
    NO_COURIER = "no_courier"  # no courier of the flow is on shift (or all are used)
    AFTER_CUTOFF = "after_cutoff"  # a next-day order created after the cut-off
    PICKUP_CAPACITY = "pickup_capacity"  # its pickup point(s) are full
    NO_PICKUP_POINT_IN_WALKING_DISTANCE = "no_pickup_point_in_walking_distance"
    INVALID_INPUT = "invalid_input"  # the order cannot be modelled (the detail names the field)
    OUT_OF_STOCK = "out_of_stock"  # its place lacks some line (the detail names them)


@dataclass(frozen=True, slots=True)
class PlanStop:
    """One stop of a courier's route.

    Attributes:
        order_ids: the orders handled (one, except a trunk stop at a pickup point,
            which delivers every order assigned to the point).
        action: pickup, deliver or visit.
        place_id: the store, micro-warehouse, building or pickup point.
        eta_s: arrival time.
        start_s: start of service (after any wait).
        departure_s: end of service.
        lateness_s: how late service started past the promise (0 when on time).
        load_kg, load_l, load_cold_boxes: on board after the stop.
    """

    order_ids: tuple[str, ...]
    action: StopAction
    place_id: str
    eta_s: float
    start_s: float
    departure_s: float
    lateness_s: float
    load_kg: float
    load_l: float
    load_cold_boxes: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "order_ids": list(self.order_ids),
            "action": self.action.value,
            "place_id": self.place_id,
            "eta_s": self.eta_s,
            "start_s": self.start_s,
            "departure_s": self.departure_s,
            "lateness_s": self.lateness_s,
            "load_kg": self.load_kg,
            "load_l": self.load_l,
            "load_cold_boxes": self.load_cold_boxes,
        }


@dataclass(frozen=True, slots=True)
class PlannedBreak:
    """A courier's break on its route: after ``after_stops`` stops (0: before leaving),
    from ``start_s`` to ``end_s``."""

    after_stops: int
    start_s: float
    end_s: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"after_stops": self.after_stops, "start_s": self.start_s, "end_s": self.end_s}


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """A courier's route in one flow.

    Attributes:
        courier_id: the courier, van driver or technician.
        flow: the fulfilment flow it serves.
        start_s: departure from the courier's start position.
        end_s: back at the start (routes that return) or the end of the last stop.
        distance_m: distance travelled.
        cost: the route's cost (fixed, distance, time and lateness), yuan.
        stops: the stops in order.
        overloaded: when the courier carried more than its capacity at re-planning, why
            (it then delivers what it carries and takes no new order); None otherwise.
        breaks: the courier's breaks taken on the route, in order.
        past_limits: when the courier's route runs past its max duration or distance to
            deliver the goods it carried at re-planning, how far; None otherwise.
    """

    courier_id: str
    flow: FulfilmentMode
    start_s: float
    end_s: float
    distance_m: float
    cost: float
    stops: tuple[PlanStop, ...]
    overloaded: str | None = None
    breaks: tuple[PlannedBreak, ...] = ()
    past_limits: str | None = None

    @property
    def duration_s(self) -> float:
        """From departure to the end of the route."""
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "courier_id": self.courier_id,
            "flow": self.flow.value,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "distance_m": self.distance_m,
            "cost": self.cost,
            "stops": [s.to_json() for s in self.stops],
            # Only when set, so plans without an overloaded courier keep their shape.
            **({"overloaded": self.overloaded} if self.overloaded is not None else {}),
            **({"breaks": [b.to_json() for b in self.breaks]} if self.breaks else {}),
            **({"past_limits": self.past_limits} if self.past_limits is not None else {}),
        }


@dataclass(frozen=True, slots=True)
class PickupAssignment:
    """A next-day order at a pickup point.

    Attributes:
        order_id: the order.
        pickup_point_id: where the member collects it.
        walk_m: walking distance from the member's home building, if known.
        chosen: whether it is the point the member chose.
    """

    order_id: str
    pickup_point_id: str
    walk_m: float | None
    chosen: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "order_id": self.order_id,
            "pickup_point_id": self.pickup_point_id,
            "walk_m": self.walk_m,
            "chosen": self.chosen,
        }


@dataclass(frozen=True, slots=True)
class PickItem:
    """One SKU of a pick list: what the warehouse picks for a pickup point."""

    store_id: str
    sku: str
    temperature: TemperatureClass
    quantity: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "store_id": self.store_id,
            "sku": self.sku,
            "temperature": self.temperature.value,
            "quantity": self.quantity,
        }


@dataclass(frozen=True, slots=True)
class PickList:
    """The pick list (分拣单) of one pickup point.

    Attributes:
        pickup_point_id: the point.
        order_ids: the orders delivered there, sorted.
        items: SKU totals, sorted by store, SKU and temperature.
        parcels: parcels the point holds (one per order and store).
        totes: totes to pack, per temperature class ceil(volume / tote volume).
        weight_kg, volume_l: totals.
    """

    pickup_point_id: str
    order_ids: tuple[str, ...]
    items: tuple[PickItem, ...]
    parcels: int
    totes: int
    weight_kg: float
    volume_l: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "pickup_point_id": self.pickup_point_id,
            "order_ids": list(self.order_ids),
            "items": [i.to_json() for i in self.items],
            "parcels": self.parcels,
            "totes": self.totes,
            "weight_kg": self.weight_kg,
            "volume_l": self.volume_l,
        }


@dataclass(frozen=True, slots=True)
class WarehousePickList:
    """What a micro-warehouse picks and packs for one courier's departure (拣货单).

    Attributes:
        micro_warehouse_id: the warehouse.
        courier_id: who collects it.
        ready_s: when the courier arrives to collect (pack by then).
        departure_s: when the courier leaves the warehouse with it.
        order_ids: the orders collected at that stop, sorted.
        items: SKU totals of those orders' lines from this warehouse, sorted.
        cold_items: units that travel chilled, frozen or hot.
        cold_boxes: insulated boxes those units fill (per order and class).
        weight_kg, volume_l: totals.
    """

    micro_warehouse_id: str
    courier_id: str
    ready_s: float
    departure_s: float
    order_ids: tuple[str, ...]
    items: tuple[PickItem, ...]
    cold_items: int
    cold_boxes: int
    weight_kg: float
    volume_l: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "micro_warehouse_id": self.micro_warehouse_id,
            "courier_id": self.courier_id,
            "ready_s": self.ready_s,
            "departure_s": self.departure_s,
            "order_ids": list(self.order_ids),
            "items": [i.to_json() for i in self.items],
            "cold_items": self.cold_items,
            "cold_boxes": self.cold_boxes,
            "weight_kg": self.weight_kg,
            "volume_l": self.volume_l,
        }


@dataclass(frozen=True, slots=True)
class LeaderCommission:
    """What a leader earns on the GMV fulfilled at their point in this plan, exact."""

    leader_id: str
    pickup_point_id: str
    fulfilled_gmv: Decimal
    commission: Decimal

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (money as strings)."""
        return {
            "leader_id": self.leader_id,
            "pickup_point_id": self.pickup_point_id,
            "fulfilled_gmv": str(self.fulfilled_gmv),
            "commission": str(self.commission),
        }


@dataclass(frozen=True, slots=True)
class UnassignedOrder:
    """An order the plan does not serve, with a reason code and a sentence for the operator."""

    order_id: str
    flow: FulfilmentMode
    reason: UnassignedOrderReason
    detail: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "order_id": self.order_id,
            "flow": self.flow.value,
            "reason": self.reason.value,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UnassignedOrder:
        """The inverse of :meth:`to_json`."""
        return cls(
            str(data["order_id"]),
            FulfilmentMode(data["flow"]),
            UnassignedOrderReason(data["reason"]),
            str(data["detail"]),
        )


@dataclass(frozen=True, slots=True)
class WorkloadSpread:
    """How evenly the work is spread over the couriers on shift at the plan time (a
    courier without a route counts with 0).  Gini: 0 when everyone does the same, near
    1 when one courier does everything (0 when nobody works).

    Attributes:
        couriers: couriers on shift.
        orders_min, orders_max, orders_gini: orders delivered (or visited) per courier.
        hours_min, hours_max, hours_gini: route hours per courier (waiting included).
    """

    couriers: int
    orders_min: float
    orders_max: float
    orders_gini: float
    hours_min: float
    hours_max: float
    hours_gini: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "couriers": self.couriers,
            "orders_min": self.orders_min,
            "orders_max": self.orders_max,
            "orders_gini": self.orders_gini,
            "hours_min": self.hours_min,
            "hours_max": self.hours_max,
            "hours_gini": self.hours_gini,
        }


@dataclass(frozen=True, slots=True)
class PlanKpis:
    """Key figures of a plan.

    Attributes:
        orders_total: orders in the batch.
        orders_served: orders in a route (next-day: assigned and on a trunk route).
        orders_unassigned: the rest.
        on_time_pct: share of served orders delivered (or visited) within their promise,
            percent; None when nothing is served.
        distance_km: distance of every route.
        courier_hours: duration of every route, waiting included.
        route_cost: cost of every route (fixed, distance, time, lateness), yuan.
        cost_per_order: ``route_cost / orders_served``; None when nothing is served.
        mean_walk_m: mean walking distance from home to the assigned pickup point over
            served next-day orders with a known home; None when there is none.
        pickup_utilisation: parcels over capacity per pickup point that receives orders.
        served_by_flow, total_by_flow: orders served and in the batch, per flow.
        returns: the returns' figures (None when the batch has no return).
        workload: the spread of orders and hours over the couriers on shift; None for
            a plan made without the fleet (a stored plan from before it existed).
    """

    orders_total: int
    orders_served: int
    orders_unassigned: int
    on_time_pct: float | None
    distance_km: float
    courier_hours: float
    route_cost: float
    cost_per_order: float | None
    mean_walk_m: float | None
    pickup_utilisation: Mapping[str, float]
    served_by_flow: Mapping[str, int]
    total_by_flow: Mapping[str, int]
    returns: ReturnKpis | None = None
    workload: WorkloadSpread | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "orders_total": self.orders_total,
            "orders_served": self.orders_served,
            "orders_unassigned": self.orders_unassigned,
            "on_time_pct": self.on_time_pct,
            "distance_km": self.distance_km,
            "courier_hours": self.courier_hours,
            "route_cost": self.route_cost,
            "cost_per_order": self.cost_per_order,
            "mean_walk_m": self.mean_walk_m,
            "pickup_utilisation": dict(self.pickup_utilisation),
            "served_by_flow": dict(self.served_by_flow),
            "total_by_flow": dict(self.total_by_flow),
            # Only with returns, so plans without any keep their shape.
            **({"returns": self.returns.to_json()} if self.returns is not None else {}),
            **({"workload": self.workload.to_json()} if self.workload is not None else {}),
        }


class SolverKind(StrEnum):
    """Which optimisation a solver run did."""

    ROUTING = "routing"  # courier routes (solvers.solve)
    ASSIGNMENT = "assignment"  # orders to pickup points (solvers.assignment)


@dataclass(frozen=True)
class RoutingRun:
    """One routing solve behind the plan, kept so callers and tests can check it.

    ``flow`` is the fulfilment flow; ``problem`` and ``solution`` go through
    :func:`solvers.check` as they are.
    """

    flow: FulfilmentMode
    problem: RoutingProblem
    solution: RoutingSolution

    @property
    def kind(self) -> SolverKind:
        """Always :attr:`SolverKind.ROUTING`."""
        return SolverKind.ROUTING

    @property
    def status(self) -> str:
        """The search's status (:attr:`solvers.solution.SolveStats.status`)."""
        return self.solution.stats.status

    @property
    def solve_s(self) -> float:
        """Wall-clock seconds of the solve."""
        return self.solution.stats.solve_s

    @property
    def objective(self) -> float:
        """The search's objective, in its own integer units."""
        return float(self.solution.stats.objective)

    @property
    def fallback(self) -> bool:
        """Whether the routes grew from the search's fallback first solution."""
        return self.solution.stats.fallback


@dataclass(frozen=True)
class AssignmentRun:
    """One pickup-point assignment behind the plan.

    Attributes:
        flow: the fulfilment flow (next-day pickup).
        requests: orders offered to the assignment.
        sites: pickup points they could go to.
        run: status (``greedy`` when CP-SAT found nothing in time and the greedy fill
            was used), objective and bound (placement reward less walking metres),
            seconds, and whether the fallback was used.
    """

    flow: FulfilmentMode
    requests: int
    sites: int
    run: ModelRun

    @property
    def kind(self) -> SolverKind:
        """Always :attr:`SolverKind.ASSIGNMENT`."""
        return SolverKind.ASSIGNMENT

    @property
    def status(self) -> str:
        """``optimal``, ``feasible`` or ``greedy``."""
        return self.run.status.value

    @property
    def solve_s(self) -> float:
        """Wall-clock seconds of the run."""
        return self.run.solve_s

    @property
    def objective(self) -> float:
        """Total placement reward less walking metres of the answer."""
        return self.run.objective

    @property
    def fallback(self) -> bool:
        """Whether the answer is the greedy fill's (CP-SAT found nothing in time)."""
        return self.run.fallback


# Every run says its kind, flow, status, seconds, objective and whether a fallback
# answered; routing runs also carry
# the problem and solution for :func:`solvers.check`.
SolverRun: TypeAlias = RoutingRun | AssignmentRun


# --- City-scale parts (issue 11: dispatch/decompose.py) ---------------------------------


class PartKind(StrEnum):
    """What a part of a decomposed flow is (:mod:`dispatch.decompose`)."""

    PART = "part"  # a service area's orders and couriers, solved on its own
    SECOND_CHANCE = "second_chance"  # orders the parts left out, with the idle couriers
    BORDER = "border"  # routes near the border of two neighbouring parts, re-solved together


@dataclass(frozen=True, slots=True)
class PartRecord:
    """One part of a decomposed flow: its size, time and cost.

    Attributes:
        flow: the flow it belongs to.
        part: its label (the micro-warehouse of its area, ``mw03/2`` for the second
            piece of a bisected area, ``mw03+mw04`` for joined areas, ``border:A|B``).
        kind: part, second chance or border re-solve.
        orders: orders (routing tasks) in it.
        couriers: couriers in it.
        solve_s: wall-clock seconds its solve took in its worker (the only wall-clock
            figure of the plan file: it differs between runs of the same plan).
        cost: the cost of its solution (routes and drop penalties), yuan.
        accepted: for a second chance or border re-solve, whether it replaced what
            was there (only when the checker's cost dropped); True for a part.
    """

    flow: FulfilmentMode
    part: str
    kind: PartKind
    orders: int
    couriers: int
    solve_s: float
    cost: float
    accepted: bool = True

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "flow": self.flow.value,
            "part": self.part,
            "kind": self.kind.value,
            "orders": self.orders,
            "couriers": self.couriers,
            "solve_s": self.solve_s,
            "cost": self.cost,
            "accepted": self.accepted,
        }


@dataclass(frozen=True)
class Plan:
    """The result of :meth:`dispatch.planner.Planner.plan`.

    Attributes:
        at_s: when the plan was made (plan clock).
        routes: courier routes, by flow then courier id.
        pickup_assignments: served next-day orders and their pickup points, by order id.
        pick_lists: one per pickup point receiving orders, by point id.
        commissions: one per leader whose point receives orders, by leader id.
        unassigned: orders not served, by order id.
        kpis: key figures.
        solver_runs: every solver run behind the plan, in flow order (not exported):
            routing problems and solutions, and the next-day pickup-point assignment.
        parts: the parts of decomposed flows (:mod:`dispatch.decompose`), in flow
            order; empty when no flow was large enough to split.
        returns: every return of the batch, collected or not, by return id.
        warehouse_pick_lists: per micro-warehouse and courier departure, what to pick
            and pack, by warehouse, departure and courier.
    """

    at_s: float
    routes: tuple[PlannedRoute, ...]
    pickup_assignments: tuple[PickupAssignment, ...]
    pick_lists: tuple[PickList, ...]
    commissions: tuple[LeaderCommission, ...]
    unassigned: tuple[UnassignedOrder, ...]
    kpis: PlanKpis
    solver_runs: tuple[SolverRun, ...] = field(default=(), repr=False, compare=False)
    parts: tuple[PartRecord, ...] = field(default=(), repr=False, compare=False)
    returns: tuple[PlannedReturn, ...] = ()
    warehouse_pick_lists: tuple[WarehousePickList, ...] = ()

    @property
    def routing_runs(self) -> tuple[RoutingRun, ...]:
        """The routing solves among :attr:`solver_runs`."""
        return tuple(run for run in self.solver_runs if isinstance(run, RoutingRun))

    def served_order_ids(self) -> frozenset[str]:
        """Orders served: in a courier route's delivery or visit, or assigned to a pickup
        point on a trunk route."""
        out: set[str] = {a.order_id for a in self.pickup_assignments}
        for route in self.routes:
            if route.flow is FulfilmentMode.NEXT_DAY_PICKUP:
                continue
            for stop in route.stops:
                if stop.action in HANDOVER_ACTIONS:
                    out.update(stop.order_ids)
        return frozenset(out)

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON-ready dicts and lists (Decimals as strings)."""
        return {
            "at_s": self.at_s,
            "routes": [r.to_json() for r in self.routes],
            "pickup_assignments": [a.to_json() for a in self.pickup_assignments],
            "pick_lists": [p.to_json() for p in self.pick_lists],
            "commissions": [c.to_json() for c in self.commissions],
            "unassigned": [u.to_json() for u in self.unassigned],
            "kpis": self.kpis.to_json(),
            "parts": [p.to_json() for p in self.parts],
            "warehouse_pick_lists": [p.to_json() for p in self.warehouse_pick_lists],
            # Only with returns, so plans without any keep their shape.
            **({"returns": [r.to_json() for r in self.returns]} if self.returns else {}),
        }

"""The plan file's schema: pydantic models of what :meth:`dispatch.Plan.to_json` writes.

``dispatch plan --out`` and ``dispatch demo --out`` write ``Plan.to_json()`` with two
more keys in front, ``scenario`` (the scenario's name) and ``at`` (the plan time as
``"HH:MM"``); the service's plan JSON is ``Plan.to_json()`` alone, so both are optional
here.  Every model forbids unknown keys, so a key added to the writer without its field
here fails validation (``tests/dispatch/test_plan_schema.py`` validates real plans):
the schema cannot drift from the file.  :func:`plan_json_schema` is what
``dispatch schema --plan`` prints (JSON Schema draft 2020-12, as pydantic writes it);
:func:`plan_from_json` reads a plan file (or a stored plan's JSON) back into a
:class:`dispatch.Plan` (without its solver runs, which are not exported).

Units: times are seconds since the plan's midnight (``*_s``), distances metres
(``*_m``) or kilometres (``distance_km``), weights kg, volumes litres, money yuan as
decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dispatch.clock import CLOCK_PATTERN
from dispatch.domain import FulfilmentMode, TemperatureClass
from dispatch.payloads import PayloadError, pydantic_rule
from dispatch.plan import (
    LeaderCommission,
    PartKind,
    PartRecord,
    PickItem,
    PickList,
    PickupAssignment,
    Plan,
    PlanKpis,
    PlannedBreak,
    PlannedRoute,
    PlanStop,
    StopAction,
    UnassignedOrder,
    UnassignedOrderReason,
    WarehousePickList,
    WorkloadSpread,
)
from dispatch.returns import PlannedReturn, ReturnKpis, ReturnStatus

Seconds = Annotated[float, Field(ge=0, description="seconds since the plan's midnight")]
Money = Annotated[
    str,
    Field(pattern=r"^\d+(\.\d+)?$", description='yuan, exact decimal string, e.g. "9.90"'),
]
NonNegative = Annotated[float, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StopModel(_Model):
    """One stop of a route (:class:`dispatch.PlanStop`)."""

    order_ids: list[str] = Field(description="orders handled at the stop")
    action: StopAction
    place_id: str = Field(description="store, micro-warehouse, building or pickup point")
    eta_s: Seconds
    start_s: Seconds = Field(description="start of service, after any wait")
    departure_s: Seconds
    lateness_s: NonNegative = Field(description="seconds past the promise, 0 when on time")
    # Loads carry float sums: an emptied vehicle may show -1e-15, so no minimum here.
    load_kg: float = Field(description="on board after the stop, kg")
    load_l: float = Field(description="on board after the stop, litres")
    load_cold_boxes: float = Field(description="cold boxes in use after the stop")


class BreakModel(_Model):
    """A courier's break on its route (:class:`dispatch.plan.PlannedBreak`)."""

    after_stops: int = Field(ge=0, description="stops before it (0: before leaving)")
    start_s: Seconds
    end_s: Seconds


class RouteModel(_Model):
    """A courier's route in one flow (:class:`dispatch.PlannedRoute`)."""

    courier_id: str
    flow: FulfilmentMode
    start_s: Seconds = Field(description="departure from the courier's start")
    end_s: Seconds = Field(description="back at the start, or the end of the last stop")
    distance_m: NonNegative
    cost: NonNegative = Field(description="fixed, distance, time and lateness cost, yuan")
    stops: list[StopModel]
    overloaded: str | None = Field(
        default=None,
        description="why the courier carried more than its capacity at re-planning"
        " (it delivers what it carries and takes no new order); absent otherwise",
    )
    breaks: list[BreakModel] = Field(default_factory=list, description="breaks on the route")
    past_limits: str | None = Field(
        default=None,
        description="how far the route runs past the courier's max duration or distance"
        " to deliver the goods it carried at re-planning; absent otherwise",
    )


class PickupAssignmentModel(_Model):
    """A next-day order at a pickup point (:class:`dispatch.PickupAssignment`)."""

    order_id: str
    pickup_point_id: str
    walk_m: NonNegative | None = Field(description="walk from the member's home, if known")
    chosen: bool = Field(description="whether it is the point the member chose")


class PickItemModel(_Model):
    """One SKU of a pick list (:class:`dispatch.PickItem`)."""

    store_id: str
    sku: str
    temperature: TemperatureClass
    quantity: int = Field(ge=0)


class PickListModel(_Model):
    """The pick list of one pickup point (:class:`dispatch.PickList`)."""

    pickup_point_id: str
    order_ids: list[str]
    items: list[PickItemModel]
    parcels: int = Field(ge=0)
    totes: int = Field(ge=0)
    weight_kg: NonNegative
    volume_l: NonNegative


class WarehousePickListModel(_Model):
    """What a micro-warehouse picks for one courier's departure
    (:class:`dispatch.WarehousePickList`)."""

    micro_warehouse_id: str
    courier_id: str
    ready_s: Seconds = Field(description="the courier's arrival: pack by then")
    departure_s: Seconds = Field(description="the courier leaves the warehouse")
    order_ids: list[str]
    items: list[PickItemModel]
    cold_items: int = Field(ge=0, description="units that travel chilled, frozen or hot")
    cold_boxes: int = Field(ge=0, description="insulated boxes they fill")
    weight_kg: NonNegative
    volume_l: NonNegative


class ReturnModel(_Model):
    """A return in the plan (:class:`dispatch.returns.PlannedReturn`)."""

    return_id: str
    order_id: str | None = Field(description="the original order, if known")
    to: str = Field(description="the store, micro-warehouse or depot the items go to")
    status: ReturnStatus
    courier_id: str | None = Field(description="who collects it (collected only)")
    collected_s: Seconds | None = Field(description="start of the collection at the door")
    lateness_s: NonNegative = Field(description="seconds past the collection window")
    reached_s: Seconds | None = Field(description="when the items reach `to`")
    reason: UnassignedOrderReason | None = Field(description="why it is not collected")
    detail: str | None = Field(description="a sentence for the operator")


class ReturnKpisModel(_Model):
    """The returns' figures (:class:`dispatch.returns.ReturnKpis`)."""

    returns_total: int = Field(ge=0)
    returns_collected: int = Field(ge=0)
    returns_on_time: int = Field(ge=0, description="collected inside their window")
    on_time_pct: Annotated[float, Field(ge=0, le=100)] | None
    km_added: float | None = Field(
        description="route km the returns add over the plan without them (None: not compared)"
    )


class CommissionModel(_Model):
    """A leader's commission in this plan (:class:`dispatch.LeaderCommission`)."""

    leader_id: str
    pickup_point_id: str
    fulfilled_gmv: Money
    commission: Money


class UnassignedModel(_Model):
    """An order the plan does not serve (:class:`dispatch.UnassignedOrder`)."""

    order_id: str
    flow: FulfilmentMode
    reason: UnassignedOrderReason
    detail: str = Field(description="a sentence for the operator")


class KpisModel(_Model):
    """Key figures (:class:`dispatch.PlanKpis`)."""

    orders_total: int = Field(ge=0)
    orders_served: int = Field(ge=0)
    orders_unassigned: int = Field(ge=0)
    on_time_pct: Annotated[float, Field(ge=0, le=100)] | None
    distance_km: NonNegative
    courier_hours: NonNegative
    route_cost: NonNegative = Field(description="yuan")
    cost_per_order: NonNegative | None = Field(description="yuan")
    mean_walk_m: NonNegative | None
    pickup_utilisation: dict[str, NonNegative] = Field(
        description="parcels over capacity per pickup point receiving orders"
    )
    served_by_flow: dict[str, Annotated[int, Field(ge=0)]]
    total_by_flow: dict[str, Annotated[int, Field(ge=0)]]
    returns: ReturnKpisModel | None = Field(default=None, description="only with returns")
    workload: WorkloadModel | None = None


class PartModel(_Model):
    """One part of a decomposed flow (:class:`dispatch.plan.PartRecord`, issue 11)."""

    flow: FulfilmentMode
    part: str = Field(description="label: its area's micro-warehouse, `border:A|B`...")
    kind: PartKind
    orders: int = Field(ge=0)
    couriers: int = Field(ge=0)
    solve_s: NonNegative = Field(description="wall-clock seconds of its solve")
    cost: float = Field(description="routes and drop penalties of its solution, yuan")
    accepted: bool = Field(description="whether a re-solve replaced what was there")
    workload: WorkloadModel | None = None


class WorkloadModel(_Model):
    """The spread of work over the couriers on shift (:class:`dispatch.plan.WorkloadSpread`)."""

    couriers: int = Field(ge=0)
    orders_min: NonNegative
    orders_max: NonNegative
    orders_gini: Annotated[float, Field(ge=0, le=1)]
    hours_min: NonNegative
    hours_max: NonNegative
    hours_gini: Annotated[float, Field(ge=0, le=1)]


class PlanFile(_Model):
    """A plan file: what ``dispatch plan --out`` writes (``Plan.to_json()`` with the
    scenario's name and the plan time in front)."""

    scenario: str | None = Field(default=None, description="the scenario's name")
    at: str | None = Field(
        default=None, pattern=CLOCK_PATTERN, description='the plan time, "HH:MM"'
    )
    at_s: Seconds = Field(description="when the plan was made")
    routes: list[RouteModel]
    pickup_assignments: list[PickupAssignmentModel]
    pick_lists: list[PickListModel]
    commissions: list[CommissionModel]
    unassigned: list[UnassignedModel]
    kpis: KpisModel
    parts: list[PartModel] = Field(
        default_factory=list,
        description="parts of decomposed flows (none when no flow was split)",
    )
    warehouse_pick_lists: list[WarehousePickListModel] = Field(
        default_factory=list, description="what each micro-warehouse packs per departure"
    )
    returns: list[ReturnModel] = Field(default_factory=list, description="only with returns")


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of plan files (draft 2020-12)."""
    schema = PlanFile.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "o2o-dispatch plan file",
    }


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(plan)"


def plan_from_json(data: Mapping[str, Any], *, source: str = "plan") -> Plan:
    """The :class:`dispatch.Plan` of a plan file or of ``Plan.to_json()`` (its inverse:
    ``plan_from_json(p.to_json()) == p``; solver runs are not in the JSON).

    Raises:
        PayloadError: the data breaks the plan file's schema; names every bad field.
    """
    try:
        model = PlanFile.model_validate(data)
    except ValidationError as error:
        problems = [(_path(tuple(e["loc"])), pydantic_rule(e)) for e in error.errors()]
        raise PayloadError(source, problems) from None
    k = model.kpis
    return Plan(
        at_s=model.at_s,
        routes=tuple(
            PlannedRoute(
                courier_id=r.courier_id,
                flow=r.flow,
                start_s=r.start_s,
                end_s=r.end_s,
                distance_m=r.distance_m,
                cost=r.cost,
                stops=tuple(
                    PlanStop(
                        order_ids=tuple(s.order_ids),
                        action=s.action,
                        place_id=s.place_id,
                        eta_s=s.eta_s,
                        start_s=s.start_s,
                        departure_s=s.departure_s,
                        lateness_s=s.lateness_s,
                        load_kg=s.load_kg,
                        load_l=s.load_l,
                        load_cold_boxes=s.load_cold_boxes,
                    )
                    for s in r.stops
                ),
                overloaded=r.overloaded,
                breaks=tuple(PlannedBreak(b.after_stops, b.start_s, b.end_s) for b in r.breaks),
                past_limits=r.past_limits,
            )
            for r in model.routes
        ),
        pickup_assignments=tuple(
            PickupAssignment(a.order_id, a.pickup_point_id, a.walk_m, a.chosen)
            for a in model.pickup_assignments
        ),
        pick_lists=tuple(
            PickList(
                pickup_point_id=p.pickup_point_id,
                order_ids=tuple(p.order_ids),
                items=tuple(
                    PickItem(i.store_id, i.sku, i.temperature, i.quantity) for i in p.items
                ),
                parcels=p.parcels,
                totes=p.totes,
                weight_kg=p.weight_kg,
                volume_l=p.volume_l,
            )
            for p in model.pick_lists
        ),
        commissions=tuple(
            LeaderCommission(
                c.leader_id, c.pickup_point_id, Decimal(c.fulfilled_gmv), Decimal(c.commission)
            )
            for c in model.commissions
        ),
        unassigned=tuple(
            UnassignedOrder(u.order_id, u.flow, u.reason, u.detail) for u in model.unassigned
        ),
        kpis=PlanKpis(
            orders_total=k.orders_total,
            orders_served=k.orders_served,
            orders_unassigned=k.orders_unassigned,
            on_time_pct=k.on_time_pct,
            distance_km=k.distance_km,
            courier_hours=k.courier_hours,
            route_cost=k.route_cost,
            cost_per_order=k.cost_per_order,
            mean_walk_m=k.mean_walk_m,
            pickup_utilisation=dict(k.pickup_utilisation),
            served_by_flow=dict(k.served_by_flow),
            total_by_flow=dict(k.total_by_flow),
            returns=(
                ReturnKpis(
                    k.returns.returns_total,
                    k.returns.returns_collected,
                    k.returns.returns_on_time,
                    k.returns.on_time_pct,
                    k.returns.km_added,
                )
                if k.returns is not None
                else None
            ),
            workload=(
                WorkloadSpread(**k.workload.model_dump()) if k.workload is not None else None
            ),
        ),
        warehouse_pick_lists=tuple(
            WarehousePickList(
                micro_warehouse_id=p.micro_warehouse_id,
                courier_id=p.courier_id,
                ready_s=p.ready_s,
                departure_s=p.departure_s,
                order_ids=tuple(p.order_ids),
                items=tuple(
                    PickItem(i.store_id, i.sku, i.temperature, i.quantity) for i in p.items
                ),
                cold_items=p.cold_items,
                cold_boxes=p.cold_boxes,
                weight_kg=p.weight_kg,
                volume_l=p.volume_l,
            )
            for p in model.warehouse_pick_lists
        ),
        returns=tuple(
            PlannedReturn(
                r.return_id,
                r.order_id,
                r.to,
                r.status,
                courier_id=r.courier_id,
                collected_s=r.collected_s,
                lateness_s=r.lateness_s,
                reached_s=r.reached_s,
                reason=r.reason.value if r.reason is not None else None,
                detail=r.detail,
            )
            for r in model.returns
        ),
        parts=tuple(
            PartRecord(p.flow, p.part, p.kind, p.orders, p.couriers, p.solve_s, p.cost, p.accepted)
            for p in model.parts
        ),
    )

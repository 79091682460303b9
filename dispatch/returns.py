"""After-sales returns (售后退货) as a flow: the request, its payload, its checks and results.

A :class:`ReturnRequest` names the items (lines), where the resident hands them over
(their building, or a pickup point where they drop them), where they go (``to``: the
store or micro-warehouse they came from, or a depot), the collection window and,
optionally, the original order.  The planner turns it into a routing task with a
pickup at the door (action ``collect``) and a delivery at ``to`` (action ``return``)
on the same couriers and routes as the courier deliveries
(:mod:`dispatch.flows.returns`); the plan says for each return whether it is collected,
by whom, when, how late, and when the items reach ``to`` (:class:`PlannedReturn`).
Refunds stay outside the engine.

Times are seconds since the plan's midnight; the collection window bounds the start of
the collection at the door, which may be late by at most
:data:`RETURN_MAX_LATENESS_S` at the planner's lateness cost.  Every constructor and
parser raises :class:`solvers.errors.InvalidInputError` (``PayloadError`` for payloads)
naming the field path and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AliasChoices, Field, StrictInt

from core.limits import MAX_LINES_PER_ORDER, MAX_QUANTITY
from dispatch.domain import OrderLine, TemperatureClass
from dispatch.payloads import (
    ClockTime,
    Duration,
    Id,
    PayloadError,
    Price,
    UnitVolume,
    UnitWeight,
    WindowPayload,
    _domain,
    _Payload,
    _validate,
    content_hash,
)
from geo.places import Building, Depot, MicroWarehouse, PickupPoint, Store
from geo.validation import require_id, require_non_negative
from solvers.errors import InvalidInputError
from solvers.problem import TimeWindow

if TYPE_CHECKING:  # dispatch.world imports dispatch.plan, which imports this module
    from dispatch.world import World

#: How late a collection may start past its window's end (at the lateness cost), s.
RETURN_MAX_LATENESS_S = 1800.0

#: The prefix of a return's routing task id, so return and order ids never collide.
TASK_PREFIX = "return:"


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """A resident's return of items.

    Attributes:
        id: the return's id.
        lines: the items; ``store_id`` of each line is where it goes (``to``).
        to_place_id: the store, micro-warehouse or depot the items go to.
        window: when the collection at the door (or pickup point) may start.
        created_at_s: when the return was requested (defaults to the window's start).
        order_id: the original order, if known (for the operator; not checked).
        building_id: the resident's building, or
        pickup_point_id: the pickup point where the resident drops the items (one of
            the two).
        service_duration_s: time at the door, seconds.
    """

    id: str
    lines: tuple[OrderLine, ...]
    to_place_id: str
    window: TimeWindow
    created_at_s: float = -1.0
    order_id: str | None = None
    building_id: str | None = None
    pickup_point_id: str | None = None
    service_duration_s: float = 60.0

    def __post_init__(self) -> None:
        require_id("Return.id", self.id)
        owner = f"return {self.id!r}"
        require_id(f"{owner}: to", self.to_place_id)
        object.__setattr__(self, "lines", tuple(self.lines))
        if not self.lines:
            raise InvalidInputError(f"{owner}: lines", "must have at least one line")
        for line in self.lines:
            line.validate(owner)
        if (self.building_id is None) == (self.pickup_point_id is None):
            raise InvalidInputError(
                f"{owner}: building_id",
                "a return names exactly one of building_id and pickup_point_id",
            )
        for name in ("building_id", "pickup_point_id", "order_id"):
            value = getattr(self, name)
            if value is not None:
                require_id(f"{owner}: {name}", value)
        if not isinstance(self.window, TimeWindow) or self.window.end_s == float("inf"):
            raise InvalidInputError(f"{owner}: window", "must be a finite collection window")
        if self.created_at_s == -1.0:
            object.__setattr__(self, "created_at_s", self.window.start_s)
        require_non_negative(f"{owner}: created_at_s", self.created_at_s)
        require_non_negative(f"{owner}: service_duration_s", self.service_duration_s)

    @property
    def task_id(self) -> str:
        """The id of its routing task."""
        return TASK_PREFIX + self.id

    @property
    def door_place_id(self) -> str:
        """Where the items are collected: the building or the pickup point."""
        place = self.building_id if self.building_id is not None else self.pickup_point_id
        assert place is not None  # one of the two, checked on construction
        return place

    @property
    def temperatures(self) -> frozenset[TemperatureClass]:
        """Temperature classes of the items."""
        return frozenset(line.temperature for line in self.lines)


class ReturnLinePayload(_Payload):
    """A returned line; ``store_id`` defaults to the return's ``to``."""

    store_id: Id | None = None
    sku: Id
    quantity: StrictInt = Field(gt=0, le=MAX_QUANTITY)
    weight_kg: UnitWeight = 0.5
    volume_l: UnitVolume = 1.0
    temperature: TemperatureClass = TemperatureClass.AMBIENT
    unit_price: Price = Decimal("0")

    def to_line(self, to_place_id: str) -> OrderLine:
        """The :class:`OrderLine` (its store is ``to`` unless it names one)."""
        return OrderLine(
            self.store_id or to_place_id,
            self.sku,
            self.quantity,
            weight_kg=self.weight_kg,
            volume_l=self.volume_l,
            temperature=self.temperature,
            unit_price=self.unit_price,
        )


class ReturnPayload(_Payload):
    """A return request (:class:`ReturnRequest`), as in scenario files, the Engine and
    ``POST /returns``: ``{"id", "order_id", "building_id" | "pickup_point_id", "to",
    "lines", "window": {"start", "end"}}``."""

    id: Id
    order_id: Id | None = None
    building_id: Id | None = None
    pickup_point_id: Id | None = None
    to: Id = Field(description="the store, micro-warehouse or depot the items go to")
    lines: tuple[ReturnLinePayload, ...] = Field(min_length=1, max_length=MAX_LINES_PER_ORDER)
    window: WindowPayload = Field(description="when the collection may start")
    created_at_s: ClockTime | None = Field(
        default=None,
        validation_alias=AliasChoices("created_at", "created_at_s"),
        serialization_alias="created_at",
        description="when the return was requested (defaults to the window's start)",
    )
    service_duration_s: Duration = 60.0

    def to_return(self) -> ReturnRequest:
        """The :class:`ReturnRequest` (raises its InvalidInputError on a domain rule)."""
        window = self.window.to_window(f"return {self.id!r}: window")
        return ReturnRequest(
            self.id,
            tuple(line.to_line(self.to) for line in self.lines),
            self.to,
            window,
            created_at_s=self.created_at_s if self.created_at_s is not None else window.start_s,
            order_id=self.order_id,
            building_id=self.building_id,
            pickup_point_id=self.pickup_point_id,
            service_duration_s=self.service_duration_s,
        )


ReturnsList = Annotated[list[ReturnPayload], Field(max_length=100_000)]


def parse_return(data: object) -> ReturnRequest:
    """A :class:`ReturnRequest` from a payload dict (a ReturnRequest passes through).

    Raises:
        PayloadError: every field that breaks the schema, or the domain rule it breaks.
    """
    if isinstance(data, ReturnRequest):
        return data
    label = data.get("id") if isinstance(data, Mapping) else None
    source = f"return {label!r}" if isinstance(label, str) else "return"
    payload = _validate(ReturnPayload, data, source)
    return _domain(source, payload.to_return)


def return_payload(request: ReturnRequest) -> dict[str, Any]:
    """The canonical JSON-ready dict of a return (:func:`parse_return` reads it back)."""
    payload: dict[str, Any] = {
        "id": request.id,
        "order_id": request.order_id,
        "building_id": request.building_id,
        "pickup_point_id": request.pickup_point_id,
        "to": request.to_place_id,
        "created_at_s": float(request.created_at_s),
        "window": {"start_s": float(request.window.start_s), "end_s": float(request.window.end_s)},
        "service_duration_s": float(request.service_duration_s),
        "lines": [
            {
                "store_id": line.store_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "weight_kg": float(line.weight_kg),
                "volume_l": float(line.volume_l),
                "temperature": line.temperature.value,
                "unit_price": format(line.unit_price.normalize(), "f"),
            }
            for line in request.lines
        ],
    }
    return payload


def return_meaning_hash(request: ReturnRequest) -> str:
    """SHA-256 of the canonical payload: the idempotency check's content hash."""
    return content_hash(return_payload(request))


def return_problems(request: ReturnRequest, world: World) -> list[tuple[str, str]]:
    """What the return refers to that the world does not have, as ``(path, rule)``."""
    owner = f"return {request.id!r}"
    problems: list[tuple[str, str]] = []
    if not world.has_place(request.to_place_id, (Store, MicroWarehouse, Depot)):
        problems.append(
            (f"{owner}: to", f"unknown store, micro-warehouse or depot {request.to_place_id!r}")
        )
    if request.building_id is not None and not world.has_place(request.building_id, Building):
        problems.append((f"{owner}: building_id", f"unknown building {request.building_id!r}"))
    if request.pickup_point_id is not None:
        if not world.has_place(request.pickup_point_id, PickupPoint):
            problems.append(
                (f"{owner}: pickup_point_id", f"unknown pickup point {request.pickup_point_id!r}")
            )
        elif request.pickup_point_id in world.closed_pickup_point_ids:
            problems.append(
                (f"{owner}: pickup_point_id", f"pickup point {request.pickup_point_id!r} is closed")
            )
    return problems


def validate_returns(returns: Sequence[ReturnRequest], world: World) -> tuple[ReturnRequest, ...]:
    """The returns, checked against the world and for unique ids.

    Raises:
        PayloadError: every unknown reference and every repeated id, at once.
    """
    out = tuple(parse_return(r) for r in returns)
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for request in out:
        if request.id in seen:
            problems.append((f"return {request.id!r}: id", "appears twice"))
        seen.add(request.id)
        problems.extend(return_problems(request, world))
    if problems:
        raise PayloadError("returns", problems)
    return out


class ReturnStatus(StrEnum):
    """What became of a return in a plan."""

    COLLECTED = "collected"  # on a route: collected and brought to ``to``
    UNASSIGNED = "unassigned"  # not collected in this plan; the reason says why


@dataclass(frozen=True, slots=True)
class PlannedReturn:
    """A return in a plan.

    Attributes:
        return_id, order_id, to_place_id: the request's.
        status: collected or unassigned.
        courier_id: who collects it (collected only).
        collected_s: start of the collection at the door (collected only).
        lateness_s: seconds the collection starts past the window (0 on time).
        reached_s: when the items are handed over at ``to`` (the refund's trigger).
        reason, detail: why it is not collected (unassigned only; the plan's reason
            codes, :class:`dispatch.plan.UnassignedOrderReason` values).
    """

    return_id: str
    order_id: str | None
    to_place_id: str
    status: ReturnStatus
    courier_id: str | None = None
    collected_s: float | None = None
    lateness_s: float = 0.0
    reached_s: float | None = None
    reason: str | None = None
    detail: str | None = None

    @property
    def on_time(self) -> bool:
        """Collected inside its window."""
        return self.status is ReturnStatus.COLLECTED and self.lateness_s <= 1e-6

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "return_id": self.return_id,
            "order_id": self.order_id,
            "to": self.to_place_id,
            "status": self.status.value,
            "courier_id": self.courier_id,
            "collected_s": self.collected_s,
            "lateness_s": self.lateness_s,
            "reached_s": self.reached_s,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ReturnKpis:
    """The returns' figures of a plan.

    Attributes:
        returns_total: returns in the batch.
        returns_collected: collected on a route.
        returns_on_time: collected inside their window.
        on_time_pct: ``returns_on_time / returns_total`` in percent (None without returns).
        km_added: route kilometres the returns add: this plan's distance minus the plan
            of the same orders without the returns (None when not compared,
            :func:`dispatch.returns_effect.plan_with_returns_effect`).
    """

    returns_total: int
    returns_collected: int
    returns_on_time: int
    on_time_pct: float | None
    km_added: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "returns_total": self.returns_total,
            "returns_collected": self.returns_collected,
            "returns_on_time": self.returns_on_time,
            "on_time_pct": self.on_time_pct,
            "km_added": self.km_added,
        }


def return_kpis(planned: Sequence[PlannedReturn]) -> ReturnKpis | None:
    """The figures of these returns (None when there are none)."""
    if not planned:
        return None
    on_time = sum(1 for p in planned if p.on_time)
    return ReturnKpis(
        returns_total=len(planned),
        returns_collected=sum(1 for p in planned if p.status is ReturnStatus.COLLECTED),
        returns_on_time=on_time,
        on_time_pct=100.0 * on_time / len(planned),
    )

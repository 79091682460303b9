"""Request and answer bodies of the HTTP service (pydantic; they make ``/openapi.json``).

Order bodies are the library's own payload schema (:class:`dispatch.payloads.OrderPayload`,
the scenario file's order); clock fields are seconds since the plan's midnight (``*_s``)
or ``"HH:MM"`` where the payload schema takes them; money is a decimal string in yuan.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from core.limits import MAX_STOCK_UNITS
from dispatch.domain import FulfilmentMode
from dispatch.payloads import LinePayload

Seconds = Annotated[float, Field(ge=0, le=7 * 86400, allow_inf_nan=False)]
Budget = Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)]
Identifier = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuoteRequest(_Body):
    """A checkout quote: the fulfilment options for a basket to a building."""

    destination: Identifier = Field(description="destination building id")
    member_id: Identifier
    basket: Annotated[list[LinePayload], Field(min_length=1, max_length=200)]
    at_s: Seconds | None = Field(None, description="quote time (plan clock); default now")


class WindowOut(BaseModel):
    """A time window, seconds since the plan's midnight."""

    start_s: float
    end_s: float


class MissingLineOut(BaseModel):
    """A line a place cannot give whole (``dispatch.stock.MissingLine``)."""

    place_id: str
    sku: str
    wanted: int
    available: int


class OptionOut(BaseModel):
    """One fulfilment option (see ``dispatch.quotes.FulfilmentOption``)."""

    mode: FulfilmentMode
    fee: str = Field(description="yuan, after the member's benefits")
    base_fee: str
    benefit: str | None
    available: bool
    eta_s: float | None
    window: WindowOut | None
    remaining: int | None
    pickup_point_id: str | None
    walk_m: float | None
    next_pickup_s: float | None
    source_ids: list[str]
    missing: list[MissingLineOut] = Field(
        default_factory=list, description="lines its place cannot give by then (stock)"
    )
    instead_of: str | None = Field(
        None, description="another micro-warehouse's option: the place the basket named"
    )


class QuoteOut(BaseModel):
    """The options for one basket."""

    destination_id: str
    member_id: str
    at_s: float
    basket_value: str
    options: list[OptionOut]
    missing: list[MissingLineOut] = Field(
        default_factory=list, description="the basket's lines its places lack now (stock)"
    )


class SubmittedOut(BaseModel):
    """An order stored (``stored`` False: the same order was already stored)."""

    order_id: str
    stored: bool
    status: str


class ReturnOut(BaseModel):
    """A return request stored (``stored`` False: it was already there) and its state."""

    return_id: str
    stored: bool
    status: str = Field(description="pending (not yet collected by a plan) or planned")
    plan_id: int | None = Field(description="the stored plan that collects it")


class OrderOut(BaseModel):
    """An order's status and, once planned, its ETA."""

    order_id: str
    mode: FulfilmentMode
    status: str = Field(description="pending, planned, fulfilled or cancelled")
    plan_id: int | None
    pickup_point_id: str | None
    fulfilled_on: str | None
    eta_s: float | None = Field(description="planned arrival at the customer (plan clock)")
    courier_id: str | None
    order: dict[str, Any] = Field(description="the order as submitted (payload schema)")


class PlanRequest(_Body):
    """Plan the pending orders (``POST /plans``)."""

    at_s: Seconds | None = Field(None, description="plan time (plan clock); default now")
    modes: list[FulfilmentMode] | None = Field(None, description="flows to plan; default all")
    order_ids: Annotated[list[Identifier], Field(max_length=100_000)] | None = None
    time_limit_s: Budget | None = Field(None, description="budget of the whole plan, seconds")
    iterations: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    label: Annotated[str, Field(max_length=200)] = "batch"
    wait: bool = Field(True, description="answer with the plan (else at once with the job)")


class OnBoardIn(_Body):
    """An order a courier carries (every pickup done)."""

    order_id: Identifier
    picked_up_at_s: Seconds


class PartlyPickedIn(_Body):
    """A multi-store order a courier has collected from some of its stores."""

    order_id: Identifier
    stores_done: Annotated[list[Identifier], Field(min_length=1)]
    picked_up_at_s: Seconds


class NextStopIn(_Body):
    """The stop a courier rides to: 0.. its stores in order, ``len(stores)`` the door."""

    order_id: Identifier
    stop_index: Annotated[int, Field(ge=0, le=100)]


class CourierStateIn(_Body):
    """Where a courier is and what it is committed to (``dispatch.live.CourierState``)."""

    courier_id: Identifier
    lon: Annotated[float, Field(ge=-180, le=180)] | None = Field(
        None, description="last position; default the courier's start"
    )
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    left_at_s: Seconds | None = None
    on_board: list[OnBoardIn] = []
    partly_picked: list[PartlyPickedIn] = []
    next_stop: NextStopIn | None = None


class ReplanRequest(_Body):
    """Re-plan a plan's courier deliveries with commitments locked."""

    at_s: Seconds
    couriers: Annotated[list[CourierStateIn], Field(max_length=10_000)] = []
    time_limit_s: Budget | None = None
    iterations: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    label: Annotated[str, Field(max_length=200)] | None = None
    wait: bool = True


class JobOut(BaseModel):
    """A plan job: poll ``GET /plans/{job_id}`` until ``done`` (then ``plan_id``)."""

    job_id: str
    kind: str
    status: str = Field(description="queued, running, done or failed")
    submitted_at: str
    plan_id: int | None
    error: dict[str, str] | None


class PlanOut(BaseModel):
    """A stored plan: its id, label, time and the plan JSON (``dispatch plan`` format)."""

    plan_id: int
    label: str
    at_s: float
    created_at: str
    replan_of: int | None
    plan: dict[str, Any]


class HealthOut(BaseModel):
    """The server is up and its store answers."""

    status: str
    store: str
    orders: int


class ProblemOut(BaseModel):
    """One broken rule: the field's path and the rule."""

    field: str
    rule: str


class ErrorDetailOut(BaseModel):
    """What went wrong."""

    status: int
    message: str
    problems: list[ProblemOut]


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"status", "message", "problems"}}``."""

    error: ErrorDetailOut


# --- stock (dispatch.stock) ----------------------------------------------------------------

StockUnits = Annotated[int, Field(ge=0, le=MAX_STOCK_UNITS)]


class ReplenishmentIn(_Body):
    """Units of a SKU arriving at the place at ``at_s`` (plan clock)."""

    sku: Identifier
    quantity: StockUnits
    at_s: Seconds


class StockIn(_Body):
    """``PUT /stock/{place_id}``: units on hand per SKU (set), and arrivals (added)."""

    levels: Annotated[dict[Identifier, StockUnits], Field(max_length=10_000)] = Field(
        default_factory=dict
    )
    replenishments: Annotated[list[ReplenishmentIn], Field(max_length=10_000)] = Field(
        default_factory=list
    )


class StockLotOut(BaseModel):
    """One lot: ``quantity`` units arriving at ``at_s`` (0: on hand), ``reserved`` held
    by stored orders."""

    sku: str
    at_s: float
    quantity: int
    reserved: int


class StockOut(BaseModel):
    """A place's stock (no lots: the place does not count stock)."""

    place_id: str
    lots: list[StockLotOut]

"""The one schema of orders, members and leaders (decoded JSON), with one converter each.

The same pydantic models read the order service's payloads (:class:`dispatch.Engine`)
and the scenario file's ``orders``, ``members`` and ``leaders``
(:mod:`scenarios.scenario_schema` uses them as they are).  :func:`parse_order`,
:func:`parse_member` and :func:`parse_leader` turn a dict into a
:class:`dispatch.Order`, :class:`dispatch.Member` or :class:`dispatch.Leader` through
the models' ``to_order``/``to_member``/``to_leader``; a payload that breaks rules
raises one :class:`PayloadError` naming every bad field (``lines[0].quantity: must be
greater than 0, got 0``).  :func:`order_payload` is the inverse of :func:`parse_order`:
the canonical JSON-ready dict of an order (the store keeps it and hashes it for
idempotent submits).

Clock times have one field type, :data:`ClockTime`: ``"HH:MM"`` or ``"HH:MM:SS"`` on
the plan's clock (hours past 23 for the next day) or a number of seconds since the
plan's midnight.  A clock field is one attribute with its unit (``created_at_s``,
``start_s``, ``end_s``: seconds) that also takes the scenario file's spelling without
the suffix (``created_at``, ``start``, ``end``), the spelling it is written with (as
``"HH:MM"``) and the one the JSON Schema shows.  One model with two spellings, rather
than a scenario schema and a payload schema, keeps the fields, rules and converters
from drifting apart; the canonical store form (:func:`order_payload`) stays in
seconds under ``created_at_s``/``start_s``/``end_s`` so stored hashes do not change.
Money is a decimal string in yuan.

Every number has a documented range (:data:`ORDER_LIMITS`, shown in the JSON Schema):
clock times lie within the planning horizon :data:`MAX_CLOCK_S` (seven days after the
plan's midnight), and sizes, quantities and amounts stay far below what the solvers'
integer scaling and the store's columns hold, so an order that passes the schema can
always be modelled.  Ids are 1 to :data:`MAX_ID_CHARS` characters (the store's column
width).  Two payloads that mean the same order (``"12.9"`` and ``"12.90"``, ``36000``
and ``"10:00"``) have the same :func:`order_meaning_hash`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Strict,
    StrictBool,
    StrictInt,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from core.errors import listed_problems
from core.limits import (
    MAX_CLOCK_S,
    MAX_DURATION_S,
    MAX_ID_CHARS,
    MAX_LINES_PER_ORDER,
    MAX_LIST_ITEMS,
    MAX_QUANTITY,
    MAX_UNIT_VOLUME_L,
    MAX_UNIT_WEIGHT_KG,
    quoted,
    shorten,
)
from dispatch.clock import CLOCK_PATTERN, format_clock, parse_clock
from dispatch.domain import (
    MAX_NOTE_CHARS,
    MAX_PROMISED_WINDOWS,
    CommissionTier,
    FulfilmentMode,
    Leader,
    Member,
    MemberTier,
    Order,
    OrderLine,
    TemperatureClass,
)
from solvers.errors import InvalidInputError
from solvers.problem import TimeWindow

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class PayloadError(InvalidInputError):
    """A payload (or a batch of orders) broke one or more rules; ``problems`` holds each
    ``(path, rule)``."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        # A rule quoting a long value is cut (see shorten), wherever it was written.
        self.problems = tuple((path, shorten(rule)) for path, rule in problems)
        super().__init__(source, listed_problems(self.problems))

    @property
    def fields(self) -> tuple[str, ...]:
        """The paths of the bad fields, in order."""
        return tuple(path for path, _ in self.problems)


# Field types shared with the scenario file (scenarios.scenario_schema imports them).
# At most 12 integer and 6 fraction digits: far more than any amount or rate needs, and
# a bound on the work a decimal string can cause.
_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,6})?$")

MAX_UNIT_PRICE = Decimal("1000000")
"""The dearest unit of an order line, yuan."""
ORDER_LIMITS: Mapping[str, object] = {
    "created_at_s, promised.start_s, promised.end_s": f"0..{MAX_CLOCK_S:.0f} s",
    "lines": f"1..{MAX_LINES_PER_ORDER}",
    "lines[].quantity": f"1..{MAX_QUANTITY}",
    "lines[].weight_kg": f"0..{MAX_UNIT_WEIGHT_KG:.0f} kg",
    "lines[].volume_l": f"0..{MAX_UNIT_VOLUME_L:.0f} l",
    "lines[].unit_price": f"0..{MAX_UNIT_PRICE} yuan",
    "service_duration_s": f"0..{MAX_DURATION_S:.0f} s",
    "required_skills": f"0..{MAX_LIST_ITEMS}",
    "ids": f"1..{MAX_ID_CHARS} characters",
}
"""The documented range of every number of an order payload (for people and docs)."""


def _decimal_in(value: object) -> object:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _DECIMAL.match(value):
        return Decimal(value)
    raise ValueError(
        f'must be a decimal string such as "9.90" (numbers are not exact), got {value!r}'
    )


DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_in),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _DECIMAL.pattern,
            "description": 'exact decimal as a string, e.g. "9.90" (money in yuan)',
        }
    ),
]
NonNegative = Annotated[float, Strict(), Field(ge=0)]
# Bounded numbers (core.limits): a value past its bound is refused with its path.
Duration = Annotated[float, Strict(), Field(ge=0, le=MAX_DURATION_S)]
UnitWeight = Annotated[float, Strict(), Field(ge=0, le=MAX_UNIT_WEIGHT_KG)]
UnitVolume = Annotated[float, Strict(), Field(ge=0, le=MAX_UNIT_VOLUME_L)]
Id = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_ID_CHARS)]


def _price_in(value: object) -> object:
    value = _decimal_in(value)
    if isinstance(value, Decimal) and value > MAX_UNIT_PRICE:
        raise ValueError(f"must be at most {MAX_UNIT_PRICE} yuan, got {value}")
    return value


Price = Annotated[
    Decimal,
    BeforeValidator(_price_in),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _DECIMAL.pattern,
            "description": f'price in yuan as an exact decimal string, e.g. "9.90", '
            f"at most {MAX_UNIT_PRICE}",
        }
    ),
]


def _clock_in(value: object) -> object:
    if isinstance(value, str):
        try:
            return parse_clock(value)
        except InvalidInputError as error:
            raise ValueError(error.rule) from None
    return value


def _clock_out(value: float) -> str | float:
    return format_clock(value) if float(value).is_integer() else value


ClockTime = Annotated[
    float,
    BeforeValidator(_clock_in),
    Strict(),
    Field(ge=0, le=MAX_CLOCK_S),
    PlainSerializer(_clock_out, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": CLOCK_PATTERN},
                {"type": "number", "minimum": 0, "maximum": MAX_CLOCK_S},
            ],
            "description": 'clock time: "HH:MM" or "HH:MM:SS" (hours past 23 for the next '
            "days) or seconds since the plan's midnight, within the planning horizon of "
            f"{MAX_CLOCK_S // 86400} days ({MAX_CLOCK_S} s)",
        }
    ),
]
"""A clock time in seconds since the plan's midnight, read from ``"HH:MM"``,
``"HH:MM:SS"`` or a number of seconds; written to JSON as ``"HH:MM"`` (a number when it
has a fraction of a second)."""

# The second spelling of each clock field: the attribute (with its unit) -> the
# scenario file's name.  Both are accepted; the short one is written.  The fields spell
# out their Field(...) so that the pydantic mypy plugin accepts either keyword.
_CLOCK_SPELLINGS = {"created_at_s": "created_at", "start_s": "start", "end_s": "end"}
_SHORT_SPELLINGS = {short: name for name, short in _CLOCK_SPELLINGS.items()}


class _Payload(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, serialize_by_alias=True
    )


class LinePayload(_Payload):
    """An order line; ``unit_price`` in yuan as a decimal string."""

    store_id: Id
    sku: Id
    quantity: StrictInt = Field(gt=0, le=MAX_QUANTITY)
    weight_kg: UnitWeight = 0.5
    volume_l: UnitVolume = 1.0
    temperature: TemperatureClass = TemperatureClass.AMBIENT
    unit_price: Price = Decimal("0")

    def to_line(self) -> OrderLine:
        """The :class:`OrderLine` (its domain rules are checked by the order it is in)."""
        return OrderLine(
            self.store_id,
            self.sku,
            self.quantity,
            weight_kg=self.weight_kg,
            volume_l=self.volume_l,
            temperature=self.temperature,
            unit_price=self.unit_price,
        )


class WindowPayload(_Payload):
    """A window ``[start, end]`` of clock times (also spelled ``start_s``/``end_s``)."""

    start_s: ClockTime = Field(
        validation_alias=AliasChoices("start", "start_s"), serialization_alias="start"
    )
    end_s: ClockTime = Field(
        validation_alias=AliasChoices("end", "end_s"), serialization_alias="end"
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> WindowPayload:
        # Checked here so the error names the window's own path (``promised``,
        # ``shift``) rather than the solver's TimeWindow.
        if self.end_s < self.start_s:
            raise ValueError(
                f"end ({format_clock(self.end_s)}) must not be before start "
                f"({format_clock(self.start_s)})"
            )
        return self

    def to_window(self, what: str = "window") -> TimeWindow:
        """The :class:`TimeWindow` (raises its InvalidInputError, naming ``what``, if it
        ends first)."""
        return TimeWindow(self.start_s, self.end_s, what)


class PromisedWindowPayload(WindowPayload):
    """A promised window; ``hard`` (real13): true, service must start inside it; false,
    it may start after its end within the flow's lateness allowance, at the lateness
    cost; absent, the default rule (only the last promised window is soft)."""

    hard: StrictBool | None = None

    def to_window(self, what: str = "window") -> TimeWindow:
        """The :class:`TimeWindow` with its ``hard`` flag."""
        return TimeWindow(self.start_s, self.end_s, what, self.hard)


def _as_promised(value: object) -> object:
    """A plain :class:`WindowPayload` (the generators build promises with it) read as a
    promised window without a flag."""
    if type(value) is WindowPayload:
        return {"start_s": value.start_s, "end_s": value.end_s}
    return value


PromisedWindow = Annotated[PromisedWindowPayload, BeforeValidator(_as_promised)]


# fleet13: ``promised`` is one window or a list.  A tagged union, so an error names the
# window's own path (``promised.end``, ``promised[1].end``): ``_path`` drops the tags.
UNION_TAGS = frozenset({"(one window)", "(windows)"})
PromisedPayload = Annotated[
    Annotated[PromisedWindow, Tag("(one window)")]
    | Annotated[
        list[PromisedWindow],
        Field(min_length=1, max_length=MAX_PROMISED_WINDOWS),
        Tag("(windows)"),
    ],
    Discriminator(lambda v: "(windows)" if isinstance(v, list | tuple) else "(one window)"),
]


class OrderPayload(_Payload):
    """An order (:class:`dispatch.Order`); ``created_at`` is also spelled
    ``created_at_s``."""

    id: Id
    member_id: Id
    created_at_s: ClockTime = Field(
        validation_alias=AliasChoices("created_at", "created_at_s"),
        serialization_alias="created_at",
    )
    mode: FulfilmentMode
    building_id: Id | None = None
    pickup_point_id: Id | None = None
    # One window, or a list of them (sorted, disjoint: the customer's alternatives).
    promised: PromisedPayload | None = None
    required_skills: tuple[Id, ...] = Field((), max_length=MAX_LIST_ITEMS)
    service_duration_s: Duration = 60.0
    lines: tuple[LinePayload, ...] = Field(min_length=1, max_length=MAX_LINES_PER_ORDER)
    note: Annotated[str, Strict(), Field(max_length=MAX_NOTE_CHARS)] | None = None

    def to_order(self) -> Order:
        """The :class:`Order` (raises its InvalidInputError on a domain rule, such as a
        scheduled order without ``promised``)."""
        windows = self.promised_windows()
        return Order(
            self.id,
            self.member_id,
            self.created_at_s,
            tuple(line.to_line() for line in self.lines),
            self.mode,
            building_id=self.building_id,
            pickup_point_id=self.pickup_point_id,
            promised=windows[0] if windows else None,
            required_skills=frozenset(self.required_skills),
            service_duration_s=self.service_duration_s,
            note=self.note,
            promised_more=windows[1:],
        )

    def promised_windows(self) -> tuple[TimeWindow, ...]:
        """The promised windows (one or several; none without ``promised``)."""
        if self.promised is None:
            return ()
        if isinstance(self.promised, WindowPayload):
            return (self.promised.to_window(f"order {self.id!r}: promised"),)
        return tuple(
            w.to_window(f"order {self.id!r}: promised[{i}]") for i, w in enumerate(self.promised)
        )


class MemberPayload(_Payload):
    """A member (:class:`dispatch.Member`)."""

    id: Id
    tier: MemberTier = MemberTier.REGULAR
    home_building_id: Id | None = None
    flexible_pickup: StrictBool = True

    def to_member(self) -> Member:
        """The :class:`Member`."""
        return Member(self.id, self.tier, self.home_building_id, self.flexible_pickup)


class TierPayload(_Payload):
    """From ``threshold`` yuan of fulfilled GMV the leader earns ``rate`` of it."""

    threshold: DecimalText
    rate: DecimalText


class LeaderPayload(_Payload):
    """A community leader (:class:`dispatch.Leader`); no ``tiers``: the default 10 %."""

    id: Id
    pickup_point_id: Id
    tiers: tuple[TierPayload, ...] | None = Field(None, max_length=MAX_LIST_ITEMS)
    rating: Annotated[float, Strict(), Field(ge=0, le=5)] = 5.0

    def to_leader(self) -> Leader:
        """The :class:`Leader` (raises its InvalidInputError on a tier rule)."""
        if self.tiers is None:
            return Leader(self.id, self.pickup_point_id, rating=self.rating)
        tiers = tuple(CommissionTier(t.threshold, t.rate) for t in self.tiers)
        return Leader(self.id, self.pickup_point_id, tiers, self.rating)


_MESSAGES = (
    (re.compile(r"^Value error, "), ""),
    (re.compile(r"^Input should be "), "must be "),
    (re.compile(r"^Field required$"), "is required"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not a known field"),
    (
        re.compile(r"^\w+ should have (at least|at most) (.*) after validation, not \d+$"),
        r"must have \1 \2",
    ),
    (re.compile(r"^String should "), "must "),
)


def pydantic_rule(error: Any) -> str:
    """One pydantic error as a rule in our words (shared with the scenario file)."""
    ctx = error.get("ctx") or {}
    if error["type"] == "union_tag_invalid":
        return f"kind must be one of {ctx['expected_tags']}, got {ctx['tag']!r}"
    if error["type"] == "union_tag_not_found":
        return f"needs a {ctx['discriminator']}"
    last = (error.get("loc") or ("",))[-1]
    if error["type"] == "extra_forbidden" and last in _CLOCK_SPELLINGS:
        return f"is another spelling of {_CLOCK_SPELLINGS[last]!r}: give one of them"
    if error["type"] == "missing" and last in _SHORT_SPELLINGS:
        return f"is required (or {_SHORT_SPELLINGS[last]!r}, in seconds)"
    message = shorten(str(error["msg"]), 300)
    for pattern, replacement in _MESSAGES:
        message = pattern.sub(replacement, message)
    value = error.get("input")
    if error["type"] not in ("missing", "value_error") and not isinstance(value, dict | list):
        message += f", got {quoted(value)}"
    return shorten(message)


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for key in loc:
        if key in UNION_TAGS:
            continue
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out or "(payload)"


def _validate(model: type[M], data: object, source: str) -> M:
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        inner = {tuple(e["loc"][:k]) for e in errors for k in range(len(e["loc"]))}
        problems = [
            (_path(e["loc"]), pydantic_rule(e))
            for e in errors
            if not (e["type"] == "too_short" and tuple(e["loc"]) in inner)
        ]
        raise PayloadError(source, problems) from None


def _domain(source: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except InvalidInputError as error:
        raise PayloadError(source, [(error.field, error.rule)]) from None


def order_source(data: object) -> str:
    """How errors name an order or order payload: ``order 'o1'``, or ``order`` without
    a usable id."""
    label = data.id if isinstance(data, Order) else None
    if isinstance(data, Mapping):
        label = data.get("id")
    return f"order {label!r}" if isinstance(label, str) else "order"


def parse_order(data: object) -> Order:
    """An :class:`Order` from a payload dict (an Order passes through).

    Raises:
        PayloadError: every field that breaks the schema, or the domain rule it breaks
            (a scheduled order without ``promised``...).
    """
    if isinstance(data, Order):
        return data
    source = order_source(data)
    payload = _validate(OrderPayload, data, source)
    return _domain(source, payload.to_order)


def parse_lines(items: Sequence[object], *, source: str = "basket") -> list[OrderLine]:
    """Order lines from payload dicts (OrderLines pass through, checked).

    Raises:
        PayloadError: every bad field of every line, named ``basket[i].field``.
    """
    out: list[OrderLine] = []
    problems: list[tuple[str, str]] = []
    for k, item in enumerate(items):
        if isinstance(item, OrderLine):
            try:
                item.validate(f"{source}[{k}]")
            except InvalidInputError as error:
                problems.append((error.field, error.rule))
                continue
            out.append(item)
            continue
        try:
            out.append(_validate(LinePayload, item, source).to_line())
        except PayloadError as error:
            problems.extend((f"{source}[{k}].{path}", rule) for path, rule in error.problems)
    if problems:
        raise PayloadError(source, problems)
    return out


def parse_member(data: object) -> Member:
    """A :class:`Member` from a payload dict (a Member passes through).

    Raises:
        PayloadError: every field that breaks the schema.
    """
    if isinstance(data, Member):
        return data
    p = _validate(MemberPayload, data, "member")
    return _domain("member", p.to_member)


def parse_leader(data: object) -> Leader:
    """A :class:`Leader` from a payload dict (a Leader passes through).

    Raises:
        PayloadError: every field that breaks the schema, or a tier rule.
    """
    if isinstance(data, Leader):
        return data
    payload = _validate(LeaderPayload, data, "leader")
    return _domain("leader", payload.to_leader)


def order_payload(order: Order) -> dict[str, Any]:
    """The canonical JSON-ready dict of an order (``parse_order`` reads it back).

    ``note`` appears only when the order has one, so orders without a note keep the
    content hash they were stored with.
    """
    payload: dict[str, Any] = {
        "id": order.id,
        "member_id": order.member_id,
        "created_at_s": float(order.created_at_s),
        "mode": order.mode.value,
        "building_id": order.building_id,
        "pickup_point_id": order.pickup_point_id,
        "promised": _promised_payload(order),
        "required_skills": sorted(order.required_skills),
        "service_duration_s": float(order.service_duration_s),
        "lines": [
            {
                "store_id": line.store_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "weight_kg": float(line.weight_kg),
                "volume_l": float(line.volume_l),
                "temperature": line.temperature.value,
                "unit_price": format(line.unit_price, "f"),
            }
            for line in order.lines
        ],
    }
    if order.note is not None:
        payload["note"] = order.note
    return payload


def _promised_payload(order: Order) -> object:
    """One window as before (so stored orders keep their content hash), a list of them
    when the order has several; ``hard`` only on a window that sets it."""
    windows: list[dict[str, object]] = [
        {"start_s": float(w.start_s), "end_s": float(w.end_s)} for w in order.promised_windows
    ]
    for window, given in zip(windows, order.promised_windows, strict=True):
        if given.hard is not None:  # real13: only when set, so old hashes stay
            window["hard"] = given.hard
    if not windows:
        return None
    return windows[0] if len(windows) == 1 else windows


def order_bound_problems(order: Order) -> list[tuple[str, str]]:
    """Every field of a built order outside its documented range (:data:`ORDER_LIMITS`),
    as ``(path, rule)``; empty when the order can be modelled.

    An :class:`Order` built in code (not parsed from a payload) or read from a store
    written before the ranges existed is checked by the payload schema itself, so the
    two can never disagree.
    """
    try:
        _validate(OrderPayload, order_payload(order), "order")
    except PayloadError as error:
        return list(error.problems)
    except (ValueError, ArithmeticError) as error:  # a value order_payload cannot write
        return [("(order)", shorten(f"cannot be written as a payload ({error})"))]
    return []


def _plain_decimal(value: Decimal) -> str:
    # 12.9, 12.90 and 012.900 are one amount: no trailing zeros, never an exponent.
    return format(value.normalize(), "f")


def order_meaning(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical order payload (:func:`order_payload`) with every amount written one
    way (``"12.90"`` -> ``"12.9"``): equal for two payloads that mean the same order."""
    out = dict(payload)
    out["lines"] = [
        {**line, "unit_price": _plain_decimal(Decimal(str(line["unit_price"])))}
        for line in payload["lines"]
    ]
    return out


def order_meaning_hash(order: Order) -> str:
    """SHA-256 of :func:`order_meaning` of the order: the idempotency check's content
    hash (the store keeps it beside the payload as submitted)."""
    return content_hash(order_meaning(order_payload(order)))


def member_payload(member: Member) -> dict[str, Any]:
    """The JSON-ready dict of a member."""
    return {
        "id": member.id,
        "tier": member.tier.value,
        "home_building_id": member.home_building_id,
        "flexible_pickup": member.flexible_pickup,
    }


def leader_payload(leader: Leader) -> dict[str, Any]:
    """The JSON-ready dict of a leader (money and rates as decimal strings)."""
    return {
        "id": leader.id,
        "pickup_point_id": leader.pickup_point_id,
        "tiers": [{"threshold": str(t.threshold), "rate": str(t.rate)} for t in leader.tiers],
        "rating": float(leader.rating),
    }


def canonical_json(data: object) -> str:
    """Sorted-key, compact JSON: equal content gives equal text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(data: object) -> str:
    """SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()

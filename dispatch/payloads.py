"""Payloads of the order service (decoded JSON) to and from domain objects, validated.

:func:`parse_order`, :func:`parse_member` and :func:`parse_leader` turn a dict into a
:class:`dispatch.Order`, :class:`dispatch.Member` or :class:`dispatch.Leader`; a
payload that breaks rules raises one :class:`PayloadError` naming every bad field
(``lines[0].quantity: must be greater than 0, got 0``).  :func:`order_payload` is the
inverse of :func:`parse_order`: the canonical JSON-ready dict of an order (the store
keeps it and hashes it for idempotent submits).

The field names and units are those of the scenario file's orders, except clock times,
which are seconds since the plan's midnight (``created_at_s``; ``promised`` as
``{"start_s", "end_s"}``); money is a decimal string in yuan.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
)

from dispatch.domain import (
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


class PayloadError(InvalidInputError):
    """A payload broke one or more rules; ``problems`` holds each ``(path, rule)``."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        n = len(self.problems)
        listed = "; ".join(f"{path}: {rule}" for path, rule in self.problems)
        super().__init__(source, f"{n} invalid field{'s' if n != 1 else ''}: {listed}")

    @property
    def fields(self) -> tuple[str, ...]:
        """The paths of the bad fields, in order."""
        return tuple(path for path, _ in self.problems)


# Field types shared with the scenario file (scenarios.scenario_file imports them).
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


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
Id = Annotated[str, Strict(), Field(min_length=1)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LinePayload(_Payload):
    """An order line; ``unit_price`` in yuan as a decimal string."""

    store_id: Id
    sku: Id
    quantity: StrictInt = Field(gt=0)
    weight_kg: NonNegative = 0.5
    volume_l: NonNegative = 1.0
    temperature: TemperatureClass = TemperatureClass.AMBIENT
    unit_price: DecimalText = Decimal("0")


class WindowPayload(_Payload):
    """A window ``[start_s, end_s]``, seconds since the plan's midnight."""

    start_s: NonNegative
    end_s: NonNegative


class OrderPayload(_Payload):
    """An order (:class:`dispatch.Order`)."""

    id: Id
    member_id: Id
    created_at_s: NonNegative
    mode: FulfilmentMode
    building_id: Id | None = None
    pickup_point_id: Id | None = None
    promised: WindowPayload | None = None
    required_skills: tuple[Id, ...] = ()
    service_duration_s: NonNegative = 60.0
    lines: tuple[LinePayload, ...] = Field(min_length=1)


class MemberPayload(_Payload):
    """A member (:class:`dispatch.Member`)."""

    id: Id
    tier: MemberTier = MemberTier.REGULAR
    home_building_id: Id | None = None
    flexible_pickup: StrictBool = True


class TierPayload(_Payload):
    """From ``threshold`` yuan of fulfilled GMV the leader earns ``rate`` of it."""

    threshold: DecimalText
    rate: DecimalText


class LeaderPayload(_Payload):
    """A community leader (:class:`dispatch.Leader`); no ``tiers``: the default 10 %."""

    id: Id
    pickup_point_id: Id
    tiers: tuple[TierPayload, ...] | None = None
    rating: Annotated[float, Strict(), Field(ge=0, le=5)] = 5.0


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
    message = str(error["msg"])
    for pattern, replacement in _MESSAGES:
        message = pattern.sub(replacement, message)
    value = error.get("input")
    if error["type"] not in ("missing", "value_error") and not isinstance(value, dict | list):
        message += f", got {value!r}"
    return message


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for key in loc:
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


def _domain(source: str, build: Any, *args: Any) -> Any:
    try:
        return build(*args)
    except InvalidInputError as error:
        raise PayloadError(source, [(error.field, error.rule)]) from None


def _order(p: OrderPayload) -> Order:
    lines = tuple(_line(line) for line in p.lines)
    return Order(
        p.id,
        p.member_id,
        p.created_at_s,
        lines,
        p.mode,
        building_id=p.building_id,
        pickup_point_id=p.pickup_point_id,
        promised=TimeWindow(p.promised.start_s, p.promised.end_s) if p.promised else None,
        required_skills=frozenset(p.required_skills),
        service_duration_s=p.service_duration_s,
    )


def parse_order(data: object) -> Order:
    """An :class:`Order` from a payload dict (an Order passes through).

    Raises:
        PayloadError: every field that breaks the schema, or the domain rule it breaks
            (a scheduled order without ``promised``...).
    """
    if isinstance(data, Order):
        return data
    label = data.get("id") if isinstance(data, dict) else None
    source = f"order {label!r}" if isinstance(label, str) else "order"
    payload = _validate(OrderPayload, data, source)
    order: Order = _domain(source, _order, payload)
    return order


def _line(p: LinePayload) -> OrderLine:
    return OrderLine(
        p.store_id,
        p.sku,
        p.quantity,
        weight_kg=p.weight_kg,
        volume_l=p.volume_l,
        temperature=p.temperature,
        unit_price=p.unit_price,
    )


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
            out.append(_line(_validate(LinePayload, item, source)))
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
    member: Member = _domain("member", Member, p.id, p.tier, p.home_building_id, p.flexible_pickup)
    return member


def _leader(p: LeaderPayload) -> Leader:
    if p.tiers is None:
        return Leader(p.id, p.pickup_point_id, rating=p.rating)
    tiers = tuple(CommissionTier(t.threshold, t.rate) for t in p.tiers)
    return Leader(p.id, p.pickup_point_id, tiers, p.rating)


def parse_leader(data: object) -> Leader:
    """A :class:`Leader` from a payload dict (a Leader passes through).

    Raises:
        PayloadError: every field that breaks the schema, or a tier rule.
    """
    if isinstance(data, Leader):
        return data
    payload = _validate(LeaderPayload, data, "leader")
    leader: Leader = _domain("leader", _leader, payload)
    return leader


def order_payload(order: Order) -> dict[str, Any]:
    """The canonical JSON-ready dict of an order (``parse_order`` reads it back)."""
    return {
        "id": order.id,
        "member_id": order.member_id,
        "created_at_s": float(order.created_at_s),
        "mode": order.mode.value,
        "building_id": order.building_id,
        "pickup_point_id": order.pickup_point_id,
        "promised": (
            {"start_s": float(order.promised.start_s), "end_s": float(order.promised.end_s)}
            if order.promised is not None
            else None
        ),
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
                "unit_price": str(line.unit_price),
            }
            for line in order.lines
        ],
    }


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

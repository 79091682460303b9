"""The order, member, leader and courier domain.  Frozen, validated dataclasses.

Money is in yuan (CNY) as :class:`decimal.Decimal` so commissions are exact to the cent;
weights in kilograms, volumes in litres, times in seconds since the plan's midnight.
Promised windows and shifts are :class:`solvers.problem.TimeWindow` (the one window
type), with a finite end.
Every constructor raises :class:`solvers.errors.InvalidInputError` naming the object, the
field and the rule.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from geo.profiles import ProfileName
from geo.validation import require_id, require_lonlat, require_non_negative, require_positive
from solvers.errors import InvalidInputError
from solvers.problem import Break, TimeWindow, validate_breaks

CENT = Decimal("0.01")
E = TypeVar("E", bound=StrEnum)


def to_cents(amount: Decimal) -> Decimal:
    """Round a yuan amount to the cent, halves away from zero (the usual accounting rule)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class TemperatureClass(StrEnum):
    """How an item must be kept on the way."""

    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"
    HOT = "hot"


class FulfilmentMode(StrEnum):
    """The five fulfilment flows (see docs/architecture.md)."""

    INSTANT = "instant"
    MULTI_STORE = "multi_store"
    SCHEDULED = "scheduled"
    NEXT_DAY_PICKUP = "next_day_pickup"
    HOME_SERVICE = "home_service"


class MemberTier(StrEnum):
    """Membership tier; paid members get free delivery and priority."""

    REGULAR = "regular"
    PAID = "paid"


def _enum(kind: type[E], owner: str, field: str, value: object) -> E:
    try:
        return kind(str(value))
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise InvalidInputError(
            f"{owner}: {field}", f"must be one of {known}, got {value!r}"
        ) from None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order: a quantity of one SKU from one store.

    Attributes:
        store_id: the store that hands it over.
        sku: the store's article id.
        quantity: units, an integer > 0.
        weight_kg: weight of one unit, kg (>= 0).
        volume_l: volume of one unit, litres (>= 0).
        temperature: how it must be kept.
        unit_price: price of one unit, yuan (>= 0).
    """

    store_id: str
    sku: str
    quantity: int
    weight_kg: float = 0.5
    volume_l: float = 1.0
    temperature: TemperatureClass = TemperatureClass.AMBIENT
    unit_price: Decimal = Decimal("0")

    def validate(self, owner: str) -> None:
        """Check the line's rules, naming ``owner`` (the order) in errors."""
        require_id(f"{owner}: line store_id", self.store_id)
        require_id(f"{owner}: line sku", self.sku)
        if (
            not isinstance(self.quantity, int)
            or isinstance(self.quantity, bool)
            or self.quantity <= 0
        ):
            raise InvalidInputError(
                f"{owner}: line {self.sku!r} quantity",
                f"must be an integer > 0, got {self.quantity!r}",
            )
        require_non_negative(f"{owner}: line {self.sku!r} weight_kg", self.weight_kg)
        require_non_negative(f"{owner}: line {self.sku!r} volume_l", self.volume_l)
        object.__setattr__(
            self,
            "temperature",
            _enum(TemperatureClass, owner, f"line {self.sku!r} temperature", self.temperature),
        )
        price = (
            Decimal(str(self.unit_price))
            if not isinstance(self.unit_price, Decimal)
            else self.unit_price
        )
        if not price.is_finite() or price < 0:
            raise InvalidInputError(
                f"{owner}: line {self.sku!r} unit_price", f"must be >= 0, got {price}"
            )
        object.__setattr__(self, "unit_price", price)

    @property
    def weight_total_kg(self) -> float:
        """Weight of the whole line, kg."""
        return self.weight_kg * self.quantity

    @property
    def volume_total_l(self) -> float:
        """Volume of the whole line, litres."""
        return self.volume_l * self.quantity

    @property
    def amount(self) -> Decimal:
        """Line amount (GMV), yuan."""
        return self.unit_price * self.quantity


#: The most promised windows an order may list (a few real alternatives, not a calendar).
MAX_PROMISED_WINDOWS = 8

#: The longest customer note an order may carry (a manifest line, not a letter).
MAX_NOTE_CHARS = 500


def _require_finite_window(name: str, window: TimeWindow) -> None:
    # The solver's window allows an open end (``math.inf``); a promise or a shift is a
    # real clock interval that reports and JSON output print.
    if not math.isfinite(window.end_s):
        raise InvalidInputError(f"{name}.end_s", f"must be a finite number, got {window.end_s!r}")


@dataclass(frozen=True, slots=True)
class Order:
    """A resident's order.

    Attributes:
        id: order id.
        member_id: who ordered.
        created_at_s: when it was placed, seconds since the plan's midnight.
        lines: one or more lines, from one or more stores (a home-service booking has
            one line naming the service as its sku).
        mode: the fulfilment flow.
        building_id: the destination building (every mode except next-day pickup).
        pickup_point_id: the chosen pickup point (next-day pickup), or None when the
            member lets the planner choose within walking distance.
        promised: the promised delivery or visit window, if the mode has one (the
            first, when the customer gives several).
        promised_more: further promised windows after ``promised`` (a customer away at
            lunch gives a morning and an afternoon window), sorted and disjoint; service
            starts inside one of :attr:`promised_windows`; soft lateness (the flow's
            allowance) past a soft window: each window's ``hard`` flag, by default
            only the last one is soft (real13).
        required_skills: skills a home-service technician must have.
        service_duration_s: time at the door (or the visit's duration), seconds.
        note: the customer's note for the courier ("leave at the door"), printed on
            the courier's manifest; at most :data:`MAX_NOTE_CHARS` characters.
    """

    id: str
    member_id: str
    created_at_s: float
    lines: tuple[OrderLine, ...]
    mode: FulfilmentMode
    building_id: str | None = None
    pickup_point_id: str | None = None
    promised: TimeWindow | None = None
    required_skills: frozenset[str] = frozenset()
    service_duration_s: float = 60.0
    note: str | None = None
    promised_more: tuple[TimeWindow, ...] = ()

    def __post_init__(self) -> None:
        require_id("Order.id", self.id)
        owner = f"Order {self.id!r}"
        require_id(f"{owner}: member_id", self.member_id)
        require_non_negative(f"{owner}: created_at_s", self.created_at_s)
        require_non_negative(f"{owner}: service_duration_s", self.service_duration_s)
        object.__setattr__(self, "mode", _enum(FulfilmentMode, owner, "mode", self.mode))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "required_skills", frozenset(self.required_skills))
        if not self.lines:
            raise InvalidInputError(f"{owner}: lines", "must have at least one line")
        for line in self.lines:
            line.validate(owner)
        if self.mode is FulfilmentMode.NEXT_DAY_PICKUP:
            if self.building_id is None and self.pickup_point_id is None:
                raise InvalidInputError(
                    f"{owner}: pickup_point_id",
                    "a next-day pickup order needs a chosen pickup point or a home building "
                    "to choose one near",
                )
        elif self.building_id is None:
            raise InvalidInputError(
                f"{owner}: building_id",
                f"an order of mode {self.mode} needs a destination building",
            )
        for name in ("building_id", "pickup_point_id"):
            value = getattr(self, name)
            if value is not None:
                require_id(f"{owner}: {name}", value)
        if self.mode is FulfilmentMode.MULTI_STORE and len(self.store_ids) < 2:
            raise InvalidInputError(
                f"{owner}: lines", "a multi-store order needs lines from two or more stores"
            )
        if self.promised is not None:
            _require_finite_window(f"{owner}: promised", self.promised)
        self._check_more_windows(owner)
        if self.note is not None and not (
            isinstance(self.note, str) and len(self.note) <= MAX_NOTE_CHARS
        ):
            raise InvalidInputError(
                f"{owner}: note", f"must be a text of at most {MAX_NOTE_CHARS} characters"
            )
        if (
            self.mode in (FulfilmentMode.SCHEDULED, FulfilmentMode.HOME_SERVICE)
            and self.promised is None
        ):
            raise InvalidInputError(
                f"{owner}: promised",
                f"an order of mode {self.mode} needs a promised window (the chosen slot)",
            )

    def _check_more_windows(self, owner: str) -> None:
        object.__setattr__(self, "promised_more", tuple(self.promised_more))
        if not self.promised_more:
            return
        if self.promised is None:
            raise InvalidInputError(
                f"{owner}: promised", "further windows need a first promised window"
            )
        windows = self.promised_windows
        if len(windows) > MAX_PROMISED_WINDOWS:
            raise InvalidInputError(
                f"{owner}: promised",
                f"must have at most {MAX_PROMISED_WINDOWS} windows, got {len(windows)}",
            )
        for i, window in enumerate(self.promised_more, start=1):
            if not isinstance(window, TimeWindow):
                raise InvalidInputError(
                    f"{owner}: promised[{i}]", f"must be a TimeWindow, got {window!r}"
                )
            _require_finite_window(f"{owner}: promised[{i}]", window)
        for i, (before, after) in enumerate(itertools.pairwise(windows), start=1):
            if after.start_s <= before.end_s:
                raise InvalidInputError(
                    f"{owner}: promised[{i}]",
                    "windows must be sorted and disjoint (each starts after the one before ends)",
                )

    @property
    def promised_windows(self) -> tuple[TimeWindow, ...]:
        """Every promised window in order (none when the order has no promise)."""
        if self.promised is None:
            return ()
        return (self.promised, *self.promised_more)

    @property
    def store_ids(self) -> tuple[str, ...]:
        """Distinct stores of the order, in first-line order."""
        return tuple(dict.fromkeys(line.store_id for line in self.lines))

    @property
    def weight_kg(self) -> float:
        """Total weight, kg."""
        return sum(line.weight_total_kg for line in self.lines)

    @property
    def volume_l(self) -> float:
        """Total volume, litres."""
        return sum(line.volume_total_l for line in self.lines)

    @property
    def gmv(self) -> Decimal:
        """Gross merchandise value, yuan."""
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def temperatures(self) -> frozenset[TemperatureClass]:
        """Temperature classes present in the order."""
        return frozenset(line.temperature for line in self.lines)

    @property
    def parcels(self) -> int:
        """Parcels the order occupies at a pickup point: one per store (each packs its own)."""
        return len(self.store_ids)


@dataclass(frozen=True, slots=True)
class Member:
    """A resident with an account.

    Attributes:
        id: member id.
        tier: regular or paid; paid members get free delivery and priority.
        home_building_id: where they live, if known.
        flexible_pickup: whether the planner may pick the best pickup point for them.
    """

    id: str
    tier: MemberTier = MemberTier.REGULAR
    home_building_id: str | None = None
    flexible_pickup: bool = True

    def __post_init__(self) -> None:
        require_id("Member.id", self.id)
        object.__setattr__(
            self, "tier", _enum(MemberTier, f"Member {self.id!r}", "tier", self.tier)
        )
        if self.home_building_id is not None:
            require_id(f"Member {self.id!r}: home_building_id", self.home_building_id)

    @property
    def is_paid(self) -> bool:
        """Whether the member pays for the premium tier."""
        return self.tier is MemberTier.PAID


@dataclass(frozen=True, slots=True)
class CommissionTier:
    """From ``threshold`` yuan of fulfilled GMV in a period, the leader earns ``rate``."""

    threshold: Decimal
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Leader:
    """A community leader (团长) who runs a pickup point.

    Attributes:
        id: leader id.
        pickup_point_id: the point they run.
        tiers: commission tiers, thresholds strictly increasing from 0, rates in [0, 1].
        rating: service rating from 0 to 5.
    """

    id: str
    pickup_point_id: str
    tiers: tuple[CommissionTier, ...] = (CommissionTier(Decimal("0"), Decimal("0.10")),)
    rating: float = 5.0

    def __post_init__(self) -> None:
        require_id("Leader.id", self.id)
        owner = f"Leader {self.id!r}"
        require_id(f"{owner}: pickup_point_id", self.pickup_point_id)
        object.__setattr__(self, "tiers", tuple(self.tiers))
        if not self.tiers or self.tiers[0].threshold != 0:
            raise InvalidInputError(f"{owner}: tiers", "must start with a tier at threshold 0")
        for before, after in zip(self.tiers, self.tiers[1:], strict=False):
            if after.threshold <= before.threshold:
                raise InvalidInputError(f"{owner}: tiers", "thresholds must be strictly increasing")
        for tier in self.tiers:
            if not (Decimal(0) <= tier.rate <= Decimal(1)):
                raise InvalidInputError(
                    f"{owner}: tiers", f"rates must be in [0, 1], got {tier.rate}"
                )
        if not (isinstance(self.rating, int | float) and 0.0 <= self.rating <= 5.0):
            raise InvalidInputError(f"{owner}: rating", f"must be in [0, 5], got {self.rating!r}")

    def commission(self, fulfilled_gmv: Decimal) -> Decimal:
        """Commission on a period's fulfilled GMV, yuan, rounded to the cent.

        The whole GMV earns the rate of the highest tier it reaches (a step scheme, the
        common one for group-buying leaders).

        Raises:
            InvalidInputError: negative GMV.
        """
        if fulfilled_gmv < 0:
            raise InvalidInputError(
                f"Leader {self.id!r}: fulfilled_gmv", f"must be >= 0, got {fulfilled_gmv}"
            )
        rate = next(t.rate for t in reversed(self.tiers) if fulfilled_gmv >= t.threshold)
        return to_cents(fulfilled_gmv * rate)


@dataclass(frozen=True, slots=True)
class Courier:
    """A courier, technician or van driver available to a plan.

    Attributes:
        id: courier id.
        profile: travel mode (e-bike couriers, tricycles, vans; technicians walk or ride).
        lon, lat: start position, WGS-84 degrees.
        shift: when they work, seconds since the plan's midnight.
        capacity_kg: carrying capacity, kg (> 0).
        capacity_l: carrying capacity, litres (> 0).
        cold_boxes: insulated boxes for chilled, frozen or hot items (>= 0).
        skills: what they can do (home services).
        returns_to_start: whether the route ends where it started (vans to the depot).
        flows: the fulfilment flows the courier works (see :mod:`dispatch.fleet`); a
            courier declaring two or more courier delivery flows (instant, multi-store,
            scheduled) may combine them on one route.  Empty: the older rule (flow
            names listed among ``skills``, deprecated, else by profile and skills).
        breaks: pauses the courier takes during the shift, each a duration within a
            window, wherever it is (:class:`solvers.problem.Break`).
    """

    id: str
    profile: ProfileName
    lon: float
    lat: float
    shift: TimeWindow
    capacity_kg: float = 30.0
    capacity_l: float = 80.0
    cold_boxes: int = 2
    skills: frozenset[str] = frozenset()
    returns_to_start: bool = False
    flows: tuple[FulfilmentMode, ...] = ()
    breaks: tuple[Break, ...] = ()

    def __post_init__(self) -> None:
        require_id("Courier.id", self.id)
        owner = f"Courier {self.id!r}"
        object.__setattr__(self, "profile", _enum(ProfileName, owner, "profile", self.profile))
        require_lonlat(owner, self.lon, self.lat)
        _require_finite_window(f"{owner}: shift", self.shift)
        require_positive(f"{owner}: capacity_kg", self.capacity_kg)
        require_positive(f"{owner}: capacity_l", self.capacity_l)
        if not isinstance(self.cold_boxes, int) or self.cold_boxes < 0:
            raise InvalidInputError(
                f"{owner}: cold_boxes", f"must be an integer >= 0, got {self.cold_boxes!r}"
            )
        object.__setattr__(self, "skills", frozenset(self.skills))
        flows = tuple(_enum(FulfilmentMode, owner, "flows", f) for f in self.flows)
        if len(set(flows)) != len(flows):
            raise InvalidInputError(f"{owner}: flows", "must not repeat a flow")
        object.__setattr__(self, "flows", flows)
        object.__setattr__(self, "breaks", tuple(self.breaks))
        validate_breaks(owner, self.breaks)

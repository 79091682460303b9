"""The instant dispatcher's inputs: orders, couriers, rules and travel times between places.

Layer-neutral (no scenario or engine type): a caller numbers its places (restaurants,
micro-warehouses, doors, courier positions) ``0..n-1`` and gives the travel minutes
between them as a function or a matrix (:data:`TravelMinutes`, :func:`matrix_travel`).
Every time is in minutes from one origin of the caller's choice (floats; half a service
can be a half minute); money is in the caller's currency.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.errors import InvalidInputError

PlaceArray = npt.NDArray[np.int64]
MinutesArray = npt.NDArray[np.float64]

# Travel minutes between places, elementwise with numpy broadcasting:
# ``travel(from_places, to_places)`` -> minutes of the broadcast shape.  Must be finite
# and >= 0, and the same on every call (the dispatcher may call it in any order).
TravelMinutes = Callable[[PlaceArray, PlaceArray], MinutesArray]


class MatrixTravel:
    """:data:`TravelMinutes` read from a square matrix of minutes (row: from, column: to).

    Raises (on construction):
        InvalidInputError: the matrix is not square, or holds a value that is not a
            finite number >= 0.
    """

    def __init__(self, matrix_min: npt.ArrayLike) -> None:
        matrix = np.array(matrix_min, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise InvalidInputError(
                "travel_min", f"must be a square matrix, got shape {matrix.shape}"
            )
        if not bool(np.all(np.isfinite(matrix))) or bool(np.any(matrix < 0)):
            raise InvalidInputError("travel_min", "every entry must be a finite number >= 0")
        matrix.flags.writeable = False
        self.matrix_min = matrix

    @property
    def places(self) -> int:
        """How many places the matrix covers."""
        return int(self.matrix_min.shape[0])

    def __call__(self, from_places: PlaceArray, to_places: PlaceArray) -> MinutesArray:
        """Minutes from each of ``from_places`` to each of ``to_places`` (broadcast)."""
        result: MinutesArray = self.matrix_min[from_places, to_places]
        return result


@dataclass(frozen=True, slots=True)
class InstantOrder:
    """An order to collect at ``pickup_place`` and bring to ``dropoff_place``.

    Attributes:
        id: the caller's id (unique within a wave).
        pickup_place: where it is collected (restaurant, micro-warehouse).
        placement_min: when it was placed; the dispatcher never sees an order earlier.
        ready_min: when it can be collected (>= ``placement_min``).
        dropoff_place: the door.
    """

    id: str
    pickup_place: int
    placement_min: float
    ready_min: float
    dropoff_place: int


@dataclass(frozen=True, slots=True)
class InstantCourier:
    """A courier as the dispatcher sees it at a wave.

    Attributes:
        id: the caller's id (unique within a wave).
        place: where it is, or will be, free: its last drop-off, or its start.
        free_min: from when it is free there (its shift start if later than its trip's end).
        shift_end_min: no pickup after this time (drop-offs after it are allowed).
        delivered_orders: orders it has delivered or been committed so far today.
        guaranteed_orders: orders its guaranteed pay already covers (guaranteed pay /
            pay per order); orders beyond it cost ``pay_per_order`` each.
    """

    id: str
    place: int
    free_min: float
    shift_end_min: float
    delivered_orders: int = 0
    guaranteed_orders: float = 0.0


@dataclass(frozen=True, slots=True)
class InstantRules:
    """Service times and targets of the operation (minutes, money in the caller's unit).

    Attributes:
        pickup_service_min: minutes at the pickup place; the pickup happens half of it
            after arrival (or when the last order is ready) and the courier leaves half
            of it later.
        dropoff_service_min: minutes at a door; the drop-off happens half of it after
            arrival and the courier leaves half of it later.
        target_click_to_door_min: placement to drop-off target; minutes beyond it weigh
            ``policy.overage_weight`` more.
        pay_per_order: a courier's pay per order beyond its guarantee (used by
            ``policy.pay_weight``).
    """

    pickup_service_min: float
    dropoff_service_min: float
    target_click_to_door_min: float
    pay_per_order: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "pickup_service_min",
            "dropoff_service_min",
            "target_click_to_door_min",
            "pay_per_order",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InvalidInputError(
                    f"rules.{name}", f"must be a finite number >= 0, got {value!r}"
                )


def validate_wave_input(
    now_min: float,
    orders: Sequence[InstantOrder],
    couriers: Sequence[InstantCourier],
    travel: TravelMinutes,
) -> None:
    """Raise for the first bad field of a wave's input.

    Raises:
        InvalidInputError: ``now_min`` or a time not finite, a place < 0, an order ready
            before it was placed or placed after ``now_min`` (the dispatcher must not see
            an order before its placement), an id repeated, or a place outside a
            :class:`MatrixTravel`'s matrix.
    """
    places = travel.places if isinstance(travel, MatrixTravel) else None
    if not math.isfinite(now_min):
        raise InvalidInputError("now_min", f"must be finite, got {now_min!r}")
    seen: set[str] = set()
    for k, o in enumerate(orders):
        field = f"orders[{k}]"
        if o.id in seen:
            raise InvalidInputError(f"{field}.id", f"repeats {o.id!r}")
        seen.add(o.id)
        if not (_place_ok(o.pickup_place, places) and _place_ok(o.dropoff_place, places)):
            raise InvalidInputError(field, f"places must be in 0..{_last(places)}")
        if not (math.isfinite(o.placement_min) and math.isfinite(o.ready_min)):
            raise InvalidInputError(field, "placement_min and ready_min must be finite")
        if o.ready_min < o.placement_min:
            raise InvalidInputError(f"{field}.ready_min", "must be >= placement_min")
        if o.placement_min > now_min:
            raise InvalidInputError(
                f"{field}.placement_min",
                f"must be <= now_min ({now_min:g}): an order is unknown before it is placed",
            )
    seen = set()
    for k, c in enumerate(couriers):
        field = f"couriers[{k}]"
        if c.id in seen:
            raise InvalidInputError(f"{field}.id", f"repeats {c.id!r}")
        seen.add(c.id)
        if not _place_ok(c.place, places):
            raise InvalidInputError(f"{field}.place", f"must be in 0..{_last(places)}")
        if not (math.isfinite(c.free_min) and math.isfinite(c.shift_end_min)):
            raise InvalidInputError(field, "free_min and shift_end_min must be finite")
        if c.delivered_orders < 0 or not (
            math.isfinite(c.guaranteed_orders) and c.guaranteed_orders >= 0
        ):
            raise InvalidInputError(field, "delivered_orders and guaranteed_orders must be >= 0")


def _place_ok(place: int, places: int | None) -> bool:
    return place >= 0 and (places is None or place < places)


def _last(places: int | None) -> str:
    return "n-1" if places is None else str(places - 1)

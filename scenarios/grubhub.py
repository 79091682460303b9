"""Reader for the Grubhub meal delivery routing problem (MDRP) instances (an I/O module).

An instance is a folder of tab-separated text files with a header row (see
``../shared/data/bench/README.md``, section ``grubhub_mdrp/``):

* ``instance_parameters.txt``: one row, ``meters_per_minute``, pickup and drop-off service
  minutes, target and maximum click-to-door minutes, pay per order, guaranteed pay per
  hour;
* ``orders.txt``: ``order x y placement_time restaurant ready_time``;
* ``couriers.txt``: ``courier x y on_time off_time``;
* ``restaurants.txt``: ``restaurant x y``.

Coordinates are metres, times minutes from the start of the day.  ``instance_characteristics.txt``
holds summary statistics only and is not read.

:func:`read_grubhub` validates everything and raises
:class:`solvers.errors.InvalidInputError` whose field is ``file:line`` (or ``file`` for a
missing file) and whose rule says what is wrong.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from core.files import read_text
from core.limits import (
    MAX_COURIERS,
    MAX_GRUBHUB_COORD_M,
    MAX_GRUBHUB_MINUTES,
    MAX_GRUBHUB_RATE,
    MAX_ORDERS,
    MAX_PLACES,
    shorten,
)
from solvers.errors import InvalidInputError

PARAMETERS_FILE = "instance_parameters.txt"
ORDERS_FILE = "orders.txt"
COURIERS_FILE = "couriers.txt"
RESTAURANTS_FILE = "restaurants.txt"

_T = TypeVar("_T")

_PARAMETER_COLUMNS = (
    "meters_per_minute",
    "pickup service minutes",
    "dropoff service minutes",
    "target click-to-door",
    "maximum click-to-door",
    "pay per order",
    "guaranteed pay per hour",
)
_ORDER_COLUMNS = ("order", "x", "y", "placement_time", "restaurant", "ready_time")
_COURIER_COLUMNS = ("courier", "x", "y", "on_time", "off_time")
_RESTAURANT_COLUMNS = ("restaurant", "x", "y")


@dataclass(frozen=True)
class GrubhubParameters:
    """The family's rules for one instance (times in minutes, money in dollars)."""

    meters_per_minute: float
    pickup_service_min: float
    dropoff_service_min: float
    target_click_to_door_min: float
    max_click_to_door_min: float
    pay_per_order: float
    guaranteed_pay_per_hour: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.meters_per_minute) and self.meters_per_minute > 0):
            raise InvalidInputError("meters_per_minute", "must be > 0")
        for name in (
            "pickup_service_min",
            "dropoff_service_min",
            "target_click_to_door_min",
            "max_click_to_door_min",
            "pay_per_order",
            "guaranteed_pay_per_hour",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInputError(name, f"must be a finite number >= 0, got {value}")


@dataclass(frozen=True)
class GrubhubRestaurant:
    """A restaurant at ``(x_m, y_m)``."""

    id: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class GrubhubOrder:
    """An order placed at ``placement_min`` at ``restaurant_id``, ready at ``ready_min``."""

    id: str
    x_m: float
    y_m: float
    placement_min: float
    restaurant_id: str
    ready_min: float

    def __post_init__(self) -> None:
        if self.ready_min < self.placement_min:
            raise InvalidInputError(
                f"Order {self.id!r}: ready_time",
                f"must be >= placement_time ({self.placement_min:g}), got {self.ready_min:g}",
            )


@dataclass(frozen=True)
class GrubhubCourier:
    """A courier who appears at ``(x_m, y_m)`` at ``on_min`` and stops picking up at ``off_min``."""

    id: str
    x_m: float
    y_m: float
    on_min: float
    off_min: float

    def __post_init__(self) -> None:
        if self.off_min <= self.on_min:
            raise InvalidInputError(
                f"Courier {self.id!r}: off_time",
                f"must be > on_time ({self.on_min:g}), got {self.off_min:g}",
            )

    @property
    def shift_h(self) -> float:
        """Length of the shift in hours."""
        return (self.off_min - self.on_min) / 60.0


@dataclass(frozen=True)
class GrubhubInstance:
    """A whole MDRP instance; ids are unique and every order's restaurant exists."""

    name: str
    parameters: GrubhubParameters
    restaurants: tuple[GrubhubRestaurant, ...]
    orders: tuple[GrubhubOrder, ...]
    couriers: tuple[GrubhubCourier, ...]

    def __post_init__(self) -> None:
        for kind, items in (
            ("restaurant", self.restaurants),
            ("order", self.orders),
            ("courier", self.couriers),
        ):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise InvalidInputError(f"{kind} {item.id!r}", "duplicate id")
                seen.add(item.id)
        known = {r.id for r in self.restaurants}
        for order in self.orders:
            if order.restaurant_id not in known:
                raise InvalidInputError(
                    f"Order {order.id!r}: restaurant",
                    f"unknown restaurant {order.restaurant_id!r}",
                )

    def travel_min(self, x0_m: float, y0_m: float, x1_m: float, y1_m: float) -> float:
        """The family's travel time: straight-line metres / speed, rounded up to minutes."""
        return float(
            math.ceil(math.hypot(x1_m - x0_m, y1_m - y0_m) / self.parameters.meters_per_minute)
        )


def _rows(
    folder: Path, name: str, columns: Sequence[str], *, max_rows: int = MAX_ORDERS
) -> list[tuple[int, list[str]]]:
    """Rows (line number, fields) of one tab-separated file after checking its header;
    at most ``max_rows`` rows."""
    path = folder / name
    if not path.exists():
        raise InvalidInputError(name, f"file missing in {shorten(str(folder))}")
    lines = read_text(path, field=name).splitlines()
    if not lines:
        raise InvalidInputError(f"{name}:1", "empty file, expected a header row")
    header = tuple(field.strip() for field in lines[0].split("\t"))
    if header != tuple(columns):
        raise InvalidInputError(
            f"{name}:1",
            f"header must be {'<TAB>'.join(columns)}, got {shorten('<TAB>'.join(header))}",
        )
    if len(lines) - 1 > max_rows and sum(1 for line in lines[1:] if line.strip()) > max_rows:
        raise InvalidInputError(name, f"must have at most {max_rows:,} rows")
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != len(columns):
            raise InvalidInputError(
                f"{name}:{number}",
                f"expected {len(columns)} tab-separated fields, got {len(fields)}",
            )
        rows.append((number, fields))
    return rows


def _number(
    name: str, number: int, column: str, text: str, limit: float = MAX_GRUBHUB_MINUTES
) -> float:
    """A finite number within ``+-limit`` (core.limits: minutes, metres or rates)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputError(
            f"{name}:{number}", f"{column} must be a finite number, got {shorten(repr(text))}"
        )
    if abs(value) > limit:
        raise InvalidInputError(
            f"{name}:{number}", f"{column} must be within +-{limit:g}, got {value:g}"
        )
    return value


def _ident(name: str, number: int, column: str, text: str) -> str:
    if not text:
        raise InvalidInputError(f"{name}:{number}", f"{column} must not be empty")
    if len(text) > 200:
        raise InvalidInputError(f"{name}:{number}", f"{column} must be at most 200 characters")
    return text


def _at_line(name: str, number: int, build: Callable[..., _T], *args: object) -> _T:
    """Build a record, re-raising its validation error with the file and line in front."""
    try:
        return build(*args)
    except InvalidInputError as error:
        raise InvalidInputError(f"{name}:{number}", str(error)) from error


def read_grubhub(folder: str | Path) -> GrubhubInstance:
    """Read and validate one instance folder; the folder's name is the instance name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(shorten(str(folder)), "not a folder")
    parameter_rows = _rows(folder, PARAMETERS_FILE, _PARAMETER_COLUMNS)
    if len(parameter_rows) != 1:
        raise InvalidInputError(
            PARAMETERS_FILE, f"expected one row of values, got {len(parameter_rows)}"
        )
    number, fields = parameter_rows[0]
    values = [
        _number(PARAMETERS_FILE, number, c, f, MAX_GRUBHUB_RATE)
        for c, f in zip(_PARAMETER_COLUMNS, fields, strict=True)
    ]
    parameters = _at_line(PARAMETERS_FILE, number, GrubhubParameters, *values)

    restaurants: list[GrubhubRestaurant] = []
    for number, f in _rows(folder, RESTAURANTS_FILE, _RESTAURANT_COLUMNS, max_rows=MAX_PLACES):
        restaurants.append(
            GrubhubRestaurant(
                _ident(RESTAURANTS_FILE, number, "restaurant", f[0]),
                _number(RESTAURANTS_FILE, number, "x", f[1], MAX_GRUBHUB_COORD_M),
                _number(RESTAURANTS_FILE, number, "y", f[2], MAX_GRUBHUB_COORD_M),
            )
        )
    known = {r.id for r in restaurants}
    orders: list[GrubhubOrder] = []
    for number, f in _rows(folder, ORDERS_FILE, _ORDER_COLUMNS):
        restaurant = _ident(ORDERS_FILE, number, "restaurant", f[4])
        if restaurant not in known:
            raise InvalidInputError(
                f"{ORDERS_FILE}:{number}", f"unknown restaurant {shorten(repr(restaurant))}"
            )
        order = _at_line(
            ORDERS_FILE,
            number,
            GrubhubOrder,
            _ident(ORDERS_FILE, number, "order", f[0]),
            _number(ORDERS_FILE, number, "x", f[1], MAX_GRUBHUB_COORD_M),
            _number(ORDERS_FILE, number, "y", f[2], MAX_GRUBHUB_COORD_M),
            _number(ORDERS_FILE, number, "placement_time", f[3]),
            restaurant,
            _number(ORDERS_FILE, number, "ready_time", f[5]),
        )
        orders.append(order)
    couriers: list[GrubhubCourier] = []
    for number, f in _rows(folder, COURIERS_FILE, _COURIER_COLUMNS, max_rows=MAX_COURIERS):
        courier = _at_line(
            COURIERS_FILE,
            number,
            GrubhubCourier,
            _ident(COURIERS_FILE, number, "courier", f[0]),
            _number(COURIERS_FILE, number, "x", f[1], MAX_GRUBHUB_COORD_M),
            _number(COURIERS_FILE, number, "y", f[2], MAX_GRUBHUB_COORD_M),
            _number(COURIERS_FILE, number, "on_time", f[3]),
            _number(COURIERS_FILE, number, "off_time", f[4]),
        )
        couriers.append(courier)
    for kind, name, items in (
        ("restaurant", RESTAURANTS_FILE, restaurants),
        ("order", ORDERS_FILE, orders),
        ("courier", COURIERS_FILE, couriers),
    ):
        counts = Counter(item.id for item in items)
        duplicates = sorted(i for i, n in counts.items() if n > 1)
        if duplicates:
            raise InvalidInputError(name, f"duplicate {kind} id {duplicates[0]!r}")
    return GrubhubInstance(
        folder.name, parameters, tuple(restaurants), tuple(orders), tuple(couriers)
    )

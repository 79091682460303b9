"""Places: where things are.  Frozen, validated dataclasses with ids.

Coordinates are WGS-84 longitude/latitude in degrees (convert GCJ-02 / BD-09 input with
:mod:`geo.coords` first).  Times of day are seconds since local midnight.
Every constructor raises :class:`geo.errors.InvalidInputError` naming the place and rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geo.errors import InvalidInputError
from geo.validation import require_id, require_lonlat, require_non_negative

SECONDS_PER_DAY = 24 * 3600


@dataclass(frozen=True, slots=True)
class Place:
    """Anything with an id and a WGS-84 position."""

    id: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        kind = type(self).__name__
        require_id(f"{kind}.id", self.id)
        require_lonlat(f"{kind} {self.id!r}", self.lon, self.lat)

    @property
    def lonlat(self) -> tuple[float, float]:
        """(lon, lat) in degrees, the order shapely and GeoJSON use."""
        return (self.lon, self.lat)


@dataclass(frozen=True, slots=True)
class Building(Place):
    """A residential or office building; ``households`` is the number of homes (>= 0)."""

    households: int = 1

    def __post_init__(self) -> None:
        Place.__post_init__(self)
        if not isinstance(self.households, int) or self.households < 0:
            raise InvalidInputError(
                f"Building {self.id!r}: households",
                f"must be an integer >= 0, got {self.households!r}",
            )


@dataclass(frozen=True, slots=True)
class Store(Place):
    """A neighbourhood shop (fruit shop, bakery, pharmacy...) that hands over orders.

    Attributes:
        category: free-text shop category, e.g. ``"bakery"``.
        prep_duration_s: typical time from order to ready for pickup, seconds (>= 0).
    """

    category: str = "general"
    prep_duration_s: float = 600.0

    def __post_init__(self) -> None:
        Place.__post_init__(self)
        require_non_negative(f"Store {self.id!r}: prep_duration_s", self.prep_duration_s)


@dataclass(frozen=True, slots=True)
class MicroWarehouse(Place):
    """A front warehouse (前置仓) that promises fast delivery to its service area.

    Attributes:
        promise_s: the delivery promise from order to door, seconds (> 0, default 30 min).
        pick_duration_s: picking and packing time per order, seconds (>= 0).
    """

    promise_s: float = 1800.0
    pick_duration_s: float = 180.0

    def __post_init__(self) -> None:
        Place.__post_init__(self)
        if not self.promise_s > 0:
            raise InvalidInputError(
                f"MicroWarehouse {self.id!r}: promise_s", f"must be > 0, got {self.promise_s!r}"
            )
        require_non_negative(f"MicroWarehouse {self.id!r}: pick_duration_s", self.pick_duration_s)


class PickupPointKind(StrEnum):
    """Who runs a pickup point (自提点)."""

    LOCKER = "locker"
    CONVENIENCE_STORE = "convenience_store"
    LEADER_HOME = "leader_home"
    PROPERTY_OFFICE = "property_office"


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """One opening interval of a day, ``[open_s, close_s)`` seconds since midnight."""

    open_s: int
    close_s: int

    def __post_init__(self) -> None:
        if not (0 <= self.open_s < self.close_s <= SECONDS_PER_DAY):
            raise InvalidInputError(
                "OpeningInterval",
                f"must satisfy 0 <= open_s < close_s <= 86400, got ({self.open_s}, {self.close_s})",
            )


ALL_DAY = (OpeningInterval(0, SECONDS_PER_DAY),)


@dataclass(frozen=True, slots=True)
class PickupPoint(Place):
    """A pickup point where residents collect next-day orders.

    Attributes:
        kind: locker, convenience store, leader's home or property office.
        capacity_parcels: how many parcels it can hold at once (>= 0).
        opening_hours: sorted, non-overlapping intervals of the day when it is open.
        leader_id: the community leader (团长) who runs it, if any.
    """

    kind: PickupPointKind = PickupPointKind.CONVENIENCE_STORE
    capacity_parcels: int = 100
    opening_hours: tuple[OpeningInterval, ...] = ALL_DAY
    leader_id: str | None = None

    def __post_init__(self) -> None:
        Place.__post_init__(self)
        name = f"PickupPoint {self.id!r}"
        try:
            object.__setattr__(self, "kind", PickupPointKind(self.kind))
        except ValueError:
            known = ", ".join(k.value for k in PickupPointKind)
            raise InvalidInputError(
                f"{name}: kind", f"must be one of {known}, got {self.kind!r}"
            ) from None
        if not isinstance(self.capacity_parcels, int) or self.capacity_parcels < 0:
            raise InvalidInputError(
                f"{name}: capacity_parcels",
                f"must be an integer >= 0, got {self.capacity_parcels!r}",
            )
        if not self.opening_hours:
            raise InvalidInputError(f"{name}: opening_hours", "must have at least one interval")
        for before, after in zip(self.opening_hours, self.opening_hours[1:], strict=False):
            if after.open_s < before.close_s:
                raise InvalidInputError(
                    f"{name}: opening_hours", "intervals must be sorted and must not overlap"
                )
        if self.leader_id is not None:
            require_id(f"{name}: leader_id", self.leader_id)

    def is_open_at(self, time_of_day_s: float) -> bool:
        """Whether the point is open at this time of day (seconds since midnight)."""
        t = time_of_day_s % SECONDS_PER_DAY
        return any(iv.open_s <= t < iv.close_s for iv in self.opening_hours)

    def next_opening_s(self, time_of_day_s: float) -> float:
        """The first moment at or after ``time_of_day_s`` when the point is open.

        Seconds since the same midnight; may exceed 86400 when it next opens tomorrow.
        """
        day = (time_of_day_s // SECONDS_PER_DAY) * SECONDS_PER_DAY
        t = time_of_day_s - day
        for iv in self.opening_hours:
            if t < iv.close_s:
                return day + max(t, iv.open_s)
        return day + SECONDS_PER_DAY + self.opening_hours[0].open_s


@dataclass(frozen=True, slots=True)
class Depot(Place):
    """Where couriers or vans start and end their shifts."""

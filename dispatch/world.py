"""The world a plan is made in: places, couriers, members, leaders and how travel is computed.

Travel: on the road network (one routable graph per travel profile, shortest paths with
:func:`geo.road_matrix`) when the world has one, otherwise the straight line times a
detour factor (:func:`geo.straight_line_matrix`).  Every lookup by id raises
:class:`solvers.errors.InvalidInputError` naming the id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from dispatch.domain import Courier, Leader, Member
from dispatch.stock import StockTable
from geo.citygen import City
from geo.matrix import DEFAULT_DETOUR_FACTOR, TravelMatrix, road_matrix, straight_line_matrix
from geo.network import RoadNetwork
from geo.places import Building, Depot, MicroWarehouse, PickupPoint, Place, Store
from geo.profiles import profile
from geo.time_dependent import NO_SPEED_PROFILES, SpeedProfiles
from solvers.errors import InvalidInputError


class Located(Protocol):
    """Anything with an id and a WGS-84 position (places, couriers)."""

    @property
    def id(self) -> str:
        """The id."""

    @property
    def lon(self) -> float:
        """Longitude, degrees."""

    @property
    def lat(self) -> float:
        """Latitude, degrees."""


def _unique(kind: str, items: Iterable[Located]) -> dict[str, Located]:
    out: dict[str, Located] = {}
    for item in items:
        if item.id in out:
            raise InvalidInputError(f"World.{kind}", f"id {item.id!r} appears twice")
        out[item.id] = item
    return out


@dataclass(frozen=True, eq=False)
class World:
    """Places, couriers, members and leaders of one plan, and the travel model.

    Attributes:
        buildings, stores, micro_warehouses, pickup_points, depots: the places; place
            ids are unique across all kinds (a route stop names a place by id alone).
        couriers: couriers, van drivers and technicians available to the plan.
        members: residents with accounts (orders name them).
        leaders: community leaders, each running one pickup point of the world.
        network: the road network; None means straight-line travel.
        detour_factor: travelled / straight-line distance when there is no network.
        closed_pickup_point_ids: pickup points not operating for this plan (holiday,
            renovation); they take no orders.
        stock: units per store or micro-warehouse and SKU (:mod:`dispatch.stock`);
            None: no place counts stock.  The planner gives it to the orders before
            routing (:func:`dispatch.stock.allocate_stock`).
        speed_profiles: speed factors by time of day per travel profile
            (:mod:`geo.time_dependent`); none: travel takes the same time all day.

    Raises:
        InvalidInputError: a duplicate id, a leader of an unknown pickup point, two
            leaders of one point, a closed point that is not in the world, or a detour
            factor below 1.
    """

    buildings: tuple[Building, ...] = ()
    stores: tuple[Store, ...] = ()
    micro_warehouses: tuple[MicroWarehouse, ...] = ()
    pickup_points: tuple[PickupPoint, ...] = ()
    depots: tuple[Depot, ...] = ()
    couriers: tuple[Courier, ...] = ()
    members: tuple[Member, ...] = ()
    leaders: tuple[Leader, ...] = ()
    network: RoadNetwork | None = None
    detour_factor: float = DEFAULT_DETOUR_FACTOR
    closed_pickup_point_ids: frozenset[str] = frozenset()
    stock: StockTable | None = None
    # Time-dependent travel (issue 13): speed factors by time of day per profile; the
    # matrices of travel() stay free-flow, dispatch.speed hands the periods to solvers.
    speed_profiles: SpeedProfiles = NO_SPEED_PROFILES

    def __post_init__(self) -> None:
        for name in (
            "buildings",
            "stores",
            "micro_warehouses",
            "pickup_points",
            "depots",
            "couriers",
            "members",
            "leaders",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "closed_pickup_point_ids", frozenset(self.closed_pickup_point_ids))
        if not (
            isinstance(self.detour_factor, int | float)
            and np.isfinite(self.detour_factor)
            and self.detour_factor >= 1.0
        ):
            raise InvalidInputError(
                "World.detour_factor", f"must be a finite number >= 1, got {self.detour_factor!r}"
            )
        places = _unique("places", self.all_places)
        _unique("couriers", self.couriers)
        members: dict[str, Member] = {}
        for member in self.members:
            if member.id in members:
                raise InvalidInputError("World.members", f"id {member.id!r} appears twice")
            members[member.id] = member
        by_point: dict[str, str] = {}
        leader_ids: set[str] = set()
        for leader in self.leaders:
            if leader.id in leader_ids:
                raise InvalidInputError("World.leaders", f"id {leader.id!r} appears twice")
            leader_ids.add(leader.id)
            point = places.get(leader.pickup_point_id)
            if not isinstance(point, PickupPoint):
                raise InvalidInputError(
                    f"Leader {leader.id!r}: pickup_point_id",
                    f"unknown pickup point {leader.pickup_point_id!r}",
                )
            if leader.pickup_point_id in by_point:
                raise InvalidInputError(
                    f"Leader {leader.id!r}: pickup_point_id",
                    f"pickup point {leader.pickup_point_id!r} already has leader "
                    f"{by_point[leader.pickup_point_id]!r}",
                )
            by_point[leader.pickup_point_id] = leader.id
        for pid in sorted(self.closed_pickup_point_ids):
            if not isinstance(places.get(pid), PickupPoint):
                raise InvalidInputError(
                    "World.closed_pickup_point_ids", f"unknown pickup point {pid!r}"
                )
        if self.stock is not None:  # stock is kept at stores and micro-warehouses only
            for pid in sorted(self.stock.levels):
                if not isinstance(places.get(pid), Store | MicroWarehouse):
                    raise InvalidInputError(
                        f"World.stock.{pid}", f"unknown store or micro-warehouse {pid!r}"
                    )

    @classmethod
    def from_city(
        cls,
        city: City,
        couriers: Sequence[Courier] = (),
        members: Sequence[Member] = (),
        leaders: Sequence[Leader] | None = None,
        *,
        closed_pickup_point_ids: Iterable[str] = (),
    ) -> World:
        """A world on a generated city, travelling on its road network.

        ``leaders`` None gives every pickup point that names a ``leader_id`` a leader
        with the default commission tiers.
        """
        if leaders is None:
            leaders = [
                Leader(p.leader_id, p.id) for p in city.pickup_points if p.leader_id is not None
            ]
        return cls(
            buildings=city.buildings,
            stores=city.stores,
            micro_warehouses=city.micro_warehouses,
            pickup_points=city.pickup_points,
            depots=city.depots,
            couriers=tuple(couriers),
            members=tuple(members),
            leaders=tuple(leaders),
            network=city.network,
            closed_pickup_point_ids=frozenset(closed_pickup_point_ids),
        )

    # --- lookups ----------------------------------------------------------------------

    @property
    def all_places(self) -> tuple[Place, ...]:
        """Every place of every kind."""
        return (
            *self.buildings,
            *self.stores,
            *self.micro_warehouses,
            *self.pickup_points,
            *self.depots,
        )

    @cached_property
    def _places(self) -> dict[str, Place]:
        return {p.id: p for p in self.all_places}

    @cached_property
    def _members(self) -> dict[str, Member]:
        return {m.id: m for m in self.members}

    @cached_property
    def _leaders_by_point(self) -> dict[str, Leader]:
        return {leader.pickup_point_id: leader for leader in self.leaders}

    def _get(self, kind: type[Place], label: str, place_id: str) -> Place:
        place = self._places.get(place_id)
        if not isinstance(place, kind):
            raise InvalidInputError(label, f"unknown {kind.__name__} id {place_id!r}")
        return place

    def place(self, place_id: str) -> Place:
        """The place of any kind with this id."""
        place = self._places.get(place_id)
        if place is None:
            raise InvalidInputError("place", f"unknown place id {place_id!r}")
        return place

    def building(self, building_id: str) -> Building:
        """The building with this id."""
        found = self._get(Building, "building", building_id)
        assert isinstance(found, Building)
        return found

    def pickup_point(self, point_id: str) -> PickupPoint:
        """The pickup point with this id."""
        found = self._get(PickupPoint, "pickup point", point_id)
        assert isinstance(found, PickupPoint)
        return found

    def source(self, source_id: str) -> Store | MicroWarehouse:
        """The store or micro-warehouse that hands over an order line."""
        place = self._places.get(source_id)
        if not isinstance(place, Store | MicroWarehouse):
            raise InvalidInputError("store", f"unknown store or micro-warehouse id {source_id!r}")
        return place

    def has_place(self, place_id: str, kind: type[Place] | tuple[type[Place], ...]) -> bool:
        """Whether a place of this kind (or kinds) has this id."""
        return isinstance(self._places.get(place_id), kind)

    def member(self, member_id: str) -> Member:
        """The member with this id."""
        member = self._members.get(member_id)
        if member is None:
            raise InvalidInputError("member", f"unknown member id {member_id!r}")
        return member

    def has_member(self, member_id: str) -> bool:
        """Whether the world knows this member."""
        return member_id in self._members

    def leader_of(self, point_id: str) -> Leader | None:
        """The leader who runs this pickup point, if any."""
        return self._leaders_by_point.get(point_id)

    def pickup_point_closed(self, point: PickupPoint, from_s: float, until_s: float) -> bool:
        """Whether the point is closed for the plan: marked closed, or never open within
        ``[from_s, until_s)`` (times of day, seconds)."""
        if point.id in self.closed_pickup_point_ids:
            return True
        return not any(iv.open_s < until_s and from_s < iv.close_s for iv in point.opening_hours)

    # --- travel ----------------------------------------------------------------------

    def travel(
        self,
        profile_name: str,
        origins: Sequence[Located],
        destinations: Sequence[Located] | None = None,
    ) -> TravelMatrix:
        """Distances (metres) and durations (seconds) from origins to destinations.

        ``destinations`` None means the origins (a square matrix).  On the road network
        of the profile when the world has one, else the straight line times the detour
        factor at the profile's speed.

        Raises:
            InvalidInputError: unknown profile, or a point too far from every street the
                profile may use (the message names the point).
        """
        mode = profile(profile_name)
        dest = origins if destinations is None else destinations
        o_lon = np.array([p.lon for p in origins], dtype=np.float64)
        o_lat = np.array([p.lat for p in origins], dtype=np.float64)
        d_lon = np.array([p.lon for p in dest], dtype=np.float64)
        d_lat = np.array([p.lat for p in dest], dtype=np.float64)
        if self.network is None:
            return straight_line_matrix(
                o_lon, o_lat, d_lon, d_lat, mode, detour_factor=self.detour_factor
            )
        return road_matrix(
            self.network.routable(mode),
            o_lon,
            o_lat,
            d_lon,
            d_lat,
            origin_ids=[p.id for p in origins],
            destination_ids=[p.id for p in dest],
        )

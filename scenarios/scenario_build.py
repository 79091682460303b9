"""Building a scenario from its validated file: the world, the orders and the settings.

:func:`build_scenario` turns a :class:`scenarios.scenario_schema.ScenarioFile` into a
:class:`Scenario` (a :class:`dispatch.World`, the orders and the
:class:`dispatch.PlannerSettings`) ready for :class:`dispatch.Planner`: it generates
the city or reads the OSM network, adds the file's places, couriers, members and
leaders, and checks every order against the world with the planner's own reference
checks (:func:`dispatch.validation.reference_problems`).  Every object the domain
refuses and every bad reference is collected into one
:class:`scenarios.scenario_schema.ScenarioFileError`, each with its path in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import ParamSpec, TypeVar

from core.files import CONFINED_RULE, confined_path
from dispatch.domain import Courier, Leader, Member, Order
from dispatch.returns import ReturnRequest, return_problems
from dispatch.settings import PlannerSettings
from dispatch.stock import StockTable
from dispatch.validation import (
    OrderReferences,
    member_problems,
    reference_problems,
    world_member,
)
from dispatch.world import World
from geo.citygen import City, generate_city
from geo.matrix import DEFAULT_DETOUR_FACTOR
from geo.network import RoadNetwork
from geo.osm import read_osm
from geo.places import (
    Building,
    Depot,
    MicroWarehouse,
    OpeningInterval,
    PickupPoint,
    Place,
    Store,
)
from scenarios.scenario_schema import (
    CourierSpec,
    GeneratedNetwork,
    LeaderSpec,
    MemberSpec,
    OrderSpec,
    OsmNetwork,
    PickupPointSpec,
    PlacesSpec,
    ReturnSpec,
    ScenarioFile,
    ScenarioFileError,
    StraightLineNetwork,
)
from solvers.errors import InvalidInputError

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")


@dataclass(frozen=True, eq=False)
class Scenario:
    """A loaded scenario, ready to plan: ``Planner(s.world, s.settings).plan(s.orders, ...)``.

    Attributes:
        name: the scenario's name.
        world: places, couriers, members, leaders and travel.
        orders: the batch, in file order.
        settings: the planner's settings (defaults with the file's overrides).
        at_s: the file's default plan time (plan clock), if it gives one.
        spec: the validated file.
        returns: the return requests (:mod:`dispatch.returns`), in file order.
    """

    name: str
    world: World
    orders: tuple[Order, ...]
    settings: PlannerSettings
    at_s: float | None
    spec: ScenarioFile
    returns: tuple[ReturnRequest, ...] = ()


class _Problems:
    """Collects (path, rule) while building; a failed build gives None."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def attempt(
        self, path: str, build: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        try:
            return build(*args, **kwargs)
        except InvalidInputError as error:
            self.items.append((path, str(error)))
            return None

    def each(self, kind: str, specs: Sequence[S], build: Callable[[S], T]) -> list[T]:
        """Build every item of a list, naming failures ``kind[i 'id']``."""
        out: list[T] = []
        for i, spec in enumerate(specs):
            item = self.attempt(_item(kind, i, getattr(spec, "id", "")), build, spec)
            if item is not None:
                out.append(item)
        return out

    def add(self, path: str, rule: str) -> None:
        self.items.append((path, rule))


def _item(kind: str, index: int, item_id: str) -> str:
    return f"{kind}[{index} {item_id!r}]"


@dataclass(frozen=True)
class _Places:
    buildings: list[Building]
    stores: list[Store]
    micro_warehouses: list[MicroWarehouse]
    pickup_points: list[PickupPoint]
    depots: list[Depot]

    def all(self) -> list[Place]:
        return [
            *self.buildings,
            *self.stores,
            *self.micro_warehouses,
            *self.pickup_points,
            *self.depots,
        ]


def _pickup_point(p: PickupPointSpec) -> PickupPoint:
    return PickupPoint(
        p.id,
        p.lon,
        p.lat,
        kind=p.kind,
        capacity_parcels=p.capacity_parcels,
        opening_hours=tuple(
            OpeningInterval(round(o.open), round(o.close)) for o in p.opening_hours
        ),
        leader_id=p.leader_id,
    )


def _places(spec: PlacesSpec, problems: _Problems) -> _Places:
    return _Places(
        buildings=problems.each(
            "places.buildings",
            spec.buildings,
            lambda b: Building(b.id, b.lon, b.lat, households=b.households),
        ),
        stores=problems.each(
            "places.stores",
            spec.stores,
            lambda s: Store(s.id, s.lon, s.lat, s.category, s.prep_duration_s),
        ),
        micro_warehouses=problems.each(
            "places.micro_warehouses",
            spec.micro_warehouses,
            lambda w: MicroWarehouse(w.id, w.lon, w.lat, w.promise_s, w.pick_duration_s),
        ),
        pickup_points=problems.each("places.pickup_points", spec.pickup_points, _pickup_point),
        depots=problems.each("places.depots", spec.depots, lambda d: Depot(d.id, d.lon, d.lat)),
    )


def _courier(c: CourierSpec, places: dict[str, Place]) -> Courier:
    if c.at is not None:
        place = places.get(c.at)
        if place is None:
            raise InvalidInputError("at", f"unknown place {c.at!r}")
        lon, lat = place.lon, place.lat
    else:
        assert c.lon is not None and c.lat is not None  # CourierSpec's rule
        lon, lat = c.lon, c.lat
    return Courier(
        c.id,
        c.profile,
        lon,
        lat,
        c.shift.to_window(f"courier {c.id!r}: shift"),
        capacity_kg=c.capacity_kg,
        capacity_l=c.capacity_l,
        cold_boxes=c.cold_boxes,
        skills=frozenset(c.skills),
        returns_to_start=c.returns_to_start,
        flows=c.flows,
        breaks=tuple(b.to_break(f"courier {c.id!r}: breaks[{i}]") for i, b in enumerate(c.breaks)),
    )


def _network(
    spec: ScenarioFile, base_dir: Path, data_roots: Sequence[Path], problems: _Problems
) -> tuple[City | None, RoadNetwork | None]:
    net = spec.network
    if isinstance(net, GeneratedNetwork):
        city = problems.attempt("network", lambda: generate_city(net.city_spec()))
        return city, city.network if city is not None else None
    if isinstance(net, OsmNetwork):
        # Confined: one answer for every path outside, whether it exists or not.
        path = confined_path(net.path, base_dir=base_dir, roots=data_roots)
        if path is None:
            problems.add("network.path", CONFINED_RULE)
            return None, None
        return None, problems.attempt("network.path", lambda: read_osm(path))
    return None, None


def build_scenario(
    spec: ScenarioFile,
    *,
    base_dir: str | Path | None = None,
    data_roots: Sequence[str | PathLike[str]] = (),
    source: str = "scenario",
) -> Scenario:
    """Build the world, orders and settings of a validated scenario file.

    Args:
        spec: the file's contents.
        base_dir: where relative paths (an OSM file) start; default the working directory.
        data_roots: folders besides ``base_dir`` that files the scenario refers to may
            lie in; a file outside all of them is refused (:func:`core.files.confined_path`).
        source: how errors name the scenario.

    Raises:
        ScenarioFileError: objects or orders that break the domain's rules, each with
            its path (see the module doc).
    """
    problems = _Problems()
    base = Path(base_dir) if base_dir is not None else Path()
    city, network = _network(spec, base, [Path(r) for r in data_roots], problems)
    extra = _places(spec.places, problems)
    places: dict[str, Place] = {}
    if city is not None:
        for place in (
            *city.buildings,
            *city.stores,
            *city.micro_warehouses,
            *city.pickup_points,
            *city.depots,
        ):
            places.setdefault(place.id, place)
    for place in extra.all():
        places.setdefault(place.id, place)
    couriers = problems.each("couriers", spec.couriers, lambda c: _courier(c, places))
    members = problems.each("members", spec.members, MemberSpec.to_member)
    leaders = (
        problems.each("leaders", spec.leaders, LeaderSpec.to_leader)
        if spec.leaders is not None
        else None
    )
    orders = problems.each("orders", spec.orders, OrderSpec.to_order)
    returns = problems.each("returns", spec.returns, ReturnSpec.to_return)
    settings = problems.attempt("settings", spec.settings.planner_settings)
    if problems.items or settings is None:
        raise ScenarioFileError(source, problems.items)
    world = problems.attempt(
        "world",
        _world,
        spec,
        city=city,
        network=network,
        extra=extra,
        couriers=couriers,
        members=members,
        leaders=leaders,
    )
    if world is None:
        raise ScenarioFileError(source, problems.items)
    world = _with_stock(spec, world, problems)
    if spec.travel is not None:  # time-dependent travel (issue 13)
        world = replace(world, speed_profiles=spec.travel.speed_profiles_by_time())
    # The Engine's rule for members (dispatch.validation), so a file it would refuse
    # is refused here too.
    for i, member_spec in enumerate(spec.members):
        for field, rule in member_problems(member_spec.to_member(), world):
            problems.add(f"{_item('members', i, member_spec.id)}.{field}", rule)
    seen: set[str] = set()
    member = world_member(world)
    for i, order in enumerate(orders):
        path = _item("orders", i, order.id)
        if order.id in seen:
            problems.add(f"{path}.id", "appears twice in the batch")
        seen.add(order.id)
        refs = OrderReferences.of_order(order)
        for field, rule in reference_problems(refs, world, settings, member):
            problems.add(f"{path}.{field}", rule)
    return_ids: set[str] = set()
    for i, request in enumerate(returns):
        path = _item("returns", i, request.id)
        if request.id in return_ids:
            problems.add(f"{path}.id", "appears twice in the returns")
        return_ids.add(request.id)
        for field, rule in return_problems(request, world):
            problems.add(f"{path}.{field.split(': ', 1)[-1]}", rule)
    if problems.items:
        raise ScenarioFileError(source, problems.items)
    return Scenario(spec.name, world, tuple(orders), settings, spec.at, spec, tuple(returns))


def _world(
    spec: ScenarioFile,
    *,
    city: City | None,
    network: RoadNetwork | None,
    extra: _Places,
    couriers: list[Courier],
    members: list[Member],
    leaders: list[Leader] | None,
) -> World:
    closed = frozenset(spec.closed_pickup_point_ids)
    if city is not None:
        grown = replace(
            city,
            buildings=(*city.buildings, *extra.buildings),
            stores=(*city.stores, *extra.stores),
            micro_warehouses=(*city.micro_warehouses, *extra.micro_warehouses),
            pickup_points=(*city.pickup_points, *extra.pickup_points),
            depots=(*city.depots, *extra.depots),
        )
        return World.from_city(grown, couriers, members, leaders, closed_pickup_point_ids=closed)
    if leaders is None:
        leaders = [
            Leader(p.leader_id, p.id) for p in extra.pickup_points if p.leader_id is not None
        ]
    detour = (
        spec.network.detour_factor
        if isinstance(spec.network, StraightLineNetwork)
        else DEFAULT_DETOUR_FACTOR
    )
    return World(
        buildings=tuple(extra.buildings),
        stores=tuple(extra.stores),
        micro_warehouses=tuple(extra.micro_warehouses),
        pickup_points=tuple(extra.pickup_points),
        depots=tuple(extra.depots),
        couriers=tuple(couriers),
        members=tuple(members),
        leaders=tuple(leaders),
        network=network,
        detour_factor=detour,
        closed_pickup_point_ids=closed,
    )


def _with_stock(spec: ScenarioFile, world: World, problems: _Problems) -> World:
    """The world with the file's stock; a place that is not a store or micro-warehouse
    of the world is a problem named ``stock.<place>``."""
    if spec.stock is None:
        return world
    unknown = [p for p in spec.stock if not world.has_place(p, (Store, MicroWarehouse))]
    for place_id in unknown:
        problems.add(f"stock.{place_id}", f"unknown store or micro-warehouse {place_id!r}")
    return world if unknown else replace(world, stock=StockTable(spec.stock))

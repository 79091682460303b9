"""The scenario file's schema: pydantic models of a world and a batch of orders.

:class:`ScenarioFile` is the file's contents; :func:`parse_scenario` validates decoded
JSON against it and :func:`scenario_json_schema` is the published JSON Schema
(``dispatch schema``).  Orders, their windows and lines, members and leaders are the
order service's models (:mod:`dispatch.payloads`), one schema for both.  Building the
world from a file is :mod:`scenarios.scenario_build`; reading and writing files is
:mod:`scenarios.scenario_file`.

The format (version 1), in brief::

    {
      "version": 1,
      "name": "...",
      "at": "10:00",                     # default plan time (optional)
      "network": {"kind": "generated", "seed": 7, "blocks_x": 10, "blocks_y": 10}
               | {"kind": "osm", "path": "streets.osm"}      # relative to the file
               | {"kind": "straight_line", "detour_factor": 1.3},
      "places": {"buildings": [...], "stores": [...], "micro_warehouses": [...],
                 "pickup_points": [...], "depots": [...]},
      "closed_pickup_point_ids": [...],
      "stock": {"mw01": {"milk-1l": 40, ...}},   # optional: units per place and SKU
      "couriers": [...], "members": [...], "leaders": [...] | null,
      "settings": {...},                 # overrides of PlannerSettings
      "orders": [...],
      "returns": [...],                  # return requests (dispatch.returns), optional
      "grubhub": {...},                  # optional: a Grubhub MDRP instance (below)
      "travel": {"speed_profiles": {"e_bike": [{"start": "07:00", "end": "09:30",
                                               "factor": 0.8}, ...], ...}}  # optional
    }

Conventions of the file:

* **Clock times** (fields without a unit suffix: ``at``, ``created_at``, ``shift`` and
  ``promised`` ``start``/``end``, opening hours ``open``/``close``, the settings
  ``next_day_cutoff``, ``collection_from``, ``collection_until``) are ``"HH:MM"`` or
  ``"HH:MM:SS"`` strings on the plan's clock, hours past 23 meaning the next day
  (``"28:00"`` is 04:00 tomorrow), or a number of seconds since the plan's midnight
  (:data:`dispatch.payloads.ClockTime`).  An order's ``created_at`` and a window's
  ``start``/``end`` may also be spelled ``created_at_s``/``start_s``/``end_s``, as
  the order service's payloads are.  :func:`scenarios.scenario_file.save_scenario`
  writes ``"HH:MM"`` strings (a number when the time has a fraction of a second).
* **Durations and amounts** carry their unit in the name: ``service_duration_s``,
  ``prep_duration_s`` (seconds), ``weight_kg``, ``volume_l``, ``capacity_parcels``...
* **Money** (``unit_price``, commission ``threshold`` and ``rate``) is a decimal string,
  yuan: ``"9.90"``; numbers are refused (floats are not exact).
* On a generated network the city's own places (and, when ``leaders`` is null, a
  leader for every pickup point that names one) are part of the world; ``places``
  adds to them.  On an OSM or straight-line network, ``places`` are all there is.
* A courier starts either ``"at"`` a place id or at ``lon``/``lat``.
* ``stock`` (optional, :mod:`dispatch.stock`): units per store or micro-warehouse and
  SKU; a place without an entry does not count stock, a SKU missing from a place's
  entry has none there.  Orders that the stock cannot cover (given by creation time)
  are unassigned ``out_of_stock`` naming the lines.
* The optional ``grubhub`` section (:class:`GrubhubSpec`, written by ``dispatch import
  grubhub``) holds a Grubhub meal delivery routing (MDRP) instance exactly:
  ``{"name", "parameters": {"meters_per_minute", "pickup_service_min",
  "dropoff_service_min", "target_click_to_door_min", "max_click_to_door_min",
  "pay_per_order_usd", "guaranteed_pay_per_hour_usd"}, "restaurants": [{"id", "x_m",
  "y_m"}], "orders": [{"id", "x_m", "y_m", "placement_min", "restaurant_id",
  "ready_min"}], "couriers": [{"id", "x_m", "y_m", "on_min", "off_min"}]}``.  A scenario
  with it is replayed under the MDRP family's rules (metre coordinates, Euclidean travel
  at ``meters_per_minute``, rounded up to whole minutes; times in minutes from the start
  of the day, pay as plain numbers), and its world section is not used for that replay.

Bad input: every field that breaks the schema (:func:`parse_scenario`) and, when the
world is built (:func:`scenarios.scenario_build.build_scenario`), every object the
domain refuses (an order of mode ``scheduled`` without ``promised``...) and every order
that refers to something the world does not have (unknown store, building, member or
pickup point, a chosen pickup point that is closed; in the ``grubhub`` section an id
that appears twice or an order's unknown restaurant) is collected into one
:class:`ScenarioFileError` listing each as ``path: rule``, e.g.
``orders[3 'o4'].lines[0].quantity: must be greater than 0, got 0`` (list items with an
id are named by position and id).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    Strict,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from core import limits
from core.errors import listed_problems
from dispatch.domain import FulfilmentMode, TemperatureClass
from dispatch.payloads import (
    UNION_TAGS,
    ClockTime,
    Duration,
    Id,
    LeaderPayload,
    LinePayload,
    MemberPayload,
    NonNegative,
    OrderPayload,
    TierPayload,
    WindowPayload,
    pydantic_rule,
)
from dispatch.returns import ReturnLinePayload, ReturnPayload
from dispatch.settings import (
    DEFAULT_COURIER_COSTS,
    DEFAULT_MAX_RIDE_S,
    MAX_LIVE_BUNDLE,
    CourierCost,
    LiveSettings,
    PlannerSettings,
    WorkloadBalance,
)
from geo.citygen import CitySpec
from geo.places import PickupPointKind
from geo.profiles import ProfileName
from geo.time_dependent import DEFAULT_CITY_SPEED_PERIODS, SpeedPeriod, SpeedProfiles
from solvers.errors import InvalidInputError
from solvers.problem import MAX_BREAKS, Break, TimeWindow

SCHEMA_VERSION = 1
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class ScenarioFileError(InvalidInputError):
    """A scenario broke one or more rules; ``problems`` holds each ``(path, rule)``."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__(source, listed_problems(self.problems))


# --- field types ------------------------------------------------------------------------


Number = Annotated[float, Strict()]
Positive = Annotated[float, Strict(), Field(gt=0)]
# Bounded numbers: the ranges are core.limits' and appear in the JSON Schema.
PositiveDuration = Annotated[float, Strict(), Field(gt=0, le=limits.MAX_DURATION_S)]
Distance = Annotated[float, Strict(), Field(ge=0, le=limits.MAX_DISTANCE_M)]
Money = Annotated[float, Strict(), Field(ge=0, le=limits.MAX_MONEY)]
Share = Annotated[float, Strict(), Field(ge=0, le=1)]
CapacityKg = Annotated[float, Strict(), Field(gt=0, le=limits.MAX_CAPACITY_KG)]
CapacityL = Annotated[float, Strict(), Field(gt=0, le=limits.MAX_CAPACITY_L)]
Volume = Annotated[float, Strict(), Field(gt=0, le=limits.MAX_CAPACITY_L)]
Metres = Annotated[
    float, Strict(), Field(ge=-limits.MAX_GRUBHUB_COORD_M, le=limits.MAX_GRUBHUB_COORD_M)
]
Minutes = Annotated[float, Strict(), Field(ge=0, le=limits.MAX_GRUBHUB_MINUTES)]
Rate = Annotated[float, Strict(), Field(ge=0, le=limits.MAX_GRUBHUB_RATE)]
PositiveRate = Annotated[float, Strict(), Field(gt=0, le=limits.MAX_GRUBHUB_RATE)]
Text = Annotated[str, Strict(), Field(max_length=limits.MAX_TEXT_CHARS)]
StockUnits = Annotated[int, Strict(), Field(ge=0, le=limits.MAX_STOCK_UNITS)]
StockRow = Annotated[dict[Id, StockUnits], Field(max_length=limits.MAX_SKUS_PER_PLACE)]
Lon = Annotated[float, Strict(), Field(ge=-180, le=180)]
Lat = Annotated[float, Strict(), Field(ge=-90, le=90)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- network ----------------------------------------------------------------------------


class GeneratedNetwork(_Spec):
    """A procedural city (:func:`geo.generate_city`); fields left out keep its defaults."""

    kind: Literal["generated"]
    seed: StrictInt = Field(ge=0, le=limits.MAX_SEED)
    blocks_x: StrictInt = Field(12, ge=1, le=limits.MAX_CITY_BLOCKS_PER_SIDE)
    blocks_y: StrictInt = Field(12, ge=1, le=limits.MAX_CITY_BLOCKS_PER_SIDE)
    block_m: NonNegative | None = Field(None, le=2000)
    centre_lon: Lon | None = None
    centre_lat: Lat | None = None
    jitter_m: NonNegative | None = Field(None, le=400)
    removed_street_share: Share | None = None
    oneway_share: Share | None = None
    arterial_every: StrictInt | None = Field(None, ge=0, le=limits.MAX_CITY_BLOCKS_PER_SIDE)
    service_lane_share: Share | None = None
    footway_share: Share | None = None
    diagonal_avenue: StrictBool | None = None
    buildings_per_block: StrictInt | None = Field(None, ge=0, le=limits.MAX_BUILDINGS_PER_BLOCK)
    households_min: StrictInt | None = Field(None, ge=0, le=limits.MAX_HOUSEHOLDS)
    households_max: StrictInt | None = Field(None, ge=0, le=limits.MAX_HOUSEHOLDS)
    n_stores: StrictInt | None = Field(None, ge=0, le=limits.MAX_CITY_BLOCKS)
    n_micro_warehouses: StrictInt | None = Field(None, ge=0, le=limits.MAX_CITY_BLOCKS)
    n_pickup_points: StrictInt | None = Field(None, ge=0, le=limits.MAX_CITY_BLOCKS)
    n_depots: StrictInt | None = Field(None, ge=0, le=limits.MAX_CITY_BLOCKS)

    def city_spec(self) -> CitySpec:
        """The :class:`geo.CitySpec` (raises its InvalidInputError on a bad combination)."""
        fields = self.model_dump(exclude={"kind"}, exclude_none=True)
        return CitySpec(**fields)


class OsmNetwork(_Spec):
    """Streets from an OpenStreetMap XML file (path relative to the scenario file)."""

    kind: Literal["osm"]
    path: Id


class StraightLineNetwork(_Spec):
    """No streets: the straight line times a detour factor."""

    kind: Literal["straight_line"]
    detour_factor: Number = Field(1.3, ge=1, le=limits.MAX_FACTOR)


Network = Annotated[
    GeneratedNetwork | OsmNetwork | StraightLineNetwork, Field(discriminator="kind")
]


# --- places -----------------------------------------------------------------------------


class BuildingSpec(_Spec):
    """A building (:class:`geo.places.Building`)."""

    id: Id
    lon: Lon
    lat: Lat
    households: StrictInt = Field(1, ge=0, le=limits.MAX_HOUSEHOLDS)


class StoreSpec(_Spec):
    """A shop (:class:`geo.places.Store`)."""

    id: Id
    lon: Lon
    lat: Lat
    category: Annotated[str, Strict(), Field(max_length=limits.MAX_ID_CHARS)] = "general"
    prep_duration_s: Duration = 600.0


class MicroWarehouseSpec(_Spec):
    """A front warehouse (:class:`geo.places.MicroWarehouse`)."""

    id: Id
    lon: Lon
    lat: Lat
    promise_s: PositiveDuration = 1800.0
    pick_duration_s: Duration = 180.0


class OpeningSpec(_Spec):
    """An opening interval of the day, ``[open, close)``."""

    open: ClockTime
    close: ClockTime


class PickupPointSpec(_Spec):
    """A pickup point (:class:`geo.places.PickupPoint`)."""

    id: Id
    lon: Lon
    lat: Lat
    kind: PickupPointKind = PickupPointKind.CONVENIENCE_STORE
    capacity_parcels: StrictInt = Field(100, ge=0, le=limits.MAX_PARCELS)
    opening_hours: tuple[OpeningSpec, ...] = Field(
        default=(OpeningSpec(open=0.0, close=86400.0),),
        min_length=1,
        max_length=limits.MAX_LIST_ITEMS,
    )
    leader_id: Id | None = None


class DepotSpec(_Spec):
    """A depot (:class:`geo.places.Depot`)."""

    id: Id
    lon: Lon
    lat: Lat


class PlacesSpec(_Spec):
    """Places of the world (added to a generated city's own)."""

    buildings: tuple[BuildingSpec, ...] = Field((), max_length=limits.MAX_PLACES)
    stores: tuple[StoreSpec, ...] = Field((), max_length=limits.MAX_PLACES)
    micro_warehouses: tuple[MicroWarehouseSpec, ...] = Field((), max_length=limits.MAX_PLACES)
    pickup_points: tuple[PickupPointSpec, ...] = Field((), max_length=limits.MAX_PLACES)
    depots: tuple[DepotSpec, ...] = Field((), max_length=limits.MAX_PLACES)


# --- people -----------------------------------------------------------------------------


# Windows, orders and their lines, members and leaders are the order service's schema
# (dispatch.payloads), here under the scenario file's names.
WindowSpec = WindowPayload
OrderLineSpec = LinePayload
OrderSpec = OrderPayload
MemberSpec = MemberPayload
CommissionTierSpec = TierPayload
LeaderSpec = LeaderPayload
# Returns (dispatch.returns): {"id", "order_id", "building_id" | "pickup_point_id", "to",
# "lines", "window": {"start", "end"}}, the Engine's and POST /returns' schema.
ReturnSpec = ReturnPayload
ReturnLineSpec = ReturnLinePayload


class BreakSpec(_Spec):
    """A break (:class:`solvers.problem.Break`): ``duration_s`` seconds wholly within
    ``start``-``end``, wherever the courier is."""

    start: ClockTime
    end: ClockTime
    duration_s: PositiveDuration

    def to_break(self, what: str) -> Break:
        """The :class:`Break` (raises its InvalidInputError naming ``what``)."""
        return Break(TimeWindow(self.start, self.end, what), self.duration_s)


class CourierSpec(_Spec):
    """A courier, van driver or technician (:class:`dispatch.Courier`); starts ``at`` a
    place id or at ``lon``/``lat``."""

    id: Id
    profile: ProfileName
    at: Id | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    shift: WindowSpec
    capacity_kg: CapacityKg = 30.0
    capacity_l: CapacityL = 80.0
    cold_boxes: StrictInt = Field(2, ge=0, le=limits.MAX_COLD_BOXES)
    skills: tuple[Id, ...] = Field((), max_length=limits.MAX_LIST_ITEMS)
    returns_to_start: StrictBool = False
    # fleet13: the flows the courier works (two or more delivery flows combine on one
    # route); flow names among ``skills`` are the older, deprecated spelling.
    flows: tuple[FulfilmentMode, ...] = Field((), max_length=len(FulfilmentMode))
    breaks: tuple[BreakSpec, ...] = Field((), max_length=MAX_BREAKS)  # fleet13

    @model_validator(mode="after")
    def _one_start(self) -> CourierSpec:
        has_position = self.lon is not None or self.lat is not None
        if (self.at is None) == (not has_position) or (
            has_position and (self.lon is None or self.lat is None)
        ):
            raise ValueError('give either "at" (a place id) or both "lon" and "lat"')
        return self


# --- settings and orders ------------------------------------------------------------------


class CourierCostSpec(_Spec):
    """What a courier of one profile costs (:class:`dispatch.CourierCost`), yuan; fields
    left out keep the profile's default cost."""

    fixed_cost: Money | None = None
    cost_per_km: Money | None = None
    cost_per_hour: Money | None = None

    def over(self, default: CourierCost) -> CourierCost:
        """This cost with the fields left out taken from ``default``."""
        return CourierCost(
            default.fixed_cost if self.fixed_cost is None else self.fixed_cost,
            default.cost_per_km if self.cost_per_km is None else self.cost_per_km,
            default.cost_per_hour if self.cost_per_hour is None else self.cost_per_hour,
        )


class BalanceSpec(_Spec):
    """Workload balance (:class:`dispatch.settings.WorkloadBalance`): ``weight`` yuan per
    order or per hour of the busiest courier's route."""

    by: Literal["orders", "hours"] = "orders"
    weight: Money


class LiveSpec(_Spec):
    """Live re-planning (:class:`dispatch.settings.LiveSettings`): how instant
    micro-warehouse orders are re-planned during the day, and the dispatcher's bundle
    size."""

    instant: Literal["dispatcher", "routing"] | None = None
    max_bundle: int | None = Field(None, ge=1, le=MAX_LIVE_BUNDLE)


class SettingsSpec(_Spec):
    """Overrides of :class:`dispatch.PlannerSettings` (fields left out keep the defaults;
    ``max_ride_s_by_temperature`` and ``courier_costs`` override per key)."""

    instant_promise_s: PositiveDuration | None = None
    multi_store_promise_s: PositiveDuration | None = None
    max_lateness_s: Duration | None = None
    scheduled_max_lateness_s: Duration | None = None
    home_service_max_lateness_s: Duration | None = None
    lateness_cost_per_s: Money | None = None
    drop_penalty: Money | None = None
    paid_priority_factor: Number | None = Field(None, ge=1, le=limits.MAX_FACTOR)
    max_ride_s_by_temperature: dict[TemperatureClass, PositiveDuration | None] | None = None
    pickup_service_s: Duration | None = None
    trunk_unload_s: Duration | None = None
    walk_limit_m: Distance | None = None
    switch_penalty_m: Distance | None = None
    rating_walk_m: Distance | None = None
    next_day_cutoff: ClockTime | None = None
    collection_from: ClockTime | None = None
    collection_until: ClockTime | None = None
    tote_volume_l: Volume | None = None
    cold_box_volume_l: Volume | None = None
    courier_costs: dict[ProfileName, CourierCostSpec] | None = None
    balance: BalanceSpec | None = None  # fleet13: workload balance
    live: LiveSpec | None = None  # live15eng: live re-planning of instant orders

    def planner_settings(self) -> PlannerSettings:
        """The settings (raises PlannerSettings' InvalidInputError on a bad combination)."""
        fields: dict[str, Any] = {}
        renamed = {
            "next_day_cutoff": "next_day_cutoff_s",
            "collection_from": "collection_from_s",
            "collection_until": "collection_until_s",
        }
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None or name in (
                "max_ride_s_by_temperature",
                "courier_costs",
                "balance",
                "live",
            ):
                continue
            fields[renamed.get(name, name)] = value
        if self.max_ride_s_by_temperature is not None:
            fields["max_ride_s_by_temperature"] = {
                **DEFAULT_MAX_RIDE_S,
                **self.max_ride_s_by_temperature,
            }
        if self.courier_costs is not None:
            fields["courier_costs"] = {
                name: c.over(DEFAULT_COURIER_COSTS[name]) for name, c in self.courier_costs.items()
            }
        if self.balance is not None:
            fields["balance"] = WorkloadBalance(self.balance.by, self.balance.weight)
        if self.live is not None:
            given = {k: v for k, v in self.live.model_dump().items() if v is not None}
            fields["live"] = LiveSettings(**given)
        return PlannerSettings(**fields)


# --- travel: speed by time of day (issue 13) ----------------------------------------------


_TIME_OF_DAY = re.compile(r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$")


def _time_of_day(value: object) -> object:
    if isinstance(value, str) and not _TIME_OF_DAY.match(value):
        raise PydanticCustomError(
            "time_of_day", 'must be a time of day "HH:MM" from 00:00 to 24:00'
        )
    return value


TimeOfDay = Annotated[
    str,
    Strict(),
    AfterValidator(_time_of_day),
    Field(json_schema_extra={"pattern": _TIME_OF_DAY.pattern}),
]
SpeedFactor = Annotated[
    float, Strict(), Field(ge=limits.MIN_SPEED_FACTOR, le=limits.MAX_SPEED_FACTOR)
]


def _seconds_of_day(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


class SpeedPeriodSpec(_Spec):
    """A period of the day (``"HH:MM"`` times of day, ``end`` after ``start``, at most
    ``"24:00"``) and its speed factor: the share of the profile's free-flow speed."""

    start: TimeOfDay
    end: TimeOfDay
    factor: SpeedFactor

    @model_validator(mode="after")
    def _ordered(self) -> SpeedPeriodSpec:
        if self.start == "24:00":
            raise ValueError('start must be before 24:00 ("00:00" to "23:59")')
        if _seconds_of_day(self.end) <= _seconds_of_day(self.start):
            raise ValueError(
                f"end {self.end!r} must be after start {self.start!r} (a period within one day)"
            )
        return self


class TravelSpec(_Spec):
    """Time-dependent travel: ``speed_profiles`` per travel profile, periods of the day
    with a speed factor in [0.1, 2] (1 outside every period), not overlapping.
    ``dispatch generate`` writes the defaults for Chinese cities
    (:data:`geo.time_dependent.DEFAULT_CITY_SPEED_PROFILES`)."""

    speed_profiles: dict[
        ProfileName,
        Annotated[tuple[SpeedPeriodSpec, ...], Field(max_length=limits.MAX_SPEED_PERIODS)],
    ] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _not_overlapping(self) -> TravelSpec:
        problems: list[InitErrorDetails] = []
        for name, periods in self.speed_profiles.items():
            order = sorted(range(len(periods)), key=lambda i: _seconds_of_day(periods[i].start))
            for a, b in itertools.pairwise(order):
                if _seconds_of_day(periods[b].start) < _seconds_of_day(periods[a].end):
                    problems.append(
                        {
                            "type": PydanticCustomError(
                                "overlap",
                                "overlaps period {a} ({start}-{end}): periods of one profile "
                                "must not overlap",
                                {"a": a, "start": periods[a].start, "end": periods[a].end},
                            ),
                            "loc": ("speed_profiles", name.value, b, "start"),
                            "input": periods[b].start,
                        }
                    )
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    def speed_profiles_by_time(self) -> SpeedProfiles:
        """The periods as :class:`geo.time_dependent.SpeedProfiles` (seconds of day)."""
        return SpeedProfiles(
            {
                name: tuple(
                    SpeedPeriod(_seconds_of_day(p.start), _seconds_of_day(p.end), p.factor)
                    for p in periods
                )
                for name, periods in self.speed_profiles.items()
            }
        )


def default_travel() -> TravelSpec:
    """The travel section ``dispatch generate`` writes into new scenarios: the default
    speed profiles of Chinese cities (:data:`geo.time_dependent.DEFAULT_CITY_SPEED_PERIODS`),
    the shared entry point for every generator."""
    return TravelSpec(
        speed_profiles={
            name: tuple(SpeedPeriodSpec(start=s, end=e, factor=f) for s, e, f in periods)
            for name, periods in DEFAULT_CITY_SPEED_PERIODS.items()
        }
    )


# --- a Grubhub MDRP instance --------------------------------------------------------------


class GrubhubParametersSpec(_Spec):
    """The family's rules for the instance (:class:`scenarios.grubhub.GrubhubParameters`);
    pay is the instance's own numbers (dollars), not a decimal string."""

    meters_per_minute: PositiveRate
    pickup_service_min: Minutes
    dropoff_service_min: Minutes
    target_click_to_door_min: Minutes
    max_click_to_door_min: Minutes
    pay_per_order_usd: Rate
    guaranteed_pay_per_hour_usd: Rate


class GrubhubRestaurantSpec(_Spec):
    """A restaurant at ``(x_m, y_m)`` (:class:`scenarios.grubhub.GrubhubRestaurant`)."""

    id: Id
    x_m: Metres
    y_m: Metres


class GrubhubOrderSpec(_Spec):
    """An order delivered to ``(x_m, y_m)``, placed at ``placement_min`` at the restaurant
    ``restaurant_id`` and ready at ``ready_min`` (:class:`scenarios.grubhub.GrubhubOrder`)."""

    id: Id
    x_m: Metres
    y_m: Metres
    placement_min: Minutes
    restaurant_id: Id
    ready_min: Minutes

    @model_validator(mode="after")
    def _ready_after_placement(self) -> GrubhubOrderSpec:
        if self.ready_min < self.placement_min:
            raise ValueError(
                f"ready_min must be >= placement_min ({self.placement_min:g}), "
                f"got {self.ready_min:g}"
            )
        return self


class GrubhubCourierSpec(_Spec):
    """A courier who appears at ``(x_m, y_m)`` at ``on_min`` and picks up until ``off_min``
    (:class:`scenarios.grubhub.GrubhubCourier`)."""

    id: Id
    x_m: Metres
    y_m: Metres
    on_min: Minutes
    off_min: Minutes

    @model_validator(mode="after")
    def _off_after_on(self) -> GrubhubCourierSpec:
        if self.off_min <= self.on_min:
            raise ValueError(f"off_min must be > on_min ({self.on_min:g}), got {self.off_min:g}")
        return self


def _field_of(item: object, name: str) -> object:
    """A field of a list item given as decoded JSON or as a model."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _grubhub_references(data: object) -> list[InitErrorDetails]:
    """Ids that appear twice and orders whose restaurant the section does not have, as
    pydantic errors located in ``data`` (decoded JSON or models, not yet validated)."""
    if not isinstance(data, dict):
        return []
    errors: list[InitErrorDetails] = []
    ids: dict[str, set[str]] = {}
    for kind in ("restaurants", "orders", "couriers"):
        items = data.get(kind)
        seen = ids.setdefault(kind, set())
        for i, item in enumerate(items if isinstance(items, list | tuple) else ()):
            item_id = _field_of(item, "id")
            if not isinstance(item_id, str):
                continue
            if item_id in seen:
                errors.append(
                    {
                        "type": PydanticCustomError("duplicate_id", "must be unique"),
                        "loc": (kind, i, "id"),
                        "input": item_id,
                    }
                )
            seen.add(item_id)
    orders = data.get("orders")
    for i, item in enumerate(orders if isinstance(orders, list | tuple) else ()):
        restaurant = _field_of(item, "restaurant_id")
        if isinstance(restaurant, str) and restaurant not in ids["restaurants"]:
            errors.append(
                {
                    "type": PydanticCustomError(
                        "unknown_restaurant", "must be the id of one of the restaurants"
                    ),
                    "loc": ("orders", i, "restaurant_id"),
                    "input": restaurant,
                }
            )
    return errors


def _section_order(error: InitErrorDetails) -> tuple[int, int]:
    """Errors of the Grubhub section in the order of its fields and list items."""
    fields = list(GrubhubSpec.model_fields)
    loc = error["loc"]
    first = loc[0] if loc else ""
    rank = fields.index(first) if first in fields else len(fields)
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1
    return rank, index


class GrubhubSpec(_Spec):
    """A Grubhub meal delivery routing problem (MDRP) instance, exactly as read by
    :func:`scenarios.grubhub.read_grubhub` (see :mod:`scenarios.grubhub_import`).

    A scenario with this section is replayed under the MDRP family's rules
    (:func:`scenarios.grubhub_sim.replay_grubhub`): coordinates are metres on a plane,
    travel is the straight line at ``parameters.meters_per_minute`` rounded up to whole
    minutes, times are minutes from the start of the day.  The scenario's world (network,
    places, couriers, orders) is not used for that replay.  Ids are unique within each
    list and every order's ``restaurant_id`` names one of the ``restaurants``.
    """

    name: Id
    parameters: GrubhubParametersSpec
    restaurants: tuple[GrubhubRestaurantSpec, ...] = Field(max_length=limits.MAX_PLACES)
    orders: tuple[GrubhubOrderSpec, ...] = Field(max_length=limits.MAX_ORDERS)
    couriers: tuple[GrubhubCourierSpec, ...] = Field(max_length=limits.MAX_COURIERS)

    @model_validator(mode="wrap")
    @classmethod
    def _references(
        cls, data: object, handler: ModelWrapValidatorHandler[GrubhubSpec]
    ) -> GrubhubSpec:
        # Checked on the input, so that they are listed with the fields' own errors.
        problems = _grubhub_references(data)
        try:
            spec = handler(data)
        except ValidationError as error:
            if not problems:
                raise
            # Re-raised as they were (type, message, place) with the references added.
            fields: list[InitErrorDetails] = [
                {
                    "type": PydanticCustomError(e["type"], e["msg"]),
                    "loc": e["loc"],
                    "input": e["input"],
                }
                for e in error.errors()
            ]
            ordered = sorted([*fields, *problems], key=_section_order)
            raise ValidationError.from_exception_data(cls.__name__, ordered) from None
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return spec


class ScenarioFile(_Spec):
    """A scenario file: a world and a batch of orders (see the module doc)."""

    model_config = ConfigDict(
        title="o2o-dispatch scenario",
        json_schema_extra={"$schema": SCHEMA_DIALECT},
    )

    version: Literal[1]
    name: Text = "scenario"
    description: Text = ""
    at: ClockTime | None = None
    network: Network
    places: PlacesSpec = PlacesSpec()
    closed_pickup_point_ids: tuple[Id, ...] = Field((), max_length=limits.MAX_PLACES)
    stock: dict[Id, StockRow] | None = Field(None, max_length=limits.MAX_PLACES)
    couriers: tuple[CourierSpec, ...] = Field((), max_length=limits.MAX_COURIERS)
    members: tuple[MemberSpec, ...] = Field((), max_length=limits.MAX_MEMBERS)
    leaders: tuple[LeaderSpec, ...] | None = Field(None, max_length=limits.MAX_PLACES)
    settings: SettingsSpec = SettingsSpec()
    orders: tuple[OrderSpec, ...] = Field((), max_length=limits.MAX_ORDERS)
    returns: tuple[ReturnSpec, ...] = Field((), max_length=limits.MAX_ORDERS)
    grubhub: GrubhubSpec | None = None
    travel: TravelSpec | None = None


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario files."""
    return ScenarioFile.model_json_schema()


# --- errors -------------------------------------------------------------------------------


def _label(key: int, item: object) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"[{key} {item['id']!r}]"
    return f"[{key}]"


def _path(loc: Sequence[int | str], data: object) -> str:
    """A pydantic location as ``orders[3 'o4'].lines[0].quantity``."""
    out = ""
    node = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list | tuple) and 0 <= key < len(node) else None
            out += _label(key, item)
            node = item
            continue
        if isinstance(node, dict) and key not in node and node.get("kind") == key:
            continue  # the tag pydantic adds for a discriminated union
        if key in UNION_TAGS:
            continue  # fleet13: one promised window or a list of them
        if key == "[key]":  # the error is in a mapping's key, not its value
            out += " (key)"
            continue
        out += f".{key}" if out else key
        node = node.get(key) if isinstance(node, dict) else None
    return out or "(file)"


def parse_scenario(data: object, *, source: str = "scenario") -> ScenarioFile:
    """Validate decoded JSON against the scenario schema.

    Raises:
        ScenarioFileError: every schema violation, each with its path.
    """
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        # A list whose items failed also reads as too short: report the items only.
        inner = {tuple(e["loc"][:k]) for e in errors for k in range(len(e["loc"]))}
        problems = [
            (_path(e["loc"], data), pydantic_rule(e))
            for e in errors
            if not (e["type"] == "too_short" and tuple(e["loc"]) in inner)
        ]
        raise ScenarioFileError(source, problems) from None

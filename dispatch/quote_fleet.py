"""The fleet a checkout quote knows: ride times on the planner's network and the
couriers' committed work, per micro-warehouse zone.

:class:`FleetModel` is built once per :class:`dispatch.quotes.Quoter`; a quote's
instant ETA (:meth:`FleetModel.instant_eta_s`) is, in seconds on the plan clock::

    at_s + max(ready, wait) + pickup_service_s + ride(source -> building) + margin

* ``ride``: the e-bike travel time the planner uses (:meth:`dispatch.World.travel`, the
  road network when the world has one), one row per source to every building,
  of the micro-warehouses computed when the quoter is built (one matrix), of a store
  when it is first quoted, and kept;
* ``ready``: the source's pick or preparation time;
* ``wait``: when a courier of the source's zone is free for it.  Each rider (couriers
  without skills, not vans) belongs to the zone of the micro-warehouse nearest its
  start; the zone's riders on shift at ``at_s`` share the committed orders of the
  source (:class:`FleetLoad`: instant and multi-store orders submitted and not yet
  delivered), ``orders_per_trip`` per trip, each trip a round trip to the source's
  typical customer (twice the median ride to the buildings within the instant
  radius, plus a pickup and a drop-off), so ``wait = committed // (riders *
  orders_per_trip) * trip``.  A zone with no rider on shift borrows the nearest zone's
  riders with the ride from there; with no rider at all the wait is not known and is 0;
* ``margin``: :attr:`dispatch.quotes.QuoteSettings.eta_margin_s`, the slack that makes
  the quote one the plan keeps (measured by ``python -m benchmarks.quote_accuracy``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dispatch.domain import Courier
from dispatch.world import World
from geo.frame import LocalFrame
from geo.places import MicroWarehouse, Store
from geo.profiles import E_BIKE, ProfileName
from solvers.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class FleetLoad:
    """Committed courier work at a quote: instant and multi-store orders submitted and
    not yet delivered (pending or planned), per source (each of their places)."""

    committed: Mapping[str, int] = field(default_factory=dict)


def _riders(couriers: Sequence[Courier]) -> list[Courier]:
    return [c for c in couriers if not c.skills and c.profile is not ProfileName.VAN]


class FleetModel:
    """Network ride times and zones of one world; thread-safe.

    Args:
        world: the world (buildings, sources, couriers, travel).
        frame: the metric frame of the quoter's straight-line positions.
        radius_m: the instant radius (the buildings that make a source's typical trip).
        service_s: a courier's time at a pickup and at a door (planner settings).
    """

    def __init__(self, world: World, frame: LocalFrame, radius_m: float, service_s: float) -> None:
        self._world = world
        self._service_s = service_s
        self._radius_m = radius_m
        self._lock = threading.Lock()
        self._rows: dict[str, np.ndarray] = {}
        self._trip_s: dict[str, float] = {}
        self._building_index = {b.id: i for i, b in enumerate(world.buildings)}
        bx, by = frame.forward([b.lon for b in world.buildings], [b.lat for b in world.buildings])
        self._bxy = np.column_stack([bx, by]) if len(world.buildings) else np.zeros((0, 2))
        sources: list[Store | MicroWarehouse] = [*world.stores, *world.micro_warehouses]
        self._sources = {s.id: s for s in sources}
        self._sxy = {
            s.id: tuple(float(v[0]) for v in frame.forward([s.lon], [s.lat])) for s in sources
        }
        hubs = list(world.micro_warehouses) or sources
        hxy = [frame.forward([h.lon], [h.lat]) for h in hubs]
        hub_xy = [(float(x[0]), float(y[0])) for x, y in hxy]

        def nearest_hub(x: float, y: float) -> int:
            return min(
                range(len(hubs)), key=lambda k: math.hypot(hub_xy[k][0] - x, hub_xy[k][1] - y)
            )

        self._hubs = [h.id for h in hubs]
        self._hub_xy = hub_xy
        self._zone_of_source = {sid: nearest_hub(*self._sxy[sid]) for sid in self._sources if hubs}
        self._zone_riders: dict[int, list[Courier]] = {}
        self._has_riders = False
        for courier in _riders(world.couriers):
            if not hubs:
                break
            cx, cy = frame.forward([courier.lon], [courier.lat])
            self._zone_riders.setdefault(nearest_hub(float(cx[0]), float(cy[0])), []).append(
                courier
            )
            self._has_riders = True

    # --- rides ------------------------------------------------------------------------

    def warm(self, source_ids: Sequence[str] | None = None) -> None:
        """Compute the ride rows of these sources (None: every source) now, in one
        matrix (the network's snapping of the buildings is shared)."""
        wanted = [
            sid
            for sid in (self._sources if source_ids is None else source_ids)
            if sid not in self._rows
        ]
        if wanted:
            self._compute(wanted)

    def _row(self, source_id: str) -> np.ndarray:
        row = self._rows.get(source_id)
        if row is None:
            self._compute([source_id])
            row = self._rows[source_id]
        return row

    def _compute(self, source_ids: Sequence[str]) -> None:
        sources = [self._sources[sid] for sid in source_ids]
        try:
            matrix = self._world.travel(ProfileName.E_BIKE, sources, self._world.buildings)
            rows = np.asarray(matrix.duration_s, dtype=np.float64)
        except InvalidInputError:  # a place off every street: the straight line then
            sxy = np.array([self._sxy[sid] for sid in source_ids])
            straight = np.hypot(
                self._bxy[None, :, 0] - sxy[:, None, 0], self._bxy[None, :, 1] - sxy[:, None, 1]
            )
            rows = straight * self._world.detour_factor / (E_BIKE.speed_kph / 3.6)
        for k, sid in enumerate(source_ids):
            row = rows[k]
            sx, sy = self._sxy[sid]
            near = np.hypot(self._bxy[:, 0] - sx, self._bxy[:, 1] - sy) <= self._radius_m
            finite = row[near & np.isfinite(row)]
            typical = float(np.median(finite)) if finite.size else 0.0
            with self._lock:
                self._rows[sid] = row
                self._trip_s[sid] = 2.0 * typical + 2.0 * self._service_s

    def ride_s(self, source_id: str, building_id: str) -> float | None:
        """E-bike seconds from the source to the building on the planner's network
        (None: unreachable there)."""
        value = float(self._row(source_id)[self._building_index[building_id]])
        return value if math.isfinite(value) else None

    # --- load -------------------------------------------------------------------------

    def wait_s(self, source_id: str, at_s: float, committed: int, orders_per_trip: int) -> float:
        """When a rider of the source's zone is free for one more order (see the module
        doc); 0 when the world has no riders."""
        if not self._has_riders or source_id not in self._zone_of_source:
            return 0.0
        self._row(source_id)
        trip = self._trip_s[source_id]
        zone = self._zone_of_source[source_id]
        zx, zy = self._hub_xy[zone]
        best = math.inf
        for k, riders in self._zone_riders.items():
            on = sum(1 for c in riders if c.shift.start_s <= at_s < c.shift.end_s)
            if not on:
                continue
            # Riders of another zone come over: the straight ride at the trip's pace.
            hx, hy = self._hub_xy[k]
            come_s = 0.0 if k == zone else math.hypot(hx - zx, hy - zy) / _EBIKE_MPS
            rounds = committed // (on * max(orders_per_trip, 1))
            best = min(best, come_s + rounds * trip)
        return 0.0 if math.isinf(best) else best


#: A rider's straight-line pace when a zone borrows riders (e-bike about 15 km/h over
#: the detour of city streets).
_EBIKE_MPS = 15.0 / 3.6 / 1.3

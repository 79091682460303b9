"""Batch waves at city scale: every order known at the plan time, the five flows mixed.

:func:`wave_scenario` writes what a city operator plans in one go at 10:00 (the
morning wave): next-day group-buy orders for tomorrow's pickup points, scheduled slots
for the rest of today, the instant and multi-store orders of the last 20 minutes and
home-service bookings for this afternoon, over a generated city big enough for the
requested number of micro-warehouses.

* **City**: one micro-warehouse per :data:`BLOCKS_PER_WAREHOUSE` blocks (the density of
  :class:`geo.CitySpec`), so a square city of ``ceil(sqrt(50 * W))`` blocks a side, at
  least :data:`MIN_BLOCKS`; stores, pickup points and depots at the city's default
  densities.  20 micro-warehouses make a 32 x 32-block city (about 4.8 km a side).
* **Orders** (shares :data:`WAVE_SHARES`): homes drawn uniformly over the buildings;
  instant and scheduled orders from the micro-warehouse nearest home, multi-store
  baskets from a shop among the six nearest and the nearest of another kind, next-day
  orders from the nearest micro-warehouse's group-buy assortment (a third at the pickup
  point nearest home, the others placed by the planner), home-service visits with a
  skill and a two-hour window.
* **Fleet**: the couriers are split over the flows in proportion to the work of each
  (:data:`ORDERS_PER_COURIER`, at least one courier per flow with orders; the trunk
  vans, bounded by what they carry, get their whole estimate first,
  :data:`CAPACITY_BOUND_FLOWS`): e-bikes at
  the micro-warehouses for instant orders (in proportion to each warehouse's orders),
  e-bikes at shops for baskets, tricycles at the warehouses for slots, vans at the
  depots for the trunk routes and technicians for the visits; every courier declares
  its flow among its skills (:mod:`dispatch.fleet`).  :func:`wave_fleet_size` is the
  fleet the estimates say serves about every order; ``couriers=None`` uses it.

Nearest places are found with a k-d tree in a local metric frame (no order x place
matrix), so a 100,000-order wave needs memory linear in its orders.  The same arguments
give the same scenario (one :func:`numpy.random.default_rng` stream per seed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from core.limits import MAX_COURIERS, MAX_ORDERS, MAX_SEED, MAX_WAVE_WAREHOUSES
from dispatch.domain import FulfilmentMode
from geo.citygen import City, CitySpec, generate_city
from geo.frame import LocalFrame
from geo.places import Building
from geo.profiles import ProfileName
from scenarios.city_scenario import (
    GROUP_BUY_ITEMS,
    WAREHOUSE_ITEMS,
    Item,
    draw_member,
    shop_line,
)
from scenarios.scenario_schema import (
    CourierSpec,
    GeneratedNetwork,
    MemberSpec,
    OrderLineSpec,
    OrderSpec,
    ScenarioFile,
    SettingsSpec,
    WindowSpec,
)
from solvers.errors import InvalidInputError

_H = 3600.0
#: The plan time of a wave, seconds since midnight (10:00).
WAVE_AT_S = 10 * _H
#: Blocks per micro-warehouse (the default density of :class:`geo.CitySpec`).
BLOCKS_PER_WAREHOUSE = 50
#: The smallest city side, blocks.
MIN_BLOCKS = 10
#: The flows' shares of a wave's orders: the morning wave of a platform that sells
#: mostly group buys and slots, with the instant orders of the last minutes.
WAVE_SHARES: Mapping[FulfilmentMode, float] = {
    FulfilmentMode.NEXT_DAY_PICKUP: 0.45,
    FulfilmentMode.SCHEDULED: 0.35,
    FulfilmentMode.INSTANT: 0.12,
    FulfilmentMode.HOME_SERVICE: 0.05,
    FulfilmentMode.MULTI_STORE: 0.03,
}
#: Orders one courier of a flow serves in a wave (the fleet-sizing estimate): an e-bike
#: about 10 instant orders within their 30-minute promise (soft lateness allowed), 6
#: two-shop baskets, a tricycle 45 slot deliveries over the afternoon, a truck 120
#: group-buy orders (of :data:`VAN_CAPACITY_KG`), a technician 4 visits.  Calibrated on
#: a generated 2,000-order wave with 60 couriers planned with 100 iterations (scale11c):
#: per courier 11.1 instant orders (18 e-bikes, 41 of 240 left out), every basket and
#: slot served at 6.7 and 50 (9 and 14 couriers), 4.7 visits (15 technicians, 29 of 100
#: left out), 129 group-buy orders (4 vans, 385 of 900 left out for capacity; 121
#: with 6 vans, 171 left out); the
#: first estimates (8, 4, 30, 150, 4) gave the slots and baskets more couriers than they
#: used and the instant and home-service flows too few.
ORDERS_PER_COURIER: Mapping[FulfilmentMode, int] = {
    FulfilmentMode.INSTANT: 10,
    FulfilmentMode.MULTI_STORE: 6,
    FulfilmentMode.SCHEDULED: 45,
    FulfilmentMode.NEXT_DAY_PICKUP: 120,
    FulfilmentMode.HOME_SERVICE: 4,
}
#: The trunk vehicles of a wave: 150 group-buy orders of about 7 kg would fill 70% of one
#: by weight; whole pickup points per stop and volume let about 120 fit (measured).
VAN_CAPACITY_KG = 1500.0
VAN_CAPACITY_L = 8000.0
# Home services: (service, skill, duration s, yuan); technicians' skill sets.
_SERVICES: tuple[tuple[str, str, float, str], ...] = (
    ("deep-cleaning-2h", "cleaning", 2 * _H, "158.00"),
    ("tap-repair", "plumbing", 1 * _H, "80.00"),
    ("socket-repair", "electrical", 1 * _H, "90.00"),
    ("ac-cleaning", "appliance_repair", 1.5 * _H, "150.00"),
)
_TECHNICIAN_SKILLS: tuple[tuple[str, ...], ...] = (
    ("cleaning",),
    ("plumbing", "electrical"),
    ("cleaning", "appliance_repair"),
    ("plumbing", "electrical", "appliance_repair"),
)
# Slot starts (30-minute slots) and visit starts (2-hour windows), seconds.
_SLOT_STARTS_S = tuple(np.arange(11 * _H, 19.5 * _H + 1, 0.5 * _H).tolist())
_VISIT_STARTS_S = tuple(np.arange(11 * _H, 17 * _H + 1, 1 * _H).tolist())
_INSTANT_AGE_S = 20 * 60.0  # instant and basket orders: created in the last 20 minutes
_DAY_START_S = 7 * _H  # slots, group buys and visits: booked since 07:00
_SHIFT_END_S = 20.5 * _H
_NEAR_STORES = 6


def wave_blocks(warehouses: int) -> int:
    """Blocks a side of the square city for ``warehouses`` micro-warehouses."""
    return max(MIN_BLOCKS, math.ceil(math.sqrt(BLOCKS_PER_WAREHOUSE * warehouses)))


def wave_flow_counts(orders: int) -> dict[FulfilmentMode, int]:
    """Orders per flow: :data:`WAVE_SHARES` of ``orders``, largest remainders first, so
    the counts add up to ``orders`` (flows in the order of the mapping)."""
    flows = list(WAVE_SHARES)
    exact = np.array([WAVE_SHARES[f] * orders for f in flows])
    counts = np.floor(exact).astype(np.int64)
    rest = orders - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:rest]] += 1
    return {f: int(c) for f, c in zip(flows, counts.tolist(), strict=True)}


def wave_fleet_size(orders: int) -> int:
    """Couriers the estimates (:data:`ORDERS_PER_COURIER`) say serve about every order of
    a wave of ``orders``: 10,000 orders need 411."""
    counts = wave_flow_counts(orders)
    return sum(math.ceil(n / ORDERS_PER_COURIER[f]) for f, n in counts.items() if n > 0)


#: Flows whose couriers are bounded by what they carry, not by their time: a trunk van
#: short of its share leaves whole pickup points' orders behind, so a fleet below the
#: estimate gives these flows their full estimate first (when the rest keeps one
#: courier per flow) and shares the rest.
CAPACITY_BOUND_FLOWS = (FulfilmentMode.NEXT_DAY_PICKUP,)


def _split_fleet(couriers: int, counts: Mapping[FulfilmentMode, int]) -> dict[FulfilmentMode, int]:
    """``couriers`` over the flows with orders in proportion to their estimated need, at
    least one each (largest remainders); the :data:`CAPACITY_BOUND_FLOWS` get their whole
    estimate first when the others keep at least one courier each.

    Raises:
        InvalidInputError: fewer couriers than flows with orders.
    """
    need = {f: n / ORDERS_PER_COURIER[f] for f, n in counts.items() if n > 0}
    if couriers < len(need):
        raise InvalidInputError(
            "couriers",
            f"must be at least {len(need)} (one per flow with orders), got {couriers}",
        )
    fixed = {f: math.ceil(need[f]) for f in CAPACITY_BOUND_FLOWS if f in need}
    if couriers - sum(fixed.values()) < len(need) - len(fixed):
        fixed = {}
    flows = [f for f in need if f not in fixed]
    left = couriers - sum(fixed.values())
    if not flows:
        return dict(fixed)
    total = sum(need[f] for f in flows)
    exact = np.array([need[f] / total * (left - len(flows)) for f in flows])
    share = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - share), kind="stable")
    share[order[: left - len(flows) - int(share.sum())]] += 1
    split = {f: 1 + int(s) for f, s in zip(flows, share.tolist(), strict=True)}
    return {f: fixed[f] if f in fixed else split[f] for f in need}


def _check_wave(orders: int, couriers: int | None, warehouses: int, seed: int) -> None:
    """The bounds of :func:`wave_scenario`'s arguments (``core.limits``)."""
    checks: tuple[tuple[str, object, int, int], ...] = (
        ("orders", orders, 1, MAX_ORDERS),
        ("warehouses", warehouses, 1, MAX_WAVE_WAREHOUSES),
        ("seed", seed, 0, MAX_SEED),
    )
    if couriers is not None:
        checks += (("couriers", couriers, 1, MAX_COURIERS),)
    for name, value, low, high in checks:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInputError(
                name, f"must be a whole number in {low:,}..{high:,}, got {value!r}"
            )


class _Nearest:
    """Nearest places by a k-d tree in the city's local metric frame."""

    def __init__(self, frame: LocalFrame, lon: Sequence[float], lat: Sequence[float]) -> None:
        self.frame = frame
        x, y = frame.forward(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        self.tree = cKDTree(np.column_stack([x, y]))

    def query(self, lon: npt.ArrayLike, lat: npt.ArrayLike, k: int = 1) -> npt.NDArray[np.int64]:
        x, y = self.frame.forward(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        _, idx = self.tree.query(np.column_stack([x, y]), k=k)
        return np.asarray(idx, dtype=np.int64)


def _lines(
    rng: np.random.Generator, source_id: str, items: Sequence[Item], count: int
) -> list[OrderLineSpec]:
    picked = rng.choice(len(items), size=min(count, len(items)), replace=False)
    return [
        OrderLineSpec(
            store_id=source_id,
            sku=items[int(k)][0],
            quantity=int(rng.integers(1, 3)),
            weight_kg=items[int(k)][2],
            volume_l=items[int(k)][3],
            temperature=items[int(k)][1],
            unit_price=Decimal(items[int(k)][4]),
        )
        for k in sorted(picked.tolist())
    ]


def _spread(counts: npt.NDArray[np.int64], total: int) -> npt.NDArray[np.int64]:
    """``total`` items over places in proportion to ``counts`` (at least one per place
    while there are enough), largest remainders first."""
    n = counts.size
    base = np.zeros(n, dtype=np.int64)
    if total >= n:
        base[:] = 1
    left = total - int(base.sum())
    weights = counts.astype(np.float64) + 1e-9
    exact = weights / weights.sum() * left
    share = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - share), kind="stable")
    share[order[: left - int(share.sum())]] += 1
    out: npt.NDArray[np.int64] = base + share
    return out


def wave_scenario(
    seed: int = 7,
    *,
    orders: int = 1000,
    couriers: int | None = None,
    warehouses: int = 4,
) -> ScenarioFile:
    """A batch wave at 10:00 on a city for ``warehouses`` micro-warehouses (module doc).

    Args:
        seed: city and order-stream seed.
        orders: orders in the wave, 1..``core.limits.MAX_ORDERS``.
        couriers: the whole fleet (e-bikes, tricycles, vans, technicians), split over
            the flows by their work; None means :func:`wave_fleet_size`.
        warehouses: micro-warehouses, 1..``core.limits.MAX_WAVE_WAREHOUSES``.

    Raises:
        InvalidInputError: an argument outside its range, or fewer couriers than flows
            with orders.
    """
    _check_wave(orders, couriers, warehouses, seed)
    blocks = wave_blocks(warehouses)
    spec = CitySpec(seed=seed, blocks_x=blocks, blocks_y=blocks, n_micro_warehouses=warehouses)
    city = generate_city(spec)
    counts = wave_flow_counts(orders)
    fleet = _split_fleet(wave_fleet_size(orders) if couriers is None else couriers, counts)
    rng = np.random.default_rng([seed, 2026])
    draw = _WaveDraw(city, rng)
    # Flows drawn in a fixed order, then the orders shuffled (ids in creation order).
    for flow in (
        FulfilmentMode.INSTANT,
        FulfilmentMode.MULTI_STORE,
        FulfilmentMode.SCHEDULED,
        FulfilmentMode.NEXT_DAY_PICKUP,
        FulfilmentMode.HOME_SERVICE,
    ):
        draw.flow(flow, counts[flow])
    wave_orders = draw.orders()
    fleet_specs = draw.couriers(fleet, wave_orders)
    shares = ", ".join(f"{counts[f]} {f.value}" for f in WAVE_SHARES if counts[f])
    return ScenarioFile(
        version=1,
        name=f"wave-{orders}-{seed}",
        description=(
            f"Generated {blocks}x{blocks}-block city (seed {seed}) with {warehouses} "
            f"micro-warehouses; a wave of {orders} orders known at 10:00 ({shares}); "
            f"{len(fleet_specs)} couriers."
        ),
        at=WAVE_AT_S,
        network=GeneratedNetwork(
            kind="generated",
            seed=seed,
            blocks_x=blocks,
            blocks_y=blocks,
            n_micro_warehouses=warehouses,
        ),
        couriers=fleet_specs,
        members=tuple(draw.members.values()),
        settings=SettingsSpec(next_day_cutoff=22 * _H),
        orders=wave_orders,
    )


class _WaveDraw:
    """Draws a wave's orders and members, then its fleet, from one random stream."""

    def __init__(self, city: City, rng: np.random.Generator) -> None:
        self.city = city
        self.rng = rng
        frame = city.network.frame
        self.homes = city.buildings
        self.mws = city.micro_warehouses
        self.stores = city.stores
        self.points = city.pickup_points
        self.mw_index = _Nearest(frame, [m.lon for m in self.mws], [m.lat for m in self.mws])
        self.store_index = _Nearest(
            frame, [s.lon for s in self.stores], [s.lat for s in self.stores]
        )
        self.point_index = _Nearest(
            frame, [p.lon for p in self.points], [p.lat for p in self.points]
        )
        self.members: dict[str, MemberSpec] = {}
        self._member_of: dict[str, str] = {}
        self._drawn: list[tuple[float, dict[str, object]]] = []

    def _member(self, home_id: str) -> str:
        found = self._member_of.get(home_id)
        if found is not None:
            return found
        member_id = f"m{len(self.members) + 1:06d}"
        self.members[member_id] = draw_member(self.rng, member_id, home_id)
        self._member_of[home_id] = member_id
        return member_id

    def _homes(self, n: int) -> list[Building]:
        idx = self.rng.integers(len(self.homes), size=n)
        return [self.homes[int(i)] for i in idx.tolist()]

    def _created(self, n: int, from_s: float, until_s: float) -> list[float]:
        minutes = self.rng.integers(int(from_s // 60), int(until_s // 60), size=n)
        return [60.0 * m for m in minutes.tolist()]

    def _add(self, created_s: float, **fields: object) -> None:
        self._drawn.append((created_s, fields))

    def flow(self, flow: FulfilmentMode, n: int) -> None:
        if n == 0:
            return
        rng = self.rng
        homes = self._homes(n)
        hlon = [h.lon for h in homes]
        hlat = [h.lat for h in homes]
        recent = self._created(n, WAVE_AT_S - _INSTANT_AGE_S, WAVE_AT_S)
        booked = self._created(n, _DAY_START_S, WAVE_AT_S)
        if flow is FulfilmentMode.INSTANT:
            near = self.mw_index.query(hlon, hlat)
            for home, mw, created in zip(homes, near.tolist(), recent, strict=True):
                self._add(
                    created,
                    member_id=self._member(home.id),
                    mode=flow,
                    building_id=home.id,
                    lines=_lines(rng, self.mws[mw].id, WAREHOUSE_ITEMS, int(rng.integers(1, 4))),
                )
        elif flow is FulfilmentMode.MULTI_STORE:
            k = min(_NEAR_STORES, len(self.stores))
            near = self.store_index.query(hlon, hlat, k=k).reshape(n, k)
            for home, row, created in zip(homes, near.tolist(), recent, strict=True):
                fi = row[int(rng.integers(k))]
                first = self.stores[fi]
                other = next((i for i in row if self.stores[i].category != first.category), None)
                if other is None:  # the nearest shops are all of one kind: another of them
                    other = next((i for i in row if i != fi), fi)
                self._add(
                    created,
                    member_id=self._member(home.id),
                    mode=flow,
                    building_id=home.id,
                    lines=[shop_line(first, rng), shop_line(self.stores[other], rng)],
                )
        elif flow is FulfilmentMode.SCHEDULED:
            near = self.mw_index.query(hlon, hlat)
            slots = rng.integers(len(_SLOT_STARTS_S), size=n).tolist()
            for home, mw, slot, created in zip(homes, near.tolist(), slots, booked, strict=True):
                start = _SLOT_STARTS_S[slot]
                self._add(
                    created,
                    member_id=self._member(home.id),
                    mode=flow,
                    building_id=home.id,
                    promised=WindowSpec(start=start, end=start + 0.5 * _H),
                    lines=_lines(rng, self.mws[mw].id, WAREHOUSE_ITEMS, int(rng.integers(2, 5))),
                )
        elif flow is FulfilmentMode.NEXT_DAY_PICKUP:
            near_mw = self.mw_index.query(hlon, hlat).tolist()
            near_pp = self.point_index.query(hlon, hlat).tolist()
            chosen = (rng.random(n) < 1 / 3).tolist()
            for home, mw, pp, pick, created in zip(
                homes, near_mw, near_pp, chosen, booked, strict=True
            ):
                self._add(
                    created,
                    member_id=self._member(home.id),
                    mode=flow,
                    building_id=None if pick else home.id,
                    pickup_point_id=self.points[pp].id if pick else None,
                    lines=_lines(rng, self.mws[mw].id, GROUP_BUY_ITEMS, int(rng.integers(1, 3))),
                )
        else:  # home service
            services = rng.integers(len(_SERVICES), size=n).tolist()
            starts = rng.integers(len(_VISIT_STARTS_S), size=n).tolist()
            for home, k, s, created in zip(homes, services, starts, booked, strict=True):
                service, skill, duration_s, price = _SERVICES[k]
                start = _VISIT_STARTS_S[s]
                self._add(
                    created,
                    member_id=self._member(home.id),
                    mode=flow,
                    building_id=home.id,
                    promised=WindowSpec(start=start, end=start + 2 * _H),
                    required_skills=(skill,),
                    service_duration_s=duration_s,
                    lines=[
                        OrderLineSpec(
                            store_id="homeco",
                            sku=service,
                            quantity=1,
                            weight_kg=0.0,
                            volume_l=0.0,
                            unit_price=Decimal(price),
                        )
                    ],
                )

    def orders(self) -> tuple[OrderSpec, ...]:
        """The drawn orders by creation time (ties in drawing order), ids ``o0000001``..."""
        order = sorted(range(len(self._drawn)), key=lambda i: (self._drawn[i][0], i))
        width = max(3, len(str(len(order))))
        return tuple(
            OrderSpec.model_validate(
                {
                    "id": f"o{k + 1:0{width}d}",
                    "created_at": self._drawn[i][0],
                    **self._drawn[i][1],
                }
            )
            for k, i in enumerate(order)
        )

    def couriers(
        self, fleet: Mapping[FulfilmentMode, int], orders: Sequence[OrderSpec]
    ) -> tuple[CourierSpec, ...]:
        """The fleet: ``fleet[flow]`` couriers of each flow, placed where its work is."""
        out: list[CourierSpec] = []
        shift = WindowSpec(start=WAVE_AT_S - 0.5 * _H, end=_SHIFT_END_S)
        mw_pos = {m.id: i for i, m in enumerate(self.mws)}

        def per_warehouse(flow: FulfilmentMode) -> npt.NDArray[np.int64]:
            load = np.zeros(len(self.mws), dtype=np.int64)
            for o in orders:
                if o.mode is flow:
                    load[mw_pos[o.lines[0].store_id]] += 1
            return _spread(load, fleet.get(flow, 0))

        for flow, prefix, profile in (
            (FulfilmentMode.INSTANT, "eb", ProfileName.E_BIKE),
            (FulfilmentMode.SCHEDULED, "tc", ProfileName.TRICYCLE),
        ):
            if not fleet.get(flow, 0):
                continue
            tricycle = profile is ProfileName.TRICYCLE
            for w, count in enumerate(per_warehouse(flow).tolist()):
                out.extend(
                    CourierSpec(
                        id=f"{prefix}-{self.mws[w].id}-{k + 1}",
                        profile=profile,
                        at=self.mws[w].id,
                        shift=shift,
                        capacity_kg=120.0 if tricycle else 30.0,
                        capacity_l=300.0 if tricycle else 80.0,
                        cold_boxes=6 if tricycle else 4,
                        skills=(flow.value,),
                    )
                    for k in range(count)
                )
        n_multi = fleet.get(FulfilmentMode.MULTI_STORE, 0)
        out.extend(
            CourierSpec(
                id=f"eb-shop-{k + 1}",
                profile=ProfileName.E_BIKE,
                at=self.stores[(k * len(self.stores)) // n_multi].id,
                shift=shift,
                skills=(FulfilmentMode.MULTI_STORE.value,),
            )
            for k in range(n_multi)
        )
        depots = self.city.depots
        out.extend(
            CourierSpec(
                id=f"van-{k + 1}",
                profile=ProfileName.VAN,
                at=depots[k % len(depots)].id,
                shift=WindowSpec(start=28 * _H, end=34 * _H),  # 04:00-10:00 tomorrow
                # A 4.2 m light truck: a busy pickup point's trunk delivery (one task,
                # never split) can weigh more than the 800 kg van of the day scenarios.
                capacity_kg=VAN_CAPACITY_KG,
                capacity_l=VAN_CAPACITY_L,
                cold_boxes=60,
                returns_to_start=True,
                skills=(FulfilmentMode.NEXT_DAY_PICKUP.value,),
            )
            for k in range(fleet.get(FulfilmentMode.NEXT_DAY_PICKUP, 0))
        )
        n_tech = fleet.get(FulfilmentMode.HOME_SERVICE, 0)
        bases = self._homes(n_tech)
        out.extend(
            CourierSpec(
                id=f"tech-{k + 1}",
                profile=ProfileName.E_BIKE,
                at=bases[k].id,
                shift=WindowSpec(start=8 * _H, end=19 * _H),
                capacity_kg=15.0,
                cold_boxes=0,
                skills=(
                    FulfilmentMode.HOME_SERVICE.value,
                    *_TECHNICIAN_SKILLS[k % len(_TECHNICIAN_SKILLS)],
                ),
            )
            for k in range(n_tech)
        )
        return tuple(out)

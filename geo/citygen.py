"""A procedural city, deterministic by seed: streets, buildings and the places of the trade.

The city is a jittered street grid of ``blocks_x`` x ``blocks_y`` blocks of about
``block_m`` metres, laid out in a :class:`geo.frame.LocalFrame` around
(``centre_lon``, ``centre_lat``) and converted to WGS-84:

* every ``arterial_every``-th grid line (lines 0, k, 2k, ...) is a two-way arterial,
  ``primary`` and ``secondary`` alternating; the other lines are ``residential``;
* a share of residential segments is removed (T-junctions, missing links);
* residential lines are cut into runs of about :data:`ONEWAY_RUN_BLOCKS` blocks and a
  share of the runs is one-way in a random direction: only one directed edge exists
  for those segments and ``edge_oneway`` is True;
* removals and one-way runs are then repaired until the grid's vehicle graph is
  strongly connected: every segment touching a node outside the largest strongly
  connected part is restored (two-way) and repeated until no such node is left, so the
  shares are the shares drawn before the repair;
* a share of blocks get a two-way ``service`` lane from the middle of their south street
  to the compound centre, a share get a ``footway`` across the block (south street,
  centre, north street; only pedestrians may use it); the street is split at its
  middle so the lanes join it;
* optionally a two-way ``secondary`` diagonal avenue runs corner to corner through the
  blocks (i, i).

Buildings stand inside blocks, 12-40 m (at most a quarter of ``block_m``) in from one of
the block's streets that exists, so each is within that distance of a street every
profile may use.  Stores, micro-warehouses, pickup points and depots are spread over the
city on a jittered grid of cells and placed 6-20 m beside a grid street (depots beside an
arterial when there is one).

Determinism: one :func:`numpy.random.default_rng` per seed, spawned into an independent
stream per step, so the same spec gives an identical city (array bytes and place
values), and changing one count (say ``n_stores``) leaves the other places unchanged.
Everything is vectorised with numpy: the default 12 x 12 city builds in about 0.05 s; a
115 x 115 city (about 74,000 directed edges with the defaults, 53,360 as a plain grid)
in about 0.12 s plus about 4 µs per building (0.4 s with its 79,350 buildings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from core.limits import (
    MAX_BUILDINGS_PER_BLOCK,
    MAX_CITY_BLOCKS,
    MAX_CITY_BLOCKS_PER_SIDE,
    MAX_CITY_BYTES,
    MAX_HOUSEHOLDS,
    MAX_SEED,
    quoted,
)
from geo.errors import InvalidInputError
from geo.frame import LocalFrame
from geo.network import BoolArray, IntArray, RoadNetwork
from geo.places import (
    ALL_DAY,
    Building,
    Depot,
    MicroWarehouse,
    OpeningInterval,
    PickupPoint,
    PickupPointKind,
    Store,
)
from geo.validation import FloatArray

#: Mean length, in blocks, of a run of a residential street that shares one direction.
ONEWAY_RUN_BLOCKS = 4.0
#: Store categories and their typical preparation time, seconds.
STORE_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("fruit", 300.0),
    ("bakery", 420.0),
    ("pharmacy", 240.0),
    ("grocery", 600.0),
    ("butcher", 540.0),
    ("vegetable", 360.0),
    ("flower", 480.0),
)
_HOUR = 3600
#: Opening hours by pickup-point kind, seconds since midnight.
PICKUP_HOURS: dict[PickupPointKind, tuple[OpeningInterval, ...]] = {
    PickupPointKind.LOCKER: ALL_DAY,
    PickupPointKind.CONVENIENCE_STORE: (OpeningInterval(7 * _HOUR, 23 * _HOUR),),
    PickupPointKind.LEADER_HOME: (OpeningInterval(9 * _HOUR, 21 * _HOUR),),
    PickupPointKind.PROPERTY_OFFICE: (OpeningInterval(8 * _HOUR, 18 * _HOUR),),
}
#: Parcel capacity choices by pickup-point kind.
PICKUP_CAPACITIES: dict[PickupPointKind, tuple[int, ...]] = {
    PickupPointKind.LOCKER: (60, 90, 120),
    PickupPointKind.CONVENIENCE_STORE: tuple(range(100, 201, 10)),
    PickupPointKind.LEADER_HOME: tuple(range(30, 81, 5)),
    PickupPointKind.PROPERTY_OFFICE: tuple(range(80, 151, 10)),
}
_PICKUP_KINDS = (
    PickupPointKind.LEADER_HOME,
    PickupPointKind.CONVENIENCE_STORE,
    PickupPointKind.LOCKER,
    PickupPointKind.PROPERTY_OFFICE,
)
_PICKUP_KIND_WEIGHTS = (0.4, 0.3, 0.2, 0.1)
_LED_KINDS = frozenset({PickupPointKind.LEADER_HOME, PickupPointKind.CONVENIENCE_STORE})

# Building set-back from its street, metres (capped at a quarter of the block).
_INSET_MIN_M, _INSET_MAX_M = 12.0, 40.0
# Shops and other places: distance beside their street, metres.
_OFFSET_MIN_M, _OFFSET_MAX_M = 6.0, 20.0
_MAX_REPAIR_ROUNDS = 10_000
# Memory estimate of CitySpec.estimated_bytes: the street arrays (corners, middles,
# centres, about six directed edges and their attributes) per block, and one place
# object with its fields.
_BYTES_PER_BLOCK = 4_096
_BYTES_PER_PLACE = 1_024


def _require_int(field: str, value: object, minimum: int, maximum: int | None = None) -> None:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        rule = f"an integer >= {minimum}" + (f" and <= {maximum:,}" if maximum is not None else "")
        raise InvalidInputError(f"CitySpec.{field}", f"must be {rule}, got {quoted(value)}")


def _require_real(field: str, value: object, low: float, high: float, *, high_open: bool) -> None:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not (
        math.isfinite(number) and low <= number and (number < high if high_open else number <= high)
    ):
        bracket = ")" if high_open else "]"
        raise InvalidInputError(
            f"CitySpec.{field}", f"must be a number in [{low:g}, {high:g}{bracket}, got {value!r}"
        )


@dataclass(frozen=True, slots=True)
class CitySpec:
    """What city to generate.  Frozen; validated at construction.

    Attributes:
        seed: seed of :func:`numpy.random.default_rng`, integer >= 0.
        blocks_x, blocks_y: blocks west-east and south-north, integers in
            [1, ``core.limits.MAX_CITY_BLOCKS_PER_SIDE``], at most
            ``MAX_CITY_BLOCKS`` blocks in all; the city's :attr:`estimated_bytes` must
            stay within ``MAX_CITY_BYTES``.
        block_m: street spacing, metres, in [40, 2000].
        centre_lon, centre_lat: WGS-84 degrees of the city centre (default Haidian,
            Beijing).
        jitter_m: largest shift of a street corner along each axis, metres, in
            [0, block_m / 5].
        removed_street_share: share of residential segments removed, in [0, 1).
        oneway_share: share of residential street runs made one-way, in [0, 1).
        arterial_every: every k-th grid line is a two-way arterial; 0 means none.
        service_lane_share: share of blocks with a compound service lane, in [0, 1].
        footway_share: share of blocks with a footway across them, in [0, 1].
        diagonal_avenue: whether a diagonal avenue crosses the blocks (i, i).
        buildings_per_block: buildings in every block, integer >= 0.
        households_min, households_max: households per building, drawn uniformly,
            0 <= min <= max.
        n_stores, n_micro_warehouses, n_pickup_points, n_depots: how many of each,
            integers >= 0; None (the default) means a density: one store per 6 blocks,
            one micro-warehouse per 50 blocks (at least one), one pickup point per 5
            blocks, one depot per 100 blocks (at least one); the ``*_count`` properties
            give the resolved numbers.

    Raises:
        InvalidInputError: a field breaks its rule; the message names ``CitySpec.<field>``.
    """

    seed: int = 0
    blocks_x: int = 12
    blocks_y: int = 12
    block_m: float = 150.0
    centre_lon: float = 116.35
    centre_lat: float = 39.99
    jitter_m: float = 10.0
    removed_street_share: float = 0.06
    oneway_share: float = 0.2
    arterial_every: int = 4
    service_lane_share: float = 0.35
    footway_share: float = 0.15
    diagonal_avenue: bool = False
    buildings_per_block: int = 6
    households_min: int = 24
    households_max: int = 240
    n_stores: int | None = None
    n_micro_warehouses: int | None = None
    n_pickup_points: int | None = None
    n_depots: int | None = None

    def __post_init__(self) -> None:
        _require_int("seed", self.seed, 0, MAX_SEED)
        _require_int("blocks_x", self.blocks_x, 1, MAX_CITY_BLOCKS_PER_SIDE)
        _require_int("blocks_y", self.blocks_y, 1, MAX_CITY_BLOCKS_PER_SIDE)
        if self.block_count > MAX_CITY_BLOCKS:
            raise InvalidInputError(
                "CitySpec.blocks_x, blocks_y",
                f"must make at most {MAX_CITY_BLOCKS:,} blocks in all, got "
                f"{self.blocks_x} x {self.blocks_y} = {self.block_count:,}",
            )
        _require_real("block_m", self.block_m, 40.0, 2000.0, high_open=False)
        _require_real("centre_lon", self.centre_lon, -180.0, 180.0, high_open=False)
        _require_real("centre_lat", self.centre_lat, -80.0, 80.0, high_open=False)
        _require_real("jitter_m", self.jitter_m, 0.0, self.block_m / 5.0, high_open=False)
        _require_real("removed_street_share", self.removed_street_share, 0.0, 1.0, high_open=True)
        _require_real("oneway_share", self.oneway_share, 0.0, 1.0, high_open=True)
        _require_int("arterial_every", self.arterial_every, 0, MAX_CITY_BLOCKS_PER_SIDE)
        _require_real("service_lane_share", self.service_lane_share, 0.0, 1.0, high_open=False)
        _require_real("footway_share", self.footway_share, 0.0, 1.0, high_open=False)
        if not isinstance(self.diagonal_avenue, bool):
            raise InvalidInputError(
                "CitySpec.diagonal_avenue", f"must be True or False, got {self.diagonal_avenue!r}"
            )
        _require_int("buildings_per_block", self.buildings_per_block, 0, MAX_BUILDINGS_PER_BLOCK)
        _require_int("households_min", self.households_min, 0, MAX_HOUSEHOLDS)
        _require_int("households_max", self.households_max, self.households_min, MAX_HOUSEHOLDS)
        for name in ("n_stores", "n_micro_warehouses", "n_pickup_points", "n_depots"):
            value = getattr(self, name)
            if value is not None:
                _require_int(name, value, 0, MAX_CITY_BLOCKS)
        # Checked before anything is allocated: a city too large for memory is refused
        # as input, not met as a MemoryError half-way through.
        if self.estimated_bytes > MAX_CITY_BYTES:
            raise InvalidInputError(
                "CitySpec",
                f"the city would need about {self.estimated_bytes / 2**20:,.0f} MiB, more "
                f"than the limit of {MAX_CITY_BYTES / 2**20:,.0f} MiB: fewer blocks or "
                "buildings per block",
            )

    @property
    def block_count(self) -> int:
        """Number of blocks, ``blocks_x * blocks_y``."""
        return self.blocks_x * self.blocks_y

    @property
    def estimated_bytes(self) -> int:
        """About how much memory generating this city takes at its peak, bytes: the
        street arrays per block and the place objects (measured on the default spec
        and a 115 x 115 city, with a margin)."""
        places = (
            self.block_count * self.buildings_per_block
            + self.store_count
            + self.micro_warehouse_count
            + self.pickup_point_count
            + self.depot_count
        )
        return self.block_count * _BYTES_PER_BLOCK + places * _BYTES_PER_PLACE

    @property
    def store_count(self) -> int:
        """``n_stores``, or one store per 6 blocks (rounded up) when it is None."""
        return self.n_stores if self.n_stores is not None else math.ceil(self.block_count / 6)

    @property
    def micro_warehouse_count(self) -> int:
        """``n_micro_warehouses``, or one per 50 blocks (rounded, at least 1) when None."""
        if self.n_micro_warehouses is not None:
            return self.n_micro_warehouses
        return max(1, round(self.block_count / 50))

    @property
    def pickup_point_count(self) -> int:
        """``n_pickup_points``, or one per 5 blocks (rounded up) when it is None."""
        if self.n_pickup_points is not None:
            return self.n_pickup_points
        return math.ceil(self.block_count / 5)

    @property
    def depot_count(self) -> int:
        """``n_depots``, or one per 100 blocks (rounded, at least 1) when it is None."""
        return self.n_depots if self.n_depots is not None else max(1, round(self.block_count / 100))


@dataclass(frozen=True, eq=False)
class City:
    """A generated city: its spec, street network and places (ids unique within a kind).

    Ids: buildings ``b00001``..., stores ``st001``..., micro-warehouses ``mw01``...,
    pickup points ``pp001``..., depots ``dp1``... (one-based, zero-padded to the count's
    width); community leaders of leader homes and convenience stores ``ld001``....
    Network node ids are 0..n-1: grid corners first (row by row from the south-west),
    then compound centres, then street middles.
    """

    spec: CitySpec
    network: RoadNetwork
    buildings: tuple[Building, ...]
    stores: tuple[Store, ...]
    micro_warehouses: tuple[MicroWarehouse, ...]
    pickup_points: tuple[PickupPoint, ...]
    depots: tuple[Depot, ...]

    @property
    def households(self) -> int:
        """Households in all buildings."""
        return sum(b.households for b in self.buildings)


def generate_city(spec: CitySpec | None = None, **fields: Any) -> City:
    """Generate the city of a spec (see the module doc for what it contains).

    Args:
        spec: the spec; None means ``CitySpec(**fields)``.
        fields: :class:`CitySpec` fields that override ``spec`` (or the defaults), e.g.
            ``generate_city(seed=3, blocks_x=20, blocks_y=10)``.

    Raises:
        InvalidInputError: a field breaks its rule (see :class:`CitySpec`), or an unknown
            field name is given.
    """
    known = set(CitySpec.__dataclass_fields__)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InvalidInputError(
            f"CitySpec.{unknown[0]}", f"is not a field; known fields: {', '.join(sorted(known))}"
        )
    spec = CitySpec(**fields) if spec is None else replace(spec, **fields) if fields else spec
    return _Generator(spec).city()


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> FloatArray:
    return rng.uniform(low, high, n).astype(np.float64)


class _Generator:
    """One run of the generator; holds the intermediate arrays (frame metres)."""

    def __init__(self, spec: CitySpec) -> None:
        self.spec = spec
        streams = np.random.default_rng(spec.seed).spawn(9)
        (
            self.rng_grid,
            self.rng_remove,
            self.rng_oneway,
            self.rng_lanes,
            self.rng_buildings,
            self.rng_stores,
            self.rng_warehouses,
            self.rng_pickup,
            self.rng_depots,
        ) = streams
        self.frame = LocalFrame(spec.centre_lon, spec.centre_lat)

    # --- streets --------------------------------------------------------------------

    def _grid(self) -> None:
        s = self.spec
        bx, by, b = s.blocks_x, s.blocks_y, s.block_m
        nx, ny = bx + 1, by + 1
        jj, ii = np.mgrid[0:ny, 0:nx]
        jitter = self.rng_grid.uniform(-s.jitter_m, s.jitter_m, (2, ny * nx))
        self.gx = (ii.ravel() - bx / 2.0) * b + jitter[0]
        self.gy = (jj.ravel() - by / 2.0) * b + jitter[1]
        node = np.arange(nx * ny, dtype=np.int64).reshape(ny, nx)
        # Horizontal segments row by row (index j * bx + i), then vertical segments
        # column by column (index H + i * by + j): each grid line is contiguous.
        h_a, h_b = node[:, :-1].ravel(), node[:, 1:].ravel()
        v_a, v_b = node[:-1, :].T.ravel(), node[1:, :].T.ravel()
        self.n_h = bx * ny
        self.seg_a = np.concatenate([h_a, v_a]).astype(np.int64)
        self.seg_b = np.concatenate([h_b, v_b]).astype(np.int64)
        h_line = np.repeat(np.arange(ny), bx)
        v_line = np.repeat(np.arange(nx), by)
        line = np.concatenate([h_line, v_line])
        # Line keys unique over both directions: horizontal j, vertical ny + i.
        self.line_key = np.concatenate([h_line, ny + v_line]).astype(np.int64)
        self.line_pos = np.concatenate([np.tile(np.arange(bx), ny), np.tile(np.arange(by), nx)])
        self.border = np.concatenate(
            [(h_line == 0) | (h_line == by), (v_line == 0) | (v_line == bx)]
        )
        k = s.arterial_every
        if k > 0:
            self.arterial = line % k == 0
            self.highway = np.where(
                self.arterial, np.where((line // k) % 2 == 0, "primary", "secondary"), "residential"
            )
        else:
            self.arterial = np.zeros(line.size, dtype=bool)
            self.highway = np.full(line.size, "residential")

    def _blocks(self) -> None:
        s = self.spec
        bx, by = s.blocks_x, s.blocks_y
        jb, ib = np.mgrid[0:by, 0:bx]
        ib, jb = ib.ravel(), jb.ravel()
        self.block_i, self.block_j = ib, jb
        nx = bx + 1
        self.corner = np.stack(
            [jb * nx + ib, jb * nx + ib + 1, (jb + 1) * nx + ib, (jb + 1) * nx + ib + 1], axis=1
        )  # c00, c10, c01, c11
        south = jb * bx + ib
        north = (jb + 1) * bx + ib
        west = self.n_h + ib * by + jb
        east = self.n_h + (ib + 1) * by + jb
        self.sides = np.stack([south, east, north, west], axis=1).astype(np.int64)

    def _remove_and_oneway(self) -> None:
        s = self.spec
        n_seg = self.seg_a.size
        residential = np.flatnonzero(~self.arterial)
        n_remove = round(s.removed_street_share * residential.size)
        self.present = np.ones(n_seg, dtype=bool)
        self.present[self.rng_remove.permutation(residential)[:n_remove]] = False
        # Every block keeps at least one street, so its buildings stand near a street.
        bare = ~self.present[self.sides].any(axis=1)
        self.present[self.sides[bare, 0]] = True
        # One-way runs along residential lines.
        starts = self.rng_oneway.random(n_seg) < 1.0 / ONEWAY_RUN_BLOCKS
        starts |= self.line_pos == 0
        run = np.cumsum(starts) - 1
        n_runs = int(run[-1]) + 1
        run_oneway = self.rng_oneway.random(n_runs) < s.oneway_share
        run_forward = self.rng_oneway.random(n_runs) < 0.5
        self.oneway = run_oneway[run] & ~self.arterial
        self.forward = run_forward[run] | ~self.oneway

    def _repair(self) -> None:
        """Restore segments around nodes outside the largest strongly connected part."""
        n = self.gx.size
        for _ in range(_MAX_REPAIR_ROUNDS):
            p = self.present
            a, b = self.seg_a[p], self.seg_b[p]
            two, fwd = ~self.oneway[p], self.forward[p]
            src = np.concatenate([np.where(fwd, a, b), b[two]])
            dst = np.concatenate([np.where(fwd, b, a), a[two]])
            graph = csr_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
            _, labels = connected_components(graph, directed=True, connection="strong")
            biggest = int(np.argmax(np.bincount(labels)))
            bad = labels != biggest
            if not bad.any():
                return
            touch = bad[self.seg_a] | bad[self.seg_b]
            self.present |= touch
            self.oneway &= ~touch
            self.forward |= touch
        raise AssertionError("street repair did not converge")  # pragma: no cover

    def _lanes(self) -> tuple[IntArray, IntArray, npt.NDArray[np.str_], BoolArray]:
        """Final undirected segments (a, b, highway, oneway) with a -> b the one-way direction."""
        s = self.spec
        nb = self.block_i.size
        n_grid = self.gx.size
        south, north = self.sides[:, 0], self.sides[:, 2]
        service = (self.rng_lanes.random(nb) < s.service_lane_share) & self.present[south]
        footway = (
            (self.rng_lanes.random(nb) < s.footway_share)
            & self.present[south]
            & self.present[north]
        )
        diagonal = np.zeros(nb, dtype=bool)
        if s.diagonal_avenue:
            diagonal = self.block_i == self.block_j
        has_centre = service | footway | diagonal
        centre_blocks = np.flatnonzero(has_centre)
        c = self.corner[centre_blocks]
        cjit = self.rng_lanes.uniform(-s.jitter_m / 2.0, s.jitter_m / 2.0, (2, centre_blocks.size))
        cx = self.gx[c].mean(axis=1) + cjit[0]
        cy = self.gy[c].mean(axis=1) + cjit[1]
        centre_node = np.full(nb, -1, dtype=np.int64)
        centre_node[centre_blocks] = n_grid + np.arange(centre_blocks.size)
        split = np.unique(np.concatenate([south[service | footway], north[footway]]))
        mid_base = n_grid + centre_blocks.size
        mid_node = np.full(self.seg_a.size, -1, dtype=np.int64)
        mid_node[split] = mid_base + np.arange(split.size)
        mx = (self.gx[self.seg_a[split]] + self.gx[self.seg_b[split]]) / 2.0
        my = (self.gy[self.seg_a[split]] + self.gy[self.seg_b[split]]) / 2.0
        self.x = np.concatenate([self.gx, cx, mx])
        self.y = np.concatenate([self.gy, cy, my])

        # Grid segments in their one-way direction (a -> b), split ones in two halves.
        keep = self.present.copy()
        keep[split] = False
        idx = np.flatnonzero(keep)
        fa = np.where(self.forward, self.seg_a, self.seg_b)
        fb = np.where(self.forward, self.seg_b, self.seg_a)
        m = mid_node[split]
        parts_a = [fa[idx], fa[split], m]
        parts_b = [fb[idx], m, fb[split]]
        parts_hw = [self.highway[idx], self.highway[split], self.highway[split]]
        parts_ow = [self.oneway[idx], self.oneway[split], self.oneway[split]]

        def add(a: IntArray, b: IntArray, highway: str) -> None:
            parts_a.append(a)
            parts_b.append(b)
            parts_hw.append(np.full(a.size, highway))
            parts_ow.append(np.zeros(a.size, dtype=bool))

        add(mid_node[south[service]], centre_node[service], "service")
        add(centre_node[footway], mid_node[north[footway]], "footway")
        walk_in = footway & ~service
        add(mid_node[south[walk_in]], centre_node[walk_in], "footway")
        if diagonal.any():
            d = np.flatnonzero(diagonal)
            add(self.corner[d, 0], centre_node[d], "secondary")
            add(centre_node[d], self.corner[d, 3], "secondary")
        return (
            np.concatenate(parts_a).astype(np.int64),
            np.concatenate(parts_b).astype(np.int64),
            np.concatenate(parts_hw),
            np.concatenate(parts_ow),
        )

    def _network(self) -> RoadNetwork:
        a, b, highway, oneway = self._lanes()
        two = np.flatnonzero(~oneway)
        seg = np.concatenate([np.arange(a.size), two])
        order = np.argsort(seg, kind="stable")  # each segment's directions side by side
        u = np.concatenate([a, b[two]])[order]
        v = np.concatenate([b, a[two]])[order]
        length = np.hypot(self.x[v] - self.x[u], self.y[v] - self.y[u])
        lon, lat = self.frame.inverse(self.x, self.y)
        s = self.spec
        return RoadNetwork(
            name=f"city-seed{s.seed}-{s.blocks_x}x{s.blocks_y}",
            node_id=np.arange(self.x.size, dtype=np.int64),
            node_lon=lon,
            node_lat=lat,
            edge_u=u,
            edge_v=v,
            edge_length_m=length,
            edge_highway=np.concatenate([highway, highway[two]])[order],
            edge_oneway=np.concatenate([oneway, oneway[two]])[order],
        )

    # --- places ---------------------------------------------------------------------

    def _buildings(self) -> tuple[Building, ...]:
        s, rng = self.spec, self.rng_buildings
        nb, k = self.block_i.size, s.buildings_per_block
        n = nb * k
        if n == 0:
            return ()
        blk = np.repeat(np.arange(nb), k)
        sides_ok = self.present[self.sides][blk]  # (n, 4): south, east, north, west
        count = sides_ok.sum(axis=1)
        kth = np.minimum((rng.random(n) * count).astype(np.int64), count - 1)
        side = np.argmax(np.cumsum(sides_ok, axis=1) > kth[:, None], axis=1)
        p = _uniform(rng, 0.12, 0.88, n)
        inset_hi = min(_INSET_MAX_M, s.block_m / 4.0)
        inset = _uniform(rng, min(_INSET_MIN_M, inset_hi), inset_hi, n)
        households = rng.integers(s.households_min, s.households_max + 1, n)
        c = self.corner[blk]
        cx, cy = self.gx[c], self.gy[c]  # (n, 4): c00, c10, c01, c11
        # Side endpoints (from, to) and the opposite side's, by side code.
        near = np.array([[0, 1], [1, 3], [2, 3], [0, 2]])
        far = np.array([[2, 3], [0, 2], [0, 1], [1, 3]])
        rows = np.arange(n)

        def lerp(coord: FloatArray, ends: IntArray) -> FloatArray:
            e = ends[side]
            start, stop = coord[rows, e[:, 0]], coord[rows, e[:, 1]]
            out: FloatArray = start + p * (stop - start)
            return out

        ax, ay = lerp(cx, near), lerp(cy, near)
        fx, fy = lerp(cx, far), lerp(cy, far)
        dist = np.hypot(fx - ax, fy - ay)
        bx = ax + inset * (fx - ax) / dist
        by = ay + inset * (fy - ay) / dist
        lon, lat = self.frame.inverse(bx, by)
        width = max(5, len(str(n)))
        return tuple(
            Building(f"b{i + 1:0{width}d}", lo, la, hh)
            for i, (lo, la, hh) in enumerate(
                zip(lon.tolist(), lat.tolist(), households.tolist(), strict=True)
            )
        )

    def _street_points(
        self, rng: np.random.Generator, n: int, *, arterial_first: bool = False
    ) -> tuple[list[float], list[float]]:
        """``n`` points spread over the city, each 6-20 m beside a grid street."""
        if n == 0:
            return [], []
        cand = np.flatnonzero(self.present)
        if arterial_first and (self.arterial & self.present).any():
            cand = np.flatnonzero(self.arterial & self.present)
        a, b = self.seg_a[cand], self.seg_b[cand]
        x0, x1 = float(self.gx.min()), float(self.gx.max())
        y0, y1 = float(self.gy.min()), float(self.gy.max())
        cols = max(1, round(math.sqrt(n * (x1 - x0) / max(y1 - y0, 1.0))))
        rows = math.ceil(n / cols)
        cell = rng.choice(cols * rows, size=n, replace=False)
        tx = x0 + (cell % cols + rng.random(n)) * (x1 - x0) / cols
        ty = y0 + (cell // cols + rng.random(n)) * (y1 - y0) / rows
        mid = np.column_stack([(self.gx[a] + self.gx[b]) / 2.0, (self.gy[a] + self.gy[b]) / 2.0])
        _, nearest = cKDTree(mid).query(np.column_stack([tx, ty]))
        seg = np.asarray(nearest, dtype=np.int64)
        ax, ay = self.gx[a[seg]], self.gy[a[seg]]
        dx, dy = self.gx[b[seg]] - ax, self.gy[b[seg]] - ay
        norm = np.hypot(dx, dy)
        f = _uniform(rng, 0.2, 0.8, n)
        offset = _uniform(rng, _OFFSET_MIN_M, _OFFSET_MAX_M, n) * rng.choice([-1.0, 1.0], n)
        # Beside the street, on the city's side of the outer streets.
        sx, sy = ax + f * dx, ay + f * dy
        outside = (sx - offset * dy / norm - (x0 + x1) / 2.0) ** 2 + (
            sy + offset * dx / norm - (y0 + y1) / 2.0
        ) ** 2 > (sx - (x0 + x1) / 2.0) ** 2 + (sy - (y0 + y1) / 2.0) ** 2
        border = outside & self.border[cand[seg]]
        offset = np.where(border, -offset, offset)
        px = sx - offset * dy / norm
        py = sy + offset * dx / norm
        lon, lat = self.frame.inverse(px, py)
        return lon.tolist(), lat.tolist()

    def _stores(self) -> tuple[Store, ...]:
        n = self.spec.store_count
        lon, lat = self._street_points(self.rng_stores, n)
        cats = self.rng_stores.permutation(np.arange(n) % len(STORE_CATEGORIES))
        width = max(3, len(str(n)))
        return tuple(
            Store(
                f"st{i + 1:0{width}d}",
                lon[i],
                lat[i],
                category=STORE_CATEGORIES[c][0],
                prep_duration_s=STORE_CATEGORIES[c][1],
            )
            for i, c in enumerate(cats.tolist())
        )

    def _micro_warehouses(self) -> tuple[MicroWarehouse, ...]:
        n = self.spec.micro_warehouse_count
        lon, lat = self._street_points(self.rng_warehouses, n)
        width = max(2, len(str(n)))
        return tuple(MicroWarehouse(f"mw{i + 1:0{width}d}", lon[i], lat[i]) for i in range(n))

    def _pickup_points(self) -> tuple[PickupPoint, ...]:
        n = self.spec.pickup_point_count
        rng = self.rng_pickup
        lon, lat = self._street_points(rng, n)
        # Every kind at least once (when n >= 4), the rest by weight, in random order.
        base = np.arange(min(n, len(_PICKUP_KINDS)))
        extra = rng.choice(len(_PICKUP_KINDS), size=n - base.size, p=_PICKUP_KIND_WEIGHTS)
        kinds = rng.permutation(np.concatenate([base, extra]).astype(np.int64))
        pick = rng.random(n)
        width = max(3, len(str(n)))
        points: list[PickupPoint] = []
        leaders = 0
        for i, k in enumerate(kinds.tolist()):
            kind = _PICKUP_KINDS[k]
            choices = PICKUP_CAPACITIES[kind]
            leader_id = None
            if kind in _LED_KINDS:
                leaders += 1
                leader_id = f"ld{leaders:0{width}d}"
            points.append(
                PickupPoint(
                    f"pp{i + 1:0{width}d}",
                    lon[i],
                    lat[i],
                    kind=kind,
                    capacity_parcels=choices[int(pick[i] * len(choices))],
                    opening_hours=PICKUP_HOURS[kind],
                    leader_id=leader_id,
                )
            )
        return tuple(points)

    def _depots(self) -> tuple[Depot, ...]:
        n = self.spec.depot_count
        lon, lat = self._street_points(self.rng_depots, n, arterial_first=True)
        width = max(1, len(str(n)))
        return tuple(Depot(f"dp{i + 1:0{width}d}", lon[i], lat[i]) for i in range(n))

    def city(self) -> City:
        self._grid()
        self._blocks()
        self._remove_and_oneway()
        self._repair()
        network = self._network()
        return City(
            spec=self.spec,
            network=network,
            buildings=self._buildings(),
            stores=self._stores(),
            micro_warehouses=self._micro_warehouses(),
            pickup_points=self._pickup_points(),
            depots=self._depots(),
        )

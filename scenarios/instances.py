"""Readers for public routing benchmarks into :class:`solvers.RoutingProblem` (an I/O module).

Conventions follow ``../shared/data/bench/README.md``: real-valued Euclidean distance,
travel time equal to distance, service after the start of service, service must start by
the due date, routes back at the depot by the depot's due date, capacity a hard limit.
Costs are set so that the objective is the total distance (``cost_per_km=1000`` with
distances in the file's units).

Families: Solomon and Gehring-Homberger (VRPTW: one task per customer, loaded at the
depot), Li & Lim (PDPTW: one task per pickup-delivery pair), MPDPTW (one task
per request: all its pickups, then its delivery), Cordeau MDVRP (one task per customer,
loaded at the depot of whichever vehicle serves it) and Uchoa X CVRP through ``vrplib``
(one task per customer, loaded at the depot; arcs rounded to the nearest integer).

Where a customer's goods are loaded at the depot, the task has no pickup stop
(``pickups=()``): the solver loads it at the vehicle's start before it leaves, so every
route is one trip, as the benchmarks require, and there is no depot stop to report.

Every reader raises :class:`solvers.errors.InvalidInputError` naming the file, the line
and the rule for a malformed file.  Files are read through :mod:`core.files` (a regular
file, at most :data:`core.limits.MAX_TEXT_FILE_BYTES`, UTF-8) and every number is
bounded (:mod:`core.limits`): at most :data:`MAX_INSTANCE_NUMBER` in magnitude, at most
:data:`MAX_INSTANCE_LOCATIONS` locations (the travel matrix is their square) and
:data:`MAX_INSTANCE_VEHICLES` vehicles, checked before anything of that size is built.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import vrplib

from core.files import check_regular_file, read_text
from core.limits import (
    MAX_INSTANCE_LOCATIONS,
    MAX_INSTANCE_NUMBER,
    MAX_INSTANCE_VEHICLES,
    MAX_QUOTED_PATH_CHARS,
    shorten,
)
from solvers.errors import InvalidInputError
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, TravelMatrices, Vehicle
from solvers.solution import RoutingSolution


class InstanceFormat(StrEnum):
    """A benchmark file format, named after its family."""

    SOLOMON = "solomon"
    LILIM = "lilim"
    MPDPTW = "mpdptw"
    CORDEAU = "cordeau"
    VRPLIB = "vrplib"


FORMATS = tuple(f.value for f in InstanceFormat)

# Uchoa X CVRP has unlimited identical vehicles: the fleet is the minimum route count
# (the name's -kNN, or total demand over capacity if larger) plus this share, at least
# _CVRP_MIN_SPARE vehicles.  CVRPLIB best-known solutions use at most 6 (4%) routes more
# than k on the shared set, so 20% never binds; each spare vehicle adds two model nodes.
_CVRP_SPARE_SHARE = 0.2
_CVRP_MIN_SPARE = 3


@dataclass(frozen=True)
class BenchInstance:
    """A benchmark instance and what is needed to report in the file's own terms.

    Attributes:
        name: instance name (file stem).
        family: the reader used (one of :data:`FORMATS`).
        problem: the routing problem.
        coords: (n, 2) coordinates of the matrix locations, in the file's units (NaN for
            Cordeau's location 0, which lies at a different depot for each vehicle).
        node_ids: the file's node id of each matrix location (MPDPTW: line order, depot 0;
            Cordeau: location i is id i, and location 0, "the vehicle's own depot", has
            no id in the file).
        depot: matrix location where the goods are loaded: the depot, or for Cordeau the
            stand-in location 0 that sits at each vehicle's own depot.
        depots: matrix locations of the file's depots; empty means ``(depot,)``.
    """

    name: str
    family: InstanceFormat
    problem: RoutingProblem
    coords: npt.NDArray[np.float64]
    node_ids: tuple[int, ...]
    depot: int = 0
    depots: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.depots:
            object.__setattr__(self, "depots", (self.depot,))


def _read_text(path: Path) -> str:
    return read_text(path, field=_where(path))


def _where(path: Path, line: int | None = None) -> str:
    """How errors name a file, or a line of it: ``path:line`` (the path shortened)."""
    name = shorten(str(path), MAX_QUOTED_PATH_CHARS)
    return name if line is None else f"{name}:{line}"


def _check_number(where: str, value: float) -> None:
    if abs(value) > MAX_INSTANCE_NUMBER:
        raise InvalidInputError(
            where, f"numbers must be within +-{MAX_INSTANCE_NUMBER:g}, got {value:g}"
        )


def _check_count(where: str, what: str, count: int, limit: int) -> None:
    if count > limit:
        raise InvalidInputError(where, f"{what} must be at most {limit:,}, got {count:,}")


def _numeric_lines(path: Path, *, skip: int = 0) -> list[tuple[int, list[float]]]:
    """(line number, numbers) for each non-blank line after ``skip`` lines, any width.

    Raises:
        InvalidInputError: a line holds something other than finite numbers.
    """
    out: list[tuple[int, list[float]]] = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if number <= skip:
            continue
        parts = line.split()
        if not parts:
            continue
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = [math.nan]
        if not all(math.isfinite(v) for v in values):
            raise InvalidInputError(
                _where(path, number),
                f"must hold finite numbers only, got {shorten(repr(line.strip()))}",
            )
        for value in values:
            _check_number(_where(path, number), value)
        out.append((number, values))
    _check_count(_where(path), "data lines (locations)", len(out), MAX_INSTANCE_LOCATIONS + 1)
    return out


def _rows(path: Path, width: int, *, skip: int = 0) -> list[tuple[int, list[float]]]:
    """(line number, numbers) for each data line with ``width`` numbers, after ``skip`` lines."""
    out = _numeric_lines(path, skip=skip)
    for number, values in out:
        if len(values) != width:
            raise InvalidInputError(
                _where(path, number), f"must hold {width} numbers, got {len(values)}"
            )
    if not out:
        raise InvalidInputError(_where(path), "has no data lines")
    return out


def _header(path: Path, what: str, width: int) -> tuple[int, float]:
    """(vehicles, capacity) from the first line, which holds ``width`` numbers."""
    values = _first_line(path, what, width)
    vehicles, capacity = values[0], values[1]
    if not math.isfinite(vehicles) or vehicles != int(vehicles) or vehicles < 1 or capacity < 0:
        raise InvalidInputError(_where(path, 1), f"'{what}' needs a whole vehicle count >= 1")
    _check_count(_where(path, 1), "the vehicle count", int(vehicles), MAX_INSTANCE_VEHICLES)
    _check_number(_where(path, 1), capacity)
    return int(vehicles), capacity


def _first_line(path: Path, what: str, width: int) -> list[float]:
    lines = _read_text(path).splitlines()
    parts = lines[0].split() if lines else []
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != width or not all(math.isfinite(v) for v in values):
        raise InvalidInputError(_where(path, 1), f"must hold {width} finite numbers: {what}")
    return values


def _distances(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Real-valued Euclidean distance between every pair of rows of ``coords``."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=-1)), dtype=np.float64)


def _nint(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """TSPLIB's nearest integer, ``floor(x + 0.5)`` (halves round up, not to even)."""
    return np.floor(values + 0.5)


def _euclidean(coords: npt.NDArray[np.float64]) -> dict[str, TravelMatrices]:
    d = _distances(coords)
    return {"default": TravelMatrices(d, d)}


def _fleet(n: int, capacity: float, horizon: float) -> tuple[Vehicle, ...]:
    return tuple(
        Vehicle(
            f"v{i + 1}",
            0,
            0,
            shift=TimeWindow(0.0, horizon),
            capacity=(capacity,),
            cost_per_km=1000.0,
        )
        for i in range(n)
    )


def _whole(value: float) -> bool:
    return float(value).is_integer()


def read_solomon(path: Path) -> BenchInstance:
    """A Solomon or Gehring-Homberger VRPTW file: 7 numbers per customer row, depot row 0.

    Times, distances and coordinates are in the file's units (travel time = distance).
    Each customer is a task loaded at the vehicle's start, the depot (``pickups=()``, so
    every route is one trip), and delivered at the customer; the fleet is the file's
    NUMBER of vehicles of its CAPACITY, each with the depot's due date as the end of its
    shift.
    """
    path = Path(path)
    lines = _read_text(path).splitlines()
    header = next(
        (i for i, line in enumerate(lines) if line.strip().upper().startswith("NUMBER")), None
    )
    if header is None or header + 1 >= len(lines):
        raise InvalidInputError(_where(path), "must have a VEHICLE block with NUMBER and CAPACITY")
    try:
        fleet, capacity = (int(x) for x in lines[header + 1].split())
    except ValueError:
        raise InvalidInputError(
            _where(path, header + 2), "must hold the vehicle NUMBER and CAPACITY"
        ) from None
    if fleet < 1 or capacity < 0:
        raise InvalidInputError(
            _where(path, header + 2), "the vehicle NUMBER must be >= 1 and CAPACITY >= 0"
        )
    _check_count(_where(path, header + 2), "the vehicle NUMBER", fleet, MAX_INSTANCE_VEHICLES)
    _check_number(_where(path, header + 2), capacity)
    start = next(
        (i for i, line in enumerate(lines) if line.strip().upper().startswith("CUST")), None
    )
    if start is None:
        raise InvalidInputError(_where(path), "must have a CUSTOMER block")
    rows = _rows(path, 7, skip=start + 2)  # the CUSTOMER line and its column titles
    table = np.array([r for _, r in rows])
    if int(table[0, 0]) != 0:
        raise InvalidInputError(
            _where(path, rows[0][0]), "the first customer row must be the depot, id 0"
        )
    for number, r in rows:
        if r[3] < 0 or r[4] > r[5]:
            raise InvalidInputError(
                _where(path, number), "demand must be >= 0 and ready time <= due date"
            )
    horizon = float(table[0, 5])
    tasks = tuple(
        Task(
            f"c{int(r[0])}",
            (),
            Stop(i, service_s=float(r[6]), windows=(TimeWindow(float(r[4]), float(r[5])),)),
            demand=(float(r[3]),),
        )
        for i, r in enumerate(table[1:], start=1)
    )
    coords = table[:, 1:3].astype(np.float64)
    problem = RoutingProblem(_fleet(fleet, capacity, horizon), tasks, _euclidean(coords))
    return BenchInstance(
        path.stem, InstanceFormat.SOLOMON, problem, coords, tuple(int(x) for x in table[:, 0])
    )


def read_lilim(path: Path) -> BenchInstance:
    """A Li & Lim PDPTW file: ``vehicles capacity speed``, then 9 numbers per location.

    Times, distances and coordinates are in the file's units (travel time = distance);
    one task per pickup-delivery pair, the depot's due date ends every shift.
    """
    path = Path(path)
    fleet, capacity = _header(path, "vehicles capacity speed", 3)
    rows = _rows(path, 9, skip=1)
    table = np.array([r for _, r in rows])
    n = table.shape[0]
    if not np.array_equal(table[:, 0], np.arange(n)):
        raise InvalidInputError(_where(path), "location ids must run 0, 1, 2, ... in order")
    horizon = float(table[0, 5])
    tasks: list[Task] = []
    for number, r in rows[1:]:
        if r[7] != 0:  # a delivery: read with its pickup
            continue
        d = int(r[8])
        if not 0 < d < n or int(table[d, 7]) != int(r[0]):
            raise InvalidInputError(
                _where(path, number), f"pickup {int(r[0])} must name a delivery that names it back"
            )
        dr = table[d]
        tasks.append(
            Task(
                f"p{int(r[0])}",
                (
                    Stop(
                        int(r[0]),
                        service_s=float(r[6]),
                        windows=(TimeWindow(float(r[4]), float(r[5])),),
                    ),
                ),
                Stop(d, service_s=float(dr[6]), windows=(TimeWindow(float(dr[4]), float(dr[5])),)),
                demand=(float(r[3]),),
            )
        )
    coords = table[:, 1:3].astype(np.float64)
    problem = RoutingProblem(_fleet(fleet, capacity, horizon), tuple(tasks), _euclidean(coords))
    return BenchInstance(path.stem, InstanceFormat.LILIM, problem, coords, tuple(range(n)))


def read_mpdptw(path: Path) -> BenchInstance:
    """An MPDPTW file: ``vehicles capacity``, the depot line, then one line per location.

    Location ``i`` is the i-th line after the depot (the file's id column restarts).
    Times, distances and coordinates are in the file's units (travel time = distance);
    one task per request, the depot's due date ends every shift.
    """
    path = Path(path)
    fleet, capacity = _header(path, "vehicles capacity", 2)
    rows = _rows(path, 9, skip=1)
    table = np.array([r for _, r in rows])
    horizon = float(table[0, 5])
    pickups: dict[int, list[int]] = {}
    delivery: dict[int, int] = {}
    for loc, (number, r) in enumerate(rows[1:], start=1):
        kind, request = int(r[7]), int(r[8])
        if kind == 0:
            pickups.setdefault(request, []).append(loc)
        elif kind == 1:
            if request in delivery:
                raise InvalidInputError(
                    _where(path, number), f"request {request} has two deliveries"
                )
            delivery[request] = loc
        else:
            raise InvalidInputError(
                _where(path, number), f"type must be 0 (pickup) or 1 (delivery), got {kind}"
            )
    if set(pickups) != set(delivery):
        raise InvalidInputError(
            _where(path), "every request needs pickups and exactly one delivery"
        )

    def stop(loc: int) -> Stop:
        r = table[loc]
        return Stop(loc, service_s=float(r[6]), windows=(TimeWindow(float(r[4]), float(r[5])),))

    tasks = tuple(
        Task(
            f"r{request}",
            tuple(stop(p) for p in pickups[request]),
            stop(delivery[request]),
            demand=(float(sum(table[p, 3] for p in pickups[request])),),
            pickup_demands=tuple((float(table[p, 3]),) for p in pickups[request]),
        )
        for request in sorted(delivery)
    )
    coords = table[:, 1:3].astype(np.float64)
    problem = RoutingProblem(_fleet(fleet, capacity, horizon), tasks, _euclidean(coords))
    return BenchInstance(
        path.stem, InstanceFormat.MPDPTW, problem, coords, tuple(range(table.shape[0]))
    )


def read_cordeau(path: Path) -> BenchInstance:
    """A Cordeau MDVRP file: ``type m n t``, t lines ``D Q``, n customers, then t depots.

    Customer lines are ``id x y service demand [frequency n_combinations combination...]``
    and depot lines ``id x y [0 0 ...]``; ids run 1..n, then n+1..n+t.  Distances and
    travel times are real-valued Euclidean in the file's units.

    Matrix location ``i`` is the file's id ``i``; location 0 stands for "the vehicle's
    own depot": each depot has its own travel profile ``"depot<id>"`` in which location 0
    lies at that depot.  Every customer is a task loaded at the vehicle's start (no pickup
    stop) and delivered at the customer with its service duration, so any
    depot's vehicles can serve it.  Depot ``j`` (line ``j`` of the ``D Q`` lines) has
    ``m`` vehicles ``"d<id>-<k>"`` of capacity ``Q`` that start and end there, with
    ``max_duration_s = D`` (travel plus service) when ``D > 0`` and no limit when
    ``D = 0``.  The objective is the total distance (``cost_per_km=1000``).
    """
    path = Path(path)
    lines = _numeric_lines(path)
    if not lines:
        raise InvalidInputError(_where(path), "has no data lines")
    number, head = lines[0]
    where = _where(path, number)
    if len(head) != 4 or not all(_whole(v) for v in head):
        raise InvalidInputError(where, "the first line must hold 4 whole numbers: type m n t")
    kind, m, n, t = (int(v) for v in head)
    if kind != 2:
        raise InvalidInputError(where, f"type must be 2 (MDVRP), got {kind}")
    if min(m, n, t) < 1:
        raise InvalidInputError(where, f"m, n and t must be >= 1, got {m}, {n}, {t}")
    _check_count(where, "vehicles (m times t)", m * t, MAX_INSTANCE_VEHICLES)
    _check_count(where, "locations (n + t)", n + t, MAX_INSTANCE_LOCATIONS)
    expected = 1 + t + n + t
    layout = f"the header, {t} 'D Q' lines, {n} customer lines and {t} depot lines"
    if len(lines) > expected:
        raise InvalidInputError(
            _where(path, lines[expected][0]), f"is past the end: the file holds {layout}"
        )
    if len(lines) < expected:
        raise InvalidInputError(
            _where(path, lines[-1][0]),
            f"the file ends after {len(lines)} data lines, needs {expected}: {layout}",
        )
    limits: list[tuple[float, float]] = []
    for number, values in lines[1 : 1 + t]:
        if len(values) != 2:
            raise InvalidInputError(
                _where(path, number), f"must hold 2 numbers: D Q, got {len(values)}"
            )
        duration, capacity = values
        if duration < 0 or capacity <= 0:
            raise InvalidInputError(
                _where(path, number), "max duration D must be >= 0 and capacity Q > 0"
            )
        limits.append((duration, capacity))
    coords = np.full((n + t + 1, 2), np.nan)
    service = np.zeros(n + 1)
    demand = np.zeros(n + 1)
    for i, (number, values) in enumerate(lines[1 + t : 1 + t + n], start=1):
        where = _where(path, number)
        if len(values) < 5:
            raise InvalidInputError(
                where, f"a customer line must hold id x y service demand, got {len(values)} numbers"
            )
        if values[0] != i:
            raise InvalidInputError(where, f"customer ids must run 1..{n} in order: expected {i}")
        if values[3] < 0 or values[4] < 0:
            raise InvalidInputError(where, "service duration and demand must be >= 0")
        if len(values) > 5 and (
            len(values) < 7 or not _whole(values[6]) or len(values) != 7 + values[6]
        ):
            raise InvalidInputError(
                where,
                "after the demand come frequency, n_combinations and exactly "
                f"n_combinations numbers, got {len(values) - 5} numbers",
            )
        coords[i] = values[1:3]
        service[i], demand[i] = values[3], values[4]
    for j, (number, values) in enumerate(lines[1 + t + n :]):
        where = _where(path, number)
        if len(values) < 3:
            raise InvalidInputError(
                where, f"a depot line must hold at least id x y, got {len(values)} numbers"
            )
        if values[0] != n + 1 + j:
            raise InvalidInputError(
                where, f"depot ids must follow the customer ids in order: expected {n + 1 + j}"
            )
        if any(v != 0 for v in values[3:5]):
            raise InvalidInputError(where, "a depot's service duration and demand must be 0")
        coords[n + 1 + j] = values[1:3]
    matrices: dict[str, TravelMatrices] = {}
    vehicles: list[Vehicle] = []
    for j, (duration, capacity) in enumerate(limits):
        location = n + 1 + j
        profile = f"depot{location}"
        xy = coords.copy()
        xy[0] = coords[location]
        d = _distances(xy)
        matrices[profile] = TravelMatrices(d, d)
        vehicles.extend(
            Vehicle(
                f"d{location}-{k + 1}",
                location,
                location,
                capacity=(capacity,),
                profile=profile,
                cost_per_km=1000.0,
                max_duration_s=duration if duration > 0 else None,
            )
            for k in range(m)
        )
    tasks = tuple(
        Task(
            f"c{i}",
            (),
            Stop(i, service_s=float(service[i])),
            demand=(float(demand[i]),),
        )
        for i in range(1, n + 1)
    )
    problem = RoutingProblem(tuple(vehicles), tasks, matrices)
    return BenchInstance(
        path.stem,
        InstanceFormat.CORDEAU,
        problem,
        coords,
        tuple(range(n + t + 1)),
        depot=0,
        depots=tuple(range(n + 1, n + t + 1)),
    )


_VRPLIB_SECTIONS = {"NODE_COORD": 3, "DEMAND": 2, "DEPOT": 1}


def _scan_vrplib(path: Path) -> tuple[str, int]:
    """Check a CVRPLIB file line by line: (its NAME or the file stem, its depot id).

    vrplib drops the id column and reports no line numbers, so the layout, the ids and
    the values are checked here first, each error naming its line.
    """
    specs: dict[str, tuple[int, str]] = {}
    sections: dict[str, tuple[int, list[tuple[int, list[float]]]]] = {}
    current: str | None = None
    for number, raw in enumerate(_read_text(path).splitlines(), start=1):
        line = raw.strip()
        where = _where(path, number)
        if not line:
            continue
        if line == "EOF":
            break
        if line.rstrip(" :").upper().endswith("_SECTION"):
            current = line.rstrip(" :").upper().removesuffix("_SECTION")
            if current not in _VRPLIB_SECTIONS:
                raise InvalidInputError(
                    where, "only NODE_COORD, DEMAND and DEPOT sections are read (CVRP, EUC_2D)"
                )
            if current in sections:
                raise InvalidInputError(where, f"{current}_SECTION appears twice")
            sections[current] = (number, [])
            continue
        if current is None:
            key, colon, value = line.partition(":")
            if not colon:
                raise InvalidInputError(where, "must be 'KEY : value' or a *_SECTION line")
            specs[key.strip().upper()] = (number, value.strip())
            continue
        if ":" in line:
            raise InvalidInputError(where, "'KEY : value' lines must come before the sections")
        try:
            values = [float(x) for x in line.split()]
        except ValueError:
            values = [math.nan]
        if not all(math.isfinite(v) for v in values):
            raise InvalidInputError(
                where, f"must hold finite numbers only, got {shorten(repr(line))}"
            )
        for v in values:
            _check_number(where, v)
        width = _VRPLIB_SECTIONS[current]
        if len(values) != width:
            raise InvalidInputError(
                where, f"a {current}_SECTION line must hold {width} numbers, got {len(values)}"
            )
        sections[current][1].append((number, values))
    for key, wanted in (("TYPE", "CVRP"), ("EDGE_WEIGHT_TYPE", "EUC_2D")):
        if key not in specs:
            raise InvalidInputError(_where(path), f"must have a '{key} : {wanted}' line")
        number, value = specs[key]
        if value.upper() != wanted:
            raise InvalidInputError(_where(path, number), f"{key} must be {wanted}, got {value!r}")
    for key in ("DIMENSION", "CAPACITY"):
        if key not in specs:
            raise InvalidInputError(_where(path), f"must have a '{key} : number' line")
    number, text = specs["DIMENSION"]
    if not re.fullmatch(r"\d{1,9}", text) or int(text) < 2:
        raise InvalidInputError(
            _where(path, number), f"DIMENSION must be a whole number >= 2, got {shorten(text)!r}"
        )
    size = int(text)
    _check_count(_where(path, number), "DIMENSION", size, MAX_INSTANCE_LOCATIONS)
    number, text = specs["CAPACITY"]
    try:
        capacity = float(text)
    except ValueError:
        capacity = math.nan
    if not (math.isfinite(capacity) and 0 < capacity <= MAX_INSTANCE_NUMBER):
        raise InvalidInputError(
            _where(path, number),
            f"CAPACITY must be a number > 0 and <= {MAX_INSTANCE_NUMBER:g}, got {shorten(text)!r}",
        )
    for name in _VRPLIB_SECTIONS:
        if name not in sections:
            raise InvalidInputError(_where(path), f"must have a {name}_SECTION")
    demand: list[float] = []
    for name in ("NODE_COORD", "DEMAND"):
        start, rows = sections[name]
        if len(rows) > size:
            raise InvalidInputError(
                _where(path, rows[size][0]), f"{name}_SECTION must have DIMENSION = {size} lines"
            )
        if len(rows) < size:
            raise InvalidInputError(
                _where(path, start),
                f"{name}_SECTION must have DIMENSION = {size} lines, got {len(rows)}",
            )
        for expected, (number, values) in enumerate(rows, start=1):
            if values[0] != expected:
                raise InvalidInputError(
                    _where(path, number),
                    f"{name}_SECTION node ids must run 1..{size} in order: expected {expected}",
                )
            if name == "DEMAND":
                if values[1] < 0:
                    raise InvalidInputError(_where(path, number), "a demand must be >= 0")
                demand.append(values[1])
    start, rows = sections["DEPOT"]
    ids = [(number, values[0]) for number, values in rows]
    if len(ids) != 2 or ids[1][1] != -1:
        raise InvalidInputError(
            _where(path, start), "DEPOT_SECTION must name exactly one depot, then -1"
        )
    number, depot = ids[0]
    if not (_whole(depot) and 1 <= depot <= size):
        raise InvalidInputError(
            _where(path, number), f"the depot must be a node id in 1..{size}, got {depot:g}"
        )
    if demand[int(depot) - 1] != 0:
        raise InvalidInputError(_where(path, number), "the depot's demand must be 0")
    name = specs["NAME"][1] if "NAME" in specs else path.stem
    return name, int(depot)


def _cvrp_fleet_size(name: str, total_demand: float, capacity: float) -> int:
    """Vehicles for an "unlimited" CVRP fleet that never binds (see ``_CVRP_SPARE_SHARE``).

    The minimum route count is the ``-kNN`` of the name (Uchoa X: the least number of
    routes) or ``ceil(total_demand / capacity)``, whichever is larger; spare vehicles
    are added on top: 20%, at least 3.
    """
    match = re.search(r"-k(\d{1,9})", name)
    by_name = int(match.group(1)) if match else 0
    by_load = math.ceil(total_demand / capacity - 1e-9)
    least = max(by_name, by_load, 1)
    return least + max(_CVRP_MIN_SPARE, math.ceil(least * _CVRP_SPARE_SHARE))


def read_vrplib(path: Path) -> BenchInstance:
    """A CVRPLIB CVRP file (Uchoa X: ``EUC_2D``) read through the ``vrplib`` package.

    Every arc's distance (and travel time) is its Euclidean length in the file's units
    rounded to the nearest integer, TSPLIB's ``nint`` (``floor(x + 0.5)``).  vrplib 2.2
    returns unrounded Euclidean ``edge_weight`` for ``EUC_2D``, so it is rounded here.

    vrplib drops the id column and numbers nodes from 0 in file order; this reader
    checks the ids run 1..DIMENSION, so matrix location ``i`` is the file's node
    ``i + 1`` (the depot is node 1 in CVRPLIB).  Each customer is a task loaded at the
    depot (no pickup stop) and delivered at the customer; there are no
    time windows or service durations.  The fleet is identical vehicles of the file's
    CAPACITY starting and ending at the depot; its size is in :func:`_cvrp_fleet_size`.
    """
    path = Path(path)
    name, depot_id = _scan_vrplib(path)
    try:
        data = vrplib.read_instance(path)
    except (ValueError, RuntimeError, KeyError, IndexError, TypeError, OSError) as exc:
        raise InvalidInputError(
            _where(path), f"vrplib cannot read it ({shorten(str(exc))})"
        ) from None
    # vrplib stops at any line starting with EOF (even "EOF : ..."), which the scan
    # above reads as a key: then a section is missing from what it returns.
    missing = [
        k for k in ("node_coord", "demand", "edge_weight", "depot", "capacity") if k not in data
    ]
    if missing:
        raise InvalidInputError(
            _where(path), f"vrplib read no {', '.join(missing)}: is there an early EOF line?"
        )
    coords = np.asarray(data["node_coord"], dtype=np.float64)
    demand = np.asarray(data["demand"], dtype=np.float64)
    edges = np.asarray(data["edge_weight"], dtype=np.float64)
    depots = [int(d) for d in np.atleast_1d(data["depot"])]
    size = coords.shape[0]
    if (
        coords.shape != (size, 2)
        or demand.shape != (size,)
        or edges.shape != (size, size)
        or depots != [depot_id - 1]
    ):
        raise InvalidInputError(_where(path), "vrplib read a different layout than the file shows")
    capacity = float(data["capacity"])
    dist = _nint(edges)
    depot = depot_id - 1
    fleet = _cvrp_fleet_size(name, float(demand.sum()), capacity)
    _check_count(
        _where(path), "vehicles (from NAME's -k and the demand)", fleet, MAX_INSTANCE_VEHICLES
    )
    vehicles = tuple(
        Vehicle(f"v{i + 1}", depot, depot, capacity=(capacity,), cost_per_km=1000.0)
        for i in range(fleet)
    )
    tasks = tuple(
        Task(f"c{loc + 1}", (), Stop(loc), demand=(float(demand[loc]),))
        for loc in range(size)
        if loc != depot
    )
    problem = RoutingProblem(vehicles, tasks, {"default": TravelMatrices(dist, dist)})
    return BenchInstance(
        path.stem, InstanceFormat.VRPLIB, problem, coords, tuple(range(1, size + 1)), depot=depot
    )


def read_instance(path: Path, fmt: str) -> BenchInstance:
    """Read ``path`` in format ``fmt`` (one of :data:`FORMATS`).

    Raises:
        InvalidInputError: unknown format, missing or malformed file.
    """
    readers = {
        InstanceFormat.SOLOMON: read_solomon,
        InstanceFormat.LILIM: read_lilim,
        InstanceFormat.MPDPTW: read_mpdptw,
        InstanceFormat.CORDEAU: read_cordeau,
        InstanceFormat.VRPLIB: read_vrplib,
    }
    if fmt not in FORMATS:
        raise InvalidInputError(
            "format", f"must be one of {', '.join(FORMATS)}, got {shorten(repr(fmt))}"
        )
    check_regular_file(path, field=_where(Path(path)))
    return readers[InstanceFormat(fmt)](Path(path))


def solution_json(
    instance: BenchInstance, solution: RoutingSolution, solve_s: float
) -> dict[str, Any]:
    """The ``dispatch solve`` output contract for a benchmark instance.

    ``routes`` lists the file's node ids in visit order, depots excluded; for Cordeau
    each route is ``{"depot": the file id of its depot, "nodes": [node ids]}``.
    ``distance`` is the length of the routes from their depot back to it, recomputed
    from the coordinates: real-valued Euclidean, except for ``vrplib``, where each
    arc is rounded to the nearest integer first (TSPLIB ``EUC_2D``).  ``unassigned``
    lists the non-depot node ids of unassigned tasks; ``solve_s`` is in seconds.
    """
    coords = instance.coords
    hidden = {instance.depot, *instance.depots}
    routes: list[list[int] | dict[str, Any]] = []
    total = 0.0
    for route in solution.routes:
        vehicle = instance.problem.vehicle(route.vehicle_id)
        home = vehicle.start
        end = vehicle.end if vehicle.end is not None else home
        # Goods loaded at instance.depot are loaded at this vehicle's own depot.
        visited = [home if s.location == instance.depot else s.location for s in route.stops]
        xy = coords[[home, *visited, end]]
        arcs = np.sqrt(((xy[1:] - xy[:-1]) ** 2).sum(axis=1))
        total += float((_nint(arcs) if instance.family is InstanceFormat.VRPLIB else arcs).sum())
        nodes = [instance.node_ids[loc] for loc in visited if loc not in hidden]
        if instance.family is InstanceFormat.CORDEAU:
            routes.append({"depot": instance.node_ids[home], "nodes": nodes})
        else:
            routes.append(nodes)
    unassigned = [
        instance.node_ids[stop.location]
        for u in solution.unassigned
        for stop in instance.problem.task(u.task_id).stops
        if stop.location not in hidden
    ]
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": round(total, 6),
        "routes": routes,
        "unassigned": unassigned,
        "solve_s": round(solve_s, 3),
    }

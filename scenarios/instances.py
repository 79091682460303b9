"""Readers for public routing benchmarks into :class:`solvers.RoutingProblem` (an I/O module).

Conventions follow ``../shared/data/bench/README.md``: real-valued Euclidean distance,
travel time equal to distance, service after the start of service, service must start by
the due date, routes back at the depot by the depot's due date, capacity a hard limit.
Costs are set so that the objective is the total distance (``cost_per_km=1000`` with
distances in the file's units).

Families: Solomon and Gehring-Homberger (VRPTW: one task per customer with its pickup
at the depot), Li & Lim (PDPTW: one task per pickup-delivery pair) and MPDPTW (one task
per request: all its pickups, then its delivery).  Cordeau MDVRP and VRPLIB CVRP are not
read yet (see the project notes).

Every reader raises :class:`solvers.errors.InvalidInputError` naming the file, the line
and the rule for a malformed file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from solvers.errors import InvalidInputError
from solvers.problem import RoutingProblem, Stop, Task, TimeWindow, TravelMatrices, Vehicle
from solvers.solution import RoutingSolution

FORMATS = ("solomon", "lilim", "mpdptw")


@dataclass(frozen=True)
class BenchInstance:
    """A benchmark instance and what is needed to report in the file's own terms.

    Attributes:
        name: instance name (file stem).
        family: the reader used.
        problem: the routing problem.
        coords: (n, 2) coordinates of the matrix locations.
        node_ids: the file's node id of each matrix location (MPDPTW: line order, depot 0).
        depot: matrix location of the depot.
    """

    name: str
    family: str
    problem: RoutingProblem
    coords: npt.NDArray[np.float64]
    node_ids: tuple[int, ...]
    depot: int = 0


def _rows(path: Path, width: int, *, skip: int = 0) -> list[tuple[int, list[float]]]:
    """(line number, numbers) for each data line with ``width`` numbers, after ``skip`` lines."""
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(str(path), f"must be a readable text file ({exc})") from None
    out: list[tuple[int, list[float]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number <= skip:
            continue
        parts = line.split()
        if not parts:
            continue
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise InvalidInputError(
                f"{path}:{number}", f"must hold numbers only, got {line.strip()!r}"
            ) from None
        if len(values) != width:
            raise InvalidInputError(
                f"{path}:{number}", f"must hold {width} numbers, got {len(values)}"
            )
        out.append((number, values))
    if not out:
        raise InvalidInputError(str(path), "has no data lines")
    return out


def _header(path: Path, what: str, width: int) -> tuple[int, float]:
    """(vehicles, capacity) from the first line, which holds ``width`` numbers."""
    values = _first_line(path, what, width)
    vehicles, capacity = values[0], values[1]
    if vehicles != int(vehicles) or vehicles < 1 or capacity < 0:
        raise InvalidInputError(f"{path}:1", f"'{what}' needs a whole vehicle count >= 1")
    return int(vehicles), capacity


def _first_line(path: Path, what: str, width: int) -> list[float]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(str(path), f"must be a readable text file ({exc})") from None
    parts = lines[0].split() if lines else []
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != width:
        raise InvalidInputError(f"{path}:1", f"must hold {width} numbers: {what}")
    return values


def _euclidean(coords: npt.NDArray[np.float64]) -> dict[str, TravelMatrices]:
    d = np.sqrt(((coords[:, None, :] - coords[None, :, :]) ** 2).sum(axis=-1))
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


def read_solomon(path: Path) -> BenchInstance:
    """A Solomon or Gehring-Homberger VRPTW file: 7 numbers per customer row, depot row 0."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(str(path), f"must be a readable text file ({exc})") from None
    header = next(
        (i for i, line in enumerate(lines) if line.strip().upper().startswith("NUMBER")), None
    )
    if header is None or header + 1 >= len(lines):
        raise InvalidInputError(str(path), "must have a VEHICLE block with NUMBER and CAPACITY")
    try:
        fleet, capacity = (int(x) for x in lines[header + 1].split())
    except ValueError:
        raise InvalidInputError(
            f"{path}:{header + 2}", "must hold the vehicle NUMBER and CAPACITY"
        ) from None
    start = next(
        (i for i, line in enumerate(lines) if line.strip().upper().startswith("CUST")), None
    )
    if start is None:
        raise InvalidInputError(str(path), "must have a CUSTOMER block")
    rows = _rows(path, 7, skip=start + 2)  # the CUSTOMER line and its column titles
    table = np.array([r for _, r in rows])
    if int(table[0, 0]) != 0:
        raise InvalidInputError(
            f"{path}:{rows[0][0]}", "the first customer row must be the depot, id 0"
        )
    for number, r in rows:
        if r[3] < 0 or r[4] > r[5]:
            raise InvalidInputError(
                f"{path}:{number}", "demand must be >= 0 and ready time <= due date"
            )
    horizon = float(table[0, 5])
    depot = Stop(0, windows=(TimeWindow(0.0, horizon),))
    tasks = tuple(
        Task(
            f"c{int(r[0])}",
            (depot,),
            Stop(i, service_s=float(r[6]), windows=(TimeWindow(float(r[4]), float(r[5])),)),
            demand=(float(r[3]),),
        )
        for i, r in enumerate(table[1:], start=1)
    )
    coords = table[:, 1:3].astype(np.float64)
    problem = RoutingProblem(_fleet(fleet, capacity, horizon), tasks, _euclidean(coords))
    return BenchInstance(path.stem, "solomon", problem, coords, tuple(int(x) for x in table[:, 0]))


def read_lilim(path: Path) -> BenchInstance:
    """A Li & Lim PDPTW file: ``vehicles capacity speed``, then 9 numbers per location."""
    path = Path(path)
    fleet, capacity = _header(path, "vehicles capacity speed", 3)
    rows = _rows(path, 9, skip=1)
    table = np.array([r for _, r in rows])
    n = table.shape[0]
    if not np.array_equal(table[:, 0], np.arange(n)):
        raise InvalidInputError(str(path), "location ids must run 0, 1, 2, ... in order")
    horizon = float(table[0, 5])
    tasks: list[Task] = []
    for number, r in rows[1:]:
        if r[7] != 0:  # a delivery: read with its pickup
            continue
        d = int(r[8])
        if not 0 < d < n or int(table[d, 7]) != int(r[0]):
            raise InvalidInputError(
                f"{path}:{number}", f"pickup {int(r[0])} must name a delivery that names it back"
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
    return BenchInstance(path.stem, "lilim", problem, coords, tuple(range(n)))


def read_mpdptw(path: Path) -> BenchInstance:
    """An MPDPTW file: ``vehicles capacity``, the depot line, then one line per location.

    Location ``i`` is the i-th line after the depot (the file's id column restarts).
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
                raise InvalidInputError(f"{path}:{number}", f"request {request} has two deliveries")
            delivery[request] = loc
        else:
            raise InvalidInputError(
                f"{path}:{number}", f"type must be 0 (pickup) or 1 (delivery), got {kind}"
            )
    if set(pickups) != set(delivery):
        raise InvalidInputError(str(path), "every request needs pickups and exactly one delivery")

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
    return BenchInstance(path.stem, "mpdptw", problem, coords, tuple(range(table.shape[0])))


def read_instance(path: Path, fmt: str) -> BenchInstance:
    """Read ``path`` in format ``fmt`` (one of :data:`FORMATS`).

    Raises:
        InvalidInputError: unknown format, missing or malformed file.
    """
    readers = {"solomon": read_solomon, "lilim": read_lilim, "mpdptw": read_mpdptw}
    if fmt not in readers:
        raise InvalidInputError("format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not Path(path).is_file():
        raise InvalidInputError(str(path), "must be an existing file")
    return readers[fmt](Path(path))


def solution_json(
    instance: BenchInstance, solution: RoutingSolution, solve_s: float
) -> dict[str, Any]:
    """The ``dispatch solve`` output contract for a benchmark instance.

    ``routes`` lists the file's node ids in visit order, depot excluded; ``distance`` is
    the real-valued Euclidean length of the routes recomputed from the coordinates
    (depot to depot); ``unassigned`` lists the non-depot node ids of unassigned tasks.
    """
    coords = instance.coords
    routes: list[list[int]] = []
    total = 0.0
    for route in solution.routes:
        path = [instance.depot, *(s.location for s in route.stops), instance.depot]
        xy = coords[path]
        total += float(np.sqrt(((xy[1:] - xy[:-1]) ** 2).sum(axis=1)).sum())
        routes.append(
            [instance.node_ids[s.location] for s in route.stops if s.location != instance.depot]
        )
    unassigned = [
        instance.node_ids[stop.location]
        for u in solution.unassigned
        for stop in instance.problem.task(u.task_id).stops
        if stop.location != instance.depot
    ]
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": round(total, 6),
        "routes": routes,
        "unassigned": unassigned,
        "solve_s": round(solve_s, 3),
    }

"""VROOM-compatible problems: VROOM's input JSON to a :class:`RoutingProblem`, a
:class:`RoutingSolution` back to VROOM's output JSON.  The one translation module
(used by ``POST /vroom`` and ``dispatch vroom``).

Field meanings follow VROOM's ``docs/API.md``: ids are VROOM's integers, times are
seconds (relative or absolute timestamps, as given: the answer's ``arrival`` values are
on the same clock), distances metres, amounts integers, and ``cost`` is VROOM's: the
travel cost of each route (``per_hour`` times travel hours plus ``per_km`` times
kilometres, default one per second of travel, or the custom ``costs`` matrix) plus the
vehicle's ``fixed`` cost.  Service and waiting are not priced, as in VROOM.

What is honoured: ``jobs`` (delivery amounts loaded at the vehicle's start, service,
skills, priority, several time windows), ``shipments`` (pickup before delivery on one
vehicle, amount, both steps' service and windows), ``vehicles`` (start, optional end,
capacity, skills, working hours ``time_window``, ``costs.fixed/per_hour/per_km``,
``profile``, ``description``, ``type``), custom ``matrices`` (``durations``,
``distances``, ``costs`` per profile) or coordinates routed by a travel function (the
server's network).  Every task is optional, as in VROOM: the objective first serves as
many tasks as it can (a task of priority ``p`` weighs ``1 + p`` ordinary tasks), then
minimises cost.

What is refused, naming the field (an :class:`InvalidInputError`, never silently
ignored): setup times, per-type service or setup, breaks, job ``pickup`` amounts (goods
brought back to the end), the deprecated ``amount`` of jobs and ``matrix``, vehicle
``steps``, ``speed_factor`` other than 1, ``max_tasks``, ``max_travel_time``,
``max_distance``, ``costs.per_task_hour``, a vehicle with neither ``start`` nor ``end``,
and any key VROOM does not define.  A vehicle without a ``start`` begins at its first
task (a virtual start at no distance from anywhere), as in VROOM.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dispatch.payloads import PayloadError, pydantic_rule
from dispatch.world import World
from solvers import (
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    Stop,
    Task,
    TimeWindow,
    TravelMatrices,
    Vehicle,
    solve,
)
from solvers.errors import InvalidInputError
from solvers.solution import StopKind

# (distance_m, duration_s) between every pair of (lon, lat) points, for a VROOM profile.
TravelFunction = Callable[
    [str, Sequence[tuple[float, float]]],
    tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
]

Count = Annotated[int, Field(ge=0, strict=True)]
Amount = list[Count]
Window = Annotated[list[Count], Field(min_length=2, max_length=2)]
Coordinates = Annotated[list[float], Field(min_length=2, max_length=2)]
MatrixRows = list[list[Count]]
MAX_PRIORITY = 100
DEFAULT_PER_HOUR = 3600


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VroomJob(_Strict):
    """A VROOM job (a single-location task)."""

    id: Count
    description: str | None = None
    location: Coordinates | None = None
    location_index: Count | None = None
    setup: Count = 0
    service: Count = 0
    setup_per_type: dict[str, Count] | None = None
    service_per_type: dict[str, Count] | None = None
    amount: Amount | None = None
    delivery: Amount | None = None
    pickup: Amount | None = None
    skills: list[Count] | None = None
    priority: Annotated[int, Field(ge=0, le=MAX_PRIORITY, strict=True)] = 0
    time_windows: list[Window] | None = None


class VroomShipmentStep(_Strict):
    """The pickup or the delivery of a VROOM shipment."""

    id: Count
    description: str | None = None
    location: Coordinates | None = None
    location_index: Count | None = None
    setup: Count = 0
    service: Count = 0
    setup_per_type: dict[str, Count] | None = None
    service_per_type: dict[str, Count] | None = None
    time_windows: list[Window] | None = None


class VroomShipment(_Strict):
    """A VROOM shipment: a pickup and a delivery on one vehicle."""

    pickup: VroomShipmentStep
    delivery: VroomShipmentStep
    amount: Amount | None = None
    skills: list[Count] | None = None
    priority: Annotated[int, Field(ge=0, le=MAX_PRIORITY, strict=True)] = 0


class VroomCosts(_Strict):
    """A vehicle's cost rates (VROOM's integers)."""

    fixed: Count = 0
    per_hour: Count = DEFAULT_PER_HOUR
    per_task_hour: Count = 0
    per_km: Count = 0


class VroomVehicle(_Strict):
    """A VROOM vehicle."""

    id: Count
    profile: str = "car"
    description: str | None = None
    start: Coordinates | None = None
    start_index: Count | None = None
    end: Coordinates | None = None
    end_index: Count | None = None
    capacity: Amount | None = None
    costs: VroomCosts = VroomCosts()
    skills: list[Count] | None = None
    type: str | None = None
    time_window: Window | None = None
    breaks: list[dict[str, Any]] | None = None
    speed_factor: Annotated[float, Field(gt=0, le=5)] = 1.0
    max_tasks: Count | None = None
    max_travel_time: Count | None = None
    max_distance: Count | None = None
    steps: list[dict[str, Any]] | None = None


class VroomMatrices(_Strict):
    """Custom matrices of one profile (unsigned integers, square, one size)."""

    durations: MatrixRows | None = None
    distances: MatrixRows | None = None
    costs: MatrixRows | None = None


class VroomInput(_Strict):
    """VROOM's input document (``docs/API.md``)."""

    jobs: list[VroomJob] = []
    shipments: list[VroomShipment] = []
    vehicles: Annotated[list[VroomVehicle], Field(min_length=1)]
    matrices: dict[str, VroomMatrices] | None = None
    matrix: list[list[Count]] | None = None


def parse_vroom_input(data: object) -> VroomInput:
    """Validate a VROOM input document (schema only).

    Raises:
        PayloadError: every field that breaks VROOM's schema, with its path.
    """
    try:
        return VroomInput.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            path = ""
            for key in e["loc"]:
                path += f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
            rule = pydantic_rule(e)
            if e["type"] == "extra_forbidden":
                rule = "is not a VROOM input field"
            problems.append((path or "(input)", rule))
        raise PayloadError("vroom input", problems) from None


# --- what the engine cannot honour ----------------------------------------------------


def _refusals(doc: VroomInput) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if doc.matrix is not None:
        out.append(("matrix", "is deprecated in VROOM and not supported: use matrices.PROFILE"))

    def step(path: str, s: VroomJob | VroomShipmentStep) -> None:
        if s.setup:
            out.append((f"{path}.setup", "setup times are not supported (give 0)"))
        if s.setup_per_type:
            out.append((f"{path}.setup_per_type", "setup times are not supported"))
        if s.service_per_type:
            out.append((f"{path}.service_per_type", "per-type service times are not supported"))

    for i, job in enumerate(doc.jobs):
        step(f"jobs[{i}]", job)
        if job.amount is not None:
            out.append((f"jobs[{i}].amount", "is deprecated in VROOM: use delivery"))
        if job.pickup is not None and any(job.pickup):
            out.append(
                (
                    f"jobs[{i}].pickup",
                    "goods brought back to the vehicle's end are not supported: use a shipment",
                )
            )
    for i, shipment in enumerate(doc.shipments):
        step(f"shipments[{i}].pickup", shipment.pickup)
        step(f"shipments[{i}].delivery", shipment.delivery)
    for i, v in enumerate(doc.vehicles):
        path = f"vehicles[{i}]"
        if v.breaks:
            out.append((f"{path}.breaks", "breaks are not supported"))
        if v.steps:
            out.append(
                (f"{path}.steps", "custom routes (plan mode, initial steps) are not supported")
            )
        if v.speed_factor != 1.0:
            out.append((f"{path}.speed_factor", "only 1 is supported"))
        for name in ("max_tasks", "max_travel_time", "max_distance"):
            if getattr(v, name) is not None:
                out.append((f"{path}.{name}", "is not supported"))
        if v.costs.per_task_hour:
            out.append((f"{path}.costs.per_task_hour", "is not supported (give 0)"))
        if v.start is None and v.start_index is None and v.end is None and v.end_index is None:
            out.append((f"{path}.start", "a vehicle needs a start or an end (or both)"))
    return out


# --- the translation ------------------------------------------------------------------


@dataclass(frozen=True)
class _TaskInfo:
    """What the answer needs about one solver task."""

    kind: str  # "job" or "shipment"
    index: int  # position in jobs or shipments
    priority: int
    delivery: tuple[int, ...]  # VROOM route "delivery": jobs' delivery, shipments' amount
    pickup: tuple[int, ...]  # VROOM route "pickup": shipments' amount


@dataclass(frozen=True)
class VroomTranslation:
    """A VROOM input as a routing problem, with what the answer needs to speak VROOM.

    Attributes:
        doc: the validated input.
        problem: the solver's problem (times shifted by ``offset_s``).
        offset_s: subtracted from every VROOM time (the earliest window start) so the
            solver works near 0; added back in the answer.
        durations, distances: per VROOM profile, on the problem's locations
            (``distances`` None when neither matrices nor coordinates give them); each
            vehicle's cost matrix is its solver profile's ``distance_m``.
        tasks: per solver task id, what the answer reports of it.
        loading_ms: time spent validating and building matrices.
    """

    doc: VroomInput
    problem: RoutingProblem
    offset_s: int
    durations: Mapping[str, npt.NDArray[np.float64]]
    distances: Mapping[str, npt.NDArray[np.float64] | None]
    tasks: Mapping[str, _TaskInfo]
    loading_ms: int


_ANYWHERE = -1  # a vehicle without a start, until its virtual location is known


def _padded(grid: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The matrix with one more row and column of zeros."""
    return np.pad(np.asarray(grid, dtype=np.float64), ((0, 1), (0, 1)))


def _job_task_id(job: VroomJob) -> str:
    return f"job-{job.id}"


def _shipment_task_id(k: int) -> str:
    return f"shipment-{k}"


def _vehicle_id(v: VroomVehicle) -> str:
    return f"vehicle-{v.id}"


def _duplicates(ids: Sequence[int], path: str, what: str) -> list[tuple[str, str]]:
    seen: set[int] = set()
    out: list[tuple[str, str]] = []
    for i, x in enumerate(ids):
        if x in seen:
            out.append((path.format(i), f"{what} id {x} appears twice"))
        seen.add(x)
    return out


def _square(rows: MatrixRows, path: str) -> npt.NDArray[np.float64]:
    n = len(rows)
    if n == 0 or any(len(r) != n for r in rows):
        raise PayloadError("vroom input", [(path, "must be a non-empty square matrix")])
    return np.array(rows, dtype=np.float64)


class _Locations:
    """Matrix locations: the custom matrices' indices, or the coordinates given, in order."""

    def __init__(self, custom: bool) -> None:
        self.custom = custom
        self.points: list[tuple[float, float]] = []
        self.paths: list[str] = []  # the first input field at each point
        self._index: dict[tuple[float, float], int] = {}
        self.size = 0

    def of(self, path: str, location: list[float] | None, index: int | None) -> int:
        if self.custom:
            if index is None:
                raise PayloadError(
                    "vroom input",
                    [
                        (
                            f"{path}_index"
                            if path.endswith(("start", "end"))
                            else f"{path}.location_index",
                            "is required with custom matrices",
                        )
                    ],
                )
            if index >= self.size:
                raise PayloadError(
                    "vroom input",
                    [
                        (
                            f"{path}_index"
                            if path.endswith(("start", "end"))
                            else f"{path}.location_index",
                            f"must be < {self.size} (the matrices' size)",
                        )
                    ],
                )
            return index
        if location is None:
            where = path if path.endswith(("start", "end")) else f"{path}.location"
            raise PayloadError("vroom input", [(where, "is required without custom matrices")])
        lon, lat = float(location[0]), float(location[1])
        where = path if path.endswith(("start", "end")) else f"{path}.location"
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise PayloadError("vroom input", [(where, "must be [lon, lat] in degrees")])
        key = (lon, lat)
        if key not in self._index:
            self._index[key] = len(self.points)
            self.points.append(key)
            self.paths.append(where)
        return self._index[key]


def _routing_problem(error: InvalidInputError, locations: _Locations) -> tuple[str, str]:
    """A travel error about point ``p<k>`` as a problem of the input field at that point."""
    found = re.search(r"'p(\d+)'", error.field)
    if found is None or int(found.group(1)) >= len(locations.paths):
        return (error.field, error.rule)
    return (locations.paths[int(found.group(1))], error.rule)


def _windows(raw: list[list[int]] | None, offset: int, path: str) -> tuple[TimeWindow, ...] | None:
    if not raw:
        return None
    spans = sorted((int(w[0]), int(w[1])) for w in raw)
    for k, (a, b) in enumerate(spans):
        if a > b:
            raise PayloadError("vroom input", [(f"{path}[{k}]", "start must be <= end")])
    for (_, b), (c, _) in itertools.pairwise(spans):
        if c <= b:
            raise PayloadError("vroom input", [(path, "time windows must not overlap")])
    return tuple(TimeWindow(float(a - offset), float(b - offset)) for a, b in spans)


def vroom_problem(
    data: object,
    *,
    travel: TravelFunction | None = None,
) -> VroomTranslation:
    """Translate a VROOM input document into a :class:`RoutingProblem`.

    Args:
        data: the parsed JSON document.
        travel: distances (metres) and durations (seconds) between (lon, lat) points for
            a VROOM profile, used when the input gives coordinates instead of matrices.

    Raises:
        PayloadError: a field that breaks VROOM's schema or that the engine cannot
            honour (each named with its path), inconsistent amounts or matrices, an
            unknown profile, or coordinates without a travel function.
        InvalidInputError: coordinates the travel function cannot route.
    """
    started = time.perf_counter()
    doc = parse_vroom_input(data)
    problems = _refusals(doc)
    problems += _duplicates([j.id for j in doc.jobs], "jobs[{}].id", "job")
    problems += _duplicates(
        [s.pickup.id for s in doc.shipments], "shipments[{}].pickup.id", "pickup"
    )
    problems += _duplicates(
        [s.delivery.id for s in doc.shipments], "shipments[{}].delivery.id", "delivery"
    )
    problems += _duplicates([v.id for v in doc.vehicles], "vehicles[{}].id", "vehicle")
    if problems:
        raise PayloadError("vroom input", problems)

    # Amount dimensions: every given array has one length; a missing one is zeros.
    dims: dict[int, str] = {}
    for i, job in enumerate(doc.jobs):
        if job.delivery is not None:
            dims.setdefault(len(job.delivery), f"jobs[{i}].delivery")
    for i, s in enumerate(doc.shipments):
        if s.amount is not None:
            dims.setdefault(len(s.amount), f"shipments[{i}].amount")
    for i, v in enumerate(doc.vehicles):
        if v.capacity is not None:
            dims.setdefault(len(v.capacity), f"vehicles[{i}].capacity")
    if len(dims) > 1:
        listed = ", ".join(f"{path} has {n}" for n, path in dims.items())
        raise PayloadError(
            "vroom input",
            [("amounts", f"every amount and capacity must have one length ({listed})")],
        )
    dim = next(iter(dims), 0)
    zeros = (0,) * dim
    if dim:
        missing = [
            f"vehicles[{i}].capacity" for i, v in enumerate(doc.vehicles) if v.capacity is None
        ]
        if missing:
            raise PayloadError(
                "vroom input",
                [(p, f"is required: tasks carry amounts of {dim} values") for p in missing],
            )

    # Matrices: custom for every profile, or none (coordinates).
    profiles = sorted({v.profile for v in doc.vehicles})
    custom = doc.matrices is not None
    durations: dict[str, npt.NDArray[np.float64]] = {}
    distances: dict[str, npt.NDArray[np.float64] | None] = {}
    costs: dict[str, npt.NDArray[np.float64] | None] = {}
    locations = _Locations(custom)
    if doc.matrices is not None:
        for p in profiles:
            m = doc.matrices.get(p)
            if m is None or m.durations is None:
                raise PayloadError(
                    "vroom input",
                    [(f"matrices.{p}.durations", "is required: a vehicle uses this profile")],
                )
            durations[p] = _square(m.durations, f"matrices.{p}.durations")
            distances[p] = (
                None if m.distances is None else _square(m.distances, f"matrices.{p}.distances")
            )
            costs[p] = None if m.costs is None else _square(m.costs, f"matrices.{p}.costs")
        unused = sorted(set(doc.matrices) - set(profiles))
        sizes = {len(durations[p]) for p in profiles}
        sizes |= {len(x) for x in (*distances.values(), *costs.values()) if x is not None}
        if len(sizes) != 1:
            raise PayloadError(
                "vroom input",
                [("matrices", f"every matrix must have one size, got {sorted(sizes)}")],
            )
        locations.size = sizes.pop()
        del unused  # matrices of profiles no vehicle uses are allowed, as in VROOM

    # Locations and time offset.
    offset_candidates = [
        w[0]
        for ws in (
            *(j.time_windows or [] for j in doc.jobs),
            *(s.pickup.time_windows or [] for s in doc.shipments),
            *(s.delivery.time_windows or [] for s in doc.shipments),
        )
        for w in ws
    ] + [v.time_window[0] for v in doc.vehicles if v.time_window is not None]
    offset = min(offset_candidates) if offset_candidates else 0

    vehicle_locs: list[tuple[int, int | None]] = []
    for i, v in enumerate(doc.vehicles):
        start = (
            _ANYWHERE
            if v.start is None and v.start_index is None
            else locations.of(f"vehicles[{i}].start", v.start, v.start_index)
        )
        end = (
            None
            if v.end is None and v.end_index is None
            else locations.of(f"vehicles[{i}].end", v.end, v.end_index)
        )
        vehicle_locs.append((start, end))
    job_locs = [
        locations.of(f"jobs[{i}]", j.location, j.location_index) for i, j in enumerate(doc.jobs)
    ]
    shipment_locs = [
        (
            locations.of(f"shipments[{i}].pickup", s.pickup.location, s.pickup.location_index),
            locations.of(
                f"shipments[{i}].delivery", s.delivery.location, s.delivery.location_index
            ),
        )
        for i, s in enumerate(doc.shipments)
    ]
    if not custom:
        if travel is None:
            raise PayloadError(
                "vroom input",
                [("matrices", "are required: no road network to route coordinates on")],
            )
        for p in profiles:
            try:
                dist, dur = travel(p, locations.points)
            except PayloadError:
                raise
            except InvalidInputError as error:
                raise PayloadError("vroom input", [_routing_problem(error, locations)]) from None
            durations[p] = np.rint(np.asarray(dur, dtype=np.float64))
            distances[p] = np.rint(np.asarray(dist, dtype=np.float64))
            costs[p] = None
    if any(start == _ANYWHERE for start, _ in vehicle_locs):
        # A vehicle without a start begins at its first task: it starts from one more
        # location, at no distance, time or cost from every other (both ways).
        anywhere = len(next(iter(durations.values())))
        durations = {p: _padded(grid) for p, grid in durations.items()}
        distances = {p: None if g is None else _padded(g) for p, g in distances.items()}
        costs = {p: None if g is None else _padded(g) for p, g in costs.items()}
        vehicle_locs = [
            (anywhere if start == _ANYWHERE else start, end) for start, end in vehicle_locs
        ]

    # One solver profile per (VROOM profile, per_hour, per_km): its "distance" matrix is
    # VROOM's travel cost, priced at one money unit per unit (cost_per_km 1000), so the
    # solver minimises exactly VROOM's cost; durations stay VROOM's durations.
    solver_matrices: dict[str, TravelMatrices] = {}
    vehicles: list[Vehicle] = []
    for i, v in enumerate(doc.vehicles):
        p = v.profile
        rates = v.costs
        custom_costs = costs[p]
        if custom_costs is not None and (rates.per_hour != DEFAULT_PER_HOUR or rates.per_km):
            raise PayloadError(
                "vroom input",
                [
                    (
                        f"vehicles[{i}].costs",
                        "per_hour or per_km with a custom costs matrix is inconsistent",
                    )
                ],
            )
        if rates.per_km and distances[p] is None:
            raise PayloadError(
                "vroom input",
                [(f"vehicles[{i}].costs.per_km", f"needs distances: give matrices.{p}.distances")],
            )
        name = f"{p}|{rates.per_hour}|{rates.per_km}"
        if name not in solver_matrices:
            cost: npt.NDArray[np.float64]
            if custom_costs is not None:
                cost = custom_costs
            else:
                cost = durations[p] * (rates.per_hour / 3600.0)
                per_km_dist = distances[p]
                if rates.per_km and per_km_dist is not None:
                    cost = cost + per_km_dist * (rates.per_km / 1000.0)
            solver_matrices[name] = TravelMatrices(distance_m=cost, duration_s=durations[p])
        start, end = vehicle_locs[i]
        tw = v.time_window
        shift = (
            TimeWindow(float(tw[0] - offset), float(tw[1] - offset))
            if tw is not None
            else TimeWindow(0.0, math.inf)
        )
        if tw is not None and tw[0] > tw[1]:
            raise PayloadError(
                "vroom input", [(f"vehicles[{i}].time_window", "start must be <= end")]
            )
        vehicles.append(
            Vehicle(
                _vehicle_id(v),
                start=start,
                end=end,
                shift=shift,
                capacity=tuple(float(c) for c in (v.capacity or zeros)),
                profile=name,
                fixed_cost=float(rates.fixed),
                cost_per_km=1000.0,
                cost_per_hour=0.0,
                skills=frozenset(str(s) for s in v.skills or ()),
            )
        )

    # Drop penalties: serving one more task beats any saving in cost (two arcs of the
    # dearest cost and the dearest fixed cost); a priority p task weighs 1 + p tasks.
    dearest = max(float(m.distance_m.max()) for m in solver_matrices.values())
    unit = 2.0 * dearest + max(v.fixed_cost for v in vehicles) + 1.0
    tasks: list[Task] = []
    infos: dict[str, _TaskInfo] = {}
    for i, job in enumerate(doc.jobs):
        tid = _job_task_id(job)
        delivery = tuple(job.delivery or zeros)
        tasks.append(
            Task(
                tid,
                pickups=(),
                delivery=Stop(
                    job_locs[i],
                    service_s=float(job.service),
                    windows=_windows(job.time_windows, offset, f"jobs[{i}].time_windows")
                    or (TimeWindow(0.0, math.inf),),
                ),
                demand=tuple(float(x) for x in delivery),
                skills=frozenset(str(s) for s in job.skills or ()),
                drop_penalty=unit * (1 + job.priority),
            )
        )
        infos[tid] = _TaskInfo("job", i, job.priority, delivery, zeros)
    for i, s in enumerate(doc.shipments):
        tid = _shipment_task_id(i)
        amount = tuple(s.amount or zeros)
        pick, drop = shipment_locs[i]
        tasks.append(
            Task(
                tid,
                pickups=(
                    Stop(
                        pick,
                        service_s=float(s.pickup.service),
                        windows=_windows(
                            s.pickup.time_windows, offset, f"shipments[{i}].pickup.time_windows"
                        )
                        or (TimeWindow(0.0, math.inf),),
                    ),
                ),
                delivery=Stop(
                    drop,
                    service_s=float(s.delivery.service),
                    windows=_windows(
                        s.delivery.time_windows, offset, f"shipments[{i}].delivery.time_windows"
                    )
                    or (TimeWindow(0.0, math.inf),),
                ),
                demand=tuple(float(x) for x in amount),
                skills=frozenset(str(x) for x in s.skills or ()),
                drop_penalty=2 * unit * (1 + s.priority),  # two tasks in VROOM's count
            )
        )
        infos[tid] = _TaskInfo("shipment", i, s.priority, amount, amount)
    problem = RoutingProblem(tuple(vehicles), tuple(tasks), solver_matrices)
    return VroomTranslation(
        doc=doc,
        problem=problem,
        offset_s=int(offset),
        durations=durations,
        distances=distances,
        tasks=infos,
        loading_ms=round((time.perf_counter() - started) * 1000),
    )


def _int(x: float) -> int:
    return round(x)


def _location_fields(
    location: list[float] | None, index: int | None, custom: bool, solver_loc: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if location is not None:
        out["location"] = list(location)
    if custom:
        out["location_index"] = index if index is not None else solver_loc
    return out


def _add(a: list[int], b: Sequence[int], sign: int = 1) -> None:
    for k, x in enumerate(b):
        a[k] += sign * x


def vroom_answer(
    tr: VroomTranslation, solution: RoutingSolution, *, solving_ms: int
) -> dict[str, Any]:
    """The solution in VROOM's output format (``code`` 0, ``summary``, ``unassigned``,
    ``routes`` with ``steps``).

    Arrival times come from the solution (shifted back to the input's clock); travel
    durations, distances, loads and costs are recomputed from the input's own matrices
    and amounts.  ``distance`` keys appear when distances are known (custom
    ``distances`` or coordinates), as in VROOM.
    """
    doc = tr.doc
    custom = doc.matrices is not None
    vehicles = {_vehicle_id(v): v for v in doc.vehicles}
    solver_vehicles = {v.id: v for v in tr.problem.vehicles}
    dim = len(tr.problem.vehicles[0].capacity) if tr.problem.vehicles else 0
    routes: list[dict[str, Any]] = []
    totals = {"cost": 0, "setup": 0, "service": 0, "duration": 0, "waiting_time": 0, "priority": 0}
    total_distance = 0
    total_delivery = [0] * dim
    total_pickup = [0] * dim
    with_distance = True
    for route in solution.routes:
        if not route.stops:
            continue
        v = vehicles[route.vehicle_id]
        sv = solver_vehicles[route.vehicle_id]
        dur = tr.durations[v.profile]
        dist = tr.distances[v.profile]
        cost_m = tr.problem.matrices[sv.profile].distance_m
        with_distance = with_distance and dist is not None
        infos = [tr.tasks[s.task_id] for s in route.stops]
        seen: set[str] = set()
        delivery = [0] * dim
        pickup = [0] * dim
        priority = 0
        for stop, info in zip(route.stops, infos, strict=True):
            if stop.task_id not in seen:
                seen.add(stop.task_id)
                _add(delivery, info.delivery)
                _add(pickup, info.pickup)
                priority += info.priority
        load = [0] * dim
        for info in {s.task_id: i for s, i in zip(route.stops, infos, strict=True)}.values():
            if info.kind == "job":
                _add(load, info.delivery)
        travel_s = 0.0
        travel_m = 0.0
        cost = float(sv.fixed_cost)
        service_total = 0
        waiting_total = 0
        here = sv.start
        start_step: dict[str, Any] = {
            "type": "start",
            **_location_fields(v.start, v.start_index, custom, here),
            "setup": 0,
            "service": 0,
            "waiting_time": 0,
            "load": list(load),
            "arrival": _int(route.start_s) + tr.offset_s,
            "duration": 0,
            "violations": [],
        }
        if dist is not None:
            start_step["distance"] = 0
        steps = [start_step]
        for stop, info in zip(route.stops, infos, strict=True):
            travel_s += float(dur[here, stop.location])
            cost += float(cost_m[here, stop.location])
            if dist is not None:
                travel_m += float(dist[here, stop.location])
            here = stop.location
            waiting = _int(stop.start_s - stop.arrival_s)
            service = _int(stop.departure_s - stop.start_s)
            service_total += service
            waiting_total += waiting
            if info.kind == "job":
                job = doc.jobs[info.index]
                kind, task_id = "job", job.id
                where = _location_fields(job.location, job.location_index, custom, here)
                description = job.description
                _add(load, info.delivery, -1)
            else:
                shipment = doc.shipments[info.index]
                part = shipment.pickup if stop.kind is StopKind.PICKUP else shipment.delivery
                kind = "pickup" if stop.kind is StopKind.PICKUP else "delivery"
                task_id = part.id
                where = _location_fields(part.location, part.location_index, custom, here)
                description = part.description
                _add(
                    load,
                    info.pickup if kind == "pickup" else info.delivery,
                    1 if kind == "pickup" else -1,
                )
            step: dict[str, Any] = {
                "type": kind,
                "id": task_id,
                **where,
                "setup": 0,
                "service": service,
                "waiting_time": waiting,
                "load": list(load),
                "arrival": _int(stop.arrival_s) + tr.offset_s,
                "duration": _int(travel_s),
                "violations": [],
            }
            if kind == "job":
                step["job"] = task_id  # VROOM's deprecated key, still read by old clients
            if description is not None:
                step["description"] = description
            if dist is not None:
                step["distance"] = _int(travel_m)
            steps.append(step)
        if v.start is None and v.start_index is None:  # it begins at its first task
            first = steps[1]
            for key in ("location", "location_index"):
                start_step.pop(key, None)
                if key in first:
                    start_step[key] = first[key]
            start_step["arrival"] = first["arrival"]
        if sv.end is not None:
            last = route.stops[-1]
            travel_s += float(dur[here, sv.end])
            cost += float(cost_m[here, sv.end])
            if dist is not None:
                travel_m += float(dist[here, sv.end])
            end_step: dict[str, Any] = {
                "type": "end",
                **_location_fields(v.end, v.end_index, custom, sv.end),
                "setup": 0,
                "service": 0,
                "waiting_time": 0,
                "load": list(load),
                "arrival": _int(last.departure_s + float(dur[here, sv.end])) + tr.offset_s,
                "duration": _int(travel_s),
                "violations": [],
            }
            if dist is not None:
                end_step["distance"] = _int(travel_m)
            steps.append(end_step)
        out: dict[str, Any] = {
            "vehicle": v.id,
            "cost": _int(cost),
            "setup": 0,
            "service": service_total,
            "duration": _int(travel_s),
            "waiting_time": waiting_total,
            "priority": priority,
            "delivery": delivery,
            "pickup": pickup,
            "steps": steps,
            "violations": [],
        }
        if v.description is not None:
            out["description"] = v.description
        if dist is not None:
            out["distance"] = _int(travel_m)
            total_distance += _int(travel_m)
        for key in totals:
            totals[key] += out[key]
        _add(total_delivery, delivery)
        _add(total_pickup, pickup)
        routes.append(out)
    unassigned: list[dict[str, Any]] = []
    for item in solution.unassigned:
        info = tr.tasks[item.task_id]
        if info.kind == "job":
            parts: list[tuple[str, VroomJob | VroomShipmentStep]] = [("job", doc.jobs[info.index])]
        else:
            shipment = doc.shipments[info.index]
            parts = [("pickup", shipment.pickup), ("delivery", shipment.delivery)]
        for kind, item_part in parts:
            entry: dict[str, Any] = {"id": item_part.id, "type": kind}
            if item_part.location is not None:
                entry["location"] = list(item_part.location)
            if item_part.location_index is not None:
                entry["location_index"] = item_part.location_index
            if item_part.description is not None:
                entry["description"] = item_part.description
            entry["reason"] = item.reason.value  # an extension: why, as the engine says it
            unassigned.append(entry)
    summary: dict[str, Any] = {
        "cost": totals["cost"],
        "routes": len(routes),
        "unassigned": len(unassigned),
        "setup": 0,
        "service": totals["service"],
        "duration": totals["duration"],
        "waiting_time": totals["waiting_time"],
        "priority": totals["priority"],
        "violations": [],
        "delivery": total_delivery,
        "pickup": total_pickup,
        "computing_times": {"loading": tr.loading_ms, "solving": solving_ms},
    }
    if with_distance and all(d is not None for d in tr.distances.values()):
        summary["distance"] = total_distance
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}


def solve_vroom(
    data: object,
    params: SolveParams,
    *,
    travel: TravelFunction | None = None,
) -> tuple[VroomTranslation, RoutingSolution, dict[str, Any]]:
    """Translate, solve within ``params.time_limit_s`` and answer in VROOM's format.

    Raises:
        PayloadError: see :func:`vroom_problem`.
        InvalidInputError: coordinates the travel function cannot route.
    """
    tr = vroom_problem(data, travel=travel)
    started = time.perf_counter()
    # Integer matrices: one solver unit per second or cost unit keeps the sums exact.
    solution = solve(tr.problem, _integer_params(params))
    solving_ms = round((time.perf_counter() - started) * 1000)
    return tr, solution, vroom_answer(tr, solution, solving_ms=solving_ms)


def _integer_params(params: SolveParams) -> SolveParams:
    return SolveParams(
        time_limit_s=params.time_limit_s,
        seed=params.seed,
        workers=params.workers,
        iterations=params.iterations,
        distance_scale=1,
    )


def vroom_error(error: InvalidInputError) -> dict[str, Any]:
    """VROOM's error answer (``code`` 2, input error) with the engine's problems listed."""
    problems = getattr(error, "problems", None) or ((error.field, error.rule),)
    return {
        "code": 2,
        "error": str(error),
        "problems": [{"field": f, "rule": r} for f, r in problems],
    }


@dataclass(frozen=True)
class _Point:
    id: str
    lon: float
    lat: float


# VROOM's default profile is "car"; the engine's motor profile is the van.
VROOM_PROFILES: Mapping[str, str] = {
    "car": "van",
    "van": "van",
    "e_bike": "e_bike",
    "bike": "e_bike",
    "tricycle": "tricycle",
    "walk": "walk",
    "foot": "walk",
}


def world_travel(world: World) -> TravelFunction:
    """Route VROOM coordinates on a world's network (or its straight lines): VROOM's
    ``car`` is the engine's ``van``, ``bike`` the ``e_bike``, ``foot`` the ``walk``.

    The function raises :class:`InvalidInputError` for a profile it does not know
    (naming ``vehicles[].profile``) or a point too far from the streets."""

    def travel(
        vroom_profile: str, points: Sequence[tuple[float, float]]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        name = VROOM_PROFILES.get(vroom_profile)
        if name is None:
            raise PayloadError(
                "vroom input",
                [
                    (
                        "vehicles[].profile",
                        f"must be one of {sorted(VROOM_PROFILES)} to route coordinates, "
                        f"got {vroom_profile!r}",
                    )
                ],
            )
        located = [_Point(f"p{k}", lon, lat) for k, (lon, lat) in enumerate(points)]
        m = world.travel(name, located)
        return np.asarray(m.distance_m, dtype=np.float64), np.asarray(
            m.duration_s, dtype=np.float64
        )

    return travel

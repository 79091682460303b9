"""Pickup-point network design on a world: candidates, demand, the model, the figures.

* :func:`default_candidates`: the world's pickup points (the current network), its
  convenience stores (grocery stores) and, as leader homes, the building with most
  households in every 250 m cell;
* :func:`design_problem`: buildings become :class:`solvers.facility.Demand` (households,
  expected parcels a day ``households x parcels_per_household``, the candidates within
  the walking limit on the walk network), candidates :class:`solvers.facility.Site`;
* :func:`design_network`: the CP-SAT design, the greedy baseline and the current network,
  each measured the same way (:class:`NetworkFigures`);
* :func:`network_world`: the world with a design's network (points not opened closed,
  new ones added with a leader where their kind has one), for the next-day plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

from dispatch.domain import FulfilmentMode, Leader, Order
from dispatch.planner import Planner
from dispatch.settings import PlannerSettings
from dispatch.world import World
from geo.citygen import PICKUP_CAPACITIES, PICKUP_HOURS
from geo.frame import LocalFrame
from geo.places import PickupPoint, PickupPointKind
from solvers.errors import InvalidInputError
from solvers.facility import (
    Arc,
    Demand,
    FacilityDesign,
    FacilityProblem,
    Site,
    evaluate_design,
    greedy_design,
    solve_design,
)
from solvers.params import DEFAULT_TIME_LIMIT_S, SolveParams

#: Default opening cost of a new point by kind, yuan (an existing point costs nothing).
OPEN_COST_YUAN: dict[PickupPointKind, float] = {
    PickupPointKind.LOCKER: 3000.0,
    PickupPointKind.CONVENIENCE_STORE: 800.0,
    PickupPointKind.LEADER_HOME: 300.0,
    PickupPointKind.PROPERTY_OFFICE: 500.0,
}
#: Side of the cells in which the building with most households is a leader-home candidate.
LEADER_CELL_M = 250.0
#: Expected next-day parcels a household sends a day (the default demand).
PARCELS_PER_HOUSEHOLD = 0.05
_LED = frozenset({PickupPointKind.LEADER_HOME, PickupPointKind.CONVENIENCE_STORE})


class CandidateStatus(StrEnum):
    """What the design may do with a candidate."""

    EXISTING = "existing"  # open today: may be kept or closed, opening costs nothing
    CANDIDATE = "candidate"  # a new site: may open at its cost
    FIXED_OPEN = "fixed_open"  # must stay or become open
    CLOSED = "closed"  # must not open


@dataclass(frozen=True, slots=True)
class CandidateSite:
    """A site where a pickup point could run: position, kind, capacity, cost, status."""

    id: str
    lon: float
    lat: float
    kind: PickupPointKind
    capacity_parcels: int
    open_cost: float
    status: CandidateStatus

    def point(self) -> PickupPoint:
        """The pickup point it becomes when opened (kind's hours, a leader for led kinds)."""
        return PickupPoint(
            self.id,
            self.lon,
            self.lat,
            kind=self.kind,
            capacity_parcels=self.capacity_parcels,
            opening_hours=PICKUP_HOURS[self.kind],
            leader_id=f"ld-{self.id}" if self.kind in _LED else None,
        )


def _capacity(kind: PickupPointKind) -> int:
    choices = PICKUP_CAPACITIES[kind]
    return int(choices[len(choices) // 2])


def default_candidates(world: World) -> tuple[CandidateSite, ...]:
    """The world's pickup points (existing; closed ones closed), its grocery stores as
    convenience stores ``cand-{store id}`` and, as leader homes ``cand-{building id}``,
    the building with most households in every :data:`LEADER_CELL_M` cell (ties: the
    first).  Capacities: the middle of the kind's choices; costs :data:`OPEN_COST_YUAN`."""
    out = [
        CandidateSite(
            p.id,
            p.lon,
            p.lat,
            p.kind,
            p.capacity_parcels,
            0.0,
            CandidateStatus.CLOSED
            if p.id in world.closed_pickup_point_ids
            else CandidateStatus.EXISTING,
        )
        for p in world.pickup_points
    ]
    taken = {p.id for p in world.pickup_points}
    for kind, places in (
        (PickupPointKind.CONVENIENCE_STORE, [s for s in world.stores if s.category == "grocery"]),
        (PickupPointKind.LEADER_HOME, _leader_homes(world)),
    ):
        for place in places:
            cid = f"cand-{place.id}"
            if cid in taken:
                continue
            taken.add(cid)
            out.append(
                CandidateSite(
                    cid,
                    place.lon,
                    place.lat,
                    kind,
                    _capacity(kind),
                    OPEN_COST_YUAN[kind],
                    CandidateStatus.CANDIDATE,
                )
            )
    return tuple(out)


def _leader_homes(world: World) -> list[Any]:
    homes = [b for b in world.buildings if b.households > 0]
    if not homes:
        return []
    lon = np.array([b.lon for b in homes])
    lat = np.array([b.lat for b in homes])
    x, y = LocalFrame.around(lon, lat).forward(lon, lat)
    cells: dict[tuple[int, int], int] = {}
    for i, (cx, cy) in enumerate(
        zip((x // LEADER_CELL_M).tolist(), (y // LEADER_CELL_M).tolist(), strict=True)
    ):
        key = (int(cx), int(cy))
        best = cells.get(key)
        if best is None or homes[i].households > homes[best].households:
            cells[key] = i
    return [homes[i] for i in sorted(cells.values())]


def design_problem(
    world: World,
    candidates: Sequence[CandidateSite],
    *,
    walk_limit_m: float,
    max_open: int | None = None,
    budget: float | None = None,
    parcels_per_household: float = PARCELS_PER_HOUSEHOLD,
) -> FacilityProblem:
    """The facility problem of a world (see the module doc); walks on the walk network.

    Raises:
        InvalidInputError: no candidates or no household building, repeated candidate
            ids, a negative ``parcels_per_household``, or the model's own rules
            (:class:`solvers.facility.FacilityProblem`).
    """
    if not candidates:
        raise InvalidInputError("candidates", "must not be empty")
    if not (math.isfinite(parcels_per_household) and parcels_per_household >= 0):
        raise InvalidInputError(
            "parcels_per_household", f"must be a finite number >= 0, got {parcels_per_household!r}"
        )
    homes = [b for b in world.buildings if b.households > 0]
    if not homes:
        raise InvalidInputError("world.buildings", "must contain a building with households")
    walk = world.travel("walk", homes, [c.point() for c in candidates]).distance_m
    demands = []
    for i, b in enumerate(homes):
        row = walk[i]
        near = np.flatnonzero(row <= walk_limit_m)
        demands.append(
            Demand(
                b.id,
                b.households,
                b.households * parcels_per_household,
                tuple(Arc(candidates[j].id, float(row[j])) for j in near.tolist()),
            )
        )
    sites = tuple(
        Site(
            c.id,
            c.capacity_parcels,
            c.open_cost,
            fixed_open=c.status is CandidateStatus.FIXED_OPEN,
            closed=c.status is CandidateStatus.CLOSED,
        )
        for c in candidates
    )
    return FacilityProblem(sites, tuple(demands), walk_limit_m, max_open, budget)


@dataclass(frozen=True)
class NetworkFigures:
    """One network's figures: what opened, coverage, walks, utilisation, the model run."""

    name: str
    design: FacilityDesign
    households_covered_pct: float
    mean_walk_m: float | None
    p90_walk_m: float | None
    utilisation: dict[str, float]
    parcels: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        """The ``design.json`` fields of this network."""
        run = self.design.run
        return {
            "opened": list(self.design.opened),
            "households_covered_pct": round(self.households_covered_pct, 3),
            "mean_walk_m": None if self.mean_walk_m is None else round(self.mean_walk_m, 1),
            "p90_walk_m": None if self.p90_walk_m is None else round(self.p90_walk_m, 1),
            "utilisation": {k: round(v, 4) for k, v in self.utilisation.items()},
            "objective": run.objective,
            "bound": run.bound,
            "gap_pct": None if self.design.gap_pct is None else round(self.design.gap_pct, 4),
            "status": run.status.value,
            "solve_s": round(run.solve_s, 3),
        }


def network_figures(name: str, problem: FacilityProblem, design: FacilityDesign) -> NetworkFigures:
    """Coverage (households), household-weighted mean and 90th-percentile walk, and parcels
    and utilisation (parcels / capacity) of every opened point."""
    total = sum(d.households for d in problem.demands)
    walks: list[float] = []
    weights: list[int] = []
    parcels = dict.fromkeys(design.opened, 0.0)
    for d in problem.demands:
        sid = design.assigned.get(d.id)
        if sid is None:
            continue
        walks.append(next(a.walk_m for a in d.arcs if a.site_id == sid))
        weights.append(d.households)
        parcels[sid] = parcels.get(sid, 0.0) + d.parcels
    covered = sum(weights)
    mean = p90 = None
    if covered:
        w = np.array(weights, dtype=np.float64)
        v = np.array(walks)
        mean = float(np.average(v, weights=w))
        order = np.argsort(v, kind="stable")
        cum = np.cumsum(w[order])
        p90 = float(v[order][int(np.searchsorted(cum, 0.9 * cum[-1]))])
    utilisation = {
        sid: (
            load / problem.site(sid).capacity_parcels if problem.site(sid).capacity_parcels else 0.0
        )
        for sid, load in parcels.items()
    }
    return NetworkFigures(
        name,
        design,
        100.0 * covered / total if total else 0.0,
        mean,
        p90,
        utilisation,
        {k: round(v, 3) for k, v in parcels.items()},
    )


@dataclass(frozen=True)
class NetworkComparison:
    """The designed network and its baselines (``current``, ``greedy``)."""

    design: NetworkFigures
    current: NetworkFigures
    greedy: NetworkFigures
    problem: FacilityProblem
    candidates: tuple[CandidateSite, ...]

    def to_json(self) -> dict[str, Any]:
        """``design.json``: the design's fields, then ``baselines``."""
        return {
            **self.design.to_json(),
            "walk_limit_m": self.problem.walk_limit_m,
            "max_open": self.problem.max_open,
            "budget": self.problem.budget,
            "candidates": len(self.candidates),
            "households": sum(d.households for d in self.problem.demands),
            "parcels_expected": round(sum(d.parcels for d in self.problem.demands), 2),
            "baselines": {"current": self.current.to_json(), "greedy": self.greedy.to_json()},
        }


def design_network(
    world: World,
    candidates: Sequence[CandidateSite],
    *,
    walk_limit_m: float,
    max_open: int | None = None,
    budget: float | None = None,
    parcels_per_household: float = PARCELS_PER_HOUSEHOLD,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
) -> NetworkComparison:
    """Design the network and measure it against the current network and the greedy one.

    ``time_limit_s`` is the whole call's wall clock: the design gets 80 %, the two
    evaluations of the baselines (the best assignment of their fixed networks) 10 % each.

    Raises:
        InvalidInputError: see :func:`design_problem`.
    """
    problem = design_problem(
        world,
        candidates,
        walk_limit_m=walk_limit_m,
        max_open=max_open,
        budget=budget,
        parcels_per_household=parcels_per_household,
    )
    design = solve_design(problem, time_limit_s=0.8 * time_limit_s, seed=seed)
    greedy = greedy_design(problem)
    greedy_eval = evaluate_design(
        problem, greedy.opened, time_limit_s=0.1 * time_limit_s, seed=seed
    )
    listed = {c.id for c in candidates}
    existing = [
        p.id
        for p in world.pickup_points
        if p.id in listed and p.id not in world.closed_pickup_point_ids
    ]
    current = evaluate_design(problem, existing, time_limit_s=0.1 * time_limit_s, seed=seed)
    if greedy_eval.run.objective > design.run.objective:
        # The design search (hinted with the greedy heuristic's own assignment) was cut
        # off before it matched the greedy network's best assignment: that network is
        # then the design, with the design search's bound, so the design is never worse
        # than the greedy baseline it is compared with.
        design = replace(greedy_eval, run=replace(greedy_eval.run, bound=design.run.bound))
    return NetworkComparison(
        network_figures("design", problem, design),
        network_figures("current", problem, current),
        network_figures("greedy", problem, greedy_eval),
        problem,
        tuple(candidates),
    )


def network_world(
    world: World, candidates: Sequence[CandidateSite], opened: Sequence[str]
) -> World:
    """The world with this network: its pickup points not in ``opened`` closed, opened
    candidates that are not points yet added (with a leader ``ld-{id}`` for leader homes
    and convenience stores).

    Raises:
        InvalidInputError: an opened id that is no candidate.
    """
    by_id = {c.id: c for c in candidates}
    existing = {p.id for p in world.pickup_points}
    new_points = []
    for sid in opened:
        if sid in existing:
            continue
        if sid not in by_id:
            raise InvalidInputError("opened", f"unknown candidate {sid!r}")
        new_points.append(by_id[sid].point())
    leaders = list(world.leaders)
    leaders.extend(Leader(p.leader_id, p.id) for p in new_points if p.leader_id is not None)
    keep = set(opened)
    return replace(
        world,
        pickup_points=(*world.pickup_points, *new_points),
        leaders=tuple(leaders),
        closed_pickup_point_ids=frozenset(world.closed_pickup_point_ids | (existing - keep)),
    )


@dataclass(frozen=True)
class NextDayCost:
    """The next-day plan of a batch on one network: orders served, unassigned, the trunk
    routes' cost (yuan) and the mean walk from home to the point (metres)."""

    network: str
    orders: int
    served: int
    unassigned: int
    route_cost: float
    mean_walk_m: float | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "orders": self.orders,
            "served": self.served,
            "unassigned": self.unassigned,
            "route_cost": round(self.route_cost, 2),
            "mean_walk_m": None if self.mean_walk_m is None else round(self.mean_walk_m, 1),
        }


def next_day_cost(
    name: str,
    world: World,
    orders: Sequence[Order],
    settings: PlannerSettings,
    params: SolveParams,
) -> NextDayCost:
    """Plan the batch's next-day pickup orders (the others are left out) on ``world`` at
    the last one's creation time and report the plan's figures."""
    batch = [o for o in orders if o.mode is FulfilmentMode.NEXT_DAY_PICKUP]
    if not batch:
        return NextDayCost(name, 0, 0, 0, 0.0, None)
    plan = Planner(world, settings).plan(
        batch, at_s=max(o.created_at_s for o in batch), params=params
    )
    k = plan.kpis
    return NextDayCost(
        name,
        len(batch),
        len(plan.served_order_ids()),
        len(plan.unassigned),
        float(k.route_cost),
        None if k.mean_walk_m is None else float(k.mean_walk_m),
    )


def with_statuses(
    world: World,
    candidates: Sequence[CandidateSite],
    *,
    keep_existing: bool = False,
    fix_open: Sequence[str] = (),
    close: Sequence[str] = (),
) -> tuple[CandidateSite, ...]:
    """The candidates with the world's pickup points among them (added as existing when
    a list leaves them out) and the analyst's choices: every existing point kept
    (``keep_existing``), these fixed open, these closed.

    Raises:
        InvalidInputError: an id in ``fix_open`` or ``close`` that is no candidate, or
            an id in both.
    """
    listed = {c.id for c in candidates}
    out = list(candidates)
    for c in default_candidates(world)[: len(world.pickup_points)]:
        if c.id not in listed:
            out.append(c)
    ids = {c.id for c in out}
    for name, chosen in (("--fix-open", fix_open), ("--close", close)):
        for cid in chosen:
            if cid not in ids:
                raise InvalidInputError(name, f"unknown candidate {cid!r}")
    both = sorted(set(fix_open) & set(close))
    if both:
        raise InvalidInputError("--fix-open, --close", f"{both[0]!r} is in both")

    def status(c: CandidateSite) -> CandidateStatus:
        if c.id in close:
            return CandidateStatus.CLOSED
        if c.id in fix_open or (keep_existing and c.status is CandidateStatus.EXISTING):
            return CandidateStatus.FIXED_OPEN
        return c.status

    return tuple(replace(c, status=status(c)) for c in out)

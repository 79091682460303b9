"""Capacitated assignment of requests to sites, with CP-SAT.

Pure optimisation, ids in and ids out (DESIGN.md: "Assignment solvers: orders to
pickup points under capacity"); :mod:`dispatch.flows.next_day` translates orders and
pickup points into requests and sites and back.

Each request may go to at most one of its candidate sites; a site holds at most its
capacity in request sizes (parcels).  The objective maximises, over assigned requests,
``reward - cost``: rewards (large, weighted by priority) decide *which* requests are
served when capacity is short, costs (walking metres) decide *where*.  Sizes differ
between requests, so this is a generalised assignment problem, not a flow; CP-SAT
solves the sizes of a batch of next-day orders to optimality in milliseconds.
Deterministic: one search worker and a fixed seed (:mod:`solvers.cp_sat`); if the time
limit passes without a solution, a greedy fill (highest reward first, cheapest site
with room) is returned and the result says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solvers.cp_sat import ModelRun, ModelStatus, solve_model
from solvers.errors import InvalidInputError
from solvers.params import DEFAULT_TIME_LIMIT_S
from solvers.scaling import scaled_amount


@dataclass(frozen=True, slots=True)
class Candidate:
    """A site a request may go to, at a cost (>= 0, the caller's unit)."""

    site_id: str
    cost: float


@dataclass(frozen=True, slots=True)
class Request:
    """Something to place: its integer size (>= 0), its reward when placed (>= 0, the
    costs' unit) and its sites."""

    id: str
    size: int
    reward: float
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    """Request id -> site id for the placed requests, and how the run went.

    ``run.status`` is ``optimal``, ``feasible`` (time limit) or ``greedy`` (no solution
    in time: the greedy fill); ``run.objective`` and ``run.bound`` are in the requests'
    reward/cost unit (total ``reward - cost``, maximised), to within the resolution.
    """

    assigned: Mapping[str, str]
    run: ModelRun

    @property
    def status(self) -> ModelStatus:
        """How the run ended (``run.status``)."""
        return self.run.status

    @property
    def objective(self) -> float:
        """Total ``reward - cost`` of the placed requests (``run.objective``)."""
        return self.run.objective


def _validate(requests: Sequence[Request], capacities: Mapping[str, int]) -> None:
    for site, cap in capacities.items():
        if not isinstance(cap, int) or cap < 0:
            raise InvalidInputError(
                f"capacity of {site!r}", f"must be an integer >= 0, got {cap!r}"
            )
    seen: set[str] = set()
    for r in requests:
        if r.id in seen:
            raise InvalidInputError(f"Request {r.id!r}", "id must be unique")
        seen.add(r.id)
        if not isinstance(r.size, int) or r.size < 0:
            raise InvalidInputError(
                f"Request {r.id!r}: size", f"must be an integer >= 0, got {r.size!r}"
            )
        if not _amount(r.reward):
            raise InvalidInputError(
                f"Request {r.id!r}: reward", f"must be a finite number >= 0, got {r.reward!r}"
            )
        sites: set[str] = set()
        for c in r.candidates:
            if c.site_id not in capacities:
                raise InvalidInputError(f"Request {r.id!r}", f"unknown site {c.site_id!r}")
            if c.site_id in sites:
                raise InvalidInputError(f"Request {r.id!r}", f"site {c.site_id!r} listed twice")
            sites.add(c.site_id)
            if not _amount(c.cost):
                raise InvalidInputError(
                    f"Request {r.id!r}: cost of {c.site_id!r}",
                    f"must be a finite number >= 0, got {c.cost!r}",
                )


def _amount(value: object) -> bool:
    """A finite number >= 0 (not a bool)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _in_units(requests: Sequence[Request], resolution: int) -> list[Request]:
    """The requests with rewards and costs in integer objective units."""
    return [
        Request(
            r.id,
            r.size,
            scaled_amount(r.reward, resolution),
            tuple(Candidate(c.site_id, scaled_amount(c.cost, resolution)) for c in r.candidates),
        )
        for r in requests
    ]


def _greedy(requests: Sequence[Request], capacities: Mapping[str, int]) -> dict[str, str]:
    room = dict(capacities)
    out: dict[str, str] = {}
    for r in sorted(requests, key=lambda r: (-r.reward, r.size, r.id)):
        for c in sorted(r.candidates, key=lambda c: (c.cost, c.site_id)):
            if c.cost < r.reward and room[c.site_id] >= r.size:
                room[c.site_id] -= r.size
                out[r.id] = c.site_id
                break
    return out


def _objective(requests: Sequence[Request], assigned: Mapping[str, str]) -> float:
    total = 0.0
    for r in requests:
        site = assigned.get(r.id)
        if site is not None:
            total += r.reward - next(c.cost for c in r.candidates if c.site_id == site)
    return total


def assign_capacitated(
    requests: Sequence[Request],
    capacities: Mapping[str, int],
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    resolution: int = 1,
) -> AssignmentResult:
    """Place requests on sites under capacity, maximising total ``reward - cost``.

    ``time_limit_s`` is the wall-clock limit of the CP-SAT search (at least 0.01 s),
    ``seed`` its random seed.  Rewards and costs count to ``1 / resolution`` of their
    unit (:func:`solvers.scaling.scaled_amount`), in the search and in the greedy fill.

    Raises:
        InvalidInputError: duplicate request ids, a negative size, reward, cost or
            capacity, a reward or cost that is not finite, a candidate site without a
            capacity, a resolution below 1, or a negative time limit.
    """
    started = time.perf_counter()
    _validate(requests, capacities)
    if not isinstance(resolution, int) or resolution < 1:
        raise InvalidInputError("resolution", f"must be an integer >= 1, got {resolution!r}")
    if not any(r.candidates for r in requests):
        run = ModelRun(ModelStatus.OPTIMAL, 0.0, 0.0, time.perf_counter() - started, False)
        return AssignmentResult({}, run)
    requests = _in_units(requests, resolution)
    model = cp_model.CpModel()
    chosen: dict[tuple[str, str], cp_model.IntVar] = {}
    by_site: dict[str, list[tuple[int, cp_model.IntVar]]] = {}
    terms = []
    for r in requests:
        options = []
        for c in r.candidates:
            x = model.new_bool_var(f"x[{r.id},{c.site_id}]")
            chosen[(r.id, c.site_id)] = x
            options.append(x)
            by_site.setdefault(c.site_id, []).append((r.size, x))
            terms.append(int(r.reward - c.cost) * x)
        if options:
            model.add_at_most_one(options)
    for site, members in sorted(by_site.items()):
        model.add(sum(size * x for size, x in members) <= capacities[site])
    model.maximize(sum(terms))
    solver, status = solve_model(model, seed=seed, time_limit_s=time_limit_s)
    if status is not None:
        assigned = {rid: site for (rid, site), x in chosen.items() if solver.value(x)}
        bound: float | None = solver.best_objective_bound / resolution
    else:
        assigned, status, bound = _greedy(requests, capacities), ModelStatus.GREEDY, None
    run = ModelRun(
        status=status,
        objective=_objective(requests, assigned) / resolution,
        bound=bound,
        solve_s=time.perf_counter() - started,
        fallback=status is ModelStatus.GREEDY,
    )
    return AssignmentResult(assigned, run)

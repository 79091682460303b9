"""Capacitated maximal covering: which sites to open so that demand is served within reach.

Pure optimisation, ids in and ids out; :mod:`dispatch.planning.network_design` turns a
world's buildings and candidate pickup points into :class:`Demand` and :class:`Site` and
back.

Each demand (a building: its households and its expected parcels a day) may be served by
at most one *open* site among its arcs (sites within the walking limit, with the walk in
metres); a site holds at most its capacity in parcels; at most ``max_open`` sites open and
their opening costs stay within ``budget``; ``fixed_open`` sites must open, ``closed``
ones must not.  The objective maximises

    sum over served demands of households x (coverage_value_m - walk_m)

so covering a household is worth ``coverage_value_m`` metres of walking (default ten
walking limits: coverage first, walking second).  Parcels are counted to 1/100, walks to
the metre.  Deterministic (one CP-SAT worker, fixed seed).  :func:`greedy_design` is the
classic greedy baseline (open the site with the best capacity-limited marginal gain,
repeat), and :func:`evaluate_design` gives the best assignment of a given network (the
same model with the open sites fixed), so every network is measured the same way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solvers.cp_sat import ModelRun, ModelStatus, solve_model
from solvers.errors import InvalidInputError
from solvers.params import DEFAULT_TIME_LIMIT_S

#: Parcels count to 1 / PARCEL_SCALE in the model.
PARCEL_SCALE = 100


@dataclass(frozen=True, slots=True)
class Arc:
    """A site a demand can reach, and the walk there, metres (>= 0)."""

    site_id: str
    walk_m: float


@dataclass(frozen=True, slots=True)
class Demand:
    """A place whose residents need a site: households (>= 0), expected parcels a day
    (>= 0) and the sites within the walking limit."""

    id: str
    households: int
    parcels: float
    arcs: tuple[Arc, ...]


@dataclass(frozen=True, slots=True)
class Site:
    """A candidate site: capacity in parcels (>= 0), opening cost (>= 0, the budget's
    unit), and whether it must open (``fixed_open``) or must not (``closed``)."""

    id: str
    capacity_parcels: int
    open_cost: float = 0.0
    fixed_open: bool = False
    closed: bool = False


@dataclass(frozen=True)
class FacilityProblem:
    """The whole design problem (see the module doc).

    Attributes:
        sites, demands: ids unique within each.
        walk_limit_m: arcs longer than this are ignored (> 0).
        max_open: most sites open (None: no limit).
        budget: most total opening cost (None: no limit).
        coverage_value_m: what covering one household is worth, walking metres (> 0);
            None means ten walking limits.

    Raises:
        InvalidInputError: repeated ids, negative sizes or costs, an arc to an unknown
            site, a site both fixed open and closed, more fixed-open sites than
            ``max_open`` or a fixed-open cost over the budget.
    """

    sites: tuple[Site, ...]
    demands: tuple[Demand, ...]
    walk_limit_m: float
    max_open: int | None = None
    budget: float | None = None
    coverage_value_m: float | None = None
    _site_index: dict[str, Site] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sites", tuple(self.sites))
        object.__setattr__(self, "demands", tuple(self.demands))
        if not _positive(self.walk_limit_m):
            raise InvalidInputError("walk_limit_m", f"must be > 0, got {self.walk_limit_m!r}")
        if self.coverage_value_m is not None and not _positive(self.coverage_value_m):
            raise InvalidInputError(
                "coverage_value_m", f"must be > 0, got {self.coverage_value_m!r}"
            )
        index: dict[str, Site] = {}
        for s in self.sites:
            if s.id in index:
                raise InvalidInputError(f"sites[{s.id!r}]", "id must be unique")
            index[s.id] = s
            if not isinstance(s.capacity_parcels, int) or s.capacity_parcels < 0:
                raise InvalidInputError(
                    f"sites[{s.id!r}].capacity_parcels",
                    f"must be an integer >= 0, got {s.capacity_parcels!r}",
                )
            if not _amount(s.open_cost):
                raise InvalidInputError(
                    f"sites[{s.id!r}].open_cost",
                    f"must be a finite number >= 0, got {s.open_cost!r}",
                )
            if s.fixed_open and s.closed:
                raise InvalidInputError(f"sites[{s.id!r}]", "cannot be both fixed open and closed")
        seen: set[str] = set()
        for d in self.demands:
            if d.id in seen:
                raise InvalidInputError(f"demands[{d.id!r}]", "id must be unique")
            seen.add(d.id)
            if not isinstance(d.households, int) or d.households < 0:
                raise InvalidInputError(
                    f"demands[{d.id!r}].households",
                    f"must be an integer >= 0, got {d.households!r}",
                )
            if not _amount(d.parcels):
                raise InvalidInputError(
                    f"demands[{d.id!r}].parcels", f"must be a finite number >= 0, got {d.parcels!r}"
                )
            for a in d.arcs:
                if a.site_id not in index:
                    raise InvalidInputError(
                        f"demands[{d.id!r}].arcs", f"unknown site {a.site_id!r}"
                    )
                if not _amount(a.walk_m):
                    raise InvalidInputError(
                        f"demands[{d.id!r}].arcs[{a.site_id!r}].walk_m",
                        f"must be a finite number >= 0, got {a.walk_m!r}",
                    )
        fixed = [s for s in self.sites if s.fixed_open]
        if self.max_open is not None:
            if not isinstance(self.max_open, int) or self.max_open < 0:
                raise InvalidInputError(
                    "max_open", f"must be an integer >= 0, got {self.max_open!r}"
                )
            if len(fixed) > self.max_open:
                raise InvalidInputError(
                    "max_open",
                    f"must be at least the {len(fixed)} fixed-open sites, got {self.max_open}",
                )
        if self.budget is not None:
            if not _amount(self.budget):
                raise InvalidInputError(
                    "budget", f"must be a finite number >= 0, got {self.budget!r}"
                )
            if sum(s.open_cost for s in fixed) > self.budget + 1e-9:
                raise InvalidInputError("budget", "must cover the fixed-open sites' opening costs")
        object.__setattr__(self, "_site_index", index)

    @property
    def value_m(self) -> float:
        """What covering one household is worth, walking metres."""
        return (
            self.coverage_value_m if self.coverage_value_m is not None else 10 * self.walk_limit_m
        )

    def site(self, site_id: str) -> Site:
        """The site with this id (raises InvalidInputError when unknown)."""
        found = self._site_index.get(site_id)
        if found is None:
            raise InvalidInputError("site", f"unknown site {site_id!r}")
        return found

    def usable_arcs(self, demand: Demand) -> tuple[Arc, ...]:
        """The demand's arcs within the walking limit to sites that are not closed."""
        return tuple(
            a
            for a in demand.arcs
            if a.walk_m <= self.walk_limit_m and not self.site(a.site_id).closed
        )


@dataclass(frozen=True)
class FacilityDesign:
    """Which sites open, which site serves each demand, and how the run went.

    ``run.objective`` and ``run.bound`` are in household-metres (see the module doc);
    ``gap_pct`` is ``100 x (bound - objective) / bound`` (0 when proved optimal).
    """

    opened: tuple[str, ...]
    assigned: Mapping[str, str]
    run: ModelRun

    @property
    def gap_pct(self) -> float | None:
        """The optimality gap in percent of the bound; None without a bound."""
        if self.run.bound is None:
            return None
        if self.run.bound <= 0:
            return 0.0
        return max(0.0, 100.0 * (self.run.bound - self.run.objective) / self.run.bound)


def _positive(value: object) -> bool:
    return _amount(value) and float(value) > 0  # type: ignore[arg-type]


def _amount(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _value(problem: FacilityProblem, demand: Demand, walk_m: float) -> int:
    """A served demand's integer objective term (household-metres)."""
    return demand.households * round(problem.value_m - walk_m)


def design_objective(problem: FacilityProblem, assigned: Mapping[str, str]) -> float:
    """The objective of an assignment (household-metres), as the model counts it."""
    total = 0
    for d in problem.demands:
        site = assigned.get(d.id)
        if site is not None:
            walk = next(a.walk_m for a in d.arcs if a.site_id == site)
            total += _value(problem, d, walk)
    return float(total)


def solve_design(
    problem: FacilityProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    open_only: Sequence[str] | None = None,
) -> FacilityDesign:
    """The best design within the time limit (CP-SAT, started from the greedy design),
    or the greedy one if CP-SAT returns nothing better.

    ``open_only`` fixes the network: exactly these sites open (the best assignment of a
    given network, :func:`evaluate_design`); limits and fixed/closed sites then do not
    apply.  ``time_limit_s`` is the wall clock of the whole call.

    Raises:
        InvalidInputError: a negative time limit or seed, an unknown id in ``open_only``.
    """
    started = time.perf_counter()
    forced = None if open_only is None else set(open_only)
    if forced is not None:
        for sid in sorted(forced):
            problem.site(sid)
    model = cp_model.CpModel()
    y: dict[str, cp_model.IntVar] = {}
    for s in problem.sites:
        var = model.new_bool_var(f"open[{s.id}]")
        y[s.id] = var
        if forced is not None:
            model.add(var == int(s.id in forced))
        elif s.fixed_open:
            model.add(var == 1)
        elif s.closed:
            model.add(var == 0)
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    load: dict[str, list[tuple[int, cp_model.IntVar]]] = {s.id: [] for s in problem.sites}
    terms = []
    for d in problem.demands:
        arcs = (
            [a for a in d.arcs if a.site_id in forced and a.walk_m <= problem.walk_limit_m]
            if forced is not None
            else problem.usable_arcs(d)
        )
        options = []
        size = round(d.parcels * PARCEL_SCALE)
        for a in arcs:
            value = _value(problem, d, a.walk_m)
            if value <= 0 and d.households > 0:
                continue
            var = model.new_bool_var(f"x[{d.id},{a.site_id}]")
            x[(d.id, a.site_id)] = var
            model.add_implication(var, y[a.site_id])
            options.append(var)
            load[a.site_id].append((size, var))
            terms.append(value * var)
        if options:
            model.add_at_most_one(options)
    for s in problem.sites:
        if load[s.id]:
            model.add(
                sum(size * v for size, v in load[s.id])
                <= s.capacity_parcels * PARCEL_SCALE * y[s.id]
            )
    if forced is None:
        if problem.max_open is not None:
            model.add(sum(y.values()) <= problem.max_open)
        if problem.budget is not None:
            # Costs count to the cent.
            model.add(
                sum(round(100 * s.open_cost) * y[s.id] for s in problem.sites)
                <= math.floor(100 * problem.budget + 1e-6)
            )
    model.maximize(sum(terms))
    # The greedy design is the search's first solution (a hint): the answer is never
    # worse than the greedy baseline, however short the time.
    greedy = greedy_design(problem) if forced is None else None
    if greedy is not None:
        open_set = set(greedy.opened)
        for sid, var in y.items():
            model.add_hint(var, int(sid in open_set))
        for (did, sid), var in x.items():
            model.add_hint(var, int(greedy.assigned.get(did) == sid))
    left = max(0.0, time_limit_s - (time.perf_counter() - started))
    solver, status = solve_model(model, seed=seed, time_limit_s=left)
    if status is not None:
        opened = tuple(s.id for s in problem.sites if solver.value(y[s.id]))
        assigned = {d: s for (d, s), var in x.items() if solver.value(var)}
        bound: float | None = float(solver.best_objective_bound)
        if greedy is not None and greedy.run.objective > design_objective(problem, assigned):
            opened, assigned = greedy.opened, dict(greedy.assigned)
    else:
        opened = greedy.opened if greedy is not None else tuple(sorted(forced or ()))
        assigned = dict(greedy.assigned) if greedy is not None else {}
        status, bound = ModelStatus.GREEDY, None
    run = ModelRun(
        status=status,
        objective=design_objective(problem, assigned),
        bound=bound,
        solve_s=time.perf_counter() - started,
        fallback=status is ModelStatus.GREEDY,
    )
    return FacilityDesign(opened, assigned, run)


def evaluate_design(
    problem: FacilityProblem,
    opened: Sequence[str],
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
) -> FacilityDesign:
    """The best assignment of demands to exactly the ``opened`` sites (see
    :func:`solve_design` with ``open_only``)."""
    return solve_design(problem, time_limit_s=time_limit_s, seed=seed, open_only=opened)


def _fill(
    problem: FacilityProblem, demands: Sequence[Demand], site: Site, best: Mapping[str, int]
) -> tuple[int, list[str]]:
    """The gain of opening ``site`` over the current values ``best`` (demands that gain,
    best gain per parcel first, until the capacity is full), and those demands."""
    gains: list[tuple[float, int, int, str]] = []
    for d in demands:
        for a in problem.usable_arcs(d):
            if a.site_id == site.id:
                gain = _value(problem, d, a.walk_m) - best.get(d.id, 0)
                if gain > 0:
                    size = round(d.parcels * PARCEL_SCALE)
                    gains.append((-gain / max(size, 1), size, gain, d.id))
    room = site.capacity_parcels * PARCEL_SCALE
    total, taken = 0, []
    for _, size, gain, did in sorted(gains):
        if size <= room:
            room -= size
            total += gain
            taken.append(did)
    return total, taken


def greedy_design(problem: FacilityProblem) -> FacilityDesign:
    """The greedy baseline: fixed-open sites first, then repeatedly the site whose
    opening gains most (capacity-limited, over what the open sites already give), while
    ``max_open`` and the budget allow and a site still gains.  Each demand is served by
    the site whose opening gave it most (a site's earlier demands stay within its
    capacity: a demand moved away only frees room).  ``run.bound`` is None."""
    started = time.perf_counter()
    by_site: dict[str, list[Demand]] = {}
    for d in problem.demands:
        for a in problem.usable_arcs(d):
            by_site.setdefault(a.site_id, []).append(d)
    best: dict[str, int] = {}
    assigned: dict[str, str] = {}
    opened: list[str] = []
    spent = 0.0

    def take(site: Site) -> None:
        nonlocal spent
        _, taken = _fill(problem, by_site.get(site.id, []), site, best)
        for did in taken:
            d = next(x for x in by_site[site.id] if x.id == did)
            walk = next(a.walk_m for a in d.arcs if a.site_id == site.id)
            best[did] = _value(problem, d, walk)
            assigned[did] = site.id
        opened.append(site.id)
        spent += site.open_cost

    for s in problem.sites:
        if s.fixed_open:
            take(s)
    while problem.max_open is None or len(opened) < problem.max_open:
        choice: tuple[int, str] | None = None
        for s in problem.sites:
            if s.closed or s.id in opened:
                continue
            if problem.budget is not None and spent + s.open_cost > problem.budget + 1e-9:
                continue
            gain, _ = _fill(problem, by_site.get(s.id, []), s, best)
            if gain > 0 and (choice is None or gain > choice[0]):
                choice = (gain, s.id)
        if choice is None:
            break
        take(problem.site(choice[1]))
    run = ModelRun(
        status=ModelStatus.GREEDY,
        objective=design_objective(problem, assigned),
        bound=None,
        solve_s=time.perf_counter() - started,
        fallback=True,
    )
    return FacilityDesign(tuple(s.id for s in problem.sites if s.id in opened), assigned, run)


def check_design(problem: FacilityProblem, design: FacilityDesign) -> list[str]:
    """Every rule a design breaks, recomputed from the problem alone (empty when none):
    capacities, the walking limit, one site per demand, served only by open sites, fixed
    and closed sites, ``max_open`` and the budget, and the reported objective."""
    problems: list[str] = []
    opened = set(design.opened)
    sites = {s.id: s for s in problem.sites}
    for sid in sorted(opened - set(sites)):
        problems.append(f"opened unknown site {sid!r}")
    for s in problem.sites:
        if s.fixed_open and s.id not in opened:
            problems.append(f"fixed-open site {s.id!r} not opened")
        if s.closed and s.id in opened:
            problems.append(f"closed site {s.id!r} opened")
    if problem.max_open is not None and len(opened) > problem.max_open:
        problems.append(f"{len(opened)} sites open, more than {problem.max_open}")
    if problem.budget is not None:
        cost = sum(sites[s].open_cost for s in opened if s in sites)
        if cost > problem.budget + 1e-6:
            problems.append(f"opening cost {cost} over the budget {problem.budget}")
    parcels: dict[str, float] = {}
    demands = {d.id: d for d in problem.demands}
    total = 0
    for did, sid in design.assigned.items():
        d = demands.get(did)
        if d is None:
            problems.append(f"unknown demand {did!r} assigned")
            continue
        if sid not in opened:
            problems.append(f"demand {did!r} served by {sid!r}, which is not open")
        walks = [a.walk_m for a in d.arcs if a.site_id == sid]
        if not walks or walks[0] > problem.walk_limit_m:
            problems.append(f"demand {did!r} served by {sid!r} beyond the walking limit")
            continue
        parcels[sid] = parcels.get(sid, 0.0) + round(d.parcels * PARCEL_SCALE) / PARCEL_SCALE
        total += d.households * round(problem.value_m - walks[0])
    for sid, load in sorted(parcels.items()):
        if sid in sites and load > sites[sid].capacity_parcels + 1e-9:
            problems.append(
                f"site {sid!r} holds {load:g} parcels, over {sites[sid].capacity_parcels}"
            )
    if abs(total - design.run.objective) > 1e-6:
        problems.append(f"objective {design.run.objective} but the assignment gives {total}")
    return problems

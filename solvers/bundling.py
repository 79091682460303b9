"""Choosing bundles for resources, with CP-SAT: a weighted set packing.

Pure optimisation, ids in and ids out.  Each option offers to give one resource (a
courier) a bundle of items (orders) at a cost; the chosen options use every resource
and every item at most once and minimise the total cost, so an option is worth taking
only when its cost is negative (a caller rewards serving items by lowering costs).
The Grubhub dispatcher (:mod:`scenarios.grubhub_dispatcher`) builds the options of a
wave: candidate bundles of a restaurant's orders, each paired with the couriers that
reach it first.

Costs are floats in the caller's unit; CP-SAT sees them rounded to ``1 / resolution``
of that unit (:func:`solvers.scaling.scaled_amount`).  Deterministic: one search worker
and a fixed seed (:mod:`solvers.cp_sat`), and a limit in CP-SAT's deterministic seconds
gives the same answer on every machine.  No solution within the limits means nothing
is chosen (status ``no_solution``) unless the caller asks for the greedy fallback
(``fallback=True``): then the greedy choice (options by increasing cost, each taken when
its resource and items are still free) is CP-SAT's hint, and the answer when CP-SAT finds
nothing or nothing better within the limits (a large wave on a loaded machine).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solvers.cp_sat import ModelRun, ModelStatus, solve_model
from solvers.errors import InvalidInputError
from solvers.scaling import scaled_amount

# Integer objective units per unit of cost by default (tenths of a minute for Grubhub).
DEFAULT_RESOLUTION = 10


@dataclass(frozen=True, slots=True)
class BundleOption:
    """Give ``resource_id`` the items ``item_ids`` at ``cost`` (caller's unit, finite)."""

    resource_id: str
    item_ids: tuple[str, ...]
    cost: float


@dataclass(frozen=True, slots=True)
class BundlingResult:
    """The chosen options, as increasing positions in the options given, and the run.

    ``run.objective`` and ``run.bound`` are in the options' cost unit (to within the
    resolution); ``run.status`` is ``optimal``, ``feasible`` or ``no_solution``.
    """

    chosen: tuple[int, ...]
    run: ModelRun


def _validate(options: Sequence[BundleOption], resolution: int) -> None:
    if not isinstance(resolution, int) or resolution < 1:
        raise InvalidInputError("resolution", f"must be an integer >= 1, got {resolution!r}")
    for k, option in enumerate(options):
        if not option.resource_id:
            raise InvalidInputError(f"options[{k}].resource_id", "must not be empty")
        if not option.item_ids:
            raise InvalidInputError(f"options[{k}].item_ids", "must not be empty")
        if len(set(option.item_ids)) != len(option.item_ids):
            raise InvalidInputError(f"options[{k}].item_ids", "must not repeat an item")
        if not math.isfinite(option.cost):
            raise InvalidInputError(f"options[{k}].cost", f"must be finite, got {option.cost}")


def greedy_bundles(options: Sequence[BundleOption], costs: Sequence[int]) -> tuple[int, ...]:
    """Options by increasing cost (ties: position), each taken when it costs less than
    nothing and its resource and items are still free; increasing positions."""
    used_resources: set[str] = set()
    used_items: set[str] = set()
    picked: list[int] = []
    for k in sorted(range(len(options)), key=lambda k: (costs[k], k)):
        option = options[k]
        if costs[k] >= 0:
            break
        if option.resource_id in used_resources or not used_items.isdisjoint(option.item_ids):
            continue
        used_resources.add(option.resource_id)
        used_items.update(option.item_ids)
        picked.append(k)
    return tuple(sorted(picked))


def choose_bundles(
    options: Sequence[BundleOption],
    *,
    resolution: int = DEFAULT_RESOLUTION,
    seed: int = 0,
    time_limit_s: float | None = None,
    deterministic_time_s: float | None = None,
    fallback: bool = False,
    hint: bool = True,
) -> BundlingResult:
    """Options using each resource and each item at most once, of least total cost.

    ``time_limit_s`` limits the search in wall-clock seconds, ``deterministic_time_s``
    in CP-SAT's deterministic seconds (reproducible); None means no such limit.  With
    ``fallback`` the greedy choice (:func:`greedy_bundles`) is CP-SAT's hint and the
    answer when CP-SAT returns nothing better (``run.fallback`` then says so);
    ``hint=False`` keeps the greedy choice out of CP-SAT's search (only the fallback).

    Raises:
        InvalidInputError: an option without a resource or items, an item twice in one
            option, a cost that is not finite, a resolution below 1, or a negative limit
            or seed.
    """
    started = time.perf_counter()
    _validate(options, resolution)
    if not options:
        run = ModelRun(ModelStatus.OPTIMAL, 0.0, 0.0, time.perf_counter() - started, False)
        return BundlingResult((), run)
    costs = [scaled_amount(option.cost, resolution) for option in options]
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{k}") for k in range(len(options))]
    by_resource: dict[str, list[cp_model.IntVar]] = {}
    by_item: dict[str, list[cp_model.IntVar]] = {}
    for var, option in zip(chosen, options, strict=True):
        by_resource.setdefault(option.resource_id, []).append(var)
        for item in option.item_ids:
            by_item.setdefault(item, []).append(var)
    for group in (*by_resource.values(), *by_item.values()):
        if len(group) > 1:
            model.add_at_most_one(group)
    model.minimize(sum(cost * var for var, cost in zip(chosen, costs, strict=True)))
    greedy = greedy_bundles(options, costs) if fallback else ()
    if fallback and hint:
        in_greedy = set(greedy)
        for k, var in enumerate(chosen):
            model.add_hint(var, k in in_greedy)
    solver, status = solve_model(
        model, seed=seed, time_limit_s=time_limit_s, deterministic_time_s=deterministic_time_s
    )
    greedy_cost = sum(costs[k] for k in greedy)
    if fallback and (status is None or solver.objective_value > greedy_cost):
        run = ModelRun(
            status=ModelStatus.GREEDY,
            objective=greedy_cost / resolution,
            bound=None if status is None else solver.best_objective_bound / resolution,
            solve_s=time.perf_counter() - started,
            fallback=True,
        )
        return BundlingResult(greedy, run)
    if status is None:
        run = ModelRun(
            ModelStatus.NO_SOLUTION, 0.0, None, time.perf_counter() - started, fallback=False
        )
        return BundlingResult((), run)
    picked = tuple(k for k, var in enumerate(chosen) if solver.boolean_value(var))
    run = ModelRun(
        status=status,
        objective=sum(costs[k] for k in picked) / resolution,
        bound=solver.best_objective_bound / resolution,
        solve_s=time.perf_counter() - started,
        fallback=False,
    )
    return BundlingResult(picked, run)

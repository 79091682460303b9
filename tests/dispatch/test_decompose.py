"""Decomposition of large flows (issue 11): parts, coverage, borders, small batches unchanged.

Every test runs the parts in-process or in a local process pool with the iteration stop
rule, so results do not depend on the machine's load; every solution goes through the
independent checker (``check_plan``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from dispatch import FulfilmentMode, Planner
from dispatch.decompose import (
    PartEvent,
    ScaleSettings,
    _Candidate,
    _Decomposed,
    _Part,
    checked_cost,
    split_batch,
)
from dispatch.flows.instant import plan_instant
from dispatch.flows.routing import PlanContext
from dispatch.plan import PartKind
from dispatch.plan_schema import PlanFile, plan_from_json
from dispatch.settings import PlannerSettings
from solvers import SolveParams, check
from solvers.budget import Budget
from solvers.errors import InvalidInputError
from solvers.executor import ExecutorKind, ExecutorSpec
from solvers.parts import PartAnswer
from solvers.solution import (
    CostBreakdown,
    RoutingSolution,
    SolveStats,
    SolveStatus,
    UnassignedReason,
    UnassignedTask,
)
from tests.dispatch.helpers import check_plan
from tests.dispatch.scale_world import T0, scale_orders, scale_world

PARAMS = SolveParams(time_limit_s=60.0, workers=1, iterations=30, seed=3)
INLINE = ScaleSettings(ExecutorSpec(ExecutorKind.INLINE), max_part_orders=20)


def total_cost(plan_runs: object) -> float:
    """The checker's cost of every routing run of a plan (all accepted)."""
    total = 0.0
    for run in plan_runs:  # type: ignore[attr-defined]
        report = check(run.problem, run.solution)
        assert report.ok, report.violations
        total += report.cost.total
    return total


def test_split_puts_every_order_and_courier_in_exactly_one_part() -> None:
    world = scale_world(warehouses=3)
    # 45 orders at mw0 (bisected: above the part size), 20 at mw1, 3 at mw2 (joined to
    # its nearest neighbour).
    orders = scale_orders(world, 45, warehouses=1)
    orders += [o for o in scale_orders(world, 20, warehouses=2) if o.id.startswith("o1_")]
    orders += [o for o in scale_orders(world, 3, warehouses=3) if o.id.startswith("o2_")]
    parts = split_batch(world, FulfilmentMode.INSTANT, orders, world.couriers, 20)
    placed = Counter(o for p in parts for o in p.order_ids)
    assert placed == Counter(o.id for o in orders)
    couriers = Counter(c for p in parts for c in p.courier_ids)
    assert couriers == Counter(c.id for c in world.couriers)
    assert all(len(p.order_ids) <= 20 for p in parts)
    labels = [p.label for p in parts]
    # mw0's 45 orders in three pieces; mw2's 3 joined to the nearest group they fit in
    # (not mw1's 20: 23 would be over the part size).
    assert sum(1 for label in labels if label.startswith("mw0/")) == 3
    assert "mw1" in labels
    assert any(label.startswith("mw0/") and label.endswith("+mw2") for label in labels)


def test_a_small_batch_is_planned_exactly_as_without_decomposition() -> None:
    world = scale_world()
    orders = scale_orders(world, 5)  # 15 orders: one part
    plan = Planner(world, scale=INLINE).plan(orders, at_s=T0, params=PARAMS)
    assert plan.parts == ()
    ctx = PlanContext(world, PlannerSettings(), T0, PARAMS, Budget.start(60.0))
    couriers = sorted(world.couriers, key=lambda c: c.id)
    whole = plan_instant(orders, couriers, ctx)
    assert plan.routes == tuple(sorted(whole.routes, key=lambda r: r.courier_id))
    assert plan.unassigned == whole.unassigned
    assert plan.to_json()["parts"] == []


def test_a_large_batch_is_planned_in_parts_every_order_once_all_checked() -> None:
    world = scale_world()
    orders = scale_orders(world, 25)  # 75 orders, parts of at most 20
    events: list[PartEvent] = []
    planner = Planner(world, scale=INLINE, progress=events.append)
    plan = planner.plan(orders, at_s=T0, params=PARAMS)
    check_plan(plan, orders, planner)
    regular = [p for p in plan.parts if p.kind is PartKind.PART]
    assert len(regular) >= 4
    assert sum(p.orders for p in regular) == len(orders)
    assert all(p.orders <= 20 for p in plan.parts)
    assert {p.part for p in regular} >= {"mw0/1", "mw1/1", "mw2/1"}
    assert all(p.solve_s > 0 for p in plan.parts)
    assert plan.kpis.orders_served >= 0.9 * len(orders)
    # Each part's routing run covers only its own points: its matrix is small.
    for run in plan.routing_runs:
        size = len(next(iter(run.problem.matrices.values())).distance_m)
        assert size <= 20 * 2 + 9 + 1
    # Progress: every part queued then done.
    done = [e for e in events if e.state == "done"]
    assert len(done) == len(plan.parts)
    # The plan file has the parts and reads back.
    data = plan.to_json()
    PlanFile.model_validate(data)
    assert plan_from_json(data).parts == plan.parts


def test_border_improvement_never_worsens_the_cost() -> None:
    world = scale_world()
    orders = scale_orders(world, 25)
    with_borders = Planner(world, scale=INLINE).plan(orders, at_s=T0, params=PARAMS)
    without = Planner(world, scale=dataclasses.replace(INLINE, borders=False)).plan(
        orders, at_s=T0, params=PARAMS
    )
    # The same parts solved the same way (iterations, seed): the border steps only ever
    # replace something by what the checker prices lower.
    assert total_cost(with_borders.routing_runs) <= total_cost(without.routing_runs) + 1e-6
    for part in with_borders.parts:
        if part.kind is not PartKind.PART:
            assert part.kind in (PartKind.BORDER, PartKind.SECOND_CHANCE)
    assert any(p.kind is PartKind.BORDER for p in with_borders.parts)


def test_a_worse_re_solve_is_refused() -> None:
    world = scale_world()
    orders = scale_orders(world, 25)
    ctx = PlanContext(world, PlannerSettings(), T0, PARAMS, Budget.start(60.0))
    couriers = sorted(world.couriers, key=lambda c: c.id)
    flow = _Decomposed(FulfilmentMode.INSTANT, orders, couriers, ctx, scale=INLINE, progress=None)
    built = [(s, flow._build(s.order_ids, s.courier_ids)) for s in flow.specs]
    items = [(s.label, PartKind.PART, fp) for s, fp in built if fp is not None]
    answers = flow._solve_round(items, 0.5)
    parts = [
        _Part(s.label, PartKind.PART, fp, a.solution, s.lon, s.lat)
        for (s, fp), a in zip([(s, fp) for s, fp in built if fp], answers, strict=True)
    ]
    first = parts[0]
    routed = {s.task_id for r in first.solution.routes for s in r.stops}
    vehicles = {r.vehicle_id for r in first.solution.routes}
    assert routed
    fp = flow._build(sorted(routed), sorted(vehicles))
    assert fp is not None
    old = flow._old_cost(parts, routed, vehicles)
    candidate = _Candidate(
        "border:test", PartKind.BORDER, fp, 0.0, 0.0, frozenset(routed), frozenset(vehicles), old
    )
    # An answer that serves nothing: every task's drop penalty, far above the routes.
    penalties = sum(t.drop_penalty or 0.0 for t in fp.problem.tasks)
    nothing = RoutingSolution(
        routes=(),
        unassigned=tuple(
            UnassignedTask(t.id, UnassignedReason.SEARCH_LIMIT, "test") for t in fp.problem.tasks
        ),
        cost=CostBreakdown(drop_penalty=penalties),
        stats=SolveStats(SolveStatus.NO_SOLUTION, 0.0, 0, 0, 1, 0),
    )
    assert checked_cost((fp, nothing)) == pytest.approx(penalties)
    assert penalties > old
    kept = flow._accept(parts, [candidate], [PartAnswer(nothing, 0.01)])
    assert kept == parts
    assert flow.records[-1].accepted is False


def test_scale_settings_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="max_part_orders"):
        ScaleSettings(max_part_orders=5)
    with pytest.raises(InvalidInputError, match=r"ExecutorSpec\.kind"):
        ExecutorSpec("cluster")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="ray_address"):
        ExecutorSpec(ExecutorKind.PROCESS, ray_address="auto")


def test_parts_get_couriers_in_proportion_to_their_work() -> None:
    # Two areas with 12 orders each: mw0's homes at the warehouse's door, mw1's 1.5 km
    # out.  The far area needs more riding per order, so it gets more of the couriers.
    world = scale_world(warehouses=2, couriers_each=4)
    orders = [
        dataclasses.replace(o, building_id="b0_3" if o.id.startswith("o0_") else "b1_0")
        for o in scale_orders(world, 12, warehouses=2)
    ]
    parts = split_batch(world, FulfilmentMode.INSTANT, orders, world.couriers, 20)
    by_label = {p.label: p for p in parts}
    assert len(by_label["mw1"].courier_ids) > len(by_label["mw0"].courier_ids) >= 1
    assert Counter(c for p in parts for c in p.courier_ids) == Counter(c.id for c in world.couriers)


def test_a_part_with_too_few_couriers_gets_them_from_its_neighbour() -> None:
    # Every courier stands at mw0 (mw1 has none of its own); mw1's orders still get
    # couriers: mw0's, in proportion to the work.
    world = scale_world(warehouses=2, couriers_each=6, spacing_m=3000.0)
    world = dataclasses.replace(
        world, couriers=tuple(c for c in world.couriers if c.id.startswith("c0_"))
    )
    orders = scale_orders(world, 15, warehouses=2)
    parts = split_batch(world, FulfilmentMode.INSTANT, orders, world.couriers, 20)
    by_label = {p.label: p for p in parts}
    assert len(by_label["mw1"].courier_ids) >= 2
    assert all(c.startswith("c0_") for c in by_label["mw1"].courier_ids)
    assert len(by_label["mw0"].courier_ids) >= 2


def test_second_chance_places_left_out_orders_with_couriers_of_another_part() -> None:
    # Warehouses 2 km apart; the first part is given no courier at all, so its orders are
    # left out; the second chance offers them the second part's couriers (idle or with
    # room on their routes), and the result is accepted only at a lower checker cost.
    world = scale_world(warehouses=2, couriers_each=4, spacing_m=2000.0)
    orders = scale_orders(world, 8, warehouses=2)
    ctx = PlanContext(world, PlannerSettings(), T0, PARAMS, Budget.start(60.0))
    couriers = sorted(world.couriers, key=lambda c: c.id)
    flow = _Decomposed(FulfilmentMode.INSTANT, orders, couriers, ctx, scale=INLINE, progress=None)
    first, second = flow.specs
    flow.specs = (
        dataclasses.replace(first, courier_ids=()),
        dataclasses.replace(second, courier_ids=tuple(c.id for c in couriers)),
    )
    built = [(s, flow._build(s.order_ids, s.courier_ids)) for s in flow.specs]
    answers = flow._solve_round([(s.label, PartKind.PART, fp) for s, fp in built if fp], 1.0)
    parts = [
        _Part(s.label, PartKind.PART, fp, a.solution, s.lon, s.lat)
        for (s, fp), a in zip(built, answers, strict=True)
        if fp is not None
    ]
    left = {u.task_id for u in parts[0].solution.unassigned}
    assert left == set(first.order_ids)
    before = sum(checked_cost((p.flow_problem, p.solution)) or 0.0 for p in parts)
    after_parts = flow._second_chance(parts)
    assert any(p.kind is PartKind.SECOND_CHANCE for p in after_parts)
    after = 0.0
    served: set[str] = set()
    for part in after_parts:
        report = check(part.flow_problem.problem, part.solution)
        assert report.ok, report.violations
        after += report.cost.total
        served |= {s.task_id for r in part.solution.routes for s in r.stops}
    assert after < before
    assert served & left
    # Every order is still in exactly one part.
    placed = Counter(t.id for p in after_parts for t in p.flow_problem.problem.tasks)
    assert placed == Counter(o.id for o in orders)

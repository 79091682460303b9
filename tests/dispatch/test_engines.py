"""The three engines (in-process, local processes, Ray) give the same plans (issue 11).

With the iteration stop rule and a seed, a decomposed batch plan and a zoned live
re-plan come out byte-identical (plan JSON without the parts' wall-clock seconds) on
every engine.  Ray starts once for the module (a local Ray with two CPUs, about 5 s);
its tests are skipped, with the reason, only when the optional ``ray`` extra is not
installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from dispatch import Planner
from dispatch.decompose import ScaleSettings
from dispatch.live import CommittedStop, CourierState, LiveState, OnBoard, replan
from dispatch.settings import LiveInstant, LiveSettings, PlannerSettings
from solvers import SolveParams
from solvers import executor as executor_module
from solvers.executor import ExecutorKind, ExecutorSpec, ray_available, run_jobs
from solvers.processes import usable_cores
from tests.dispatch.helpers import LON, north
from tests.dispatch.scale_world import SPACING_M, T0, scale_orders, scale_world
from tests.dispatch.test_live import check_live, route_of

PARAMS = SolveParams(time_limit_s=60.0, workers=1, iterations=30, seed=5)
RAY_MISSING = "the optional 'ray' extra is not installed (pip install 'o2o-dispatch[ray]')"


@pytest.fixture(scope="module")
def local_ray() -> Iterator[ExecutorSpec]:
    """A local Ray with two CPUs for this module's Ray tests."""
    if not ray_available():
        pytest.skip(RAY_MISSING)
    import ray  # noqa: PLC0415

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ExecutorSpec(ExecutorKind.RAY)
    finally:
        ray.shutdown()


def comparable(plan_json: dict[str, Any]) -> str:
    """The plan file as text, without the parts' wall-clock seconds."""
    data = dict(plan_json)
    data["parts"] = [{k: v for k, v in p.items() if k != "solve_s"} for p in data["parts"]]
    return json.dumps(data, sort_keys=True)


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_results_come_back_in_job_order_on_the_local_engines() -> None:
    jobs = list(range(7))
    seen: list[int] = []
    for kind in (ExecutorKind.INLINE, ExecutorKind.PROCESS):
        out = run_jobs(_square, jobs, ExecutorSpec(kind), lambda i, _: seen.append(i))
        assert out == [x * x for x in jobs]
    assert sorted(seen) == sorted(jobs * 2)
    assert ExecutorSpec(ExecutorKind.PROCESS).slots() == usable_cores()
    assert ExecutorSpec(ExecutorKind.PROCESS, workers=1).slots() == 1
    # A round too small for processes runs in-process; Ray stays Ray.
    assert ExecutorSpec().for_work(10).kind is ExecutorKind.INLINE
    assert ExecutorSpec().for_work(1000).kind is ExecutorKind.PROCESS
    assert ExecutorSpec(ExecutorKind.RAY).for_work(1).kind is ExecutorKind.RAY


def test_a_failing_job_is_one_engine_error() -> None:
    from solvers.errors import EngineError  # noqa: PLC0415

    with pytest.raises(EngineError, match="ValueError: three"):
        run_jobs(_fail_on_three, list(range(5)), ExecutorSpec(ExecutorKind.PROCESS, workers=2))


def _batch_plan(executor: ExecutorSpec) -> str:
    world = scale_world()
    orders = scale_orders(world, 25)
    scale = ScaleSettings(executor, max_part_orders=20)
    plan = Planner(world, scale=scale).plan(orders, at_s=T0, params=PARAMS)
    assert plan.parts
    return comparable(plan.to_json())


@pytest.fixture(scope="module")
def inline_batch() -> str:
    """The decomposed plan solved in-process (the reference of the other engines)."""
    return _batch_plan(ExecutorSpec(ExecutorKind.INLINE))


def test_inline_and_process_give_the_same_decomposed_plan(inline_batch: str) -> None:
    assert _batch_plan(ExecutorSpec(ExecutorKind.PROCESS, workers=2)) == inline_batch


def test_ray_gives_the_same_decomposed_plan(local_ray: ExecutorSpec, inline_batch: str) -> None:
    assert _batch_plan(local_ray) == inline_batch


def _zoned_replan(executor: ExecutorSpec) -> tuple[str, Any]:
    """A re-plan in three zones with locks: c0_0 carries o1_000 (a zone-1 order) and
    rides to o1_001's pickup; c2_0 carries o2_000."""
    world = scale_world()
    orders = scale_orders(world, 6)
    state = LiveState(
        couriers=(
            CourierState(
                "c0_0",
                LON,
                north(SPACING_M / 2),
                (OnBoard("o1_000", T0),),
                next_stop=CommittedStop("o1_001", 0),
            ),
            CourierState("c2_0", LON, north(2 * SPACING_M), (OnBoard("o2_000", T0),)),
        )
    )
    plan = replan(
        world,
        state,
        orders,
        at_s=T0 + 300,
        # The zones of the routing re-plan (the instant dispatcher decides city-wide).
        settings=PlannerSettings(live=LiveSettings(LiveInstant.ROUTING)),
        params=PARAMS,
        zones_from_couriers=2,
        executor=executor,
    )
    check_live(plan, orders, {"o1_000": "c0_0", "o2_000": "c2_0"})
    # The committed stop is c0_0's first stop, and its zone is zone 1 (its locked orders').
    first = route_of(plan.routes, "c0_0")[0]
    assert first[1] == "o1_001"
    assert len(plan.routing_runs) >= 3  # one per zone
    c0_run = next(r for r in plan.routing_runs if "c0_0" in {v.id for v in r.problem.vehicles})
    assert {t.id for t in c0_run.problem.tasks} >= {"o1_000", "o1_001"}
    return json.dumps(plan.to_json(), sort_keys=True), plan


def test_zones_of_a_live_replan_run_in_parallel_with_locks_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(executor_module, "POOL_MIN_WORK", 0)  # a pool even for 18 orders
    inline, _ = _zoned_replan(ExecutorSpec(ExecutorKind.INLINE))
    process, _ = _zoned_replan(ExecutorSpec(ExecutorKind.PROCESS, workers=2))
    assert inline == process


def test_ray_gives_the_same_zoned_replan(local_ray: ExecutorSpec) -> None:
    ray_plan, _ = _zoned_replan(local_ray)
    inline, _ = _zoned_replan(ExecutorSpec(ExecutorKind.INLINE))
    assert ray_plan == inline

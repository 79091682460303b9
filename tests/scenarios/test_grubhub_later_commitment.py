"""The instant dispatcher's later commitment and deferred-cost objective, on tiny Grubhub
days whose better decision is known, replayed under the family's rules and checked.

The default commits at departure with a 15-minute look-ahead and the old objective; the
old policy is ``commit_at_departure=0, lookahead_min=5``; the deferred objective is
``defer_objective=1`` (measured, not the default: see ``benchmarks.grubhub_loss``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from scenarios.grubhub import GrubhubInstance, read_grubhub
from scenarios.grubhub_dispatcher import policy_from_json
from scenarios.grubhub_rules import check_grubhub_replay
from scenarios.grubhub_sim import replay_grubhub
from solvers.errors import InvalidInputError
from solvers.instant_dispatch import (
    InstantCourier,
    InstantOrder,
    InstantPolicy,
    InstantRules,
    MatrixTravel,
    decide_wave,
)
from tests.scenarios.test_grubhub import write_instance

OLD = InstantPolicy(commit_at_departure=0, lookahead_min=5.0)
NEW = InstantPolicy()
DEFER = InstantPolicy(defer_objective=1)
RULES = InstantRules(pickup_service_min=4.0, dropoff_service_min=4.0, target_click_to_door_min=40.0)


def test_new_fields_are_bounded_and_round_trip_through_json() -> None:
    policy = InstantPolicy(commit_at_departure=0, defer_objective=0, defer_penalty_min=7.5)
    assert policy_from_json(json.loads(json.dumps(dataclasses.asdict(policy)))) == policy
    assert (NEW.commit_at_departure, NEW.lookahead_min, NEW.defer_objective) == (1, 15.0, 0)
    cases: tuple[tuple[str, float], ...] = (
        ("commit_at_departure", 2),
        ("defer_objective", -1),
        ("defer_penalty_min", -0.5),
        ("defer_penalty_min", 1e12),
    )
    for field, value in cases:
        with pytest.raises(InvalidInputError, match=f"InstantPolicy.{field}"):
            InstantPolicy(**{field: value})  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=field):
            policy_from_json({field: value})


def busy_courier_day(tmp_path: Path) -> GrubhubInstance:
    """Two restaurants 1,000 m apart; "near" starts at minute 4 half-way between them,
    "far" is on shift from 0 but 2,000 m from the first.  o1 (first restaurant) is
    placed at 0, o2 (second) at 1, both ready at once; doors 100 m from their
    restaurant.  Speed 100 m/min, services 4 min."""
    return read_grubhub(
        write_instance(
            tmp_path / "busy",
            ["o1\t0\t100\t0\tr1\t0", "o2\t1000\t100\t1\tr2\t1"],
            ["near\t500\t0\t4\t120", "far\t0\t2000\t0\t120"],
            restaurants=("r1\t0\t0", "r2\t1000\t0"),
        )
    )


def test_a_busy_couriers_next_trip_stays_open_until_it_leaves(tmp_path: Path) -> None:
    # The old rule fixes near -> o1 at minute 0 (near cannot be on time, so the pair is
    # "due" although near only leaves at 4); o2, placed at 1, then gets far (23 min
    # away).  Committing only when near leaves keeps both open at minute 2, where near
    # takes o2 and far o1 (20 min away): 3 minutes less in all.
    instance = busy_courier_day(tmp_path)
    old = replay_grubhub(instance, OLD)
    old_cad = replay_grubhub(instance, dataclasses.replace(OLD, commit_at_departure=1))
    new = replay_grubhub(instance, NEW)
    assert new.trips == old_cad.trips  # the default: the same decision
    for replay in (old, old_cad):
        assert check_grubhub_replay(instance, replay) == ()
        assert replay.metrics.delivered == 2
    assert {(t.courier_id, t.order_ids) for t in old.trips} == {
        ("near", ("o1",)),
        ("far", ("o2",)),
    }
    assert {(t.courier_id, t.order_ids) for t in old_cad.trips} == {
        ("near", ("o2",)),
        ("far", ("o1",)),
    }
    near_trip = next(t for t in old_cad.trips if t.courier_id == "near")
    assert near_trip.dispatched_min == 4.0  # committed at the wave it leaves, not before
    old_total = sum(d.click_to_door_min for d in old.deliveries)
    new_total = sum(d.click_to_door_min for d in old_cad.deliveries)
    assert new_total == old_total - 3.0


def far_or_soon_day(tmp_path: Path) -> GrubhubInstance:
    """One restaurant at the origin; o1 and o2 placed and ready at 0 there, their doors
    500 m north and 500 m south; "near" is at the restaurant from minute 0, "soon"
    starts at minute 9 there, "far" is 3,000 m away from minute 0."""
    return read_grubhub(
        write_instance(
            tmp_path / "soon",
            ["o1\t0\t500\t0\tr1\t0", "o2\t0\t-500\t0\tr1\t0"],
            ["near\t0\t0\t0\t120", "soon\t0\t0\t9\t120", "far\t3000\t0\t0\t120"],
            restaurants=("r1\t0\t0",),
        )
    )


def test_the_deferred_objective_waits_for_a_soon_free_courier(tmp_path: Path) -> None:
    # The old objective serves both orders at minute 0: near bundles them (drop-offs at
    # 11 and 25; far would bring the second at 41).  With deferred costs near takes one
    # (door at 11) and the other waits for "soon" (free at 9 at the restaurant, door at
    # 20): 5 minutes less in all.
    instance = far_or_soon_day(tmp_path)
    old = replay_grubhub(instance, OLD)
    new = replay_grubhub(instance, DEFER)
    for replay in (old, new):
        assert check_grubhub_replay(instance, replay) == ()
        assert replay.metrics.delivered == 2
    assert [(t.courier_id, len(t.order_ids)) for t in old.trips] == [("near", 2)]
    assert sorted(t.courier_id for t in new.trips) == ["near", "soon"]
    assert sum(d.click_to_door_min for d in old.deliveries) == 36.0
    assert sum(d.click_to_door_min for d in new.deliveries) == 31.0


def test_deferred_cost_leaves_an_order_for_a_better_courier_at_a_later_wave() -> None:
    # Restaurant 0 at 0, door at 5 (place 1); "far" idle at 25 (place 2); "busy" free at
    # minute 8 at the restaurant (place 3), beyond the look-ahead: not a candidate now.
    travel = MatrixTravel(np.abs(np.subtract.outer([0, 5, 25, 0], [0, 5, 25, 0])))
    order = InstantOrder("o1", 0, 0.0, 0.0, 1)
    couriers = [InstantCourier("far", 2, 0.0, 600.0), InstantCourier("busy", 3, 8.0, 600.0)]

    def sent(policy: InstantPolicy) -> list[str]:
        decision = decide_wave(0.0, [order], couriers, travel=travel, rules=RULES, policy=policy)
        return [a.courier_id for a in decision.assignments]

    assert sent(OLD) == ["far"]  # pickup at 27
    assert sent(dataclasses.replace(DEFER, lookahead_min=5.0)) == []  # busy: pickup at 10
    # A large penalty on deferring is the old objective's "serve now".
    assert sent(dataclasses.replace(DEFER, lookahead_min=5.0, defer_penalty_min=30.0)) == ["far"]

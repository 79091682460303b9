"""Engine.cancel and Engine.replan: what the HTTP service's DELETE /orders and
POST /plans/{id}/replan call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dispatch import Engine, FulfilmentMode
from dispatch.live import CommittedStop, CourierState, OnBoard
from dispatch.store import OrderStatus
from solvers import SolveParams
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, next_day_payload, small_world
from tests.dispatch.helpers import LON, H, north

NOW = 10 * H
PARAMS = SolveParams(time_limit_s=5.0, workers=1, iterations=50)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine.open("sqlite://", small_world(), clock=lambda: NOW) as e:
        yield e


def test_cancel_frees_capacity_is_idempotent_and_refuses_fulfilled(engine: Engine) -> None:
    for k in range(2):
        engine.submit(next_day_payload(f"n{k}", point_id="pp2"))

    def pp2_remaining() -> int | None:
        quote = engine.quote("b2", [{"store_id": "mw1", "sku": "x", "quantity": 1}], "m2")
        (pp2,) = [p for p in quote.of(FulfilmentMode.NEXT_DAY_PICKUP) if p.pickup_point_id == "pp2"]
        return pp2.remaining

    assert pp2_remaining() == 0
    assert engine.cancel("n0").status is OrderStatus.CANCELLED
    assert pp2_remaining() == 1
    assert engine.cancel("n0").status is OrderStatus.CANCELLED  # again: no change
    assert pp2_remaining() == 1
    engine.mark_fulfilled("n1", date(2026, 12, 8))
    with pytest.raises(InvalidInputError, match="fulfilled"):
        engine.cancel("n1")
    with pytest.raises(InvalidInputError, match="unknown order"):
        engine.cancel("nope")
    record = engine.plan_batch(at_s=NOW, params=PARAMS)
    assert "n0" not in record.plan.served_order_ids()


def test_replan_locks_commitments_moves_served_and_releases_the_rest(engine: Engine) -> None:
    engine.submit(instant_payload("a"))
    engine.submit(instant_payload("b"))
    first = engine.plan_batch(at_s=NOW, modes=[FulfilmentMode.INSTANT], params=PARAMS)
    assert first.plan.served_order_ids() == {"a", "b"}
    engine.submit(instant_payload("c"))
    # c1 carries "a" and rides to its door; "b" and the new "c" are planned afresh.
    state = CourierState("c1", LON, north(0), on_board=(OnBoard("a", NOW),),
                         next_stop=CommittedStop("a", 1))  # fmt: skip
    second = engine.replan(first.plan_id, at_s=NOW + 60, couriers=[state], params=PARAMS)
    c1 = next(r for r in second.plan.routes if r.courier_id == "c1")
    assert c1.stops[0].order_ids == ("a",)
    assert second.plan.served_order_ids() == {"a", "b", "c"}
    for oid in ("a", "b", "c"):
        assert engine.order(oid).plan_id == second.plan_id
    stored = engine.stored_plan(second.plan_id)
    assert stored.inputs["replan_of"] == first.plan_id
    assert engine.replay(second.plan_id).served_order_ids() == {"a", "b", "c"}
    # Hours later nothing unlocked can keep its promise: it goes back to pending.
    third = engine.replan(second.plan_id, at_s=NOW + 6 * H, params=PARAMS)
    released = {"a", "b", "c"} - third.plan.served_order_ids()
    assert released
    for oid in released:
        assert engine.order(oid).status is OrderStatus.PENDING
        assert engine.order(oid).plan_id is None


def test_replan_refuses_unknown_plans_and_couriers(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="unknown plan"):
        engine.replan(99, at_s=NOW)
    engine.submit(instant_payload("a"))
    first = engine.plan_batch(at_s=NOW, params=PARAMS)
    ghost = CourierState("ghost", LON, north(0))
    with pytest.raises(InvalidInputError, match="unknown courier"):
        engine.replan(first.plan_id, at_s=NOW, couriers=[ghost], params=PARAMS)

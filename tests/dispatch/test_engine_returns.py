"""Returns through the Engine and its store (SQLite file and PostgreSQL): idempotent
submits, collected by the next wave on the delivery routes, stored with the plan and
replayed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dispatch import Engine, FulfilmentMode, StopAction
from dispatch.payloads import PayloadError
from dispatch.returns import ReturnStatus
from dispatch.store.returns_sql import ReturnState
from solvers import SolveParams, check
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, small_world
from tests.dispatch.helpers import H

PARAMS = SolveParams(time_limit_s=5.0, workers=1, iterations=100)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as e:
        yield e


def return_payload(return_id: str = "r1", **kw: Any) -> dict[str, Any]:
    return {
        "id": return_id,
        "order_id": "o-old",
        "building_id": "b2",
        "to": "mw1",
        "lines": [{"sku": "kettle", "quantity": 1, "weight_kg": 1.5, "unit_price": "99.00"}],
        "window": {"start": "10:00", "end": "11:30"},
        **kw,
    }


def test_submit_return_is_idempotent_and_checked(engine: Engine) -> None:
    assert engine.submit_return(return_payload()).stored
    # The same return again (amount written another way, times as seconds): a no-op.
    again = return_payload(window={"start_s": 36000, "end_s": 41400})
    again["lines"][0]["unit_price"] = "99"
    assert not engine.submit_return(again).stored
    with pytest.raises(InvalidInputError, match="different content"):
        engine.submit_return(return_payload(building_id="b1"))
    with pytest.raises(PayloadError) as error:
        engine.submit_return(return_payload("r2", to="nowhere", building_id="b77"))
    assert set(error.value.fields) == {"return 'r2': to", "return 'r2': building_id"}
    assert engine.return_request("r1").status is ReturnState.PENDING
    with pytest.raises(InvalidInputError):
        engine.return_request("r2")


def test_the_next_wave_collects_the_return_on_a_delivery_route(engine: Engine) -> None:
    engine.submit(instant_payload("o1"))
    engine.submit_return(return_payload())
    record = engine.plan_batch(at_s=10 * H, modes=["instant"], params=PARAMS)
    plan = record.plan
    for run in plan.routing_runs:
        assert check(run.problem, run.solution).ok
    (planned,) = plan.returns
    assert planned.status is ReturnStatus.COLLECTED
    (route,) = [r for r in plan.routes if r.courier_id == planned.courier_id]
    actions = {(s.action, s.order_ids[0]) for s in route.stops}
    assert {(StopAction.DELIVER, "o1"), (StopAction.COLLECT, "r1")} <= actions
    stored = engine.return_request("r1")
    assert stored.status is ReturnState.PLANNED and stored.plan_id == record.plan_id
    assert engine.stored_plan(record.plan_id).plan["returns"][0]["status"] == "collected"
    # The stored inputs carry the return: the replay gives the same plan.
    assert engine.replay(record.plan_id).to_json() == plan.to_json()
    # Collected returns are not planned again; a next-day cut-off takes none.
    later = engine.plan_batch(at_s=10.5 * H, params=PARAMS)
    assert later.plan.returns == ()
    engine.submit_return(return_payload("r2"))
    cutoff = engine.plan_batch(at_s=10.5 * H, modes=[FulfilmentMode.NEXT_DAY_PICKUP], params=PARAMS)
    assert cutoff.plan.returns == ()
    assert engine.return_request("r2").status is ReturnState.PENDING

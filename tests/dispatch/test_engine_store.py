"""dispatch.Engine on a real store: the same tests on a SQLite file and on PostgreSQL.

The PostgreSQL runs are a throw-away cluster the test run starts (``postgres_server``
in :mod:`tests.dispatch.engine_helpers`); they skip when the server binaries are absent.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

import dispatch.engine as engine_module
import dispatch.store.schema as store_schema
import dispatch.store.sql as store_sql
from dispatch import Engine, FulfilmentMode, MemberTier
from dispatch.store import OrderStatus, StoreError, head_revision
from solvers import SolveParams
from solvers.errors import InvalidInputError
from tests.dispatch.engine_helpers import instant_payload, next_day_payload, small_world
from tests.dispatch.helpers import H

FAST = SolveParams(time_limit_s=0.3, workers=1)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as e:
        yield e


def test_submit_is_idempotent_by_order_id(engine: Engine) -> None:
    assert engine.submit(instant_payload("o1", lines=3)).stored
    assert not engine.submit(instant_payload("o1", lines=3)).stored
    with pytest.raises(InvalidInputError, match="already submitted with different content"):
        engine.submit(instant_payload("o1", lines=2))
    stored = engine.order("o1")
    assert stored.status is OrderStatus.PENDING
    assert [line.quantity for line in stored.order.lines] == [1, 2, 3]
    assert engine.store.table_counts()["order_lines"] == 3
    with pytest.raises(InvalidInputError, match="unknown order 'o404'"):
        engine.order("o404")


def test_an_order_and_its_lines_commit_together(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = sa.Table(
        "no_such_table",
        sa.MetaData(),
        *[sa.Column(c.name, c.type) for c in store_schema.order_lines.c],
    )
    monkeypatch.setattr(store_sql, "order_lines", missing)
    with pytest.raises(StoreError, match="no_such_table"):
        engine.submit(instant_payload("o1", lines=2))
    monkeypatch.undo()
    assert engine.store.table_counts()["orders"] == 0
    assert engine.submit(instant_payload("o1", lines=2)).stored
    assert engine.store.incomplete_orders() == []


def test_members_create_and_update(engine: Engine) -> None:
    assert engine.member("m2").tier is MemberTier.PAID  # copied from the world
    engine.create_member({"id": "m3", "home_building_id": "b2"})
    with pytest.raises(InvalidInputError, match="member 'm3': already exists"):
        engine.create_member({"id": "m3"})
    engine.update_member({"id": "m3", "tier": "paid", "home_building_id": "b2"})
    assert engine.member("m3").is_paid
    with pytest.raises(InvalidInputError, match="member 'm404': is unknown"):
        engine.update_member({"id": "m404"})
    with pytest.raises(InvalidInputError, match="unknown member 'm404'"):
        engine.member("m404")


def test_leaders_create_update_one_per_point(engine: Engine) -> None:
    assert engine.leader("ld1").pickup_point_id == "pp1"
    engine.create_leader({"id": "ld2", "pickup_point_id": "pp2"})
    with pytest.raises(InvalidInputError, match="'pp1' already has a leader"):
        engine.create_leader({"id": "ld3", "pickup_point_id": "pp1"})
    with pytest.raises(InvalidInputError, match="'pp1' already has a leader"):
        engine.update_leader({"id": "ld2", "pickup_point_id": "pp1"})
    engine.update_leader(
        {"id": "ld2", "pickup_point_id": "pp2", "tiers": [{"threshold": "0", "rate": "0.08"}]}
    )
    assert engine.leader("ld2").tiers[0].rate == Decimal("0.08")
    with pytest.raises(InvalidInputError, match="leader 'ld404': is unknown"):
        engine.update_leader({"id": "ld404", "pickup_point_id": "pp2"})


def test_commission_statement_per_period_from_fulfilled_orders(engine: Engine) -> None:
    for k, price in enumerate(["33.30", "33.30", "40.00", "19.99"]):
        engine.submit(next_day_payload(f"n{k}", price=price))
    engine.submit(instant_payload("i1"))
    record = engine.plan_batch(at_s=22 * H, modes=[FulfilmentMode.NEXT_DAY_PICKUP], params=FAST)
    assert {a.order_id for a in record.plan.pickup_assignments} == {"n0", "n1", "n2", "n3"}
    engine.mark_fulfilled("n0", date(2026, 11, 2))
    engine.mark_fulfilled("n1", date(2026, 11, 2))
    engine.mark_fulfilled("n2", date(2026, 11, 30))
    engine.mark_fulfilled("n3", date(2026, 12, 1))  # next period
    engine.mark_fulfilled("i1", date(2026, 11, 2))  # not a pickup-point order
    november = engine.commission_statement("ld1", date(2026, 11, 1), date(2026, 12, 1))
    assert november.orders == 3
    assert november.fulfilled_gmv == Decimal("106.60")
    assert november.rate == Decimal("0.12")  # from 100 yuan
    assert november.commission == Decimal("12.79")  # 12.792 to the cent
    december = engine.commission_statement("ld1", date(2026, 12, 1), date(2027, 1, 1))
    assert (december.orders, december.commission) == (1, Decimal("2.00"))
    with pytest.raises(InvalidInputError, match="end must be a date after start"):
        engine.commission_statement("ld1", date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(InvalidInputError, match="unknown order"):
        engine.mark_fulfilled("o404", date(2026, 11, 2))


def test_a_plan_with_iterations_replays_byte_identical(engine: Engine) -> None:
    for oid in ("i1", "i2", "i3"):
        engine.submit(instant_payload(oid))
    params = SolveParams(time_limit_s=20.0, workers=1, seed=3, iterations=20)
    wave = engine.plan_batch(at_s=10 * H, modes=[FulfilmentMode.INSTANT], params=params)
    stored = engine.stored_plan(wave.plan_id)
    assert {k: stored.inputs["params"][k] for k in ("seed", "iterations", "time_limit_s")} == {
        "seed": 3,
        "iterations": 20,
        "time_limit_s": 20.0,
    }
    # The store keeps JSON with its keys in its own order: compare canonical dumps.
    replayed = engine.replay(wave.plan_id).to_json()
    assert json.dumps(replayed, sort_keys=True) == json.dumps(stored.plan, sort_keys=True)


def test_parameters_stored_before_the_iterations_rule_still_replay() -> None:
    legacy = {"time_limit_s": 0.5, "seed": 1, "workers": 1, "solution_limit": 9}
    assert engine_module._params_from_json(legacy) == SolveParams(
        time_limit_s=0.5, seed=1, workers=1, iterations=9
    )


def test_plan_batch_is_stored_with_inputs_and_replays(engine: Engine) -> None:
    engine.submit(instant_payload("i1", member="m2"))
    engine.submit(instant_payload("i2"))
    engine.submit(next_day_payload("n1", point_id=None))
    engine.update_member({"id": "m2", "tier": "regular", "home_building_id": "b2"})
    wave = engine.plan_batch(
        at_s=10 * H, modes=[FulfilmentMode.INSTANT], params=FAST, label="wave 10:00"
    )
    assert wave.plan.served_order_ids() == {"i1", "i2"}
    assert engine.order("i1").status == "planned" and engine.order("i1").plan_id == wave.plan_id
    assert engine.order("n1").status == "pending"
    stored = engine.stored_plan(wave.plan_id)
    assert stored.label == "wave 10:00" and stored.at_s == 10 * H
    assert stored.plan == wave.plan.to_json()
    assert [o["id"] for o in stored.inputs["orders"]] == ["i1", "i2"]
    # The member as planned (the update happened before the wave).
    assert {m["id"]: m["tier"] for m in stored.inputs["members"]} == {
        "m1": "regular",
        "m2": "regular",
    }
    assert stored.inputs["params"]["time_limit_s"] == 0.3
    assert engine.replay(wave.plan_id).to_json() == stored.plan
    cutoff = engine.plan_batch(at_s=22 * H, params=FAST, label="cut-off")
    assert cutoff.plan.served_order_ids() == {"n1"}
    assert engine.order("n1").pickup_point_id == "pp1"  # assigned near home b1
    assert engine.store.plan_ids() == [wave.plan_id, cutoff.plan_id]
    with pytest.raises(InvalidInputError, match="not pending"):
        engine.plan_batch(at_s=10 * H, order_ids=["i1"], params=FAST)
    with pytest.raises(InvalidInputError, match="unknown plan"):
        engine.stored_plan(999)


def test_reopen_keeps_everything_and_migrates_once(store_url: str) -> None:
    with Engine.open(store_url, small_world()) as first:
        first.submit(instant_payload("o1", lines=2))
        first.create_member({"id": "m3"})
        assert first.store.migrate() == head_revision()
    with Engine.open(store_url, small_world()) as again:
        assert again.order("o1").order.lines[1].quantity == 2
        assert again.member("m3").id == "m3"
        counts = again.store.table_counts()
        assert counts["orders"] == 1 and counts["members"] == 3
        with again.store._tx() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
            assert not sa.inspect(conn).has_table("schema_version")
        assert [v for (v,) in versions] == [head_revision()]


def test_sqlite_file_runs_in_wal_mode(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/wal.db"
    with Engine.open(url, small_world()) as engine, engine.store._tx() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


N_THREADS = 8
N_ORDERS = 200


def test_eight_threads_store_every_order_exactly_once(engine: Engine) -> None:
    """Every thread submits every order (in its own random order): each is stored once,
    exactly one submit of each reports ``stored``, and every order is whole."""
    payloads = [instant_payload(f"c{k:04d}", lines=1 + k % 4) for k in range(N_ORDERS)]
    stored: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(N_THREADS)

    def work(seed: int) -> None:
        mine = payloads[:]
        random.Random(seed).shuffle(mine)
        start.wait()
        for payload in mine:
            try:
                result = engine.submit(payload)
            except BaseException as error:
                with lock:
                    errors.append(error)
                continue
            if result.stored:
                with lock:
                    stored[result.order_id] += 1

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stored == Counter({p["id"]: 1 for p in payloads})
    counts = engine.store.table_counts()
    assert counts["orders"] == N_ORDERS
    assert counts["order_lines"] == sum(1 + k % 4 for k in range(N_ORDERS))
    assert engine.store.incomplete_orders() == []

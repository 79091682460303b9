"""Alembic migrations of the store: a database written by the code before Alembic
(:mod:`tests.dispatch.legacy_store_v1`, the ``schema_version`` list at version 1) is
upgraded in place with its data; the migrated schema is the one the code uses; an
unknown (newer) revision is refused; engines opening one new database at once agree.
Each on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from dispatch import Engine, FulfilmentMode
from dispatch.domain import Leader
from dispatch.payloads import canonical_json, content_hash, order_payload, parse_order
from dispatch.store import head_revision
from dispatch.store.schema import metadata
from solvers.errors import EngineError
from tests.dispatch import legacy_store_v1
from tests.dispatch.engine_helpers import instant_payload, next_day_payload, small_world
from tests.dispatch.helpers import H, line
from tests.dispatch.test_engine_reliability import scheduled_payload


def _legacy_database(url: str) -> list[str]:
    """Fill a database the way the code before Alembic did; returns the order ids."""
    store = legacy_store_v1.SqlStore.open(url)
    try:
        world = small_world()
        for member in world.members:
            store.put_member(member, create=True)
        store.put_leader(Leader("ld1", "pp1"), create=True)
        payloads = [
            *(scheduled_payload(f"s{k}") for k in range(3)),
            next_day_payload("n1", point_id="pp2"),
            instant_payload("i1", lines=2),
            instant_payload("i2"),
        ]
        for payload in payloads:
            order = parse_order(payload)
            body = order_payload(order)
            store.insert_order(order, canonical_json(body), content_hash(body))
        store.record_plan(
            label="wave", at_s=10 * H, inputs={"orders": []}, plan={"routes": []},
            served=["i2"], assignments={},
        )  # fmt: skip
        store.mark_fulfilled("s2", date(2026, 12, 1))
        with store._tx() as conn:
            assert conn.execute(sa.text("SELECT version FROM schema_version")).scalar() == 1
        return [str(p["id"]) for p in payloads]
    finally:
        store.close()


def test_upgrade_from_the_schema_before_alembic_keeps_the_data(store_url: str) -> None:
    ids = _legacy_database(store_url)
    with Engine.open(store_url, small_world(), clock=lambda: 10 * H) as engine:
        with engine.store._tx() as conn:
            inspector = sa.inspect(conn)
            assert not inspector.has_table("schema_version")
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            assert revision == head_revision()
            # The migrated schema is the one the code reads and writes.
            for table in metadata.sorted_tables:
                columns = {c["name"] for c in inspector.get_columns(table.name)}
                assert columns == {c.name for c in table.columns}, table.name
        assert sorted(s.order.id for s in engine.store.orders()) == sorted(ids)
        assert engine.order("i1").order.lines[1].quantity == 2
        assert engine.order("i2").plan_id == engine.store.plan_ids()[0]
        assert engine.order("s2").fulfilled_on == date(2026, 12, 1)
        assert engine.store.table_counts()["order_lines"] == 7
        # The counters were filled from the stored orders: two open orders in the slot
        # (the fulfilled one holds nothing), one parcel at pp2.
        usage = engine.store.usage()
        assert usage.slots[("mw1", 11 * H)] == 2
        assert usage.parcels["pp2"] == 1
        (slot,) = [
            s
            for s in engine.quote("b1", [line("mw1", "milk")], "m1").of(FulfilmentMode.SCHEDULED)
            if s.window is not None and s.window.start_s == 11 * H
        ]
        assert slot.remaining == 18
        # Orders hashed by the old rule are still recognised (by meaning).
        again = scheduled_payload("s0")
        again["lines"][0]["unit_price"] = "12.9"
        assert not engine.submit(again).stored
        assert engine.submit(scheduled_payload("s9")).stored
        assert engine.store.usage().slots[("mw1", 11 * H)] == 3
    with Engine.open(store_url, small_world()) as reopened:  # a second start is a no-op
        assert reopened.store.migrate() == head_revision()
        assert reopened.store.count_orders() == len(ids) + 1


def test_an_unknown_newer_revision_is_refused(store_url: str) -> None:
    with Engine.open(store_url, small_world()) as engine, engine.store._tx() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(EngineError, match="unknown to this code"):
        Engine.open(store_url, small_world())


def test_engines_opening_a_new_database_together_agree(store_url: str) -> None:
    errors: list[BaseException] = []
    engines: list[Engine] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            opened = Engine.open(store_url, small_world())
        except BaseException as error:
            with lock:
                errors.append(error)
            return
        with lock:
            engines.append(opened)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert len(engines[0].store.members()) == 2
    finally:
        for opened in engines:
            opened.close()

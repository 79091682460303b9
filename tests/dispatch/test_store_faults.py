"""Fault injection on the store: a process killed inside ``plan_batch``, a read-only
database, a full disk, a PostgreSQL restart between submits.

- SIGKILL while the plan is being written (the child stops inside the transaction
  that stores the plan and marks its orders): nothing of the plan is stored, the
  orders stay pending and a new engine plans them.  SQLite file and PostgreSQL.
- A read-only database (PostgreSQL ``default_transaction_read_only``; a SQLite file
  opened read-only by URI: as root, file modes do not stop writes) and a full disk
  (SQLite ``max_page_count``: the database cannot grow, as on a full disk): a
  :class:`StoreWriteError`, nothing acknowledged is lost, no half-written order.
- PostgreSQL stopped: a retryable :class:`StoreUnavailableError`; after the restart
  the retry stores the order once, and idle pooled connections are replaced.

Marked ``fault``: they run in the default test run (most of their time is the child
process's imports and PostgreSQL's start and stop); ``-m "not fault"`` leaves them out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import dispatch.store.sql as store_sql
from dispatch import Engine
from dispatch.store import (
    OrderStatus,
    StoreError,
    StoreUnavailableError,
    StoreWriteError,
)
from solvers import SolveParams
from tests.conftest import REPO_ROOT
from tests.dispatch.engine_helpers import (
    PgCluster,
    fresh_postgres_database,
    instant_payload,
    small_world,
)
from tests.dispatch.helpers import H

pytestmark = pytest.mark.fault  # in the default run; `-m "not fault"` leaves them out
# A search that stops on its iteration count (the time limit is only a cap), so the
# plans do not depend on how loaded the machine is.
PLAN_FAST = SolveParams(time_limit_s=20.0, workers=1, iterations=30)

# The child plans the pending orders (the search stops on its iteration count, so it
# serves them however loaded the machine is); when the statement marking the first
# served order planned has run (inside the plan's transaction, after the plan row), it
# says so and waits to die.
CHILD = """
import sys, time
import sqlalchemy as sa
from dispatch import Engine
from solvers import SolveParams
from tests.dispatch.engine_helpers import small_world

engine = Engine.open(sys.argv[1], small_world())

def stall(conn, clause, *args):
    if isinstance(clause, sa.sql.dml.Update) and clause.table.name == "orders":
        print("inside", flush=True)
        time.sleep(60)

sa.event.listen(engine.store._engine, "after_execute", stall)
print("planning", flush=True)
engine.plan_batch(at_s=36000, params=SolveParams(time_limit_s=20, workers=1, iterations=30))
print("returned", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_inside_plan_batch_stores_no_half_plan(store_url: str) -> None:
    with Engine.open(store_url, small_world()) as engine:
        for k in range(4):
            engine.submit(instant_payload(f"i{k}"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline().strip() for _ in range(2)]
        assert lines == ["planning", "inside"], child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    with Engine.open(store_url, small_world()) as again:
        assert again.store.plan_ids() == []
        assert all(s.status is OrderStatus.PENDING for s in again.store.orders())
        assert again.store.incomplete_orders() == []
        record = again.plan_batch(at_s=10 * H, params=PLAN_FAST)
        assert record.plan.served_order_ids() == {f"i{k}" for k in range(4)}
        assert {s.status for s in again.store.orders()} == {OrderStatus.PLANNED}


def test_a_read_only_sqlite_file_refuses_writes_and_keeps_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    with Engine.open(f"sqlite:///{path}", small_world()) as engine:
        engine.submit(instant_payload("o1", lines=2))
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    with Engine.open(read_only, small_world()) as engine:
        with pytest.raises(StoreWriteError, match=r"refuses writes.*readonly") as caught:
            engine.submit(instant_payload("o2"))
        assert not caught.value.retryable
        assert engine.order("o1").order.lines[1].quantity == 2
        with pytest.raises(StoreWriteError):
            engine.plan_batch(at_s=10 * H, params=PLAN_FAST)
    with Engine.open(f"sqlite:///{path}", small_world()) as engine:
        assert [s.order.id for s in engine.store.orders()] == ["o1"]
        assert engine.order("o1").status is OrderStatus.PENDING
        assert engine.store.plan_ids() == []


def test_a_full_disk_refuses_the_order_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    with Engine.open(url, small_world()) as engine:
        engine.submit(instant_payload("o0"))
        with engine.store._tx() as conn:
            pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    real = store_sql._sqlite_pragmas

    def small_disk(dbapi_connection: Any, record: Any) -> None:
        real(dbapi_connection, record)
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + 4}")

    monkeypatch.setattr(store_sql, "_sqlite_pragmas", small_disk)
    acknowledged = ["o0"]
    with Engine.open(url, small_world()) as engine:
        with pytest.raises(StoreWriteError, match="disk is full") as caught:  # noqa: PT012
            for k in range(1, 500):
                engine.submit(instant_payload(f"o{k}", lines=5))
                acknowledged.append(f"o{k}")
        assert not caught.value.retryable
    monkeypatch.setattr(store_sql, "_sqlite_pragmas", real)
    with Engine.open(url, small_world()) as engine:
        stored = sorted(s.order.id for s in engine.store.orders())
        assert stored == sorted(acknowledged)
        assert engine.store.incomplete_orders() == []
        assert engine.submit(instant_payload("after")).stored  # room again


def test_a_read_only_postgresql_refuses_writes(postgres_server: str) -> None:
    url = fresh_postgres_database(postgres_server)
    with Engine.open(url, small_world()) as engine:
        engine.submit(instant_payload("o1"))
    name = sa.make_url(url).database
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    with Engine.open(url, small_world()) as engine:
        with pytest.raises(StoreWriteError, match=r"refuses writes.*read-only"):
            engine.submit(instant_payload("o2"))
        assert [s.order.id for s in engine.store.orders()] == ["o1"]


@pytest.fixture
def own_postgres() -> Iterator[PgCluster]:
    """A PostgreSQL cluster of this test's own (it is stopped and started)."""
    cluster = PgCluster.create()
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_a_postgresql_restart_gives_a_retryable_error_and_no_duplicate(
    own_postgres: PgCluster,
) -> None:
    url = fresh_postgres_database(own_postgres.url)
    with Engine.open(url, small_world()) as engine:
        assert engine.submit(instant_payload("o1")).stored
        own_postgres.stop()
        with pytest.raises(StoreUnavailableError, match="cannot be reached now") as caught:
            engine.submit(instant_payload("o2"))
        assert caught.value.retryable and isinstance(caught.value, StoreError)
        with pytest.raises(StoreUnavailableError):
            engine.quote("b1", [], "m1")
        own_postgres.start()
        assert engine.submit(instant_payload("o2")).stored  # the retry
        assert not engine.submit(instant_payload("o2")).stored  # and its repeat
        own_postgres.stop()
        own_postgres.start()  # a restart while the pool holds idle connections
        assert engine.submit(instant_payload("o3")).stored
        assert sorted(s.order.id for s in engine.store.orders()) == ["o1", "o2", "o3"]
        assert engine.store.incomplete_orders() == []

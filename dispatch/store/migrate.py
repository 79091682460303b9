"""Bring a store's schema up to date with Alembic, programmatically (no alembic.ini).

The revisions are package data in ``dispatch/store/migrations/versions``.  Migrations
run in one transaction that also serialises them between processes starting at the
same time: a PostgreSQL advisory lock, or SQLite's ``BEGIN IMMEDIATE`` (the write
lock, on a connection of its own).  A database made before Alembic (the legacy
``schema_version`` table) is upgraded in place, its data kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from core.errors import EngineError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x0D15A7C4  # the advisory lock id of store migrations (any constant)


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code has."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package ships its revisions
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: never migrated by Alembic)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, *, memory: bool) -> str:
    """Upgrade the database behind ``engine`` to the newest revision; returns it.

    Args:
        engine: the store's engine.
        memory: an in-memory SQLite database (one shared connection: no lock needed).

    Raises:
        EngineError: the database's revision is newer than (unknown to) this code.
        sqlalchemy.exc.DBAPIError: the database cannot be reached or written (the store
            turns it into its own errors).
    """
    head = head_revision()
    with engine.connect() as conn:  # up to date: nothing to lock (and a read-only
        if current_revision(conn) == head:  # database still opens for reading)
            return head
    url = engine.url
    if url.get_backend_name() == "sqlite" and not memory:
        # A connection of its own whose transaction starts with the write lock, so two
        # processes opening one new file cannot both create the tables.
        locked = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": 60.0})
        sa.event.listen(locked, "connect", _sqlite_manual_transactions)
        sa.event.listen(locked, "begin", _sqlite_begin_immediate)
        try:
            with locked.begin() as conn:
                return _run(conn)
        finally:
            locked.dispose()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        return _run(conn)


def _run(conn: sa.Connection) -> str:
    head = head_revision()
    try:
        if current_revision(conn) != head:
            command.upgrade(_config(conn), "head")
    except CommandError as error:
        raise EngineError(
            f"store: the database's schema revision is unknown to this code, probably "
            f"newer ({error})"
        ) from None
    return head


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
    dbapi_connection.execute("PRAGMA busy_timeout=60000")


def _sqlite_begin_immediate(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")

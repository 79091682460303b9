"""The embedded store: orders, members, leaders and plans in SQL (SQLAlchemy Core).

This is an I/O module.  SQLite by default (a file: WAL journal, ``synchronous=FULL``, a
busy timeout so concurrent writers queue; ``sqlite://`` is in memory, one shared
connection behind a lock) and PostgreSQL by URL (``postgresql+psycopg://...``), the
same statements on both.

Migrations are a short, ordered list of versioned steps (:data:`MIGRATIONS`); the
``schema_version`` table records which ran.  :meth:`SqlStore.open` applies the missing
ones, each in its own transaction.

Every write is one transaction: an order and its lines are committed together or not
at all, so a process killed at any moment leaves whole orders only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from dispatch.domain import FulfilmentMode, Leader, Member, Order
from dispatch.payloads import (
    canonical_json,
    leader_payload,
    member_payload,
    parse_leader,
    parse_member,
    parse_order,
)
from solvers.errors import EngineError, InvalidInputError

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)
members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
leaders = sa.Table(
    "leaders",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("pickup_point_id", sa.String(100), nullable=False, unique=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("member_id", sa.String(100), nullable=False, index=True),
    sa.Column("mode", sa.String(20), nullable=False),
    sa.Column("created_at_s", sa.Float, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("gmv", sa.String(40), nullable=False),
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("plan_id", sa.Integer, nullable=True),
    sa.Column("pickup_point_id", sa.String(100), nullable=True, index=True),
    sa.Column("fulfilled_on", sa.Date, nullable=True),
    sa.Column("received_at", sa.String(40), nullable=False),
)
order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("order_id", sa.String(100), sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("store_id", sa.String(100), nullable=False),
    sa.Column("sku", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.String(40), nullable=False),
)
plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("at_s", sa.Float, nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("plan", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)


class OrderStatus(StrEnum):
    """Where a stored order is; stored as its value (the column holds these strings)."""

    PENDING = "pending"  # not yet in a plan that serves it
    PLANNED = "planned"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"  # withdrawn by the order service; never planned again


def _v1(conn: Connection) -> None:
    for table in (members, leaders, orders, order_lines, plans):
        table.create(conn, checkfirst=True)


# (version, description, step): append new steps, never edit applied ones.
MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "members, leaders, orders with lines, plans", _v1),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order as stored: the order, its status and what planning and fulfilment added.

    Attributes:
        order: the order as submitted.
        status: pending (not yet in a plan that serves it), planned or fulfilled.
        plan_id: the plan that serves it, if any.
        pickup_point_id: the pickup point it is collected at (chosen, or assigned by a
            plan), next-day orders only.
        fulfilled_on: the business day it was fulfilled.
    """

    order: Order
    status: OrderStatus
    plan_id: int | None
    pickup_point_id: str | None
    fulfilled_on: date | None


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A plan as stored: its id, label, time, inputs (orders, members, leaders, settings,
    solver parameters as JSON-ready dicts) and the plan's JSON."""

    id: int
    label: str
    at_s: float
    inputs: dict[str, Any]
    plan: dict[str, Any]
    created_at: str


def _is_memory(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class SqlStore:
    """Orders, members, leaders and plans in one SQL database; thread-safe.

    Open with :meth:`open`; every method is one transaction.
    """

    def __init__(self, engine: sa.Engine, *, serialise: bool) -> None:
        self._engine = engine
        self._lock: threading.RLock | None = threading.RLock() if serialise else None

    @classmethod
    def open(cls, url: str) -> SqlStore:
        """Connect to ``url`` and bring the schema up to date.

        ``sqlite:///path.db`` (a file, created when missing), ``sqlite://`` (memory),
        ``postgresql+psycopg://user@host:port/db``.

        Raises:
            InvalidInputError: the URL cannot be parsed or names an unknown backend.
            EngineError: the database cannot be reached or migrated.
        """
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError as error:
            raise InvalidInputError("store url", f"must be a database URL ({error})") from None
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise InvalidInputError(
                "store url", f"backend must be sqlite or postgresql, got {backend!r}"
            )
        memory = _is_memory(parsed)
        try:
            if memory:
                engine = sa.create_engine(
                    "sqlite://",
                    poolclass=StaticPool,
                    connect_args={"check_same_thread": False},
                )
            elif backend == "sqlite":
                engine = sa.create_engine(
                    parsed,
                    connect_args={"timeout": 60.0, "check_same_thread": False},
                    pool_size=8,
                    max_overflow=8,
                )
                sa.event.listen(engine, "connect", _sqlite_pragmas)
            else:
                if parsed.drivername == "postgresql":
                    parsed = parsed.set(drivername="postgresql+psycopg")
                engine = sa.create_engine(parsed, pool_size=8, max_overflow=8, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ImportError) as error:
            raise InvalidInputError("store url", f"cannot be opened ({error})") from None
        store = cls(engine, serialise=memory)
        store.migrate()
        return store

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        if self._lock is None:
            with self._engine.begin() as conn:
                yield conn
            return
        with self._lock, self._engine.begin() as conn:
            yield conn

    # --- migrations ------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply the missing migrations; returns the schema version.

        Raises:
            EngineError: the database cannot be reached, or its schema is newer than
                this code.
        """
        try:
            with self._tx() as conn:
                schema_version.create(conn, checkfirst=True)
            for version, description, step in MIGRATIONS:
                try:
                    with self._tx() as conn:
                        done = conn.execute(
                            sa.select(schema_version.c.version).where(
                                schema_version.c.version == version
                            )
                        ).first()
                        if done is not None:
                            continue
                        step(conn)
                        conn.execute(
                            schema_version.insert().values(
                                version=version, description=description, applied_at=_now()
                            )
                        )
                except IntegrityError:
                    continue  # another process applied it first
            with self._tx() as conn:
                newest = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
        except sa.exc.OperationalError as error:
            raise EngineError(f"store: cannot open the database ({error.orig})") from None
        if newest is not None and newest > SCHEMA_VERSION:
            raise EngineError(
                f"store: schema version {newest} is newer than this code ({SCHEMA_VERSION})"
            )
        return int(newest or 0)

    # --- members and leaders ----------------------------------------------------------------

    def put_member(self, member: Member, *, create: bool) -> None:
        """Create (``create``) or update a member.

        Raises:
            InvalidInputError: creating an existing member, or updating an unknown one.
        """
        row = {
            "id": member.id,
            "tier": member.tier.value,
            "payload": canonical_json(member_payload(member)),
            "updated_at": _now(),
        }
        self._put(members, row, create, f"member {member.id!r}")

    def _put(self, table: sa.Table, row: dict[str, Any], create: bool, label: str) -> None:
        try:
            with self._tx() as conn:
                if create:
                    conn.execute(table.insert().values(**row))
                    return
                result = conn.execute(table.update().where(table.c.id == row["id"]).values(**row))
                if result.rowcount == 0:
                    raise InvalidInputError(label, "is unknown (create it first)")
        except IntegrityError as error:
            if create and self._exists(table, row["id"]):
                raise InvalidInputError(label, "already exists (update it instead)") from None
            raise InvalidInputError(label, f"breaks a store constraint ({error.orig})") from None

    def _exists(self, table: sa.Table, key: str) -> bool:
        with self._tx() as conn:
            return conn.execute(sa.select(table.c.id).where(table.c.id == key)).first() is not None

    def member(self, member_id: str) -> Member | None:
        """The member with this id, or None."""
        with self._tx() as conn:
            payload = conn.execute(
                sa.select(members.c.payload).where(members.c.id == member_id)
            ).scalar()
        return None if payload is None else parse_member(json.loads(payload))

    def members(self) -> list[Member]:
        """Every member, by id."""
        with self._tx() as conn:
            rows = conn.execute(sa.select(members.c.payload).order_by(members.c.id)).scalars()
            return [parse_member(json.loads(p)) for p in rows]

    def put_leader(self, leader: Leader, *, create: bool) -> None:
        """Create (``create``) or update a leader.

        Raises:
            InvalidInputError: creating an existing leader, updating an unknown one, or
                a pickup point that already has another leader.
        """
        row = {
            "id": leader.id,
            "pickup_point_id": leader.pickup_point_id,
            "payload": canonical_json(leader_payload(leader)),
            "updated_at": _now(),
        }
        try:
            self._put(leaders, row, create, f"leader {leader.id!r}")
        except InvalidInputError as error:
            if "constraint" in error.rule or (create and "already" not in error.rule):
                raise InvalidInputError(
                    f"leader {leader.id!r}: pickup_point_id",
                    f"pickup point {leader.pickup_point_id!r} already has a leader",
                ) from None
            raise

    def leader(self, leader_id: str) -> Leader | None:
        """The leader with this id, or None."""
        with self._tx() as conn:
            payload = conn.execute(
                sa.select(leaders.c.payload).where(leaders.c.id == leader_id)
            ).scalar()
        return None if payload is None else parse_leader(json.loads(payload))

    def leaders(self) -> list[Leader]:
        """Every leader, by id."""
        with self._tx() as conn:
            rows = conn.execute(sa.select(leaders.c.payload).order_by(leaders.c.id)).scalars()
            return [parse_leader(json.loads(p)) for p in rows]

    # --- orders -----------------------------------------------------------------------------

    def insert_order(self, order: Order, payload: str, digest: str) -> bool:
        """Store an order with its lines in one transaction.

        Returns True when stored now, False when the same order (same content hash) was
        already there.

        Raises:
            InvalidInputError: an order with this id and different content exists.
        """
        row = {
            "id": order.id,
            "member_id": order.member_id,
            "mode": order.mode.value,
            "created_at_s": float(order.created_at_s),
            "content_hash": digest,
            "payload": payload,
            "gmv": str(order.gmv),
            "line_count": len(order.lines),
            "status": OrderStatus.PENDING.value,
            "plan_id": None,
            "pickup_point_id": order.pickup_point_id,
            "fulfilled_on": None,
            "received_at": _now(),
        }
        lines = [
            {
                "order_id": order.id,
                "line_no": k,
                "store_id": line.store_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for k, line in enumerate(order.lines)
        ]
        try:
            with self._tx() as conn:
                conn.execute(orders.insert().values(**row))
                conn.execute(order_lines.insert(), lines)
            return True
        except IntegrityError:
            pass
        with self._tx() as conn:
            existing = conn.execute(
                sa.select(orders.c.content_hash).where(orders.c.id == order.id)
            ).scalar()
        if existing is None:  # pragma: no cover - an integrity error without the row
            raise EngineError(f"store: order {order.id!r} could not be stored")
        if existing != digest:
            raise InvalidInputError(
                f"order {order.id!r}",
                "was already submitted with different content (order ids are idempotency keys)",
            )
        return False

    def order(self, order_id: str) -> StoredOrder | None:
        """The stored order with this id, or None."""
        with self._tx() as conn:
            row = conn.execute(sa.select(orders).where(orders.c.id == order_id)).first()
        return None if row is None else _stored(row)

    def orders(
        self,
        *,
        status: OrderStatus | None = None,
        modes: Sequence[FulfilmentMode] | None = None,
        plan_id: int | None = None,
    ) -> list[StoredOrder]:
        """Stored orders, by id, optionally of one status, some modes and one plan."""
        query = sa.select(orders).order_by(orders.c.id)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        if modes is not None:
            query = query.where(orders.c.mode.in_([m.value for m in modes]))
        if plan_id is not None:
            query = query.where(orders.c.plan_id == plan_id)
        with self._tx() as conn:
            return [_stored(row) for row in conn.execute(query)]

    def count_orders(
        self,
        *,
        status: OrderStatus | None = None,
        modes: Sequence[FulfilmentMode] | None = None,
        plan_id: int | None = None,
    ) -> int:
        """How many orders are stored, optionally of one status, some modes and one plan."""
        query = sa.select(sa.func.count()).select_from(orders)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        if modes is not None:
            query = query.where(orders.c.mode.in_([m.value for m in modes]))
        if plan_id is not None:
            query = query.where(orders.c.plan_id == plan_id)
        with self._tx() as conn:
            return int(conn.execute(query).scalar() or 0)

    def mark_fulfilled(self, order_id: str, on: date) -> None:
        """Record that an order was fulfilled (handed over or collected) on ``on``.

        Raises:
            InvalidInputError: unknown order.
        """
        with self._tx() as conn:
            result = conn.execute(
                orders.update()
                .where(orders.c.id == order_id)
                .values(status=OrderStatus.FULFILLED.value, fulfilled_on=on)
            )
            if result.rowcount == 0:
                raise InvalidInputError("order_id", f"unknown order {order_id!r}")

    def cancel_order(self, order_id: str) -> tuple[OrderStatus, StoredOrder] | None:
        """Cancel a pending or planned order (one transaction); None for an unknown id.

        Returns the status it had and the order as stored now.  Cancelling a cancelled
        order again changes nothing (an idempotent repeat).

        Raises:
            InvalidInputError: the order is fulfilled.
        """
        with self._tx() as conn:
            row = conn.execute(sa.select(orders).where(orders.c.id == order_id)).first()
            if row is None:
                return None
            before = OrderStatus(row.status)
            if before is OrderStatus.FULFILLED:
                raise InvalidInputError(
                    f"order {order_id!r}", "is fulfilled: it can no longer be cancelled"
                )
            if before is not OrderStatus.CANCELLED:
                conn.execute(
                    orders.update()
                    .where(orders.c.id == order_id)
                    .values(status=OrderStatus.CANCELLED.value)
                )
            row = conn.execute(sa.select(orders).where(orders.c.id == order_id)).first()
        return before, _stored(row)

    def fulfilled_at_point(self, pickup_point_id: str, start: date, end: date) -> list[Decimal]:
        """GMV of each next-day order fulfilled at a pickup point on days in [start, end)."""
        query = sa.select(orders.c.gmv).where(
            orders.c.pickup_point_id == pickup_point_id,
            orders.c.status == OrderStatus.FULFILLED.value,
            orders.c.mode == FulfilmentMode.NEXT_DAY_PICKUP.value,
            orders.c.fulfilled_on >= start,
            orders.c.fulfilled_on < end,
        )
        with self._tx() as conn:
            return [Decimal(g) for g in conn.execute(query).scalars()]

    # --- plans ------------------------------------------------------------------------------

    def record_plan(
        self,
        *,
        label: str,
        at_s: float,
        inputs: dict[str, Any],
        plan: dict[str, Any],
        served: Sequence[str],
        assignments: dict[str, str],
        released: Sequence[str] = (),
        replan: bool = False,
    ) -> int:
        """Store a plan with its inputs and mark its served orders planned, in one
        transaction; returns the plan id.

        A batch plan marks only orders still pending (a concurrent batch that planned
        them first keeps them).  A re-plan (``replan``) takes orders from earlier plans:
        those it serves move to this plan, ``released`` ones (planned before, unassigned
        now) become pending again.  Cancelled and fulfilled orders are never touched."""
        movable = [OrderStatus.PENDING.value]
        if replan:
            movable.append(OrderStatus.PLANNED.value)
        with self._tx() as conn:
            plan_id = conn.execute(
                plans.insert().values(
                    label=label,
                    at_s=float(at_s),
                    inputs=canonical_json(inputs),
                    plan=canonical_json(plan),
                    created_at=_now(),
                )
            ).inserted_primary_key
            assert plan_id is not None
            pid = int(plan_id[0])
            for order_id in served:
                values: dict[str, Any] = {"status": OrderStatus.PLANNED.value, "plan_id": pid}
                if order_id in assignments:
                    values["pickup_point_id"] = assignments[order_id]
                conn.execute(
                    orders.update()
                    .where(
                        orders.c.id == order_id,
                        orders.c.status.in_(movable),
                    )
                    .values(**values)
                )
            for order_id in released:
                conn.execute(
                    orders.update()
                    .where(orders.c.id == order_id, orders.c.status == OrderStatus.PLANNED.value)
                    .values(status=OrderStatus.PENDING.value, plan_id=None)
                )
        return pid

    def plan(self, plan_id: int) -> StoredPlan | None:
        """The stored plan with this id, or None."""
        with self._tx() as conn:
            row = conn.execute(sa.select(plans).where(plans.c.id == plan_id)).first()
        if row is None:
            return None
        return StoredPlan(
            id=int(row.id),
            label=str(row.label),
            at_s=float(row.at_s),
            inputs=json.loads(row.inputs),
            plan=json.loads(row.plan),
            created_at=str(row.created_at),
        )

    def plan_ids(self) -> list[int]:
        """Ids of every stored plan, oldest first."""
        with self._tx() as conn:
            return [
                int(i) for i in conn.execute(sa.select(plans.c.id).order_by(plans.c.id)).scalars()
            ]

    def table_counts(self) -> dict[str, int]:
        """Rows per table (for checks and tests)."""
        out: dict[str, int] = {}
        with self._tx() as conn:
            for table in (members, leaders, orders, order_lines, plans):
                out[table.name] = int(
                    conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
                )
        return out

    def incomplete_orders(self) -> list[str]:
        """Orders whose stored lines do not match their line count (should be none)."""
        counted = (
            sa.select(order_lines.c.order_id, sa.func.count().label("n"))
            .group_by(order_lines.c.order_id)
            .subquery()
        )
        query = (
            sa.select(orders.c.id)
            .select_from(orders.outerjoin(counted, counted.c.order_id == orders.c.id))
            .where(sa.func.coalesce(counted.c.n, 0) != orders.c.line_count)
        )
        with self._tx() as conn:
            return [str(i) for i in conn.execute(query).scalars()]


def _stored(row: Any) -> StoredOrder:
    fulfilled = row.fulfilled_on
    if isinstance(fulfilled, str):
        fulfilled = date.fromisoformat(fulfilled)
    return StoredOrder(
        order=parse_order(json.loads(row.payload)),
        status=OrderStatus(row.status),
        plan_id=None if row.plan_id is None else int(row.plan_id),
        pickup_point_id=row.pickup_point_id,
        fulfilled_on=fulfilled,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

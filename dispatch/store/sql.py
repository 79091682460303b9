"""The embedded store: orders, members, leaders and plans in SQL (SQLAlchemy Core).

This is an I/O module.  SQLite by default (a file: WAL journal, ``synchronous=FULL``, a
busy timeout so concurrent writers queue; ``sqlite://`` is in memory, one shared
connection behind a lock) and PostgreSQL by URL (``postgresql+psycopg://...``), the
same statements on both.

The schema is migrated with Alembic when the store opens (:mod:`dispatch.store.migrate`,
the revisions ship inside the package).  The tables are in :mod:`dispatch.store.schema`.

Every write is one transaction: an order, its lines and its claim on a capacity counter
(a scheduled slot, a pickup point, a home-service slot) are committed together or not
at all, so a process killed at any moment leaves whole orders only and counters that
match them; a full slot refuses the order inside that transaction
(:class:`~dispatch.store.errors.CapacityFullError`), so engines in many processes on one
database never overbook.  Driver errors become the store's own
(:mod:`dispatch.store.errors`): retryable :class:`StoreUnavailableError` (unreachable,
locked, connection lost) or :class:`StoreWriteError` (read-only, disk full).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from dispatch.clock import format_clock
from dispatch.domain import FulfilmentMode, Leader, Member, Order
from dispatch.payloads import (
    PayloadError,
    canonical_json,
    leader_payload,
    member_payload,
    parse_leader,
    parse_member,
    parse_order,
)
from dispatch.quotes import Usage
from dispatch.stock import StockTable, StockView, need_time_s, order_needs
from dispatch.store import stock_sql
from dispatch.store.errors import (
    CapacityFullError,
    OutOfStockError,
    StoreError,
    StoreUnavailableError,
    StoreWriteError,
)
from dispatch.store.migrate import upgrade
from dispatch.store.returns_sql import mark_returns_planned
from dispatch.store.schema import (
    CHINA_STANDARD_TIME,
    PARCELS,
    SLOT,
    VISIT,
    Claim,
    capacity_usage,
    leaders,
    members,
    order_claims,
    order_lines,
    orders,
    plan_clock_s,
    plans,
    stock_holds,
    stock_lots,
    today,
)
from solvers.errors import EngineError, InvalidInputError

_TABLES = (members, leaders, orders, order_lines, plans, capacity_usage, stock_lots, stock_holds)


class OrderStatus(StrEnum):
    """Where a stored order is; stored as its value (the column holds these strings)."""

    PENDING = "pending"  # not yet in a plan that serves it
    PLANNED = "planned"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"  # withdrawn by the order service; never planned again


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
class UnreadableOrder:
    """A stored order that can no longer be read as a valid order (stored before the
    payload ranges existed, or written into the database by other means).

    Attributes:
        order_id, mode: its id and flow (from its row).
        problems: ``(path, rule)`` of every field that breaks the payload schema.
    """

    order_id: str
    mode: FulfilmentMode
    problems: tuple[tuple[str, str], ...]


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
        try:
            store.migrate()
        except BaseException:
            engine.dispose()
            raise
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
        """One transaction; driver errors (other than integrity errors, which callers
        interpret) become :class:`StoreUnavailableError` or :class:`StoreWriteError`."""
        try:
            if self._lock is None:
                with self._engine.begin() as conn:
                    yield conn
                return
            with self._lock, self._engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except sa.exc.DBAPIError as error:
            raise store_error(error) from None

    # --- migrations ------------------------------------------------------------------------

    def migrate(self) -> str:
        """Upgrade the schema to the newest Alembic revision; returns it.

        Raises:
            StoreUnavailableError: the database cannot be reached (retryable).
            StoreWriteError: the database cannot be written (read-only, disk full).
            EngineError: the database's revision is unknown to (newer than) this code.
        """
        try:
            if self._lock is not None:
                with self._lock:
                    return upgrade(self._engine, memory=True)
            return upgrade(self._engine, memory=False)
        except sa.exc.DBAPIError as error:
            raise store_error(error, "cannot open or migrate the database") from None

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

    def insert_order(
        self,
        order: Order,
        payload: str,
        digest: str,
        *,
        slot_capacity: int | None = None,
        same_meaning: Callable[[str], bool] | None = None,
        plan_day: date | None = None,
    ) -> bool:
        """Store an order with its lines and its claim on a capacity counter in one
        transaction.

        Args:
            order: the order.
            payload: its canonical JSON, as stored.
            digest: its content hash (the idempotency check).
            slot_capacity: the most orders a scheduled slot takes (None: no limit).
            same_meaning: for an order stored earlier under this id with another
                hash, whether its stored payload (JSON) means the same order
                (hashes written by older code); None: only equal hashes are the same.
            plan_day: the date of the plan clock's midnight the order's times count
                from (its slot is counted by date); default today in China Standard Time.

        Returns True when stored now, False when the same order was already there.

        Raises:
            CapacityFullError: the order's scheduled slot is full; nothing is stored.
            OutOfStockError: its place has not the units free by the time the order
                needs them (:func:`dispatch.store.stock_sql.reserve`); nothing is stored.
            InvalidInputError: an order with this id and different content exists.
            StoreUnavailableError, StoreWriteError: see :mod:`dispatch.store.errors`.
        """
        day = today() if plan_day is None else plan_day
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
            "plan_day": day,
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
                # The order row first: it takes the write lock (SQLite) and the id's
                # unique key (PostgreSQL) before the counter is read.
                conn.execute(orders.insert().values(**row))
                conn.execute(order_lines.insert(), lines)
                for claim in order_claims(order, order.pickup_point_id, day):
                    limit = slot_capacity if claim.kind == SLOT else None
                    if not _add(conn, claim, claim.n, limit):
                        raise _slot_full(order, limit)
                # Its goods, in the same transaction (dispatch.store.stock_sql).
                missing = stock_sql.reserve(conn, order.id, order_needs(order), need_time_s(order))
                if missing:
                    raise OutOfStockError(order.id, missing)
            return True
        except IntegrityError:
            pass
        with self._tx() as conn:
            existing = conn.execute(
                sa.select(orders.c.content_hash, orders.c.payload).where(orders.c.id == order.id)
            ).first()
        if existing is None:  # pragma: no cover - an integrity error without the row
            raise EngineError(f"store: order {order.id!r} could not be stored")
        if existing.content_hash != digest and not (
            same_meaning is not None and same_meaning(str(existing.payload))
        ):
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
        unreadable: list[UnreadableOrder] | None = None,
        plan_id: int | None = None,
    ) -> list[StoredOrder]:
        """Stored orders, by id, optionally of one status, some modes and one plan.

        Args:
            status: only orders of this status.
            modes: only orders of these flows (None: every flow; a row whose mode is
                not a flow is never listed).
            plan_id: only orders of this plan.
            unreadable: when given, orders whose payload no longer reads as a valid
                order are appended here instead of raising.

        Raises:
            PayloadError: an unreadable stored order, when ``unreadable`` is None.
        """
        wanted = list(FulfilmentMode) if modes is None else list(modes)
        query = (
            sa.select(orders)
            .where(orders.c.mode.in_([m.value for m in wanted]))
            .order_by(orders.c.id)
        )
        if status is not None:
            query = query.where(orders.c.status == status.value)
        if plan_id is not None:
            query = query.where(orders.c.plan_id == plan_id)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        out: list[StoredOrder] = []
        for row in rows:
            try:
                out.append(_stored(row))
            except PayloadError as error:
                if unreadable is None:
                    raise
                unreadable.append(
                    UnreadableOrder(str(row.id), FulfilmentMode(row.mode), error.problems)
                )
        return out

    def usage(self, plan_day: date | None = None) -> Usage:
        """How full every scheduled slot, pickup point and home-service slot is, as the
        store counts them (every engine on the database); slot times on the plan clock of
        ``plan_day`` (default today in China Standard Time)."""
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(capacity_usage.c.kind, capacity_usage.c.key, capacity_usage.c.used).where(
                    capacity_usage.c.used != 0
                )
            ).all()
        return _usage_of(rows, today() if plan_day is None else plan_day)

    def quote_inputs(
        self,
        member_id: str,
        slot_source: str | None,
        pickup_point_ids: Sequence[str],
        plan_day: date | None = None,
    ) -> tuple[Member | None, Usage]:
        """The member and the usage a quote needs, read in one transaction with two
        prepared statements (quotes are the hot path): the slots of ``slot_source``
        (None: no slots), these pickup points and every visit slot, on the plan clock of
        ``plan_day`` (default today in China Standard Time)."""
        prefix = f"{slot_source}@" if slot_source is not None else ""
        with self._tx() as conn:
            payload = conn.execute(_MEMBER_PAYLOAD, {"member_id": member_id}).scalar()
            rows = conn.execute(
                _QUOTE_USAGE,
                {
                    "points": list(pickup_point_ids),
                    # substr(key, 1, 0) is "" and never equals "-": no slot is read
                    "prefix": prefix or "-",
                    "prefix_chars": len(prefix),
                },
            ).all()
        usage = _usage_of(rows, today() if plan_day is None else plan_day)
        return (None if payload is None else parse_member(json.loads(payload))), usage

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
        open_statuses = (OrderStatus.PENDING.value, OrderStatus.PLANNED.value)
        with self._tx() as conn:
            # The update first: it takes the write lock before anything is read.
            leaving = conn.execute(
                orders.update()
                .where(orders.c.id == order_id, orders.c.status.in_(open_statuses))
                .values(status=OrderStatus.FULFILLED.value, fulfilled_on=on)
            ).rowcount
            if leaving:  # it no longer holds its slot or its pickup point's shelf
                row = conn.execute(sa.select(orders).where(orders.c.id == order_id)).one()
                with contextlib.suppress(PayloadError):
                    stored = _stored(row)
                    for claim in order_claims(stored.order, stored.pickup_point_id, _day(row)):
                        _add(conn, claim, -claim.n, None)
                return
            result = conn.execute(
                orders.update().where(orders.c.id == order_id).values(fulfilled_on=on)
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
                # It no longer holds its slot or its pickup point's shelf (as fulfilment).
                with contextlib.suppress(PayloadError):
                    held = _stored(row)
                    for claim in order_claims(held.order, held.pickup_point_id, _day(row)):
                        _add(conn, claim, -claim.n, None)
                stock_sql.release(conn, order_id)  # and its reserved goods
            row = conn.execute(sa.select(orders).where(orders.c.id == order_id)).first()
        return before, _stored(row)

    # --- stock (dispatch.stock, dispatch.store.stock_sql) ---------------------------------

    def set_stock(self, place_id: str, sku: str, units: int) -> None:
        """Set the units of ``sku`` on hand at a place (the place then counts stock).
        Units stored orders reserved stay reserved: the free units are the difference."""
        with self._tx() as conn:
            stock_sql.put_lot(conn, place_id, sku, stock_sql.ON_HAND_AT_S, units, add=False)

    def replenish(self, place_id: str, sku: str, units: int, at_s: float) -> None:
        """Add ``units`` of ``sku`` arriving at the place at ``at_s`` (plan clock)."""
        with self._tx() as conn:
            stock_sql.put_lot(conn, place_id, sku, at_s, units, add=True)

    def seed_stock(self, table: StockTable) -> None:
        """Set the table's units at every place that does not count stock yet (one
        transaction; places the store already counts keep the store's figures)."""
        with self._tx() as conn:
            known = stock_sql.controlled_places(conn, table.levels)
            for place_id in sorted(set(table.levels) - known):
                for sku, units in sorted(table.levels[place_id].items()):
                    stock_sql.put_lot(conn, place_id, sku, stock_sql.ON_HAND_AT_S, units, add=False)

    def stock_view(self, place_ids: Sequence[str], skus: Sequence[str]) -> StockView:
        """The free units of these places and SKUs by arrival time (what a quote reads)."""
        with self._tx() as conn:
            return stock_sql.view(conn, place_ids, skus)

    def quote_stock(
        self, place_ids: Sequence[str], skus: Sequence[str], *, at_s: float, window_s: float
    ) -> tuple[StockView, dict[str, int]]:
        """What a goods quote reads besides :meth:`quote_inputs`, in one transaction:
        the free units of these places and SKUs by arrival time, and per place the
        instant and multi-store orders pending or planned created in
        ``(at_s - window_s, at_s]`` (the couriers' committed work; older ones count as
        delivered)."""
        places = sorted(set(place_ids))
        with self._tx() as conn:
            view = stock_sql.view(conn, places, skus)
            rows = conn.execute(
                _COMMITTED,
                {"places": places, "until": float(at_s), "since": float(at_s) - float(window_s)},
            ).all()
        return view, {str(sid): int(n) for sid, n in rows}

    def stock_lots(self, place_id: str) -> list[tuple[str, float, int, int]]:
        """Every lot of a place: ``(sku, at_s, quantity, reserved)`` by SKU and time."""
        with self._tx() as conn:
            return stock_sql.levels(conn, place_id)

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
        collected_returns: Sequence[str] = (),
    ) -> int:
        """Store a plan with its inputs and mark its served orders planned, in one
        transaction; returns the plan id.  A next-day order's parcels move to the
        pickup point the plan assigned (its counter follows).

        A batch plan marks only orders still pending (a concurrent batch that planned
        them first keeps them).  A re-plan (``replan``) takes orders from earlier plans:
        those it serves move to this plan, ``released`` ones (planned before, unassigned
        now) become pending again.  Cancelled and fulfilled orders are never touched.
        ``collected_returns``: pending returns the plan collects become planned.

        Raises:
            StoreUnavailableError, StoreWriteError: nothing of the plan is stored.
        """
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
                pending = orders.c.status.in_(movable)
                values: dict[str, Any] = {"status": OrderStatus.PLANNED.value, "plan_id": pid}
                before = None
                if order_id in assignments:
                    values["pickup_point_id"] = assignments[order_id]
                    before = conn.execute(
                        sa.select(orders).where(orders.c.id == order_id, pending)
                    ).first()
                done = conn.execute(
                    orders.update().where(orders.c.id == order_id, pending).values(**values)
                ).rowcount
                if done and before is not None and before.pickup_point_id != assignments[order_id]:
                    with contextlib.suppress(PayloadError):
                        order = _stored(before).order
                        day = _day(before)
                        for claim in order_claims(order, before.pickup_point_id, day):
                            _add(conn, claim, -claim.n, None)
                        for claim in order_claims(order, assignments[order_id], day):
                            _add(conn, claim, claim.n, None)
            if collected_returns:
                mark_returns_planned(conn, collected_returns, pid)
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
            for table in _TABLES:
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


def _usage_of(rows: Sequence[Any], plan_day: date) -> Usage:
    """The counters as :class:`Usage`, slot starts on the plan clock of ``plan_day``."""
    usage = Usage()
    for row in rows:
        if row.kind == SLOT:
            source_id, _, start = str(row.key).rpartition("@")
            usage.add_slot(source_id, plan_clock_s(start, plan_day), int(row.used))
        elif row.kind == PARCELS:
            usage.add_parcels(str(row.key), int(row.used))
        elif row.kind == VISIT:
            usage.add_visit(plan_clock_s(str(row.key), plan_day), int(row.used))
    return usage


def _day(row: Any) -> date:
    """The plan day of a stored order's row: its ``plan_day``, or for a row without one
    the China Standard Time date it was received on."""
    day = row.plan_day
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if isinstance(day, date):
        return day
    received = datetime.fromisoformat(str(row.received_at))
    return received.astimezone(CHINA_STANDARD_TIME).date()


# The quote's statements, built once (building a statement costs more than running it).
_MEMBER_PAYLOAD = sa.select(members.c.payload).where(members.c.id == sa.bindparam("member_id"))
_QUOTE_USAGE = sa.select(capacity_usage.c.kind, capacity_usage.c.key, capacity_usage.c.used).where(
    capacity_usage.c.used != 0,
    sa.or_(
        capacity_usage.c.kind == VISIT,
        (capacity_usage.c.kind == PARCELS)
        & capacity_usage.c.key.in_(sa.bindparam("points", expanding=True)),
        (capacity_usage.c.kind == SLOT)
        & (
            sa.func.substr(capacity_usage.c.key, 1, sa.bindparam("prefix_chars", type_=sa.Integer))
            == sa.bindparam("prefix", type_=sa.String)
        ),
    ),
)


# The couriers' committed work per place (Engine.quote), built once.
_COMMITTED = (
    sa.select(order_lines.c.store_id, sa.func.count(sa.distinct(orders.c.id)))
    .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id))
    .where(
        order_lines.c.store_id.in_(sa.bindparam("places", expanding=True)),
        orders.c.status.in_([OrderStatus.PENDING.value, OrderStatus.PLANNED.value]),
        orders.c.mode.in_([FulfilmentMode.INSTANT.value, FulfilmentMode.MULTI_STORE.value]),
        orders.c.created_at_s <= sa.bindparam("until", type_=sa.Float),
        orders.c.created_at_s > sa.bindparam("since", type_=sa.Float),
    )
    .group_by(order_lines.c.store_id)
)


def _add(conn: Connection, claim: Claim, n: int, limit: int | None) -> bool:
    """Add ``n`` to a counter (creating it at 0), unless that would pass ``limit``;
    whether it was added.  The conditional UPDATE is atomic: it locks the counter row
    (PostgreSQL) or runs under the write lock (SQLite)."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(capacity_usage)
        .values(kind=claim.kind, key=claim.key, used=0)
        .on_conflict_do_nothing()
    )
    where = [capacity_usage.c.kind == claim.kind, capacity_usage.c.key == claim.key]
    if limit is not None:
        where.append(capacity_usage.c.used + n <= limit)
    result = conn.execute(
        capacity_usage.update().where(*where).values(used=capacity_usage.c.used + n)
    )
    return bool(result.rowcount)


def _slot_full(order: Order, capacity: int | None) -> CapacityFullError:
    assert order.promised is not None  # only scheduled orders claim a limited counter
    return CapacityFullError(
        f"order {order.id!r}: promised",
        f"slot full: the scheduled slot from {format_clock(order.promised.start_s)} at "
        f"{order.lines[0].store_id!r} already holds its {capacity} orders",
    )


def store_error(error: sa.exc.DBAPIError, doing: str = "") -> StoreError:
    """The store's error for a driver error: retryable when the database cannot be
    reached or is busy now, a write error when it refuses writes."""
    detail = " ".join(str(error.orig).split())[:300]
    where = f"{doing}: " if doing else ""
    sqlstate = str(getattr(error.orig, "sqlstate", "") or "")
    text = detail.lower()
    if sqlstate in ("25006", "53100") or any(
        word in text
        for word in ("readonly", "read-only", "disk is full", "disk full", "unable to open")
    ):
        return StoreWriteError(
            f"store: {where}the database refuses writes (nothing was stored; "
            f"fix the database and retry): {detail}"
        )
    if error.connection_invalidated or isinstance(error.orig, sqlite3.Error):
        # SQLite's operational errors are mostly not about reaching it: only a lock
        # held past the busy timeout passes if tried again.
        unavailable = error.connection_invalidated or "locked" in text or "busy" in text
    else:  # PostgreSQL: connection lost or refused, shutting down, serialisation
        unavailable = isinstance(
            error, sa.exc.OperationalError | sa.exc.InterfaceError
        ) or sqlstate[:2] in ("08", "40", "57")
    if unavailable:
        return StoreUnavailableError(
            f"store: {where}the database cannot be reached now (nothing was acknowledged; "
            f"retry: submits are idempotent by order id): {detail}"
        )
    return StoreError(f"store: {where}the database failed: {detail}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

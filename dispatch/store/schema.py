"""The store's tables (SQLAlchemy Core) and the keys of its capacity counters.

The tables are created and changed only by the Alembic migrations in
``dispatch/store/migrations/versions`` (:mod:`dispatch.store.migrate`); these
definitions are what the code reads and writes, and a test checks that they match the
migrated database.

``capacity_usage`` holds one counter row per scheduled slot, pickup point and
home-service slot: how many orders (slots, visits) or parcels (pickup points) the
pending and planned orders hold there.  Every submit updates it in its own
transaction, a full slot with a conditional ``UPDATE ... WHERE used + n <= capacity``,
so engines in any number of processes on one database never overbook.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dispatch.domain import FulfilmentMode, Order

metadata = sa.MetaData()

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
returns = sa.Table(  # after-sales returns (revision 0003_returns)
    "returns",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("order_id", sa.String(100), nullable=True),
    sa.Column("to_place_id", sa.String(100), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("plan_id", sa.Integer, nullable=True),
    sa.Column("received_at", sa.String(40), nullable=False),
)
capacity_usage = sa.Table(
    "capacity_usage",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("used", sa.Integer, nullable=False),
)

SLOT = "slot"  # key: source id and slot start; counts orders
PARCELS = "parcels"  # key: pickup point id; counts parcels
VISIT = "visit"  # key: visit slot start; counts bookings


def slot_key(source_id: str, start_s: float) -> str:
    """The counter key of a scheduled slot at a store or micro-warehouse."""
    return f"{source_id}@{float(start_s)!r}"


def visit_key(start_s: float) -> str:
    """The counter key of a home-service slot."""
    return repr(float(start_s))


@dataclass(frozen=True, slots=True)
class Claim:
    """What one order holds of one counter: ``n`` of counter ``(kind, key)``."""

    kind: str
    key: str
    n: int


def order_claims(order: Order, pickup_point_id: str | None) -> list[Claim]:
    """The counters a pending or planned order holds: its scheduled slot (at the store
    of its first line), its pickup point's parcels, or its home-service slot."""
    if order.mode is FulfilmentMode.SCHEDULED and order.promised is not None:
        return [Claim(SLOT, slot_key(order.lines[0].store_id, order.promised.start_s), 1)]
    if order.mode is FulfilmentMode.NEXT_DAY_PICKUP and pickup_point_id is not None:
        return [Claim(PARCELS, pickup_point_id, order.parcels)]
    if order.mode is FulfilmentMode.HOME_SERVICE and order.promised is not None:
        return [Claim(VISIT, visit_key(order.promised.start_s), 1)]
    return []

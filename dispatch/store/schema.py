"""The store's tables (SQLAlchemy Core) and the keys of its capacity counters.

The tables are created and changed only by the Alembic migrations in
``dispatch/store/migrations/versions`` (:mod:`dispatch.store.migrate`); these
definitions are what the code reads and writes, and a test checks that they match the
migrated database.

``capacity_usage`` holds one counter row per scheduled slot (by date and time of day),
pickup point and home-service slot: how many orders (slots, visits) or parcels (pickup points) the
pending and planned orders hold there.  Every submit updates it in its own
transaction, a full slot with a conditional ``UPDATE ... WHERE used + n <= capacity``,
so engines in any number of processes on one database never overbook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

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
    # The date of the plan clock's midnight when the order was submitted (its clock
    # times count from it); None only for rows a migration could not date.
    sa.Column("plan_day", sa.Date, nullable=True),
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

SLOT = "slot"  # key: source id, slot date and time of day; counts orders
PARCELS = "parcels"  # key: pickup point id; counts parcels
VISIT = "visit"  # key: visit slot date and time of day; counts bookings

DAY_S = 86_400.0
# The plan clock of the engine's default clock: China Standard Time, no daylight saving.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def today() -> date:
    """Today's date in China Standard Time: the day of the default plan clock's midnight."""
    return datetime.now(CHINA_STANDARD_TIME).date()


def day_time(start_s: float, plan_day: date) -> str:
    """A plan-clock time as its calendar date and time of day, ``2026-12-07+64800.0``.

    The plan clock counts seconds from ``plan_day``'s midnight (over several days for
    times past 24:00), so 18:00 on Monday and 18:00 on Tuesday are different slots, and
    Tuesday 18:00 is the same slot whether it was booked on Monday (``151200`` s) or on
    Tuesday (``64800`` s).
    """
    days = math.floor(float(start_s) / DAY_S)
    seconds = float(start_s) - days * DAY_S
    return f"{(plan_day + timedelta(days=days)).isoformat()}+{seconds!r}"


def plan_clock_s(key: str, plan_day: date) -> float:
    """The inverse of :func:`day_time`: the time on the plan clock of ``plan_day``.
    A key without a date (written before slots had dates) is read as a plan-clock time."""
    day, plus, seconds = key.partition("+")
    if not plus:
        return float(key)
    return (date.fromisoformat(day) - plan_day).days * DAY_S + float(seconds)


def slot_key(source_id: str, start_s: float, plan_day: date) -> str:
    """The counter key of a scheduled slot at a store or micro-warehouse."""
    return f"{source_id}@{day_time(start_s, plan_day)}"


def visit_key(start_s: float, plan_day: date) -> str:
    """The counter key of a home-service slot."""
    return day_time(start_s, plan_day)


@dataclass(frozen=True, slots=True)
class Claim:
    """What one order holds of one counter: ``n`` of counter ``(kind, key)``."""

    kind: str
    key: str
    n: int


def order_claims(order: Order, pickup_point_id: str | None, plan_day: date) -> list[Claim]:
    """The counters a pending or planned order holds: its scheduled slot (at the store
    of its first line), its pickup point's parcels, or its home-service slot; slots by
    date and time of day, the order's clock counting from ``plan_day``."""
    if order.mode is FulfilmentMode.SCHEDULED and order.promised is not None:
        key = slot_key(order.lines[0].store_id, order.promised.start_s, plan_day)
        return [Claim(SLOT, key, 1)]
    if order.mode is FulfilmentMode.NEXT_DAY_PICKUP and pickup_point_id is not None:
        return [Claim(PARCELS, pickup_point_id, order.parcels)]
    if order.mode is FulfilmentMode.HOME_SERVICE and order.promised is not None:
        return [Claim(VISIT, visit_key(order.promised.start_s, plan_day), 1)]
    return []


# Stock (dispatch.stock, revision 0003_stock).  One lot per place, SKU and arrival time:
# what is on hand arrives at 0 (``Engine.set_stock``), a replenishment at its time.
# ``reserved`` counts the units that stored orders hold of the lot; a reservation is a
# conditional ``UPDATE ... WHERE quantity - reserved >= n`` on a row locked in
# (place, SKU, time) order, so engines on one database never oversell.  A place with
# no lot does not count stock.
stock_lots = sa.Table(
    "stock_lots",
    metadata,
    sa.Column("place_id", sa.String(100), primary_key=True),
    sa.Column("sku", sa.String(200), primary_key=True),
    sa.Column("at_s", sa.Float, primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False),
)
# What each stored order holds of each lot (released when it is cancelled).
stock_holds = sa.Table(
    "stock_holds",
    metadata,
    sa.Column("order_id", sa.String(100), sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("place_id", sa.String(100), primary_key=True),
    sa.Column("sku", sa.String(200), primary_key=True),
    sa.Column("at_s", sa.Float, primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
)

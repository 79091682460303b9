"""Slot counters by date: a scheduled or home-service slot is a date and a time of day.

Revision ID: 0003_slot_day
Revises: 0002
Create Date: 2026-12-07

Before, the counter of a slot was keyed by its start on the plan clock (seconds since
the plan's midnight), and the engine's clock starts again at every midnight: 18:00 on
Monday and 18:00 on Tuesday shared one counter.  Orders get ``plan_day``, the date of
the plan clock's midnight they were submitted under: for stored orders, the China
Standard Time date they were received on (the engine's default clock).  The slot and
visit counters are then counted again from the pending and planned orders under the
new keys (``mw1@2026-12-07+64800.0``, ``2026-12-07+36000.0``; written out here so this
revision never changes); pickup-point counters are kept.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0003_slot_day"
down_revision = "0003_stock"
branch_labels = None
depends_on = None

_CST = timezone(timedelta(hours=8), "CST")
_DAY_S = 86_400.0


def _day_time(start_s: float, plan_day: date | None) -> str:
    if plan_day is None:  # downgrade: the plan-clock time as before
        return repr(float(start_s))
    days = math.floor(float(start_s) / _DAY_S)
    seconds = float(start_s) - days * _DAY_S
    return f"{(plan_day + timedelta(days=days)).isoformat()}+{seconds!r}"


def _slot_claims(mode: str, payload: str, plan_day: date | None) -> list[tuple[str, str]]:
    order = json.loads(payload)
    promised = order.get("promised")
    if mode == "scheduled" and promised:
        start = _day_time(float(promised["start_s"]), plan_day)
        return [("slot", f"{order['lines'][0]['store_id']}@{start}")]
    if mode == "home_service" and promised:
        return [("visit", _day_time(float(promised["start_s"]), plan_day))]
    return []


def _received_day(received_at: str) -> date:
    return datetime.fromisoformat(received_at).astimezone(_CST).date()


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)) if value else None


def _recount(dated: bool) -> None:
    """Count the slot and visit counters again from the open orders."""
    bind = op.get_bind()
    usage = sa.table(
        "capacity_usage",
        sa.column("kind", sa.String),
        sa.column("key", sa.String),
        sa.column("used", sa.Integer),
    )
    op.execute(usage.delete().where(usage.c.kind.in_(["slot", "visit"])))
    day_column = ", plan_day" if dated else ""
    rows = bind.execute(
        sa.text(
            f"SELECT mode, payload{day_column} FROM orders "
            "WHERE status IN ('pending', 'planned') ORDER BY id"
        )
    )
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        try:
            claims = _slot_claims(row[0], row[1], _as_date(row[2]) if dated else None)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            continue  # a payload the planner reports as invalid input holds nothing
        for kind, key in claims:
            counts[(kind, key)] += 1
    if counts:
        op.bulk_insert(
            usage, [{"kind": k, "key": key, "used": n} for (k, key), n in sorted(counts.items())]
        )


def upgrade() -> None:
    """Add ``orders.plan_day`` (the received date in China Standard Time for stored
    orders) and key the slot and visit counters by date and time of day."""
    op.add_column("orders", sa.Column("plan_day", sa.Date, nullable=True))
    bind = op.get_bind()
    orders = sa.table(
        "orders",
        sa.column("id", sa.String),
        sa.column("received_at", sa.String),
        sa.column("plan_day", sa.Date),
    )
    days: dict[date, list[str]] = {}
    for order_id, received_at in bind.execute(sa.select(orders.c.id, orders.c.received_at)):
        try:
            days.setdefault(_received_day(str(received_at)), []).append(str(order_id))
        except ValueError:
            continue  # an undated row: the store reads it by its received date, or today
    for day, ids in days.items():
        for k in range(0, len(ids), 500):
            bind.execute(
                orders.update().where(orders.c.id.in_(ids[k : k + 500])).values(plan_day=day)
            )
    _recount(dated=True)


def downgrade() -> None:
    """Key the counters by plan-clock time again and drop ``orders.plan_day``."""
    _recount(dated=False)
    # Plain ALTER TABLE (SQLite >= 3.35 and PostgreSQL): a batch copy of ``orders``
    # would break the foreign key of ``order_lines``.
    op.execute("ALTER TABLE orders DROP COLUMN plan_day")

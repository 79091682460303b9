"""Capacity counters in the store (slots hold across processes); Alembic replaces the
hand-written ``schema_version`` table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

``capacity_usage`` gets one row per scheduled slot, pickup point and home-service slot
that pending or planned orders hold, counted from the stored orders (the keys are
those of :mod:`dispatch.store.schema`, written out here so this revision never
changes).  The legacy ``schema_version`` table is dropped.
"""

from __future__ import annotations

import json
from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _claims(mode: str, payload: str, point_id: str | None) -> list[tuple[str, str, int]]:
    order = json.loads(payload)
    promised = order.get("promised")
    lines = order["lines"]
    if mode == "scheduled" and promised:
        key = f"{lines[0]['store_id']}@{float(promised['start_s'])!r}"
        return [("slot", key, 1)]
    if mode == "next_day_pickup" and point_id is not None:
        return [("parcels", point_id, len({line["store_id"] for line in lines}))]
    if mode == "home_service" and promised:
        return [("visit", repr(float(promised["start_s"])), 1)]
    return []


def upgrade() -> None:
    """Create ``capacity_usage``, fill it from the stored orders, drop ``schema_version``."""
    usage = op.create_table(
        "capacity_usage",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("used", sa.Integer, nullable=False),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT mode, payload, pickup_point_id FROM orders "
            "WHERE status IN ('pending', 'planned') ORDER BY id"
        )
    )
    counts: Counter[tuple[str, str]] = Counter()
    for mode, payload, point_id in rows:
        try:
            claims = _claims(mode, payload, point_id)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            continue  # a payload the planner will report as invalid input holds nothing
        for kind, key, n in claims:
            counts[(kind, key)] += n
    if counts:
        op.bulk_insert(
            usage, [{"kind": k, "key": key, "used": n} for (k, key), n in sorted(counts.items())]
        )
    if sa.inspect(bind).has_table("schema_version"):
        op.drop_table("schema_version")


def downgrade() -> None:
    """Drop ``capacity_usage`` (the legacy ``schema_version`` table is not restored)."""
    op.drop_table("capacity_usage")

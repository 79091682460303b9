"""Members, leaders, orders with lines, plans: the schema before Alembic.

Revision ID: 0001
Revises:
Create Date: 2026-12-07

A database made by the code before Alembic (the ``schema_version`` table at version 1)
already has these tables: they are created only where missing.  The table definitions
are frozen here (a revision never follows later changes of the code).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the five tables of schema version 1 where missing."""
    bind = op.get_bind()
    metadata = sa.MetaData()
    sa.Table(
        "members",
        metadata,
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    sa.Table(
        "leaders",
        metadata,
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("pickup_point_id", sa.String(100), nullable=False, unique=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    sa.Table(
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
    sa.Table(
        "order_lines",
        metadata,
        sa.Column("order_id", sa.String(100), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("store_id", sa.String(100), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_price", sa.String(40), nullable=False),
    )
    sa.Table(
        "plans",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("at_s", sa.Float, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    metadata.create_all(bind, checkfirst=True)


def downgrade() -> None:
    """Drop the five tables."""
    for name in ("order_lines", "orders", "plans", "leaders", "members"):
        op.drop_table(name)

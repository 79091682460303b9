"""Stock per place and SKU, and what stored orders hold of it (issue 17).

Revision ID: 0003_stock
Revises: 0002
Create Date: 2026-12-07

``stock_lots``: units per place, SKU and arrival time (0: on hand; later: a
replenishment) and how many of them stored orders reserved; ``stock_holds``: the
units each order holds of each lot.  Both start empty: no place counts stock until
``Engine.set_stock`` (or a scenario's ``stock`` when the engine opens) says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_stock"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``stock_lots`` and ``stock_holds``."""
    op.create_table(
        "stock_lots",
        sa.Column("place_id", sa.String(100), primary_key=True),
        sa.Column("sku", sa.String(200), primary_key=True),
        sa.Column("at_s", sa.Float, primary_key=True),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False),
    )
    op.create_table(
        "stock_holds",
        sa.Column("order_id", sa.String(100), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("place_id", sa.String(100), primary_key=True),
        sa.Column("sku", sa.String(200), primary_key=True),
        sa.Column("at_s", sa.Float, primary_key=True),
        sa.Column("quantity", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop the stock tables."""
    op.drop_table("stock_holds")
    op.drop_table("stock_lots")

"""Return requests in the store (after-sales returns collected on the delivery routes).

Revision ID: 0003_returns
Revises: 0002
Create Date: 2026-12-07

``returns`` holds one row per return request (:mod:`dispatch.returns`): its canonical
payload and content hash (the idempotency check of ``Engine.submit_return``), its
status (``pending`` until a plan collects it, then ``planned``) and that plan's id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_returns"
down_revision = "0003_slot_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``returns``."""
    op.create_table(
        "returns",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("order_id", sa.String(100), nullable=True),
        sa.Column("to_place_id", sa.String(100), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("plan_id", sa.Integer, nullable=True),
        sa.Column("received_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    """Drop ``returns``."""
    op.drop_table("returns")

"""order cancellations sent to the marketplaces

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crossdock.persistence.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_cancellations",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("orders.id"),
                  primary_key=True),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("stores.id"),
                  nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text()),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_order_cancellations_state", "order_cancellations", ["state"])


def downgrade() -> None:
    op.drop_index("ix_order_cancellations_state", table_name="order_cancellations")
    op.drop_table("order_cancellations")

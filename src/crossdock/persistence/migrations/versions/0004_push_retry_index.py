"""stock push: partial index of listings waiting for a retry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_listings_push_retry", "listings", ["sku_id"], unique=False,
                    sqlite_where=sa.text("push_state = 'retry'"), postgresql_where=sa.text("push_state = 'retry'"))


def downgrade() -> None:
    op.drop_index("ix_listings_push_retry", table_name="listings")

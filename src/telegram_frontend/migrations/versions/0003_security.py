"""security: per-user second factor for actions, the role an admin last granted, announced requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tf_users") as batch:
        batch.add_column(
            sa.Column("totp_for_actions", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("granted_role", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("access_announced_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tf_users") as batch:
        batch.drop_column("access_announced_at")
        batch.drop_column("granted_role")
        batch.drop_column("totp_for_actions")

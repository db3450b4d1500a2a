"""users: the deployment each user works on, and roles granted per deployment

`deployment` is the user's chosen deployment (None: the default); `deployment_roles` is a JSON
object name → role that overrides the user's role on those deployments. Both sit on the user
row so that the one read per update that finds the caller also finds them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tf_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployment", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("deployment_roles", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tf_users", schema=None) as batch_op:
        batch_op.drop_column("deployment_roles")
        batch_op.drop_column("deployment")

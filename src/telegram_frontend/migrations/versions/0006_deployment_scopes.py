"""notifications, alert rules and API keys per deployment

- `tf_notification_routes.deployment`: a route limited to one deployment (NULL: every one); the
  unique key becomes (type, chat_id, deployment), so a forum group can have a topic per deployment.
- `tf_notification_settings.muted_deployments`: deployments a user does not want to hear from.
- `tf_alert_rules.deployment`: whose figures a rule watches (NULL: the default deployment).
- `tf_api_keys.deployments`: the deployments a key may use (NULL: every one).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_ROUTE_KEY = "uq_tf_notification_routes_type_chat_id"
NEW_ROUTE_KEY = "uq_tf_notification_routes_type_chat_id_deployment"


def upgrade() -> None:
    with op.batch_alter_table("tf_notification_routes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployment", sa.String(length=24), nullable=True))
        batch_op.drop_constraint(OLD_ROUTE_KEY, type_="unique")
        batch_op.create_unique_constraint(NEW_ROUTE_KEY, ["type", "chat_id", "deployment"])
    with op.batch_alter_table("tf_notification_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("muted_deployments", sa.JSON(), nullable=True))
    with op.batch_alter_table("tf_alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployment", sa.String(length=24), nullable=True))
    with op.batch_alter_table("tf_api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tf_api_keys", schema=None) as batch_op:
        batch_op.drop_column("deployments")
    with op.batch_alter_table("tf_alert_rules", schema=None) as batch_op:
        batch_op.drop_column("deployment")
    with op.batch_alter_table("tf_notification_settings", schema=None) as batch_op:
        batch_op.drop_column("muted_deployments")
    # A route limited to one deployment would widen to all of them: it goes instead.
    routes = sa.table("tf_notification_routes", sa.column("deployment", sa.String))
    op.execute(routes.delete().where(routes.c.deployment.is_not(None)))
    with op.batch_alter_table("tf_notification_routes", schema=None) as batch_op:
        batch_op.drop_constraint(NEW_ROUTE_KEY, type_="unique")
        batch_op.create_unique_constraint(OLD_ROUTE_KEY, ["type", "chat_id"])
        batch_op.drop_column("deployment")

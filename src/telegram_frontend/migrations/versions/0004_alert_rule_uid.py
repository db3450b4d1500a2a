"""alert rules: a never-reused identity (uid) and, on SQLite, AUTOINCREMENT ids

SQLite hands a deleted rule's id to the next rule; a notification key built from that id would
take the new rule's first alert for the old one's and drop it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tf_alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    rules = sa.table("tf_alert_rules", sa.column("id", sa.Integer), sa.column("uid", sa.String))
    for (rule_id,) in conn.execute(sa.select(rules.c.id)).all():
        conn.execute(rules.update().where(rules.c.id == rule_id).values(uid=uuid.uuid4().hex))
    sqlite = conn.dialect.name == "sqlite"
    with op.batch_alter_table(
        "tf_alert_rules",
        schema=None,
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True} if sqlite else {},
    ) as batch_op:
        batch_op.alter_column("uid", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint("uq_tf_alert_rules_uid", ["uid"])


def downgrade() -> None:
    with op.batch_alter_table("tf_alert_rules", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tf_alert_rules_uid", type_="unique")
        batch_op.drop_column("uid")

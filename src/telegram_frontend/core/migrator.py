"""Apply and inspect our Alembic migrations from code (start-up, `tgfront migrate`, readiness)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from telegram_frontend.core.database import TABLE_PREFIX, Database

SCRIPT_LOCATION = "telegram_frontend:migrations"
VERSION_TABLE = "tf_alembic_version"


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Autogenerate sees our tables only; the trading system's are none of our business."""
    if type_ == "table":
        return bool(name) and str(name).startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _run(db: Database, fn: Any, *args: Any) -> None:
    cfg = alembic_config()

    def work(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        fn(cfg, *args)

    async with db.engine.begin() as conn:
        await conn.run_sync(work)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring our tables to `revision` (head by default); safe to run at every start."""
    await _run(db, command.upgrade, revision)


async def downgrade(db: Database, revision: str = "base") -> None:
    await _run(db, command.downgrade, revision)


async def current_revision(db: Database) -> str | None:
    def read(connection: Connection) -> str | None:
        ctx = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()

    async with db.engine.connect() as conn:
        return await conn.run_sync(read)


async def is_at_head(db: Database) -> bool:
    return await current_revision(db) == head_revision()

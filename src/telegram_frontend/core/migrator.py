"""Apply and inspect our Alembic migrations from code (start-up, `tgfront migrate`, readiness).

Alembic itself (~10 MB and ~0.3 s to import, with mako and every dialect's DDL) is imported only
when a migration must run: every start and every readiness probe first reads the revision with
one query and compares it with `HEAD_REVISION`, so a restart at head never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from telegram_frontend.core.database import TABLE_PREFIX, Database

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "telegram_frontend:migrations"
VERSION_TABLE = "tf_alembic_version"
HEAD_REVISION = "0008"
"""The newest script in migrations/versions; tests/integration/test_migrations.py keeps it right."""


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Autogenerate sees our tables only; the trading system's are none of our business."""
    if type_ == "table":
        return bool(name) and str(name).startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    return HEAD_REVISION


def script_head() -> str | None:
    """The head as Alembic reads it from the scripts (what `HEAD_REVISION` must equal)."""
    from alembic.script import ScriptDirectory

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
    if revision in ("head", HEAD_REVISION) and await current_revision(db) == HEAD_REVISION:
        return  # nothing to do, and no need to load Alembic to learn that
    from alembic import command

    await _run(db, command.upgrade, revision)


async def downgrade(db: Database, revision: str = "base") -> None:
    from alembic import command

    await _run(db, command.downgrade, revision)


_READ_REVISION = text("SELECT version_num FROM tf_alembic_version")  # VERSION_TABLE


def _read_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(_READ_REVISION).scalar()
    return None if found is None else str(found)


async def current_revision(db: Database) -> str | None:
    """The revision our tables are at (None before the first migration), in one short read."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(_read_revision)


async def is_at_head(db: Database) -> bool:
    return await current_revision(db) == HEAD_REVISION

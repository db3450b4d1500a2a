"""`tgfront migrate [revision]`: move our own database to a revision (head by default)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from telegram_frontend.cli.run import setup_logging
from telegram_frontend.core import migrator
from telegram_frontend.core.database import Database
from telegram_frontend.core.settings import load_settings


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(settings)

    async def work() -> str | None:
        db = Database(settings.database_url)
        try:
            target = args.revision
            if target == "base":
                await migrator.downgrade(db, "base")
            else:
                await migrator.upgrade(db, target)
                if target != "head" and await migrator.current_revision(db) != target:
                    await migrator.downgrade(db, target)  # an older revision: roll back to it
            return await migrator.current_revision(db)
        finally:
            await db.dispose()

    revision = asyncio.run(work())
    print(f"database at revision {revision or 'base'}")
    return 0


def register(subparsers: Any) -> None:
    """Add `migrate` to the `tgfront` parser."""
    migrate = subparsers.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    migrate.set_defaults(func=cmd_migrate)

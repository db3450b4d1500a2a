"""The `tgfront` command: run the frontend, migrate its database, and the operator tools."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from telegram_frontend.core import migrator
from telegram_frontend.core.database import Database
from telegram_frontend.core.logging import configure_logging, get_logger
from telegram_frontend.core.settings import Settings, load_settings

log = get_logger("telegram_frontend.main")

SETUP_HINT = (
    "TELEGRAM_BOT_TOKEN is not set: set it to your bot's token from @BotFather, "
    "or run `tgfront sandbox` (what `make run` does) to try the frontend offline."
)


def _setup(settings: Settings) -> None:
    configure_logging(
        settings.log_level, settings.log_format, settings.log_file, settings.secret_values()
    )


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Start the whole frontend and run until `stop` is set."""
    from telegram_frontend.app import Frontend

    frontend = Frontend(settings)
    await frontend.start()
    try:
        await stop.wait()
    finally:
        await frontend.stop()


def run_until_signal(main: Callable[[asyncio.Event], object]) -> int:
    """Run `main(stop)` until SIGTERM or SIGINT, then let it finish its shutdown."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)  # type: ignore[misc]

    asyncio.run(runner())
    return 0


def cmd_run(_args: argparse.Namespace) -> int:
    settings = load_settings()
    _setup(settings)
    if settings.telegram_bot_token is None:
        print(SETUP_HINT, file=sys.stderr)
        return 2
    return run_until_signal(lambda stop: serve(settings, stop))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    _setup(settings)

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tgfront", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot, the HTTP API and the workers").set_defaults(
        func=cmd_run
    )
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    migrate.set_defaults(func=cmd_migrate)
    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    """Subcommands that live with their feature (sandbox, API keys, secrets)."""
    found = []
    for module_name in (
        "telegram_frontend.sandbox.cli",
        "telegram_frontend.cli.api_key",
        "telegram_frontend.cli.rotate_secret",
    ):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ImportError:
            continue
        found.append(module.register)
    return found


def cli(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    cli()

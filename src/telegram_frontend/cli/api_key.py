"""`tgfront api-key create|list|revoke`: API keys are made on the server, by its operator.

Whoever can run this on the server is an admin (they hold the database); the new key is printed
once on stdout (alone on its line, so `KEY=$(tgfront api-key create ...)` works) and nowhere
else: the database keeps only its hash, and nothing here logs it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from telegram_frontend.core import migrator
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import load_deployments_or_exit
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.logging import configure_logging
from telegram_frontend.core.settings import Settings, load_settings
from telegram_frontend.services.admin.api_keys import KEY_ROLES, ApiKeyService
from telegram_frontend.services.admin.audit import AuditService

T = TypeVar("T")


def operator() -> Actor:
    """The person at the server's shell, as the audit trail names them."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return Actor(role=Role.ADMIN, name=f"cli:{user}"[:64], via="system")


def _with_service(settings: Settings, work: Callable[[ApiKeyService], Awaitable[T]]) -> T:
    deployments = load_deployments_or_exit(settings)

    async def run() -> T:
        db = Database(settings.database_url)
        try:
            await migrator.upgrade(db)
            return await work(ApiKeyService(db, AuditService(db), deployments))
        finally:
            await db.dispose()

    return asyncio.run(run())


def database_label(url: str) -> str:
    """Which database a command wrote to, password masked: a key minted in the wrong one fails."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unreadable DATABASE_URL)"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _scope(deployments: list[str] | None) -> str:
    return ", ".join(deployments) if deployments else "all"


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    limits = args.deployment or ()
    created = _with_service(
        settings, lambda keys: keys.create(operator(), args.name, args.role, limits)
    )
    row = created.row
    only = f" on {_scope(row.deployments)} only" if row.deployments else ""
    print(
        f"API key {row.id} created: {row.name!r}, role {row.role}{only}, prefix {row.prefix}.\n"
        f"Database: {database_label(settings.database_url)} (the app must use the same one).\n"
        "It is shown only this once and cannot be recovered; store it now. "
        "Send it as `Authorization: Bearer <key>`.",
        file=sys.stderr,
    )
    print(created.key)
    return 0


def cmd_list(_args: argparse.Namespace, settings: Settings) -> int:
    rows = _with_service(settings, lambda keys: keys.list_keys(operator()))
    if not rows:
        print("No API keys yet. Create one with: tgfront api-key create --role viewer --name NAME")
        return 0
    print(
        f"{'id':>4}  {'name':<24} {'role':<7} {'prefix':<13} {'last used':<20} "
        f"{'deployments':<16} status"
    )
    for row in rows:
        status = f"revoked {_when(row.revoked_at)}" if row.revoked_at else "active"
        print(
            f"{row.id:>4}  {row.name[:24]:<24} {row.role:<7} {row.prefix:<13} "
            f"{_when(row.last_used_at):<20} {_scope(row.deployments)[:16]:<16} {status}"
        )
    return 0


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    row = _with_service(settings, lambda keys: keys.revoke(operator(), args.id))
    print(f"API key {row.id} ({row.name!r}, {row.prefix}) is revoked.")
    return 0


def _guarded(
    command: Callable[[argparse.Namespace, Settings], int],
) -> Callable[[argparse.Namespace], int]:
    """Quiet logs, and a refusal printed as one sentence with exit code 1, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        settings = load_settings()
        deployments = load_deployments_or_exit(settings)
        secrets = settings.secret_values() + deployments.secret_values()
        configure_logging("WARNING", settings.log_format, None, secrets)
        try:
            return command(args, settings)
        except FrontendError as exc:
            print(f"error: {exc.user_message}", file=sys.stderr)
            return 1

    return run


def register(subparsers: Any) -> None:
    """Add `api-key` and its subcommands to the `tgfront` parser."""
    parser = subparsers.add_parser("api-key", help="create, list and revoke HTTP API keys")
    sub = parser.add_subparsers(dest="api_key_command", required=True)
    create = sub.add_parser("create", help="create a key (shown once)")
    create.add_argument(
        "--role", required=True, choices=[r.value for r in KEY_ROLES], help="what it may do"
    )
    create.add_argument("--name", required=True, help="what the key is for, e.g. grafana")
    create.add_argument(
        "--deployment",
        action="append",
        metavar="NAME",
        help="limit the key to this deployment (repeat for several; default: all of them)",
    )
    create.set_defaults(func=_guarded(cmd_create))
    sub.add_parser("list", help="list keys (never the keys themselves)").set_defaults(
        func=_guarded(cmd_list)
    )
    revoke = sub.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("id", type=int, help="the key's id (see `list`)")
    revoke.set_defaults(func=_guarded(cmd_revoke))

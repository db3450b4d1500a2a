"""`tgfront rotate-secret`: re-encrypt every stored secret under a new SECRET_KEY.

The keys are read from environment variables named on the command line, never from the
arguments themselves, so they do not end up in the shell history or the process list. The
rotation runs in one transaction and can be re-run safely: secrets already under the new key are
left alone. Afterwards, set SECRET_KEY to the new key and restart. With the same variable for
both keys it upgrades secrets stored with the former fast key derivation (v1) to scrypt (v2).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from telegram_frontend.core.crypto import weak_key_reason
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.settings import load_settings
from telegram_frontend.services.account.credentials import RotationReport, rotate_stored_secrets


def register(subparsers: Any) -> None:
    """Add `rotate-secret` to the `tgfront` command."""
    parser = subparsers.add_parser(
        "rotate-secret",
        help="re-encrypt stored secrets (users' Binance keys, TOTP) under a new SECRET_KEY",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--old-key-env",
        default="SECRET_KEY",
        metavar="VAR",
        help="environment variable holding the current key (default: SECRET_KEY)",
    )
    parser.add_argument(
        "--new-key-env",
        required=True,
        metavar="VAR",
        help="environment variable holding the new key",
    )
    parser.set_defaults(func=cmd_rotate_secret)


def _key_from(variable: str) -> str | None:
    value = os.environ.get(variable, "")
    if not value:
        print(
            f"rotate-secret: the environment variable {variable} is empty or not set",
            file=sys.stderr,
        )
        return None
    return value


def cmd_rotate_secret(args: argparse.Namespace) -> int:
    old_key, new_key = _key_from(args.old_key_env), _key_from(args.new_key_env)
    if old_key is None or new_key is None:
        return 2
    reason = weak_key_reason(new_key)
    if reason is not None:
        print(f"rotate-secret: the new key {reason}", file=sys.stderr)
        return 2
    settings = load_settings(secret_key=None)  # the current key may be the weak one to replace

    async def work() -> RotationReport:
        db = Database(settings.database_url)
        try:
            return await rotate_stored_secrets(db, old_key, new_key)
        finally:
            await db.dispose()

    try:
        report = asyncio.run(work())
    except FrontendError as exc:
        print(f"rotate-secret: nothing was changed: {exc.user_message}", file=sys.stderr)
        return 1
    print(
        f"re-encrypted {report.rotated} secret(s) of {report.users} user(s), "
        f"{report.already_current} already under the new key"
    )
    print(f"now set SECRET_KEY to the value of {args.new_key_env} and restart the frontend")
    return 0

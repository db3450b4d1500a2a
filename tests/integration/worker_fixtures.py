"""Fixtures for the notification workers' tests: the fake trading database (an SQLite file the
workers only read), a reader of it, and the notification service with one viewer, the owner.

Test modules take the fixtures with `from .worker_fixtures import *`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal

from .backend_fixtures import trading_owner

__all__ = ["ADMIN", "OWNER", "T0", "notifications", "reader", "trading"]

ADMIN = Actor(role=Role.ADMIN, user_id=1, name="test")
OWNER = Actor(role=Role.VIEWER, user_id=10, name="owner")
T0 = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def trading(tmp_path: Path) -> AsyncIterator[FakeTradingDatabase]:
    async with trading_owner(f"sqlite+aiosqlite:///{tmp_path / 'trading.db'}") as fake:
        yield fake


@pytest.fixture
async def reader(trading: FakeTradingDatabase) -> AsyncIterator[TradingDatabase]:
    db = TradingDatabase.connect(trading.url)
    try:
        yield db
    finally:
        await db.aclose()


@pytest.fixture
async def notifications(database: Database) -> NotificationService:
    """The service, with user 10 (the owner of the rules) registered as a viewer."""
    users = UserService(database, AuditService(database))
    await users.register(10, "owner", "Owner")
    await users.set_role(ADMIN, 10, Role.VIEWER)
    return NotificationService(database, OutboxSignal())

"""Users, roles, configuration versions, confirmations and the audit trail, on both backends."""

from __future__ import annotations

import asyncio

import pytest

from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import (
    ConfirmationExpired,
    PermissionDenied,
    ValidationFailed,
)
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.trading.run_log import StrategyRunLog

ADMIN = Actor(role=Role.ADMIN, user_id=1, name="admin")
VIEWER = Actor(role=Role.VIEWER, user_id=2, name="viewer")


@pytest.fixture
def audit(database: Database) -> AuditService:
    return AuditService(database)


@pytest.fixture
def users(database: Database, audit: AuditService) -> UserService:
    return UserService(database, audit, admin_ids=[1])


async def test_unknown_user_registers_as_pending_once(users: UserService) -> None:
    first = await users.register(42, "alice", "Alice <b>", "ru-RU")
    again = await users.register(42, "alice", "Alice <b>", "ru-RU")
    assert first.created is True
    assert again.created is False
    assert first.user.role == Role.PENDING.value
    assert first.user.language == "ru"
    assert first.user.full_name == "Alice <b>"


async def test_configured_admin_is_admin_from_the_start(users: UserService) -> None:
    registration = await users.register(1, "boss", "Boss")
    assert registration.user.role == Role.ADMIN.value
    assert [u.id for u in await users.admins()] == [1]


async def test_role_change_is_admin_only_and_audited(
    users: UserService, audit: AuditService
) -> None:
    await users.register(42, "alice", "Alice")
    with pytest.raises(PermissionDenied):
        await users.set_role(VIEWER, 42, Role.TRADER)
    user = await users.set_role(ADMIN, 42, Role.TRADER)
    assert user.role == "trader"
    entries = await audit.recent(ADMIN)
    assert [(e.action, e.target, e.details) for e in entries] == [
        ("user.role", "user:42", {"from": "pending", "to": "trader"})
    ]
    with pytest.raises(ValidationFailed):
        await users.set_role(ADMIN, 1, Role.VIEWER)


async def test_preferences_are_validated(users: UserService) -> None:
    await users.register(42, "alice", "Alice")
    user = await users.set_preferences(42, language="ru", timezone="Europe/Berlin")
    assert (user.language, user.timezone) == ("ru", "Europe/Berlin")
    with pytest.raises(ValidationFailed):
        await users.set_preferences(42, timezone="Mars/Olympus")
    with pytest.raises(ValidationFailed):
        await users.set_preferences(42, language="xx")


async def test_unreachable_user_is_no_longer_a_subscriber(users: UserService) -> None:
    await users.register(42, "alice", "Alice")
    await users.set_role(ADMIN, 42, Role.VIEWER)
    assert 42 in {u.id for u in await users.subscribers()}
    await users.mark_unreachable(42)
    assert 42 not in {u.id for u in await users.subscribers()}


async def test_configuration_is_versioned_with_defaults(
    database: Database, audit: AuditService
) -> None:
    config = ConfigService(database, audit)
    assert await config.get("risk.max_order_notional_usdt") == 1000
    await config.set(ADMIN, "risk.max_order_notional_usdt", "250.5")
    await config.set(ADMIN, "risk.max_order_notional_usdt", 300)
    assert await config.get("risk.max_order_notional_usdt") == 300.0
    history = await config.history("risk.max_order_notional_usdt")
    assert [(h.version, h.value) for h in history] == [(2, 300.0), (1, 250.5)]
    assert await config.set(ADMIN, "risk.allowed_symbols", "btcusdt, ethusdt") == [
        "BTCUSDT",
        "ETHUSDT",
    ]
    with pytest.raises(ValidationFailed):
        await config.set(ADMIN, "risk.max_order_notional_usdt", "lots")
    with pytest.raises(ValidationFailed):
        await config.set(ADMIN, "no.such.key", 1)
    with pytest.raises(PermissionDenied):
        await config.set(VIEWER, "risk.max_order_notional_usdt", 1)


async def test_confirmation_is_one_time_and_bound_to_its_user(cache: Cache) -> None:
    confirmations = ConfirmationService(cache, ttl_seconds=60)
    pending = await confirmations.issue("tg:7", "stop", {"strategy": "grid:1"})
    with pytest.raises(ConfirmationExpired):
        await confirmations.consume("tg:8", pending.token)
    # someone else's press (Confirm or Cancel) neither uses nor spoils the owner's confirmation
    assert await confirmations.cancel("tg:8", pending.token) is False
    accepted = await confirmations.consume("tg:7", pending.token)
    assert accepted.payload == {"strategy": "grid:1"}
    with pytest.raises(ConfirmationExpired):
        await confirmations.consume("tg:7", pending.token)
    second = await confirmations.issue("tg:7", "stop", {"strategy": "grid:1"})
    assert await confirmations.cancel("tg:7", second.token) is True
    with pytest.raises(ConfirmationExpired):
        await confirmations.consume("tg:7", second.token)


async def test_confirmation_expires(cache: Cache) -> None:
    confirmations = ConfirmationService(cache, ttl_seconds=0.05)
    pending = await confirmations.issue("tg:7", "panic", {}, with_code=True)
    assert pending.code is not None and len(pending.code) == 6
    await asyncio.sleep(0.12)
    with pytest.raises(ConfirmationExpired):
        await confirmations.consume("tg:7", pending.token, pending.code)


async def test_confirmation_code_must_match(cache: Cache) -> None:
    confirmations = ConfirmationService(cache)
    pending = await confirmations.issue("tg:7", "panic", {}, with_code=True)
    assert pending.code is not None
    wrong = "000000" if pending.code != "000000" else "111111"
    with pytest.raises(ValidationFailed):
        await confirmations.consume("tg:7", pending.token, wrong)


async def test_strategy_runs_open_and_close(database: Database) -> None:
    runs = StrategyRunLog(database)
    await runs.started(ADMIN, "grid:1", "grid", {"levels": 10}, {"daily_loss_pct": 5})
    await runs.stopped(SYSTEM, "grid:1", "stopped")
    await runs.stopped(ADMIN, "macd:x", "unsupported")
    grid = await runs.history("grid:1")
    assert len(grid) == 1
    assert (grid[0].started_by, grid[0].stopped_by, grid[0].outcome) == (
        "tg:1",
        "system:frontend",
        "stopped",
    )
    assert grid[0].parameters == {"levels": 10}
    macd = await runs.history("macd:x")
    assert (macd[0].strategy_kind, macd[0].started_at, macd[0].outcome) == (
        "macd",
        None,
        "unsupported",
    )

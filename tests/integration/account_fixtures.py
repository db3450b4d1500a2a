"""The account core for integration tests: credentials, actions and confirmations on the fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from telegram_frontend.clients.binance.client import BinanceClientFactory
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.settings import Settings
from telegram_frontend.models import AuditLog
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.trading.run_log import StrategyRunLog
from telegram_frontend.services.trading.service import TradingService

from .backend_fixtures import make_clients
from .binance_fixtures import FrozenClock

TRADER = Actor(role=Role.TRADER, user_id=81, name="trader")
OTHER_TRADER = Actor(role=Role.TRADER, user_id=82, name="other")
VIEWER = Actor(role=Role.VIEWER, user_id=83, name="viewer")
BALANCES = {"USDT": Decimal("10000"), "BTC": Decimal("0.1"), "ETH": Decimal("2")}


@dataclass
class Core:
    actions: AccountActions
    credentials: CredentialsService
    fake: FakeBinance
    api_key: str
    database: Database

    def open_orders(self) -> list[tuple[str, int]]:
        account = self.fake.account(self.api_key)
        return sorted((o.symbol, o.order_id) for o in account.orders.values() if o.status == "NEW")

    async def audit(self, action: str) -> list[AuditLog]:
        rows = await AuditService(self.database).recent(SYSTEM, limit=100)
        return [r for r in rows if r.action == action]


async def build_core(
    database: Database,
    cache: Cache,
    fake: FakeBinance,
    clock: FrozenClock,
    trading: TradingService,
    **factory_kwargs: Any,
) -> tuple[Core, BinanceClientFactory]:
    api_key, secret = fake.new_account(BALANCES)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        binance_base_url=fake.base_url,
        binance_testnet_hosts=["127.0.0.1"],
        binance_api_key=api_key,
        binance_api_secret=secret,
    )
    factory = BinanceClientFactory(
        settings, clock=clock, monotonic=clock.monotonic, **factory_kwargs
    )
    audit = AuditService(database)
    config = ConfigService(database, audit)
    credentials = CredentialsService(
        database,
        cache,
        audit,
        config,
        factory,
        SecretStr("account-actions-test-key"),
    )
    users = UserService(database, audit)
    for actor in (TRADER, OTHER_TRADER, VIEWER):
        await users.register(actor.user_id or 0, actor.name, actor.name)
    actions = AccountActions(credentials, trading, audit, ConfirmationService(cache, 30))
    return Core(actions, credentials, fake, api_key, database), factory


@pytest.fixture
async def trading_clients(fakes: FakeBackends) -> AsyncIterator[BackendClients]:
    clients = make_clients(fakes)
    yield clients
    await clients.aclose()


@pytest.fixture
async def core(
    database: Database,
    cache: Cache,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    trading_clients: BackendClients,
) -> AsyncIterator[Core]:
    audit = AuditService(database)
    trading = TradingService(trading_clients, auditor=audit, run_log=StrategyRunLog(database))
    built, factory = await build_core(database, cache, fake_binance, frozen_clock, trading)
    yield built
    await factory.aclose()

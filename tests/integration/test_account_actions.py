"""The account core: cancel, cancel all of a symbol, place and panic change the fake exchange and
the fake grid trader, each is audited with its result, and confirmations are one-time, personal
and checked (typed code or TOTP) before anything happens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from pydantic import SecretStr

from telegram_frontend.clients.binance.client import MAINNET_ORDERS_DISABLED, BinanceClientFactory
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.core.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import (
    ConfirmationExpired,
    PermissionDenied,
    ValidationFailed,
)
from telegram_frontend.core.settings import Settings
from telegram_frontend.ioc.providers.binance import risk_limits_from
from telegram_frontend.models import AuditLog
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.services.account.actions import AccountActions, PanicReport
from telegram_frontend.services.account.credentials import CredentialsService, InvalidTotpCode
from telegram_frontend.services.account.orders import CancelResult, PlacedOrder
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.trading.run_log import StrategyRunLog
from telegram_frontend.services.trading.service import TradingService

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import make_clients
from .binance_fixtures import *  # noqa: F403 (the fixtures)
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
        risk_limits=lambda: risk_limits_from(config),
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


async def rest_orders(core: Core) -> dict[str, int]:
    """Two resting BTC sells and one ETH sell far above the market; returns one id per symbol."""
    client, _ = await core.credentials.client_for(SYSTEM)
    btc = await client.place_order("BTCUSDT", "SELL", "LIMIT", Decimal("0.001"), Decimal("999999"))
    await client.place_order("BTCUSDT", "SELL", "LIMIT", Decimal("0.002"), Decimal("999998"))
    eth = await client.place_order("ETHUSDT", "SELL", "LIMIT", Decimal("0.1"), Decimal("99999"))
    return {"BTCUSDT": btc.order_id, "ETHUSDT": eth.order_id}


async def test_cancel_order_changes_the_exchange_and_is_audited(core: Core) -> None:
    ids = await rest_orders(core)
    cancelled = await core.actions.cancel_order(TRADER, "btcusdt", ids["BTCUSDT"])
    assert cancelled.status == "CANCELED"
    assert ("BTCUSDT", ids["BTCUSDT"]) not in core.open_orders()
    assert len(core.open_orders()) == 2
    [row] = await core.audit("order.cancel")
    assert (row.actor, row.target, row.result) == ("tg:81", f"BTCUSDT#{ids['BTCUSDT']}", "ok")


async def test_cancel_all_of_a_symbol_leaves_other_symbols_alone(core: Core) -> None:
    ids = await rest_orders(core)
    result = await core.actions.cancel_all(TRADER, "BTCUSDT")
    assert result.count == 2
    assert core.open_orders() == [("ETHUSDT", ids["ETHUSDT"])]
    again = await core.actions.cancel_all(TRADER, "BTCUSDT")
    assert again.count == 0
    rows = await core.audit("order.cancel_all")
    assert [r.details["count"] for r in rows] == [0, 2]


async def test_viewer_cannot_cancel_and_the_refusal_is_audited(core: Core) -> None:
    ids = await rest_orders(core)
    with pytest.raises(PermissionDenied):
        await core.actions.cancel_order(VIEWER, "BTCUSDT", ids["BTCUSDT"])
    with pytest.raises(PermissionDenied):
        await core.actions.propose_cancel_all(VIEWER, "BTCUSDT")
    with pytest.raises(PermissionDenied):
        await core.actions.panic(VIEWER)
    assert len(core.open_orders()) == 3
    assert core.fake.calls("DELETE", "/api/v3/order") == 0
    assert [r.result for r in await core.audit("order.cancel")] == ["denied"]
    assert [r.result for r in await core.audit("panic")] == ["denied"]


async def test_mainnet_guard_refuses_before_anything_reaches_the_exchange(
    database: Database,
    cache: Cache,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    trading_clients: BackendClients,
) -> None:
    trading = TradingService(trading_clients)
    mainnet, factory = await build_core(
        database, cache, fake_binance, frozen_clock, trading, mainnet=True
    )
    try:
        with pytest.raises(PermissionDenied, match="mainnet is disabled"):
            await mainnet.actions.cancel_order(TRADER, "BTCUSDT", 1001)
        with pytest.raises(PermissionDenied, match="mainnet is disabled"):
            await mainnet.actions.place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
        report = await mainnet.actions.panic(TRADER)
    finally:
        await factory.aclose()
    assert fake_binance.calls("DELETE", "/api/v3/order") == 0
    assert fake_binance.calls("POST", "/api/v3/order") == 0
    assert [r.result for r in await mainnet.audit("order.cancel")] == ["denied"]
    assert [r.details["reason"] for r in await mainnet.audit("order.place")] == [
        MAINNET_ORDERS_DISABLED
    ]
    assert report.orders == ()  # nothing was open; the guard is per order


async def test_a_confirmation_works_once_and_only_for_whoever_asked(core: Core) -> None:
    ids = await rest_orders(core)
    proposal = await core.actions.propose_cancel_order(TRADER, "BTCUSDT", ids["BTCUSDT"])
    with pytest.raises(ConfirmationExpired):
        await core.actions.confirm(OTHER_TRADER, proposal.token)
    assert await core.actions.abandon(OTHER_TRADER, proposal.token) is False
    assert len(core.open_orders()) == 3
    await core.actions.confirm(TRADER, proposal.token)  # the owner's token survived both
    assert len(core.open_orders()) == 2
    proposal = await core.actions.propose_cancel_all(TRADER, "ETHUSDT")
    result = await core.actions.confirm(TRADER, proposal.token)
    assert isinstance(result, CancelResult) and result.count == 1
    with pytest.raises(ConfirmationExpired):
        await core.actions.confirm(TRADER, proposal.token)
    declined = await core.actions.propose_cancel_order(TRADER, "BTCUSDT", ids["BTCUSDT"])
    await core.actions.abandon(TRADER, declined.token)
    with pytest.raises(ConfirmationExpired):
        await core.actions.confirm(TRADER, declined.token)
    assert len(core.open_orders()) == 1


async def test_place_order_is_checked_against_the_risk_limits_then_placed(
    core: Core, database: Database
) -> None:
    config = ConfigService(database, AuditService(database))
    await config.set(SYSTEM, "risk.allowed_symbols", "ETHUSDT")
    refused = await core.actions.propose_place_order(TRADER, "BTCUSDT", "buy", "market", "0.001")
    with pytest.raises(ValidationFailed, match="not allowed by the risk limits"):
        await core.actions.confirm(TRADER, refused.token)
    proposal = await core.actions.propose_place_order(
        TRADER, "ETHUSDT", "sell", "limit", "0.01", "99999"
    )
    placed = await core.actions.confirm(TRADER, proposal.token)
    assert isinstance(placed, PlacedOrder) and placed.order.status == "NEW"
    assert core.open_orders() == [("ETHUSDT", placed.order.order_id)]
    assert [r.result for r in await core.audit("order.place")] == ["ok", "failed"]


async def test_panic_with_a_wrong_code_does_nothing(core: Core, fakes: FakeBackends) -> None:
    await rest_orders(core)
    fakes.grid.strategies[1].active = True
    challenge = await core.actions.propose_panic(TRADER)
    assert challenge.totp is False and challenge.code is not None
    wrong = f"{(int(challenge.code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationFailed, match="did not match"):
        await core.actions.confirm(TRADER, challenge.token, wrong)
    with pytest.raises(ConfirmationExpired):  # one attempt per challenge
        await core.actions.confirm(TRADER, challenge.token, challenge.code)
    assert len(core.open_orders()) == 3
    assert fakes.grid.strategies[1].active is True
    assert await core.audit("panic") == []


async def test_panic_stops_grids_reports_macd_and_cancels_every_order(
    core: Core, fakes: FakeBackends
) -> None:
    ids = await rest_orders(core)
    fakes.grid.strategies[1].active = True
    challenge = await core.actions.propose_panic(TRADER)
    report = await core.actions.confirm(TRADER, challenge.token, f" {challenge.code} ")
    assert isinstance(report, PanicReport)
    outcomes = {i.ref: i.outcome for i in report.strategies}
    assert outcomes == {
        "grid:1": "stopped",
        "macd:conservative-btc": "unsupported",
        "macd:aggressive-eth": "unsupported",
    }
    assert fakes.grid.strategies[1].active is False
    assert {i.ref: i.outcome for i in report.orders} == {
        f"BTCUSDT#{ids['BTCUSDT']}": "cancelled",
        f"BTCUSDT#{ids['BTCUSDT'] + 1}": "cancelled",
        f"ETHUSDT#{ids['ETHUSDT']}": "cancelled",
    }
    assert core.open_orders() == []
    assert report.complete is True
    [row] = await core.audit("panic")
    assert row.result == "ok"
    assert row.details["stopped"] == ["grid:1"]
    assert len(row.details["cancelled"]) == 3


async def test_panic_reports_what_could_not_be_done(core: Core, fakes: FakeBackends) -> None:
    await rest_orders(core)
    fakes.grid.strategies[1].active = True
    await fakes.go_down("grid_trader")
    core.fake.fail_next(400, -1000, "An unknown error occurred.", path="/api/v3/openOrders")
    report = await core.actions.panic(TRADER)
    assert {i.ref: i.outcome for i in report.strategies} == {
        "macd:conservative-btc": "unsupported",
        "macd:aggressive-eth": "unsupported",
    }
    assert any("grid trader" in note for note in report.notes)
    assert any("Binance refused the request" in note for note in report.notes)
    assert report.complete is False
    [row] = await core.audit("panic")
    assert row.result == "partial"


async def test_panic_with_totp_needs_a_code_from_the_users_app(core: Core) -> None:
    await rest_orders(core)
    setup = await core.credentials.begin_totp(TRADER)
    totp = pyotp.TOTP(setup.secret)
    await core.credentials.confirm_totp(TRADER, totp.now())
    challenge = await core.actions.propose_panic(TRADER)
    assert challenge.totp is True and challenge.code is None
    with pytest.raises(InvalidTotpCode):
        await core.actions.confirm(TRADER, challenge.token, "000000")
    assert len(core.open_orders()) == 3
    challenge = await core.actions.propose_panic(TRADER)
    report = await core.actions.confirm(
        TRADER, challenge.token, totp.at(time.time() + totp.interval)
    )
    assert isinstance(report, PanicReport)
    assert core.open_orders() == []

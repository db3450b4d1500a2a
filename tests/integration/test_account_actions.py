"""The account core: cancel, cancel all of a symbol, place and panic change the fake exchange and
the fake grid trader, each is audited with its result, and confirmations are one-time, personal
and checked (typed code or TOTP) before anything happens."""

from __future__ import annotations

import time
from decimal import Decimal

import pyotp
import pytest

from telegram_frontend.clients.binance.client import MAINNET_ORDERS_DISABLED
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.access import SYSTEM
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import (
    ConfirmationExpired,
    PermissionDenied,
    ValidationFailed,
)
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.services.account.actions import PanicReport
from telegram_frontend.services.account.credentials import InvalidTotpCode
from telegram_frontend.services.account.orders import CancelResult, PlacedOrder
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.trading.service import TradingService

from .account_fixtures import *  # noqa: F403 (the `core` fixture)
from .account_fixtures import OTHER_TRADER, TRADER, VIEWER, Core, build_core
from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import FrozenClock

SEEDED_GRID = f"grid:{SEEDED_GRID_ID}"


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
    with pytest.raises(ValidationFailed, match="not allowed by the risk limits"):
        await core.actions.propose_place_order(TRADER, "BTCUSDT", "buy", "market", "0.001")
    proposal = await core.actions.propose_place_order(
        TRADER, "ETHUSDT", "sell", "limit", "0.01", "99999"
    )
    placed = await core.actions.confirm(TRADER, proposal.token)
    assert isinstance(placed, PlacedOrder) and placed.order.status == "NEW"
    assert core.open_orders() == [("ETHUSDT", placed.order.order_id)]
    assert [r.result for r in await core.audit("order.place")] == ["ok", "refused"]


async def test_panic_with_a_wrong_code_does_nothing(core: Core, fakes: FakeBackends) -> None:
    await rest_orders(core)
    fakes.grid.strategies[SEEDED_GRID_ID].active = True
    challenge = await core.actions.propose_panic(TRADER)
    assert challenge.totp is False and challenge.code is not None
    wrong = f"{(int(challenge.code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationFailed, match="did not match"):
        await core.actions.confirm(TRADER, challenge.token, wrong)
    with pytest.raises(ConfirmationExpired):  # one attempt per challenge
        await core.actions.confirm(TRADER, challenge.token, challenge.code)
    assert len(core.open_orders()) == 3
    assert fakes.grid.strategies[SEEDED_GRID_ID].active is True
    assert await core.audit("panic") == []


async def test_panic_stops_grids_reports_macd_and_cancels_every_order(
    core: Core, fakes: FakeBackends
) -> None:
    ids = await rest_orders(core)
    fakes.grid.strategies[SEEDED_GRID_ID].active = True
    challenge = await core.actions.propose_panic(TRADER)
    report = await core.actions.confirm(TRADER, challenge.token, f" {challenge.code} ")
    assert isinstance(report, PanicReport)
    outcomes = {i.ref: i.outcome for i in report.strategies}
    assert outcomes == {
        SEEDED_GRID: "stopped",
        "macd:conservative-btc": "unsupported",
        "macd:aggressive-eth": "unsupported",
    }
    assert fakes.grid.strategies[SEEDED_GRID_ID].active is False
    assert {i.ref: i.outcome for i in report.orders} == {
        f"BTCUSDT#{ids['BTCUSDT']}": "cancelled",
        f"BTCUSDT#{ids['BTCUSDT'] + 1}": "cancelled",
        f"ETHUSDT#{ids['ETHUSDT']}": "cancelled",
    }
    assert core.open_orders() == []
    assert report.complete is True
    [row] = await core.audit("panic")
    assert row.result == "ok"
    assert row.details["stopped"] == [SEEDED_GRID]
    assert len(row.details["cancelled"]) == 3


async def test_panic_reports_what_could_not_be_done(core: Core, fakes: FakeBackends) -> None:
    await rest_orders(core)
    fakes.grid.strategies[SEEDED_GRID_ID].active = True
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

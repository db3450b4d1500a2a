"""Workers per deployment: each keeps its own state (the `default` deployment the keys it always
had, so an upgrade replays nothing), writes notices tagged with its deployment, sends its own
digests and watches the alert rules of its deployment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.models import NotificationSettings, OutboxMessage
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind
from telegram_frontend.services.notifications.deployment_tags import DeploymentTag
from telegram_frontend.services.notifications.digests import DigestService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.worker_state import read_state, save_state
from telegram_frontend.services.trading.price_source import PriceSource
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.workers.alert_evaluator import AlertEvaluator
from telegram_frontend.workers.leader import lock_key
from telegram_frontend.workers.trade_poller import CURSOR_KEY, TradePoller

from .worker_fixtures import *  # noqa: F403 (the fixtures)
from .worker_fixtures import OWNER, T0

TESTNET = DeploymentTag("testnet", "🧪 Testnet", shown=True)
MAINNET = DeploymentTag("mainnet", "💰 Mainnet", shown=True)


async def _rows(db: Database) -> list[tuple[str, str]]:
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.text).order_by(OutboxMessage.id)
        )
        return [(key, text) for key, text in rows.all()]


async def _trade(trading: FakeTradingDatabase, minute: int) -> int:
    return await trading.insert_trade(
        "aggressive-eth",
        "ETHUSDT",
        "BUY",
        Decimal(3200),
        Decimal("0.05"),
        T0 + timedelta(minutes=minute),
        order_id=f"o{minute}",
    )


async def test_the_default_deployment_keeps_its_cursor_and_another_gets_its_own(
    database: Database,
    trading: FakeTradingDatabase,
    reader: TradingDatabase,
    notifications: NotificationService,
) -> None:
    first = await _trade(trading, 1)
    async with database.session() as session:  # the cursor a release before deployments wrote
        await save_state(session, CURSOR_KEY, {"initialized": True, "id": first})
    second = await _trade(trading, 2)
    upgraded = TradePoller(database, reader, notifications)
    assert (upgraded.name, upgraded.cursor_key) == ("trade_poller", CURSOR_KEY)
    assert await upgraded.poll_once() == 1  # the trade after its old cursor, nothing replayed
    mainnet = TradePoller(
        database, reader, notifications.for_deployment(MAINNET), deployment="mainnet"
    )
    assert mainnet.name == "trade_poller@mainnet"
    assert lock_key(mainnet.name) != lock_key(upgraded.name)
    assert await mainnet.poll_once() == 0  # its first start: at the newest trade
    assert (await read_state(database, "trade_poller.cursor@mainnet"))["id"] == second
    third = await _trade(trading, 3)
    assert await mainnet.poll_once() == 1
    assert (await read_state(database, CURSOR_KEY))["id"] == second
    keys = [key for key, _ in await _rows(database)]
    assert keys == [f"trade:{second}", f"mainnet:trade:{third}"]


async def test_each_deployment_sends_its_own_digests_once_per_period(
    database: Database, notifications: NotificationService
) -> None:
    async with database.session() as session:
        session.add(NotificationSettings(user_id=10, digest_daily=True, digest_time="09:00"))
    clock_now = [T0]

    def clock() -> datetime:
        return clock_now[0]

    def digests(tag: DeploymentTag) -> DigestService:
        scoped = notifications.for_deployment(tag)
        trading = TradingService(BackendClients())
        return DigestService(database, trading, scoped, clock, deployment=tag.name)

    assert await digests(TESTNET).send_due() == 1
    assert await digests(MAINNET).send_due() == 1
    assert await digests(TESTNET).send_due() == 0  # a restart repeats nothing
    assert await digests(MAINNET).send_due() == 0
    clock_now[0] += timedelta(days=1)
    assert await digests(MAINNET).send_due() == 1
    rows = await _rows(database)
    assert [key for key, _ in rows] == [
        "testnet:digest:daily:10:2030-03-04",
        "mainnet:digest:daily:10:2030-03-04",
        "mainnet:digest:daily:10:2030-03-05",
    ]
    assert rows[0][1].startswith("<b>🧪 Testnet</b>\n📊 <b>Daily summary</b> · 2030-03-04")
    async with database.session() as session:
        row = await session.get(NotificationSettings, 10)
        assert row is not None and row.last_daily_period is None  # the default's, untouched


class FixedPrices(PriceSource):
    def __init__(self, price: str) -> None:
        super().__init__(None, None)
        self.price = Decimal(price)

    async def prices(self, symbols: Iterable[str]) -> dict[str, Decimal]:
        return dict.fromkeys(symbols, self.price)


async def test_each_evaluator_watches_the_rules_of_its_deployment(
    database: Database, notifications: NotificationService
) -> None:
    alerts = AlertService(database, AuditService(database))
    unnamed = await alerts.add_rule(OWNER, RuleKind.PRICE_ABOVE, "BTCUSDT", "70000")
    on_mainnet = await alerts.add_rule(OWNER, RuleKind.PRICE_ABOVE, "BTCUSDT", "70000", "mainnet")

    def evaluator(tag: DeploymentTag, default: bool) -> AlertEvaluator:
        return AlertEvaluator(
            database,
            alerts,
            notifications.for_deployment(tag),
            FixedPrices("71000"),
            trading_db=None,
            monitoring=None,
            deployment=tag.name,
            default=default,
        )

    assert await evaluator(TESTNET, default=True).check_once() == 1
    assert await evaluator(MAINNET, default=False).check_once() == 1
    assert [key for key, _ in await _rows(database)] == [
        f"testnet:rule:{unnamed.uid}:1",
        f"mainnet:rule:{on_mainnet.uid}:1",
    ]
    assert [r.id for r in await alerts.list_rules(OWNER, "mainnet", default=False)] == [
        on_mainnet.id
    ]
    assert [r.id for r in await alerts.active_rules(DEFAULT_NAME)] == [unnamed.id]

"""The notification workers' judgement, on both databases: what they say, and only once.

The trading database is the fake's SQLite file (the workers only read it); our own database is
the test's backend, where the cursors, breach states and outbox rows are checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.database import Database
from telegram_frontend.models import NotificationSettings, OutboxMessage
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.monitoring.service import (
    ServiceState,
    ServiceStatus,
    SystemSnapshot,
)
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind
from telegram_frontend.services.notifications.digests import DigestService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.trading.price_source import PriceSource
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.workers.alert_evaluator import AlertEvaluator
from telegram_frontend.workers.health_watcher import HealthWatcher
from telegram_frontend.workers.heartbeat import HeartbeatWatcher
from telegram_frontend.workers.risk_monitor import RiskMonitor
from telegram_frontend.workers.trade_poller import TradePoller

from .worker_fixtures import *  # noqa: F403 (the fixtures)
from .worker_fixtures import ADMIN, OWNER, T0


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _keys(db: Database) -> list[str]:
    async with db.session() as session:
        return list(
            await session.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
        )


async def _trade(trading: FakeTradingDatabase, minute: int, order: str = "o1") -> int:
    return await trading.insert_trade(
        "aggressive-eth",
        "ETHUSDT",
        "BUY",
        Decimal("3200"),
        Decimal("0.05"),
        T0 + timedelta(minutes=minute),
        order_id=order,
    )


async def test_the_trade_poller_starts_at_now_and_a_restart_neither_skips_nor_repeats(
    database: Database,
    trading: FakeTradingDatabase,
    reader: TradingDatabase,
    notifications: NotificationService,
) -> None:
    await _trade(trading, 0)  # history before the first start is not replayed
    poller = TradePoller(database, reader, notifications)
    assert await poller.poll_once() == 0
    first = await _trade(trading, 1)
    second = await _trade(trading, 2)
    assert await poller.poll_once() == 2
    assert await poller.poll_once() == 0
    restarted = TradePoller(database, reader, notifications, batch=1)
    third = await _trade(trading, 3)
    fourth = await _trade(trading, 4)
    assert await restarted.poll_once() == 2
    assert await _keys(database) == [f"trade:{n}" for n in (first, second, third, fourth)]


async def test_risk_limits_come_from_the_configuration_and_breaches_are_remembered(
    database: Database,
    trading: FakeTradingDatabase,
    reader: TradingDatabase,
    notifications: NotificationService,
) -> None:
    config = ConfigService(database, AuditService(database))
    monitor = RiskMonitor(database, reader, config, notifications)
    await trading.insert_snapshot(
        "conservative-btc", T0, Decimal("9700"), daily_pnl=Decimal("-300"), current_drawdown=1
    )
    assert await monitor.check_once() == 1  # LOW risk: 3.09% daily loss is beyond 2%
    assert await monitor.check_once() == 0
    await config.set(ADMIN, "risk.daily_loss_pct.LOW", "4")
    assert await RiskMonitor(database, reader, config, notifications).check_once() == 1
    keys = await _keys(database)
    assert keys[0].startswith("risk:conservative-btc:daily_loss:")
    assert keys[1] == keys[0] + ":recovered"


def _system(**states: ServiceState) -> SystemSnapshot:
    services = tuple(ServiceStatus(key, key.replace("_", " "), s) for key, s in states.items())
    return SystemSnapshot(taken_at=T0, services=services)


async def test_a_service_state_must_hold_for_n_polls_before_it_is_announced(
    database: Database, notifications: NotificationService
) -> None:
    watcher = HealthWatcher(database, None, notifications, flap_polls=3)  # type: ignore[arg-type]
    down, up = ServiceState.DOWN, ServiceState.UP
    degraded, unknown = ServiceState.DEGRADED, ServiceState.UNKNOWN
    polls = [down, down, up, down, down, down, down, degraded, up, up, up]
    said = [await watcher.observe(_system(macd_trader=s, grid_trader=unknown)) for s in polls]
    assert said == [0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0]
    assert await _keys(database) == ["service:macd_trader:down:1", "service:macd_trader:up:2"]


async def test_the_heartbeat_says_stopped_once_and_back_once(
    database: Database,
    trading: FakeTradingDatabase,
    reader: TradingDatabase,
    notifications: NotificationService,
) -> None:
    clock = Clock(T0 + timedelta(minutes=20))
    heartbeat = HeartbeatWatcher(
        database,
        notifications,
        trading_db=reader,
        monitoring=None,
        stale_seconds=600,
        clock=clock,
    )
    assert await heartbeat.check_once() == 0  # nothing known yet: no judgement
    await trading.insert_snapshot("aggressive-eth", T0, Decimal("10000"))
    assert [await heartbeat.check_once() for _ in range(2)] == [1, 0]
    await trading.insert_snapshot("aggressive-eth", T0 + timedelta(minutes=19), Decimal("10000"))
    assert [await heartbeat.check_once() for _ in range(2)] == [1, 0]
    assert await _keys(database) == ["heartbeat:stopped:1", "heartbeat:back:2"]


class FixedPrices(PriceSource):
    """Prices a test sets (stands in for the market data adapters)."""

    def __init__(self) -> None:
        super().__init__(None, None)
        self.now: dict[str, Decimal] = {}

    async def prices(self, symbols: Iterable[str]) -> dict[str, Decimal]:
        return {s: self.now[s] for s in symbols if s in self.now}


async def test_a_rule_fires_once_per_crossing_and_rearms_when_it_clears(
    database: Database, notifications: NotificationService
) -> None:
    alerts = AlertService(database, AuditService(database))
    rule = await alerts.add_rule(OWNER, RuleKind.PRICE_ABOVE, "btcusdt", "70,000")
    paused = await alerts.add_rule(OWNER, RuleKind.PRICE_BELOW, "BTCUSDT", "80000")
    await alerts.set_active(OWNER, paused.id, False)
    prices = FixedPrices()
    evaluator = AlertEvaluator(
        database, alerts, notifications, prices, trading_db=None, monitoring=None
    )
    fired = []
    for price in ("69000", "70000", "71000", "69999", "70500", "72000"):
        prices.now["BTCUSDT"] = Decimal(price)
        fired.append(await evaluator.check_once())
    assert fired == [0, 1, 0, 0, 1, 0]
    assert await _keys(database) == [f"rule:{rule.uid}:1", f"rule:{rule.uid}:2"]
    async with database.session() as session:
        texts = list(await session.scalars(select(OutboxMessage.text)))
    assert (
        texts[0] == "🔔 <b>Alert</b>: <b>BTCUSDT</b> price above 70,000.00\nNow: <b>70,000.00</b>"
    )


async def test_digests_go_out_at_the_users_local_time_once_per_period(
    database: Database, notifications: NotificationService
) -> None:
    users = UserService(database, AuditService(database))
    await users.set_preferences(10, timezone="Asia/Tokyo")  # UTC+9
    async with database.session() as session:
        session.add(
            NotificationSettings(
                user_id=10,
                digest_daily=True,
                digest_weekly=True,
                digest_time="21:30",
                digest_weekday=0,
            )
        )
    clock = Clock(datetime(2030, 3, 4, 12, 0, tzinfo=UTC))  # Monday 21:00 in Tokyo
    digests = DigestService(database, TradingService(BackendClients()), notifications, clock)
    assert await digests.send_due() == 0
    clock.now += timedelta(minutes=30)
    assert await digests.send_due() == 2
    assert await digests.send_due() == 0
    clock.now += timedelta(days=1)  # Tuesday 21:30: the next daily, the week is done
    restarted = DigestService(database, TradingService(BackendClients()), notifications, clock)
    assert await restarted.send_due() == 1
    assert await _keys(database) == [
        "digest:daily:10:2030-03-04",
        "digest:weekly:10:2030-W10",
        "digest:daily:10:2030-03-05",
    ]
    async with database.session() as session:
        first = await session.scalar(select(OutboxMessage.text).order_by(OutboxMessage.id))
    assert first is not None and first.startswith("📊 <b>Daily summary</b> · 2030-03-04")
    assert "trading database" in first

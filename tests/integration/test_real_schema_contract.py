"""Contract tests on PostgreSQL: the four trading tables built from `real-trading-schema.tsv`
(read now, from `../shared/`), filled with rows shaped as the Java writers shape them, and every
reader query and rendering that uses them run against it.

The rows here are written with plain INSERTs over the schema file's tables, not through the fake,
so the fake cannot hide a disagreement between itself and the real schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from csv import DictReader
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from sqlalchemy import MetaData, insert
from sqlalchemy.ext.asyncio import create_async_engine

from telegram_frontend.bot.features.signals.texts import diagnosis_line
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import TradeCursor, TradingDatabase
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.settings import Settings
from telegram_frontend.sandbox.backends.trading_schema import (
    TABLE_NAMES,
    build_metadata,
    load_schema,
    required_columns,
)
from telegram_frontend.services.monitoring.doctor import CheckState, Doctor, plain_text
from telegram_frontend.services.notifications.texts import risk_notice, trade_notice
from telegram_frontend.services.notifications.types import Audience
from telegram_frontend.services.reports.csv_writer import CsvReportWriter
from telegram_frontend.services.reports.export import ReportExporter
from telegram_frontend.services.trading.performance import Period as ScreenPeriod
from telegram_frontend.services.trading.risk import risk_figures
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import SignalService
from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.real_schema import shared_schema_file

NOW = datetime(2025, 10, 12, 12, 0, tzinfo=UTC)
VIEWER = Actor(role=Role.VIEWER, user_id=7)
BTC, ETH = "conservative-btc", "aggressive-eth"


def naive(moment: datetime) -> datetime:
    """Java's LocalDateTime in UTC: `timestamp without time zone`."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def decision(at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "instance_id": BTC,
        "strategy_name": "MACD Conservative BTC",
        "symbol": "BTCUSDT",
        "decision_time": naive(at),
        "signal_detected": "NEUTRAL",
        "signal_strength": "WEAK",
        "macd_histogram": Decimal("-1.5"),
        "current_price": Decimal(64000),
        "trade_allowed": False,
        "trade_executed": False,
        "has_active_position": True,
        "position_size_ok": True,
        "daily_loss_limit_ok": True,
        "risk_check_passed": True,
        "decision_reason": "No trading signal",
        "blocked_reason": None,
        "order_id": None,
        "executed_price": None,
        "executed_quantity": None,
    }
    row.update(values)
    return row


def snapshot(instance: str, at: datetime, balance: str, size: str, price: str) -> dict[str, Any]:
    """As `PortfolioSnapshotService` writes it: quantity in position_value, NULL drawdown."""
    quantity = Decimal(size)
    return {
        "instance_id": instance,
        "strategy_name": instance,
        "snapshot_time": naive(at),
        "total_balance": Decimal(balance),
        "available_balance": Decimal(balance) - quantity,
        "position_value": quantity,
        "symbol": "BTCUSDT" if instance == BTC else "ETHUSDT",
        "position_size": quantity,
        "position_entry_price": None,
        "current_market_price": Decimal(price),
        "unrealized_pnl": None,
        "total_trades": 1,
        "winning_trades": 0,
        "total_realized_pnl": Decimal(0),
        "daily_pnl": Decimal(0),
        "current_drawdown": None,
        "max_drawdown": Decimal(0),
    }


# fmt: off
ROWS: dict[str, list[dict[str, Any]]] = {
    "trading_decision_logs": [
        decision(
            NOW - timedelta(hours=30),
            signal_detected="BUY",
            signal_strength="STRONG",
            trade_allowed=True,
            trade_executed=True,
            has_active_position=False,
            decision_reason="MACD bullish crossover",
            order_id="31415926535",
            current_price=Decimal("65000.5"),
            executed_price=Decimal(0),
            executed_quantity=Decimal("0.01"),
        ),
        *[
            decision(
                NOW - timedelta(minutes=10 * n),
                signal_detected="BUY",
                signal_strength="MODERATE",
                decision_reason="Signal blocked",
                blocked_reason="Active position exists",
            )
            for n in range(1, 6)
        ],
        decision(
            NOW - timedelta(minutes=3),
            signal_detected="SELL",
            trade_allowed=True,
            decision_reason="Test order placed (status ACTIVE, not FILLED)",
        ),
        decision(NOW - timedelta(minutes=1)),
    ],
    "portfolio_snapshots": [
        snapshot(BTC, NOW - timedelta(days=1, hours=2), "10000", "0.01", "64000"),
        snapshot(BTC, NOW - timedelta(hours=3), "10500", "0.01", "66000"),
        snapshot(BTC, NOW, "8400", "0.01", "65100"),
        snapshot(ETH, NOW, "10000", "0", "3200"),
    ],
    "orders": [
        {
            "symbol": "BTCUSDT",
            "order_id": 9_007_199_254_740_993,
            "order_list_id": -1,
            "client_order_id": "web_1",
            "transact_time": int(NOW.timestamp() * 1000),
            "display_transact_time": naive(NOW),
            "working_time": int(NOW.timestamp() * 1000),
            "display_working_time": naive(NOW),
            "price": Decimal(0),
            "orig_qty": Decimal("0.01"),
            "executed_qty": Decimal("0.01"),
            "cummulative_quote_qty": Decimal("650.005"),
            "status": "CLOSED_TP",
            "time_in_force": "GTC",
            "type": "MARKET",
            "side": "BUY",
            "self_trade_prevention_mode": "EXPIRE_MAKER",
            "fills": '[{"price":"65000.50","qty":"0.01","commission":"0"}]',
        }
    ],
    "strategy_analysis_events": [
        {
            "instance_id": BTC,
            "strategy_name": "MACD Conservative BTC",
            "symbol": "BTCUSDT",
            "interval": "4h",
            "analysis_time": naive(NOW),
            "current_price": Decimal(65100),
            "ema_fast": None,
            "ema_slow": None,
            "macd_line": Decimal("12.5"),
            "signal_line": Decimal("10"),
            "histogram": Decimal("2.5"),
            "signal_detected": "NEUTRAL",
            "signal_strength": None,
            "signal_reason": "no cross",
            "kline_timestamp": int(NOW.timestamp() * 1000),
            "kline_close_time": naive(NOW),
            "kline_count": 150,
        }
    ],
}
# fmt: on


@pytest.fixture(scope="module")
def schema_metadata() -> MetaData:
    path = shared_schema_file()
    assert path is not None
    return build_metadata(load_schema(path))


@pytest.fixture
async def real_db(schema_metadata: MetaData) -> AsyncIterator[str]:
    """A fresh PostgreSQL database holding the four tables of the schema file, real rows in."""
    name = await create_pg_database("tf_test_contract")
    url = pg_url(name)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(schema_metadata.create_all)
            for table, rows in ROWS.items():
                await conn.execute(insert(schema_metadata.tables[table]), rows)
        yield url
    finally:
        await engine.dispose()
        await drop_pg_database(name)


@pytest.fixture
async def reader(real_db: str) -> AsyncIterator[TradingDatabase]:
    db = TradingDatabase.connect(real_db)
    try:
        yield db
    finally:
        await db.aclose()


def test_the_rows_fill_every_not_null_column_of_the_schema_file() -> None:
    path = shared_schema_file()
    assert path is not None
    specs = load_schema(path)
    assert {s.table for s in specs} == set(TABLE_NAMES)
    for table, rows in ROWS.items():
        for row in rows:
            assert required_columns(specs, table) <= {k for k, v in row.items() if v is not None}


async def test_every_reader_query_runs_on_the_real_schema(reader: TradingDatabase) -> None:
    assert await reader.missing_columns() == {t: [] for t in TABLE_NAMES}
    [trade] = await reader.executed_trades()
    assert (trade.executed_price, trade.current_price, trade.price) == (
        Decimal(0),
        Decimal("65000.5"),
        Decimal("65000.5"),
    )
    assert await reader.executed_trades(TradeCursor(trade.id)) == []
    assert (await reader.latest_trade_cursor()).id == trade.id
    assert (await reader.latest_executed_trade()) == trade
    assert len(await reader.decisions(executed_only=False)) == 8
    assert len(await reader.recent_decisions(BTC, NOW - timedelta(hours=24))) == 6
    tally = await reader.decision_tally(BTC, NOW - timedelta(hours=24))
    assert sum(t.count for t in tally) == 7
    latest = {s.instance_id: s for s in await reader.latest_snapshots()}
    assert latest[BTC].position_value == Decimal("0.01")  # the quantity, as the writer stores it
    assert latest[BTC].position_quote_value == Decimal("651.00")
    assert len(await reader.snapshots(BTC)) == 3
    before = await reader.snapshot_before(BTC, NOW - timedelta(hours=1))
    assert before is not None and before.total_balance == Decimal(10500)
    assert await reader.balance_peaks() == {BTC: Decimal(10500), ETH: Decimal(10000)}
    [order] = await reader.orders()  # order_id is BIGINT: read back as text, all digits kept
    assert (order.order_id, order.status) == ("9007199254740993", "CLOSED_TP")
    assert order.transact_time == NOW
    assert await reader.open_orders() == []
    [event] = await reader.analysis_events(BTC)
    assert (event.histogram, event.signal_detected) == (Decimal("2.5"), "NEUTRAL")


async def test_the_trade_alert_positions_and_risk_read_true_figures(
    reader: TradingDatabase,
) -> None:
    trade = await reader.latest_executed_trade()
    assert trade is not None
    alert = plain_text(trade_notice(trade).render(Audience()))
    assert "0.01 at 65,000.50 (650.01 USDT)" in alert  # never "at 0 (0.00 USDT)"
    trading = TradingService(BackendClients(trading_db=reader), now=lambda: NOW)
    [position] = await trading.positions(VIEWER)
    assert (position.size, position.value, position.unrealized_pnl) == (
        Decimal("0.01"),
        Decimal("651.00"),
        None,
    )
    figures = {f.instance_id: f for f in await risk_figures(reader)}
    btc = figures[BTC]
    assert (btc.peak_balance, btc.drawdown, btc.drawdown_pct) == (
        Decimal(10500),
        Decimal(2100),
        Decimal("20.00"),
    )
    assert (btc.daily_pnl, btc.daily_loss_pct) == (Decimal(-1600), Decimal("16.00"))
    assert figures[ETH].drawdown_pct == Decimal("0.00")
    notice = risk_notice(
        key="k", instance_id=BTC, name=None, metric="drawdown", value=btc.drawdown_pct or 0,
        limit=Decimal(15), breached=True, at=NOW,
    )  # fmt: skip
    assert "Drawdown of conservative-btc is 20.00%, beyond the limit of 15.00%" in plain_text(
        notice.render(Audience())
    )


async def test_reports_signals_and_doctor_on_the_real_schema(reader: TradingDatabase) -> None:
    clients = BackendClients(trading_db=reader)
    trading = TradingService(clients, now=lambda: NOW)
    reports = CsvReportWriter(clock=lambda: NOW)
    exported = await ReportExporter(trading, reports).export(VIEWER, "trades", "7d", "UTC")
    csv = exported.content.decode()
    assert exported.rows == 1
    assert ",BUY,65000.50000000,0.01000000,650.005" in csv  # never the MARKET order's 0
    performance = await ReportExporter(trading, reports).performance(VIEWER, ScreenPeriod.ALL)
    rows = {r["instance_id"]: r for r in DictReader(StringIO(performance.content.decode()))}
    assert rows[BTC]["max_drawdown_pct"] == "20.00"

    report = await SignalService(clients, now=lambda: NOW).signals(VIEWER, f"macd:{BTC}")
    assert diagnosis_line(report.diagnosis) == (
        "Last 24 h: 6 signals, 0 executed: 5 blocked 'Active position exists', "
        "1 allowed but not filled — test-order mode?"
    )
    assert report.decisions[0].signal == "SELL"

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    doctor = await Doctor(settings, clients).run()
    assert doctor.ok
    assert {c.name: c.state for c in doctor.checks}["trading database"] is CheckState.OK
    assert doctor.latest_trade is not None
    assert "0.01 at 65,000.50 (650.01 USDT)" in doctor.latest_trade
    assert any("position 0.01 ≈ 651.00 USDT at 65,100.00" in s for s in doctor.snapshots)

"""The trading-database reader: read-only for real, and correct on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from telegram_frontend.clients.trading_db.reader import TradeCursor, TradingDatabase
from telegram_frontend.core.errors import BackendUnavailable, BackendUnsupported
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase

from .backend_fixtures import *  # noqa: F403 (the fixtures)

T0 = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


async def _trade(owner: FakeTradingDatabase, minute: int, instance: str = "aggressive-eth") -> int:
    return await owner.insert_trade(
        instance,
        "ETHUSDT",
        "BUY",
        Decimal("3200.5"),
        Decimal("0.05"),
        T0 + timedelta(minutes=minute),
    )


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO orders (symbol, status) VALUES ('BTCUSDT', 'NEW')",
        "UPDATE portfolio_snapshots SET total_balance = 0",
        "DELETE FROM trading_decision_logs",
        "CREATE TABLE intruder (id INTEGER)",
    ],
)
async def test_the_reader_cannot_write(
    owner: FakeTradingDatabase, reader: TradingDatabase, statement: str
) -> None:
    await _trade(owner, 0)
    with pytest.raises(DBAPIError, match=r"(?i)read-only|readonly"):
        async with reader.engine.begin() as conn:
            await conn.execute(text(statement))
    assert len(await owner.rows("trading_decision_logs")) == 1
    assert await owner.rows("orders") == []


async def test_executed_trades_after_a_cursor_in_order_without_repeats(
    owner: FakeTradingDatabase, reader: TradingDatabase
) -> None:
    ids = []
    for minute in range(5):
        ids.append(await _trade(owner, minute))
        await owner.insert_decision(instance_id="aggressive-eth", trade_executed=False)
    seen: list[int] = []
    cursor: TradeCursor | None = None
    while page := await reader.executed_trades(cursor, limit=2):
        seen += [t.id for t in page if t.id is not None]
        cursor = TradeCursor(page[-1].id, page[-1].decision_time)
    assert seen == ids
    assert await reader.executed_trades(cursor) == []
    late = await _trade(owner, 10, "conservative-btc")
    assert [t.id for t in await reader.executed_trades(cursor)] == [late]
    assert (await reader.latest_trade_cursor()).id == late
    [trade] = await reader.executed_trades(TradeCursor(ids[-2]), limit=1)
    assert trade.executed_price == 0  # a MARKET order's response price, as the trader stores it
    assert trade.current_price == Decimal("3200.5")
    assert trade.price == Decimal("3200.5")  # what the frontend shows
    assert trade.executed_quantity == Decimal("0.05")
    assert trade.decision_time == T0 + timedelta(minutes=4)
    assert trade.signal_detected == "BUY"


async def test_latest_snapshot_per_instance_and_equity_range(
    owner: FakeTradingDatabase, reader: TradingDatabase
) -> None:
    for minute, balance in ((0, "10000"), (1, "10010.5"), (2, "10005.25")):
        await owner.insert_snapshot(
            "aggressive-eth", T0 + timedelta(minutes=minute), Decimal(balance)
        )
    await owner.insert_snapshot(
        "conservative-btc",
        T0,
        Decimal("10000"),
        position_size=Decimal("0.01"),
        current_market_price=Decimal("66000"),
    )
    latest = {s.instance_id: s for s in await reader.latest_snapshots()}
    assert latest["aggressive-eth"].total_balance == Decimal("10005.25")
    btc = latest["conservative-btc"]
    assert (btc.unrealized_pnl, btc.position_entry_price, btc.current_drawdown) == (None,) * 3
    assert btc.position_value == Decimal("0.01")  # the real writer stores the quantity here
    assert btc.position_quote_value == Decimal(660)
    assert btc.position_size == Decimal("0.01")
    assert await reader.balance_peaks() == {
        "aggressive-eth": Decimal("10010.5"),
        "conservative-btc": Decimal(10000),
    }
    curve = await reader.snapshots("aggressive-eth", since=T0 + timedelta(minutes=1))
    assert [s.total_balance for s in curve] == [Decimal("10010.5"), Decimal("10005.25")]
    before = await reader.snapshot_before("aggressive-eth", T0 + timedelta(seconds=90))
    assert before is not None
    assert before.total_balance == Decimal("10010.5")
    assert await reader.snapshot_before("aggressive-eth", T0 - timedelta(days=1)) is None


async def test_orders_open_recent_and_by_symbol(
    owner: FakeTradingDatabase, reader: TradingDatabase
) -> None:
    for status, symbol in (
        ("NEW", "BTCUSDT"),
        ("CLOSED_TP", "BTCUSDT"),
        ("ACTIVE", "ETHUSDT"),
        ("CLOSED_SL", "ETHUSDT"),
        ("PENDING", "BTCUSDT"),
    ):
        await owner.insert_order(symbol, "BUY", Decimal("100.5"), Decimal(2), status, at=T0)
    assert [o.status for o in await reader.open_orders()] == ["PENDING", "ACTIVE", "NEW"]
    assert [o.status for o in await reader.open_orders("btcusdt")] == ["PENDING", "NEW"]
    recent = await reader.orders(limit=2)
    assert [o.status for o in recent] == ["PENDING", "CLOSED_SL"]
    assert recent[0].cummulative_quote_qty == Decimal(201)
    assert recent[0].transact_time == T0
    assert recent[0].fills[0]["qty"] == "2"


async def test_analysis_events_newest_first(
    owner: FakeTradingDatabase, reader: TradingDatabase
) -> None:
    for minute in range(3):
        await owner.insert_analysis_event(
            instance_id="aggressive-eth",
            analysis_time=T0 + timedelta(minutes=minute),
            histogram=Decimal(minute) - 1,
            signal_detected="NEUTRAL",
        )
    events = await reader.analysis_events("aggressive-eth", limit=2)
    assert [e.histogram for e in events] == [Decimal(1), Decimal(0)]


async def test_missing_columns_nulls_and_missing_tables_are_tolerated(
    trading_db_url: str,
) -> None:
    owner = FakeTradingDatabase(trading_db_url)
    try:
        async with owner.engine.begin() as conn:  # an older backend: fewer columns, no orders
            await conn.execute(
                text(
                    "CREATE TABLE portfolio_snapshots (id INTEGER PRIMARY KEY, instance_id "
                    "VARCHAR(50), snapshot_time TIMESTAMP, total_balance NUMERIC(20,8), "
                    "position_size NUMERIC(20,8))"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO portfolio_snapshots VALUES (1, 'old', '2025-10-01 12:00:00', "
                    "NULL, 0.5)"
                )
            )
        reader = TradingDatabase.connect(owner.url)
        try:
            [snapshot] = await reader.latest_snapshots()
            assert snapshot.instance_id == "old"
            assert snapshot.total_balance is None
            assert snapshot.max_drawdown is None
            assert snapshot.position_size == Decimal("0.5")
            assert snapshot.snapshot_time == T0
            with pytest.raises(BackendUnsupported, match="`orders` table is missing"):
                await reader.open_orders()
        finally:
            await reader.aclose()
    finally:
        await owner.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        "sqlite+aiosqlite:////nonexistent/dir/trading.db",
    ],
)
async def test_an_unreachable_database_is_unavailable_quickly(url: str) -> None:
    reader = TradingDatabase.connect(url, connect_timeout=1, query_timeout=1)
    started = time.perf_counter()
    try:
        with pytest.raises(BackendUnavailable) as error:
            await reader.executed_trades()
    finally:
        await reader.aclose()
        await asyncio.sleep(0.1)  # let aiosqlite's worker thread finish before the loop closes
    assert time.perf_counter() - started < 3
    assert "trading database" in error.value.user_message
    assert "postgres@" not in error.value.user_message

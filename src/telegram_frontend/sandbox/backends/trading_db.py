"""The trading system's tables, created and written the way the Java services do it.

The tables come from `real-trading-schema.tsv` (real types, sizes and NOT NULL columns) and the
rows are shaped as the Java writers shape them: MARKET trades with `executed_price` 0, snapshots
whose `position_value` holds the quantity and whose drawdown/entry/unrealized columns stay NULL,
an absolute `max_drawdown`. The frontend's reader in `clients.trading_db` is tested against it,
never derived from it. SQLite stores numbers as floats, PostgreSQL as numerics.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from telegram_frontend.sandbox.backends.trading_schema import build_metadata, load_schema

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

SCHEMA = load_schema()
_metadata = build_metadata(SCHEMA)
DECISIONS = _metadata.tables["trading_decision_logs"]
SNAPSHOTS = _metadata.tables["portfolio_snapshots"]
ORDERS = _metadata.tables["orders"]
ANALYSES = _metadata.tables["strategy_analysis_events"]
ZERO = Decimal(0)


def _naive_utc(moment: datetime) -> datetime:
    """Java writes `LocalDateTime` in UTC: no zone in the column."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def async_url(url: str) -> str:
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class FakeTradingDatabase:
    """Owns (creates and writes) the trading tables at `url`, like the Java services."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(self.url)
        self._batch: AsyncConnection | None = None

    async def create(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_metadata.create_all)

    async def aclose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Write everything inside in one transaction, as the trader does per decision round."""
        async with self.engine.begin() as conn:
            self._batch = conn
            try:
                yield
            finally:
                self._batch = None

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        if self._batch is not None:
            yield self._batch
            return
        async with self.engine.begin() as conn:
            yield conn

    async def _insert(self, table: Table, values: dict[str, Any]) -> int:
        clean = {k: _naive_utc(v) if isinstance(v, datetime) else v for k, v in values.items()}
        async with self._connection() as conn:
            result = await conn.execute(insert(table).values(**clean).returning(table.c.id))
            return int(result.scalar_one())

    async def insert_decision(self, **values: Any) -> int:
        """Any decision-log row; the NOT NULL columns get what the trader writes for a
        decision with no signal, the nullable ones stay NULL unless given."""
        instance = values.get("instance_id", "unknown")
        row: dict[str, Any] = {
            "instance_id": instance,
            "strategy_name": instance,
            "symbol": "BTCUSDT",
            "decision_time": datetime.now(UTC),
            "trade_allowed": False,
            "trade_executed": False,
            "decision_reason": "No trading signal",
        }
        row.update(values)
        return await self._insert(DECISIONS, row)

    async def insert_trade(
        self,
        instance_id: str,
        symbol: str,
        side: str,
        price: Decimal,
        quantity: Decimal,
        at: datetime,
        strategy_name: str | None = None,
        order_id: str | None = None,
        reason: str = "MACD crossover",
        order_type: str = "MARKET",
    ) -> int:
        """An executed trade: a decision row with `trade_executed = true`.

        `price` is the market price the decision saw (`current_price`); `executed_price` is the
        order response's price, which Binance reports as 0 for a MARKET order.
        """
        return await self._insert(
            DECISIONS,
            {
                "instance_id": instance_id,
                "strategy_name": strategy_name or instance_id,
                "symbol": symbol,
                "decision_time": at,
                "signal_detected": side.upper(),
                "signal_strength": "STRONG",
                "current_price": price,
                "trade_allowed": True,
                "trade_executed": True,
                "has_active_position": side.upper() == "SELL",
                "position_size_ok": True,
                "daily_loss_limit_ok": True,
                "risk_check_passed": True,
                "decision_reason": reason,
                "order_id": order_id or str(secrets.randbelow(10**11) + 10**10),
                "executed_price": ZERO if order_type.upper() == "MARKET" else price,
                "executed_quantity": quantity,
            },
        )

    async def insert_snapshot(
        self,
        instance_id: str,
        at: datetime,
        total_balance: Decimal,
        *,
        symbol: str = "BTCUSDT",
        position_size: Decimal = ZERO,
        current_market_price: Decimal | None = None,
        total_trades: int = 0,
        winning_trades: int = 0,
        total_realized_pnl: Decimal = ZERO,
        max_drawdown: Decimal | None = ZERO,
        **extra: Any,
    ) -> int:
        """A portfolio snapshot as the trader writes it: `position_value` is the QUANTITY,
        `available_balance` is balance − quantity, entry price, unrealized P&L and current
        drawdown stay NULL, `max_drawdown` is absolute (quote units)."""
        values: dict[str, Any] = {
            "instance_id": instance_id,
            "strategy_name": instance_id,
            "snapshot_time": at,
            "total_balance": total_balance,
            "available_balance": total_balance - position_size,
            "position_value": position_size,
            "symbol": symbol,
            "position_size": position_size,
            "position_entry_price": None,
            "current_market_price": current_market_price,
            "unrealized_pnl": None,
            "total_trades": total_trades,
            "winning_trades": winning_trades,
            "total_realized_pnl": total_realized_pnl,
            "daily_pnl": ZERO,
            "current_drawdown": None,
            "max_drawdown": max_drawdown,
        }
        values.update(extra)
        return await self._insert(SNAPSHOTS, values)

    async def insert_order(
        self,
        symbol: str,
        side: str,
        price: Decimal,
        quantity: Decimal,
        status: str = "ACTIVE",
        at: datetime | None = None,
        order_id: int | None = None,
        **extra: Any,
    ) -> int:
        """An `orders` row with every NOT NULL column the Java entity fills."""
        moment = at or datetime.now(UTC)
        epoch_ms = int(moment.timestamp() * 1000)
        values: dict[str, Any] = {
            "symbol": symbol,
            "order_id": order_id if order_id is not None else secrets.randbelow(10**11) + 10**10,
            "order_list_id": -1,
            "client_order_id": f"tf-{secrets.token_hex(4)}",
            "transact_time": epoch_ms,
            "display_transact_time": moment,
            "working_time": epoch_ms,
            "display_working_time": moment,
            "price": price,
            "orig_qty": quantity,
            "executed_qty": quantity,
            "cummulative_quote_qty": price * quantity,
            "status": status,
            "time_in_force": "GTC",
            "type": "MARKET",
            "side": side.upper(),
            "self_trade_prevention_mode": "EXPIRE_MAKER",
            "fills": json.dumps([{"price": str(price), "qty": str(quantity), "commission": "0"}]),
        }
        values.update(extra)
        return await self._insert(ORDERS, values)

    async def set_order_status(self, order_id: int, status: str) -> None:
        async with self._connection() as conn:
            await conn.execute(
                update(ORDERS).where(ORDERS.c.order_id == int(order_id)).values(status=status)
            )

    async def insert_analysis_event(self, **values: Any) -> int:
        """An analysis row; the NOT NULL kline columns default to the analysis time."""
        moment = values.get("analysis_time") or datetime.now(UTC)
        instance = values.get("instance_id", "unknown")
        row: dict[str, Any] = {
            "instance_id": instance,
            "strategy_name": instance,
            "symbol": "BTCUSDT",
            "interval": "1h",
            "analysis_time": moment,
            "current_price": ZERO,
            "kline_timestamp": int(moment.timestamp() * 1000),
            "kline_close_time": moment,
            "kline_count": 100,
        }
        row.update(values)
        return await self._insert(ANALYSES, row)

    async def rows(self, table_name: str) -> list[dict[str, Any]]:
        table = _metadata.tables[table_name]
        async with self.engine.connect() as conn:
            result = await conn.execute(select(table).order_by(table.c.id))
            return [dict(r) for r in result.mappings()]


@asynccontextmanager
async def scratch_postgres_database(
    admin_url: str = DEFAULT_ADMIN_URL, prefix: str = "tf_test_trading_"
) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test run, dropped afterwards; yields its URL."""
    name = f"{prefix}{secrets.token_hex(5)}"
    admin = create_async_engine(async_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield (
            make_url(async_url(admin_url)).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

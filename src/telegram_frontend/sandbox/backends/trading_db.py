"""The trading system's tables, created and written the way the Java services do it.

This is the fake's own schema (its own MetaData, like the Java entities): the frontend's reader in
`clients.trading_tables` is tested against it, never derived from it. SQLite stores numbers as
floats here, PostgreSQL as numerics, so the reader meets both quirks.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

_metadata = MetaData()


def _num() -> Numeric[Decimal]:
    return Numeric(24, 8).with_variant(Float(), "sqlite")


def _table(name: str, *columns: Column[Any]) -> Table:
    return Table(name, _metadata, Column("id", Integer, primary_key=True), *columns)


DECISIONS = _table(
    "trading_decision_logs",
    Column("instance_id", String(100)),
    Column("strategy_name", String(100)),
    Column("symbol", String(20)),
    Column("decision_time", DateTime),
    Column("signal_detected", String(20)),
    Column("signal_strength", String(20)),
    Column("macd_histogram", _num()),
    Column("current_price", _num()),
    Column("trade_allowed", Boolean),
    Column("trade_executed", Boolean),
    Column("has_active_position", Boolean),
    Column("position_size_ok", Boolean),
    Column("daily_loss_limit_ok", Boolean),
    Column("risk_check_passed", Boolean),
    Column("decision_reason", Text),
    Column("blocked_reason", Text),
    Column("order_id", String(64)),
    Column("executed_price", _num()),
    Column("executed_quantity", _num()),
)
SNAPSHOTS = _table(
    "portfolio_snapshots",
    Column("instance_id", String(100)),
    Column("strategy_name", String(100)),
    Column("snapshot_time", DateTime),
    Column("total_balance", _num()),
    Column("available_balance", _num()),
    Column("position_value", _num()),
    Column("symbol", String(20)),
    Column("position_size", _num()),
    Column("position_entry_price", _num()),
    Column("current_market_price", _num()),
    Column("unrealized_pnl", _num()),
    Column("total_trades", Integer),
    Column("winning_trades", Integer),
    Column("total_realized_pnl", _num()),
    Column("daily_pnl", _num()),
    Column("current_drawdown", _num()),
    Column("max_drawdown", _num()),
)
ORDERS = _table(
    "orders",
    Column("symbol", String(20)),
    Column("order_id", String(64)),
    Column("client_order_id", String(64)),
    Column("transact_time", BigInteger),
    Column("price", _num()),
    Column("orig_qty", _num()),
    Column("executed_qty", _num()),
    Column("cummulative_quote_qty", _num()),
    Column("status", String(32)),
    Column("type", String(32)),
    Column("side", String(8)),
    Column("fills", Text),
)
ANALYSES = _table(
    "strategy_analysis_events",
    Column("instance_id", String(100)),
    Column("analysis_time", DateTime),
    Column("current_price", _num()),
    Column("macd_line", _num()),
    Column("signal_line", _num()),
    Column("histogram", _num()),
    Column("signal_detected", String(20)),
    Column("signal_reason", Text),
)


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
        """Any decision-log row; unspecified columns stay NULL, as old rows have them."""
        return await self._insert(DECISIONS, values)

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
    ) -> int:
        """An executed trade: a decision row with `trade_executed = true`."""
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
                "has_active_position": side.upper() == "BUY",
                "position_size_ok": True,
                "daily_loss_limit_ok": True,
                "risk_check_passed": True,
                "decision_reason": reason,
                "order_id": order_id or secrets.token_hex(6),
                "executed_price": price,
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
        position_size: Decimal = Decimal(0),
        position_entry_price: Decimal | None = None,
        current_market_price: Decimal | None = None,
        total_trades: int = 0,
        winning_trades: int = 0,
        total_realized_pnl: Decimal = Decimal(0),
        **extra: Any,
    ) -> int:
        """A portfolio snapshot; the derived columns follow from the given ones."""
        price = current_market_price or position_entry_price or Decimal(0)
        position_value = position_size * price
        unrealized = (
            (price - position_entry_price) * position_size if position_entry_price else Decimal(0)
        )
        values: dict[str, Any] = {
            "instance_id": instance_id,
            "strategy_name": instance_id,
            "snapshot_time": at,
            "total_balance": total_balance,
            "available_balance": total_balance - position_value,
            "position_value": position_value,
            "symbol": symbol,
            "position_size": position_size,
            "position_entry_price": position_entry_price,
            "current_market_price": current_market_price,
            "unrealized_pnl": unrealized,
            "total_trades": total_trades,
            "winning_trades": winning_trades,
            "total_realized_pnl": total_realized_pnl,
            "daily_pnl": Decimal(0),
            "current_drawdown": Decimal(0),
            "max_drawdown": Decimal(0),
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
        order_id: str | None = None,
        **extra: Any,
    ) -> int:
        moment = at or datetime.now(UTC)
        values: dict[str, Any] = {
            "symbol": symbol,
            "order_id": order_id or str(secrets.randbelow(10**12)),
            "client_order_id": f"tf-{secrets.token_hex(4)}",
            "transact_time": int(moment.timestamp() * 1000),
            "price": price,
            "orig_qty": quantity,
            "executed_qty": quantity,
            "cummulative_quote_qty": price * quantity,
            "status": status,
            "type": "MARKET",
            "side": side.upper(),
            "fills": f'[{{"price":"{price}","qty":"{quantity}","commission":"0"}}]',
        }
        values.update(extra)
        return await self._insert(ORDERS, values)

    async def set_order_status(self, order_id: str, status: str) -> None:
        async with self._connection() as conn:
            await conn.execute(
                update(ORDERS).where(ORDERS.c.order_id == order_id).values(status=status)
            )

    async def insert_analysis_event(self, **values: Any) -> int:
        return await self._insert(ANALYSES, values)

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

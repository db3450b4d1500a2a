"""The Java services' trading tables, described for reading only.

These Table objects live in their own MetaData that is never passed to `create_all`, Alembic or
any DDL: the tables belong to the trading system. Column types are lenient decorators because the
same query must read PostgreSQL numerics, SQLite floats and text-typed values alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from telegram_frontend.clients.trading.payload import to_datetime, to_decimal


class LenientNumeric(TypeDecorator[Decimal]):
    """Any stored number (numeric, float, text) read back as a finite Decimal or None."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return to_decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps bound as naive UTC (Java writes LocalDateTime) and read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return to_datetime(value)


class LenientInstant(TypeDecorator[datetime]):
    """A time stored as epoch milliseconds, text or timestamp, read only, never compared in SQL."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return to_datetime(value)


READ_ONLY_METADATA = MetaData()

decision_logs = Table(
    "trading_decision_logs",
    READ_ONLY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("instance_id", String),
    Column("strategy_name", String),
    Column("symbol", String),
    Column("decision_time", UtcDateTime),
    Column("signal_detected", String),
    Column("signal_strength", String),
    Column("macd_histogram", LenientNumeric),
    Column("current_price", LenientNumeric),
    Column("trade_allowed", Boolean),
    Column("trade_executed", Boolean),
    Column("has_active_position", Boolean),
    Column("position_size_ok", Boolean),
    Column("daily_loss_limit_ok", Boolean),
    Column("risk_check_passed", Boolean),
    Column("decision_reason", Text),
    Column("blocked_reason", Text),
    Column("order_id", String),
    Column("executed_price", LenientNumeric),
    Column("executed_quantity", LenientNumeric),
)

portfolio_snapshots = Table(
    "portfolio_snapshots",
    READ_ONLY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("instance_id", String),
    Column("strategy_name", String),
    Column("snapshot_time", UtcDateTime),
    Column("total_balance", LenientNumeric),
    Column("available_balance", LenientNumeric),
    Column("position_value", LenientNumeric),
    Column("symbol", String),
    Column("position_size", LenientNumeric),
    Column("position_entry_price", LenientNumeric),
    Column("current_market_price", LenientNumeric),
    Column("unrealized_pnl", LenientNumeric),
    Column("total_trades", Integer),
    Column("winning_trades", Integer),
    Column("total_realized_pnl", LenientNumeric),
    Column("daily_pnl", LenientNumeric),
    Column("current_drawdown", LenientNumeric),
    Column("max_drawdown", LenientNumeric),
)

orders = Table(
    "orders",
    READ_ONLY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("symbol", String),
    Column("order_id", String),
    Column("client_order_id", String),
    Column("transact_time", LenientInstant),
    Column("price", LenientNumeric),
    Column("orig_qty", LenientNumeric),
    Column("executed_qty", LenientNumeric),
    Column("cummulative_quote_qty", LenientNumeric),
    Column("status", String),
    Column("type", String),
    Column("side", String),
    Column("fills", Text),
)

analysis_events = Table(
    "strategy_analysis_events",
    READ_ONLY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("instance_id", String),
    Column("analysis_time", UtcDateTime),
    Column("current_price", LenientNumeric),
    Column("macd_line", LenientNumeric),
    Column("signal_line", LenientNumeric),
    Column("histogram", LenientNumeric),
    Column("signal_detected", String),
    Column("signal_reason", Text),
)

OPEN_ORDER_STATUSES = ("NEW", "PENDING", "ACTIVE")

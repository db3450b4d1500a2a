"""Rows of the trading tables as typed, tolerant models.

Old rows have NULLs where newer versions write values, SQLite hands back floats and PostgreSQL
numerics: every field is optional and lenient, so one odd row never hides the others.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from telegram_frontend.clients.trading.payload import (
    Count,
    Flag,
    Instant,
    LongText,
    Money,
    Payload,
    ShortText,
    UpperText,
)


class DecisionLog(Payload):
    id: Count = None
    instance_id: ShortText = None
    strategy_name: ShortText = None
    symbol: UpperText = None
    decision_time: Instant = None
    signal_detected: UpperText = None
    signal_strength: ShortText = None
    macd_histogram: Money = None
    current_price: Money = None
    trade_allowed: Flag = None
    trade_executed: Flag = None
    has_active_position: Flag = None
    position_size_ok: Flag = None
    daily_loss_limit_ok: Flag = None
    risk_check_passed: Flag = None
    decision_reason: LongText = None
    blocked_reason: LongText = None
    order_id: ShortText = None
    executed_price: Money = None
    executed_quantity: Money = None

    @property
    def price(self) -> Decimal | None:
        """The trade's price: `executed_price` is the order response's price, 0 for a MARKET
        order, so 0 or NULL means unknown and the decision's `current_price` is used."""
        if self.executed_price:
            return self.executed_price
        return self.current_price


class PortfolioSnapshot(Payload):
    id: Count = None
    instance_id: ShortText = None
    strategy_name: ShortText = None
    snapshot_time: Instant = None
    total_balance: Money = None
    available_balance: Money = None
    position_value: Money = None
    symbol: UpperText = None
    position_size: Money = None
    position_entry_price: Money = None
    current_market_price: Money = None
    unrealized_pnl: Money = None
    total_trades: Count = None
    winning_trades: Count = None
    total_realized_pnl: Money = None
    daily_pnl: Money = None
    current_drawdown: Money = None
    max_drawdown: Money = None

    @property
    def position_quote_value(self) -> Decimal | None:
        """The position in quote currency (USDT): size × market price. `position_value` holds
        the QUANTITY in the real writer, so it is never used as a value."""
        if self.position_size is None or self.current_market_price is None:
            return None
        return self.position_size * self.current_market_price


class OrderRecord(Payload):
    id: Count = None
    symbol: UpperText = None
    order_id: ShortText = None
    client_order_id: ShortText = None
    transact_time: Instant = None
    price: Money = None
    orig_qty: Money = None
    executed_qty: Money = None
    cummulative_quote_qty: Money = None
    status: UpperText = None
    type: UpperText = None
    side: UpperText = None
    fills: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("fills", mode="before")
    @classmethod
    def _fills(cls, value: object) -> list[dict[str, Any]]:
        if isinstance(value, str):
            try:
                value = json.loads(value) if len(value) < 100_000 else None
            except ValueError:
                value = None
        return [f for f in value if isinstance(f, dict)] if isinstance(value, list) else []


class AnalysisEvent(Payload):
    id: Count = None
    instance_id: ShortText = None
    analysis_time: Instant = None
    current_price: Money = None
    macd_line: Money = None
    signal_line: Money = None
    histogram: Money = None
    signal_detected: UpperText = None
    signal_reason: LongText = None

"""One way to look at a strategy, a trade or a position, whatever backend it comes from.

MACD instances and grid strategies have different shapes and different powers (only a grid can be
started and stopped); the bot and the API show both through these views, with ids like
`macd:conservative-btc` and `grid:<uuid>` (the grid trader's server-generated UUIDs) that fit in
callback data.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from telegram_frontend.clients.trading.grid import GridStrategy
from telegram_frontend.clients.trading.macd import (
    CONTROL_UNSUPPORTED,
    MacdInstance,
    StrategyRanking,
)
from telegram_frontend.clients.trading_db.reader import DecisionLog, PortfolioSnapshot
from telegram_frontend.core.errors import NotFound
from telegram_frontend.core.formatters import quoted
from telegram_frontend.services.trading.performance import NO_SHARPE, Period, Sharpe

CENT = Decimal("0.01")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class StrategyKind(enum.StrEnum):
    MACD = "macd"
    GRID = "grid"


# The contract's example instances; the trader's API does not report parameters or risk level.
KNOWN_MACD_PROFILES: dict[str, dict[str, str]] = {
    "conservative-btc": {
        "risk_level": "LOW",
        "fast_period": "12",
        "slow_period": "26",
        "signal_period": "9",
        "position_size": "0.01",
        "stop_loss_pct": "2",
        "take_profit_pct": "4",
    },
    "aggressive-eth": {
        "risk_level": "HIGH",
        "fast_period": "3",
        "slow_period": "7",
        "signal_period": "3",
        "position_size": "0.05",
        "stop_loss_pct": "3",
        "take_profit_pct": "6",
    },
}
MAX_DAILY_LOSS_PCT = {"LOW": "-2", "MEDIUM": "-5", "HIGH": "-10"}
_RISK_WORDS: tuple[tuple[str, str], ...] = (
    ("conservative", "LOW"),
    ("moderate", "MEDIUM"),
    ("balanced", "MEDIUM"),
    ("aggressive", "HIGH"),
)


@dataclass(frozen=True)
class Strategy:
    id: str
    kind: StrategyKind
    backend_id: str
    name: str
    symbol: str | None = None
    timeframe: str | None = None
    active: bool | None = None
    risk_level: str | None = None
    balance: Decimal | None = None
    pnl: Decimal | None = None
    win_rate: Decimal | None = None  # percent, the trader's own whole-life figure
    drawdown: Decimal | None = None  # absolute, in quote units (USDT): the trader's maxDrawdown
    drawdown_pct: Decimal | None = None  # percent of the starting balance, where known
    can_start_stop: bool = False
    start_stop_note: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    risk_limits: dict[str, str] = field(default_factory=dict)


def parse_strategy_id(strategy_id: str) -> tuple[StrategyKind, str]:
    """`macd:<instance>` / `grid:<id>`; a bare number or UUID means a grid, a bare name a MACD
    instance. Grid ids are whatever string the grid trader generated (UUIDs today)."""
    text = strategy_id.strip()
    prefix, _, rest = text.partition(":")
    if rest and prefix.lower() in (StrategyKind.MACD, StrategyKind.GRID):
        kind, backend_id = StrategyKind(prefix.lower()), rest.strip()
    else:
        bare_grid = text.isdigit() or _UUID.fullmatch(text)
        kind = StrategyKind.GRID if bare_grid else StrategyKind.MACD
        backend_id = text
    if not _ID.fullmatch(backend_id):
        raise NotFound(f"There is no strategy {quoted(strategy_id)}.")
    return kind, backend_id


def strategy_key(kind: StrategyKind, backend_id: str) -> str:
    return f"{kind.value}:{backend_id}"


def macd_risk_level(instance_id: str, name: str | None) -> str | None:
    known = KNOWN_MACD_PROFILES.get(instance_id)
    if known:
        return known["risk_level"]
    text = f"{instance_id} {name or ''}".lower()
    return next((level for word, level in _RISK_WORDS if word in text), None)


def win_rate_pct(
    winning: int | None, total: int | None, reported: Decimal | None
) -> Decimal | None:
    """From the counts when we have them; a reported rate ≤ 1 is a fraction, else a percent."""
    if total:
        return (Decimal(winning or 0) * 100 / total).quantize(CENT, ROUND_HALF_UP)
    if reported is None:
        return None
    return (reported * 100 if reported <= 1 else reported).quantize(CENT, ROUND_HALF_UP)


def drawdown_pct_of_start(
    drawdown: Decimal | None, balance: Decimal | None, profit: Decimal | None
) -> Decimal | None:
    """`maxDrawdown` is absolute; as a percent of the starting balance (balance − profit)."""
    if drawdown is None or balance is None or profit is None:
        return None
    start = balance - profit
    return (abs(drawdown) * 100 / start).quantize(CENT, ROUND_HALF_UP) if start > 0 else None


def macd_view(instance: MacdInstance, control_supported: bool | None) -> Strategy:
    params = dict(KNOWN_MACD_PROFILES.get(instance.instance_id, {}))
    risk = params.pop("risk_level", None) or macd_risk_level(
        instance.instance_id, instance.strategy_name
    )
    limits = {"max_daily_loss_pct": MAX_DAILY_LOSS_PCT[risk]} if risk else {}
    for key in ("stop_loss_pct", "take_profit_pct"):
        if key in params:
            limits[key] = params.pop(key)
    can = control_supported is True
    return Strategy(
        id=strategy_key(StrategyKind.MACD, instance.instance_id),
        kind=StrategyKind.MACD,
        backend_id=instance.instance_id,
        name=instance.strategy_name or instance.instance_id,
        symbol=instance.symbol,
        timeframe=instance.timeframe,
        active=instance.active,
        risk_level=risk,
        balance=instance.current_balance,
        pnl=instance.total_profit,
        win_rate=win_rate_pct(instance.winning_trades, instance.total_trades, instance.win_rate),
        drawdown=abs(instance.max_drawdown) if instance.max_drawdown is not None else None,
        drawdown_pct=drawdown_pct_of_start(
            instance.max_drawdown, instance.current_balance, instance.total_profit
        ),
        can_start_stop=can,
        start_stop_note=None if can else f"The MACD trader cannot {CONTROL_UNSUPPORTED}.",
        parameters=params,
        risk_limits=limits,
    )


def grid_view(grid: GridStrategy) -> Strategy:
    params = {
        k: str(v)
        for k, v in (
            ("lower", grid.lower),
            ("upper", grid.upper),
            ("levels", grid.levels),
            ("base_order_size", grid.base_order_size),
        )
        if v is not None
    }
    limits = {
        k: str(v)
        for k, v in (
            ("daily_loss_limit_pct", grid.daily_loss_limit_pct),
            ("max_position_size_quote", grid.max_position_size_quote),
        )
        if v is not None
    }
    return Strategy(
        id=strategy_key(StrategyKind.GRID, grid.id),
        kind=StrategyKind.GRID,
        backend_id=grid.id,
        name=f"Grid {grid.symbol or '?'} {_short_grid_id(grid.id)}",
        symbol=grid.symbol,
        timeframe=grid.interval,
        active=grid.active,
        can_start_stop=True,
        parameters=params,
        risk_limits=limits,
    )


def _short_grid_id(grid_id: str) -> str:
    """`#3` for a numeric id, the first 8 characters of a UUID (enough to tell grids apart)."""
    return f"#{grid_id}" if grid_id.isdigit() else grid_id[:8]


@dataclass(frozen=True)
class Trade:
    """An executed trade as the decision log records it."""

    id: int | None
    strategy_id: str
    instance_id: str | None
    strategy_name: str | None
    symbol: str | None
    side: str | None
    price: Decimal | None
    quantity: Decimal | None
    at: datetime | None
    order_id: str | None
    reason: str | None

    @property
    def quote_amount(self) -> Decimal | None:
        if self.price is None or self.quantity is None:
            return None
        return self.price * self.quantity


def trade_view(row: DecisionLog) -> Trade:
    instance = row.instance_id or "unknown"
    side = row.signal_detected if row.signal_detected in ("BUY", "SELL") else None
    return Trade(
        id=row.id,
        strategy_id=strategy_key(StrategyKind.MACD, instance),
        instance_id=row.instance_id,
        strategy_name=row.strategy_name,
        symbol=row.symbol,
        side=side,
        price=row.price,
        quantity=row.executed_quantity,
        at=row.decision_time,
        order_id=row.order_id,
        reason=row.decision_reason,
    )


@dataclass(frozen=True)
class Position:
    strategy_id: str
    instance_id: str | None
    symbol: str | None
    size: Decimal
    entry_price: Decimal | None
    market_price: Decimal | None
    value: Decimal | None
    unrealized_pnl: Decimal | None
    as_of: datetime | None


def position_view(row: PortfolioSnapshot) -> Position | None:
    """None for a flat book: only snapshots with a non-zero position are positions.

    Valued as size × market price in USDT (`position_value` holds the quantity); the entry price
    and unrealized P&L are NULL in the real rows, so they are shown only when present.
    """
    if not row.position_size:
        return None
    value = row.position_quote_value
    pnl = row.unrealized_pnl
    if pnl is None and row.current_market_price is not None and row.position_entry_price:
        pnl = (row.current_market_price - row.position_entry_price) * row.position_size
    return Position(
        strategy_id=strategy_key(StrategyKind.MACD, row.instance_id or "unknown"),
        instance_id=row.instance_id,
        symbol=row.symbol,
        size=row.position_size,
        entry_price=row.position_entry_price,
        market_price=row.current_market_price,
        value=value,
        unrealized_pnl=pnl,
        as_of=row.snapshot_time,
    )


@dataclass(frozen=True)
class StrategyPerformance:
    """A strategy's figures over a period (`period_figures`); `trades` counts executed trades
    (fills) in the period, `ranking` is the MACD trader's own ranking entry, kept apart."""

    strategy_id: str
    instance_id: str
    name: str | None
    period: Period
    trades: int | None = None
    win_rate: Decimal | None = None  # percent of closed trades that won
    winning_trades: int | None = None  # closed trades that won in the period
    symbol: str | None = None
    pnl: Decimal | None = None  # change of total balance over the period
    realized_pnl: Decimal | None = None
    return_pct: Decimal | None = None
    max_drawdown_pct: Decimal | None = None
    sharpe: Sharpe = NO_SHARPE
    start_equity: Decimal | None = None
    end_equity: Decimal | None = None
    backend_ranking: StrategyRanking | None = None

"""Plain, typed inputs and the output of the chart renderers.

The renderers take these instead of ORM rows or remote payloads so they stay pure (easy to test,
safe to run in a worker thread) and so any source (trading tables, data storage, Binance) can feed
them. Money and prices are `Decimal`; times are aware datetimes (naive ones are taken as UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

Theme = Literal["light", "dark"]
Side = Literal["BUY", "SELL"]


@dataclass(frozen=True)
class RenderedChart:
    """A finished PNG plus what tests and captions need to know about it.

    `markers` counts the trade/fill markers actually drawn (after dropping those outside the
    chart's time range), so a caption can say "12 trades" and a test can check the picture.
    """

    png: bytes
    width: int
    height: int
    markers: int = 0
    empty: bool = False


@dataclass(frozen=True)
class EquityPoint:
    """One portfolio snapshot: total equity and, if the backend computed it, the drawdown in %.

    `drawdown_pct` may be given as a positive or a negative magnitude (it is drawn below zero);
    when it is None it is computed from the running equity peak.
    """

    time: datetime
    equity: Decimal
    drawdown_pct: Decimal | None = None


@dataclass(frozen=True)
class Candle:
    """One kline; a line chart only needs `close`, so open=high=low=close is fine."""

    open_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal


@dataclass(frozen=True)
class MacdPoint:
    time: datetime
    macd: Decimal
    signal: Decimal
    histogram: Decimal


@dataclass(frozen=True)
class TradeMark:
    """An executed trade (or a grid fill) drawn as a marker at its price."""

    time: datetime
    price: Decimal
    side: Side


@dataclass(frozen=True)
class GridChartInput:
    """Grid levels (prices evenly spaced from lower to upper), the price path and the fills."""

    levels: list[Decimal]
    prices: list[tuple[datetime, Decimal]]
    fills: list[TradeMark] = field(default_factory=list)


@dataclass(frozen=True)
class AllocationSlice:
    """One asset's value in the portfolio, in USDT."""

    asset: str
    value_usdt: Decimal


@dataclass(frozen=True)
class StrategyComparison:
    """One strategy's results: P&L in USDT, win rate and max drawdown in percent (0–100)."""

    name: str
    pnl: Decimal | None
    win_rate: Decimal | None
    max_drawdown: Decimal | None

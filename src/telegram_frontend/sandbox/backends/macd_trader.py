"""A fake MACD trader that really trades on the simulated market and writes the trading tables.

Its two instances are the contract's examples. Each `step()` computes MACD from the market's
klines, applies stop-loss/take-profit and crossovers, and writes a decision log row, an analysis
event and a portfolio snapshot per instance, shaped as the Java writers shape them (verified
facts): most decisions are blocked with a reason ("Active position exists"), executed MARKET
trades carry `executed_price` 0, snapshots hold the quantity in `position_value` and an absolute
`max_drawdown`, and `orders` is never written. With `test_order_mode` (the testnet template's
default) allowed orders are never filled, so nothing executes. It has no start/stop endpoint
unless `control_endpoints` is switched on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from telegram_frontend.sandbox.backends.fake_server import ms_to_datetime as ms_to_utc
from telegram_frontend.sandbox.backends.macd_math import MacdPoint, macd_points
from telegram_frontend.sandbox.backends.market import INTERVAL_MS, Candle, SimulatedMarket
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase

VIRTUAL_BALANCE = Decimal(10000)
INDICATOR_WINDOW = 150  # candles: EMAs are computed over this many, whatever is asked
CENT = Decimal("0.01")
TEST_ORDER_NOTE = "test order placed (status ACTIVE, not FILLED)"


@dataclass(frozen=True)
class InstanceProfile:
    instance_id: str
    strategy_name: str
    symbol: str
    timeframe: str
    fast: int
    slow: int
    signal: int
    risk_level: str
    size: Decimal
    stop_loss_pct: Decimal
    take_profit_pct: Decimal


PROFILES = (
    InstanceProfile(
        *("conservative-btc", "MACD Conservative BTC", "BTCUSDT", "4h", 12, 26, 9, "LOW"),
        *(Decimal("0.01"), Decimal(2), Decimal(4)),
    ),
    InstanceProfile(
        *("aggressive-eth", "MACD Aggressive ETH", "ETHUSDT", "1h", 3, 7, 3, "HIGH"),
        *(Decimal("0.05"), Decimal(3), Decimal(6)),
    ),
)


@dataclass
class InstanceState:
    profile: InstanceProfile
    active: bool = True
    cash: Decimal = VIRTUAL_BALANCE
    position: Decimal = Decimal(0)
    entry_price: Decimal | None = None
    total_trades: int = 0
    winning_trades: int = 0
    realized_pnl: Decimal = Decimal(0)
    peak_balance: Decimal = VIRTUAL_BALANCE
    max_drawdown: Decimal = Decimal(0)  # absolute: peak − balance, in quote units
    trade_profits: list[Decimal] = field(default_factory=list)  # one per closed trade
    last_updated_ms: int = 0
    last_price: Decimal = Decimal(0)

    def equity(self, price: Decimal) -> Decimal:
        return self.cash + self.position * price

    @property
    def balance(self) -> Decimal:
        """What the trader calls its balance: the virtual 10000 plus realized profit."""
        return VIRTUAL_BALANCE + self.realized_pnl

    def sharpe(self) -> Decimal:
        """The real trader's `sharpeRatio`: mean ÷ population standard deviation of per-trade
        profits, not annualised, 4 places; 0 before any trade or without deviation."""
        profits = self.trade_profits
        if not profits:
            return Decimal("0.0000")
        mean = sum(profits, Decimal(0)) / len(profits)
        deviation = (sum(((p - mean) ** 2 for p in profits), Decimal(0)) / len(profits)).sqrt()
        return (mean / deviation).quantize(Decimal("0.0001")) if deviation else Decimal("0.0000")

    def win_rate(self) -> Decimal:
        """A 0–1 fraction, as the real `winRate`."""
        if not self.total_trades:
            return Decimal(0)
        return (Decimal(self.winning_trades) / self.total_trades).quantize(Decimal("0.0001"))


@dataclass
class TradeEvent:
    instance_id: str
    side: str
    price: Decimal
    quantity: Decimal
    reason: str


@dataclass(frozen=True)
class Decision:
    """What one round decided for one instance, as the decision log records it."""

    signal: str
    allowed: bool
    reason: str
    blocked_reason: str | None = None
    event: TradeEvent | None = None


class FakeMacdTrader:
    """State and behaviour of the trader; the HTTP surface is in `fake_macd_api`."""

    def __init__(
        self,
        market: SimulatedMarket,
        db: FakeTradingDatabase | None = None,
        api_key: str = "btai_testnet_" + "0" * 32,
        control_endpoints: bool = False,
        test_order_mode: bool = False,
        monitoring_api_key: str | None = None,
    ) -> None:
        self.market = market
        self.db = db
        self.api_key = api_key
        self.control_endpoints = control_endpoints
        self.test_order_mode = test_order_mode
        self.monitoring_api_key = monitoring_api_key
        self.refreshes: list[tuple[str, str] | None] = []  # forced indicator refreshes
        self.instances = {p.instance_id: InstanceState(p) for p in PROFILES}
        self.signals = {"total": 0, "buy": 0, "sell": 0}
        self.last_points: dict[tuple[str, str], MacdPoint] = {}
        self._closed: dict[tuple[str, str, int], Candle] = {}

    def indicator_points(
        self, symbol: str, interval: str, fast: int, slow: int, signal: int, limit: int = 1
    ) -> list[MacdPoint]:
        """The last `limit` points over a fixed window of candles, so that every endpoint and the
        trading loop agree on the value of a given candle whatever `limit` they ask for."""
        candles = self._candles(symbol, interval, max(INDICATOR_WINDOW, slow + limit))
        return macd_points(candles, fast, slow, signal)[-limit:]

    def _candles(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The market's last `limit` klines; closed ones are remembered, since they never change
        (a shock moves prices from its own time on; call `forget_candles` after shocking the past).
        """
        span, now = INTERVAL_MS[interval], self.market.now_ms()
        last_open = now - now % span
        candles = []
        for open_time in range(last_open - span * (limit - 1), last_open + 1, span):
            key = (symbol.upper(), interval, open_time)
            candle = self._closed.get(key)
            if candle is None:
                candle = self.market.candle(symbol, interval, open_time)
                if candle.close_time < now:
                    self._closed[key] = candle
            candles.append(candle)
        return candles

    def forget_candles(self) -> None:
        self._closed.clear()

    async def step(self, forced: dict[str, str] | None = None) -> list[TradeEvent]:
        """One decision round for every active instance.

        With `forced`, this round's signals are exactly those given (instances not named hold,
        NEUTRAL), so a test's outcome never depends on where the wall clock puts the market;
        without it, each instance follows its own MACD crossings.
        """
        events: list[TradeEvent] = []
        for state in self.instances.values():
            if state.active:
                choice = (
                    None if forced is None else forced.get(state.profile.instance_id, "NEUTRAL")
                )
                event = await self._decide(state, choice)
                if event is not None:
                    events.append(event)
        return events

    async def _decide(self, state: InstanceState, forced: str | None) -> TradeEvent | None:
        p = state.profile
        now_ms = self.market.now_ms()
        points = self.indicator_points(p.symbol, p.timeframe, p.fast, p.slow, p.signal, limit=2)
        point = points[-1]
        self.last_points[(p.symbol, p.timeframe)] = point
        signal = forced.upper() if forced else _crossing(points)
        if signal != "NEUTRAL":
            self.signals["total"] += 1
            self.signals["buy" if signal == "BUY" else "sell"] += 1
        price = self.market.price(p.symbol, now_ms)
        decision = self._trade(state, signal, price)
        state.last_updated_ms, state.last_price = now_ms, price
        state.peak_balance = max(state.peak_balance, state.balance)
        state.max_drawdown = max(state.max_drawdown, state.peak_balance - state.balance)
        if self.db is not None:
            async with self.db.batch():
                await self._write(state, point, decision, price, now_ms)
        return decision.event

    def _trade(self, state: InstanceState, signal: str, price: Decimal) -> Decision:
        p = state.profile
        if state.position and state.entry_price is not None:
            change = (price - state.entry_price) * 100 / state.entry_price
            if change <= -p.stop_loss_pct:
                return self._close(state, signal, price, "Stop-loss triggered")
            if change >= p.take_profit_pct:
                return self._close(state, signal, price, "Take-profit triggered")
            if signal == "SELL":
                return self._close(state, signal, price, "MACD bearish crossover")
            if signal == "BUY":
                return Decision(signal, False, "Signal blocked", "Active position exists")
            return Decision(signal, False, "No trading signal")
        if signal == "BUY":
            if self.test_order_mode:
                return Decision(signal, True, f"Bullish crossover: {TEST_ORDER_NOTE}")
            state.position, state.entry_price = p.size, price
            state.cash -= (p.size * price).quantize(CENT, ROUND_HALF_UP)
            event = TradeEvent(p.instance_id, "BUY", price, p.size, "MACD bullish crossover")
            return Decision(signal, True, event.reason, event=event)
        if signal == "SELL":
            return Decision(signal, False, "Signal blocked", "No position to close")
        return Decision(signal, False, "No trading signal")

    def _close(self, state: InstanceState, signal: str, price: Decimal, reason: str) -> Decision:
        if self.test_order_mode:
            return Decision(
                signal, True, f"{reason}: test order placed (status ACTIVE, not FILLED)"
            )
        qty, entry = state.position, state.entry_price or price
        pnl = ((price - entry) * qty).quantize(CENT, ROUND_HALF_UP)
        state.cash += (qty * price).quantize(CENT, ROUND_HALF_UP)
        state.realized_pnl += pnl
        state.trade_profits.append(pnl)
        state.total_trades += 1
        state.winning_trades += 1 if pnl > 0 else 0
        state.position, state.entry_price = Decimal(0), None
        return Decision(signal, True, reason, event=TradeEvent(
            state.profile.instance_id, "SELL", price, qty, reason
        ))  # fmt: skip

    async def _write(
        self,
        state: InstanceState,
        point: MacdPoint,
        decision: Decision,
        price: Decimal,
        now_ms: int,
    ) -> None:
        """One decision row, one analysis event and one snapshot, as the Java writers do."""
        assert self.db is not None
        p, at, event = state.profile, ms_to_utc(now_ms), decision.event
        await self.db.insert_decision(
            instance_id=p.instance_id,
            strategy_name=p.strategy_name,
            symbol=p.symbol,
            decision_time=at,
            signal_detected=decision.signal,
            signal_strength=point.strength,
            macd_histogram=point.histogram,
            current_price=price,
            trade_allowed=decision.allowed,
            trade_executed=event is not None,
            has_active_position=bool(state.position) if event is None else event.side == "SELL",
            position_size_ok=True,
            daily_loss_limit_ok=True,
            risk_check_passed=decision.allowed,
            decision_reason=decision.reason,
            blocked_reason=decision.blocked_reason,
            order_id=str(secrets.randbelow(10**11) + 10**10) if event else None,
            executed_price=Decimal(0) if event else None,  # a MARKET order's response price
            executed_quantity=event.quantity if event else None,
        )
        await self.db.insert_analysis_event(
            instance_id=p.instance_id,
            strategy_name=p.strategy_name,
            symbol=p.symbol,
            interval=p.timeframe,
            analysis_time=at,
            kline_timestamp=point.open_time,
            kline_close_time=ms_to_utc(point.close_time),
            kline_count=INDICATOR_WINDOW,
            current_price=price,
            ema_fast=point.ema_fast,
            ema_slow=point.ema_slow,
            macd_line=point.macd,
            signal_line=point.signal,
            histogram=point.histogram,
            signal_detected=decision.signal,
            signal_strength=point.strength,
            signal_reason=decision.reason,
        )
        await self.db.insert_snapshot(
            p.instance_id,
            at,
            state.balance,
            symbol=p.symbol,
            position_size=state.position,
            current_market_price=price,
            total_trades=state.total_trades,
            winning_trades=state.winning_trades,
            total_realized_pnl=state.realized_pnl,
            strategy_name=p.strategy_name,
            max_drawdown=state.max_drawdown,
        )

    def instance_json(self, state: InstanceState) -> dict[str, Any]:
        p = state.profile
        return {
            "instanceId": p.instance_id,
            "strategyName": p.strategy_name,
            "symbol": p.symbol,
            "timeframe": p.timeframe,
            "totalTrades": state.total_trades,
            "winningTrades": state.winning_trades,
            "winRate": state.win_rate(),
            "totalProfit": state.realized_pnl,
            "maxDrawdown": state.max_drawdown,
            "sharpeRatio": state.sharpe(),
            "currentBalance": state.balance.quantize(CENT),
            "active": state.active,
            "lastUpdated": ms_to_utc(state.last_updated_ms or self.market.now_ms()),
        }

    def summary_json(self) -> dict[str, Any]:
        states = list(self.instances.values())
        best = max(states, key=lambda s: s.realized_pnl)
        return {
            "totalInstances": len(states),
            "activeInstances": sum(1 for s in states if s.active),
            "bestPerformer": best.profile.instance_id,
            "totalProfit": sum((s.realized_pnl for s in states), Decimal(0)),
            "generatedAt": ms_to_utc(self.market.now_ms()),
        }

    def ranking_json(self) -> dict[str, Any]:
        ranked = sorted(self.instances.values(), key=lambda s: s.realized_pnl, reverse=True)
        return {
            "rankings": [
                {
                    "strategyName": s.profile.strategy_name,
                    "averageProfit": s.realized_pnl,
                    "averageSharpeRatio": s.sharpe(),
                    "averageWinRate": s.win_rate(),
                    "consistency": Decimal("0.5"),
                }
                for s in ranked
            ]
        }

    def prometheus_text(self) -> str:
        open_positions = sum(1 for s in self.instances.values() if s.position)
        lines = [
            "# HELP binance_trader_active_positions Open positions",
            "# TYPE binance_trader_active_positions gauge",
            f"binance_trader_active_positions {open_positions}",
            "# HELP binance_trader_realized_pnl_quote_asset Realized P&L",
            "# TYPE binance_trader_realized_pnl_quote_asset gauge",
            "binance_trader_realized_pnl_quote_asset "
            f"{sum((s.realized_pnl for s in self.instances.values()), Decimal(0))}",
            "# HELP binance_trader_signals_total Signals seen",
            "# TYPE binance_trader_signals_total counter",
        ]
        lines += [
            f'binance_trader_signals_total{{direction="{d}"}} {n}.0'
            for d, n in self.signals.items()
        ]
        lines += [
            "# HELP binance_macd_histogram MACD histogram",
            "# TYPE binance_macd_histogram gauge",
        ]
        for (symbol, interval), point in sorted(self.last_points.items()):
            labels = f'symbol="{symbol}",interval="{interval}"'
            lines.append(f"binance_macd_histogram{{{labels}}} {point.histogram}")
        return "\n".join(lines) + "\n"


def _crossing(points: list[MacdPoint]) -> str:
    """BUY when the histogram turns positive, SELL when it turns negative."""
    if len(points) < 2:
        return "NEUTRAL"
    before, now = points[-2].histogram, points[-1].histogram
    if before <= 0 < now:
        return "BUY"
    if before >= 0 > now:
        return "SELL"
    return "NEUTRAL"

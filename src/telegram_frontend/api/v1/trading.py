"""`/api/v1`: strategies (list, get, start, stop), positions, trades, strategy orders, performance.

Performance (all strategies, or one under `/strategies/{id}/performance`) is the very row the
bot's card and /performance show; the MACD trader's own ranking rides along as
`backend_ranking`, described as the trader's figure it is.

Every endpoint is one `TradingService` call, the same the bot makes; start and stop are checked
for the trader role and audited there (with `via=api`). An API call needs no confirmation
token: the key itself is the deliberate act. A backend that cannot do a thing (the MACD trader
has no start/stop) answers 409 with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import Field, model_validator

from telegram_frontend.api.deps import TraderActor, ViewerActor
from telegram_frontend.api.v1.common import ApiModel, Money, UnavailableOut, v1_router
from telegram_frontend.api.v1.scoped import Trading
from telegram_frontend.clients.trading_db.reader import TradeCursor
from telegram_frontend.services.trading.performance import Period, Sharpe
from telegram_frontend.services.trading.records import Strategy

router = v1_router("trading", 409)

StrategyId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=120,
        description=(
            "`macd:<instance>` or `grid:<id>`; grid ids are the grid trader's UUIDs "
            "(a bare UUID or number means a grid)"
        ),
        examples=["macd:conservative-btc", "grid:0b6e2a4c-1f4d-4c39-9d3e-5a8f7c2b1e90"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items")]


class StrategyOut(ApiModel):
    """A MACD instance or a grid strategy; `can_start_stop` says whether start/stop works."""

    id: str
    kind: str
    backend_id: str
    name: str
    symbol: str | None = None
    timeframe: str | None = None
    active: bool | None = None
    risk_level: str | None = None
    balance: Money | None = Field(None, description="The trader's current balance, USDT")
    pnl: Money | None = Field(None, description="The trader's own whole-life profit, USDT")
    win_rate: Money | None = Field(
        None, description="The trader's own whole-life win rate, percent (0-100)"
    )
    drawdown: Money | None = Field(
        None, description="The trader's own whole-life max drawdown, absolute USDT"
    )
    drawdown_pct: Money | None = Field(
        None, description="`drawdown` in percent of the starting balance, where known"
    )
    can_start_stop: bool
    start_stop_note: str | None = None
    parameters: dict[str, str]
    risk_limits: dict[str, str]


class StrategiesOut(ApiModel):
    items: list[StrategyOut]
    unavailable: list[UnavailableOut]


class PositionOut(ApiModel):
    strategy_id: str
    instance_id: str | None = None
    symbol: str | None = None
    size: Money
    entry_price: Money | None = None
    market_price: Money | None = None
    value: Money | None = None
    unrealized_pnl: Money | None = None
    as_of: datetime | None = None


class TradeOut(ApiModel):
    """An executed trade from the trading system's decision log."""

    id: int | None = None
    strategy_id: str
    instance_id: str | None = None
    strategy_name: str | None = None
    symbol: str | None = None
    side: str | None = None
    price: Money | None = None
    quantity: Money | None = None
    at: datetime | None = None
    order_id: str | None = None
    reason: str | None = None


class TradesOut(ApiModel):
    items: list[TradeOut]
    next_after_id: int | None = None


class StrategyOrderOut(ApiModel):
    """An order the trading system placed (its own `orders` table)."""

    id: int | None = None
    symbol: str | None = None
    order_id: str | None = None
    client_order_id: str | None = None
    transact_time: datetime | None = None
    price: Money | None = None
    orig_qty: Money | None = None
    executed_qty: Money | None = None
    cummulative_quote_qty: Money | None = None
    status: str | None = None
    type: str | None = None
    side: str | None = None


class BackendRankingOut(ApiModel):
    """The MACD trader's OWN ranking entry (`/api/testnet/strategies/ranking`), per strategy
    name and over the trader's whole life. Not this API's figures: see `trades` and `sharpe`."""

    strategy_name: str | None = None
    average_profit: Money | None = Field(
        None, description="Mean of the instances' `totalProfit` (USDT); it does not move today"
    )
    average_sharpe_ratio: Money | None = Field(
        None,
        description=(
            "The trader's own figure, averaged over its instances of this strategy name: mean "
            "÷ standard deviation of per-trade profits, not annualised and not time-based. The "
            "trader never sets a trade's profit today, so it stays 0. Not comparable with "
            "`sharpe`."
        ),
    )
    average_win_rate: Money | None = Field(
        None, description="Mean of the instances' `winRate`, a 0-1 fraction"
    )
    consistency: Money | None = Field(
        None, description="Share (0-1) of the instances with a positive `totalProfit`"
    )


class SharpeOut(ApiModel):
    """The period's annualised Sharpe ratio (risk-free rate 0), the same on every screen."""

    value: Money | None = Field(description="None when `missing` says why")
    basis: Literal["daily", "hourly"] | None = Field(
        description="The fixed-period returns of the equity it was computed from"
    )
    periods_per_year: int | None = Field(
        description="The annualisation: value = mean / stdev × √periods_per_year"
    )
    returns: int = Field(description="How many returns it rests on")
    missing: Literal["not_enough_data", "no_volatility"] | None = Field(
        description="Why there is no value: too few returns, or an equity that never moved"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_sharpe(cls, data: Any) -> Any:
        if not isinstance(data, Sharpe):
            return data
        return {
            "value": data.value,
            "basis": data.basis.name if data.basis else None,
            "periods_per_year": data.periods_per_year,
            "returns": data.returns,
            "missing": data.gap.value if data.gap else None,
        }


class PerformanceOut(ApiModel):
    """One strategy over a period: the figures the card and /performance show."""

    strategy_id: str
    instance_id: str
    name: str | None = None
    period: str
    trades: int | None = Field(
        None, description="Executed trades (fills) in the period, from the decision log"
    )
    win_rate: Money | None = Field(None, description="Percent of the period's closed trades won")
    pnl: Money | None = Field(None, description="Change of the total balance, USDT")
    realized_pnl: Money | None = None
    return_pct: Money | None = None
    max_drawdown_pct: Money | None = None
    sharpe: SharpeOut
    start_equity: Money | None = None
    end_equity: Money | None = None
    backend_ranking: BackendRankingOut | None = None


class PerformancesOut(ApiModel):
    period: str
    items: list[PerformanceOut]
    unavailable: list[UnavailableOut]


def _strategy(strategy: Strategy) -> StrategyOut:
    return StrategyOut.view(strategy)


@router.get("/strategies", summary="All strategies of every trader", response_model=StrategiesOut)
async def list_strategies(actor: ViewerActor, trading: Trading) -> StrategiesOut:
    result = await trading.list_strategies(actor)
    return StrategiesOut(
        items=[_strategy(s) for s in result.items],
        unavailable=[UnavailableOut.of(n) for n in result.unavailable],
    )


@router.get("/strategies/{strategy_id}", summary="One strategy", response_model=StrategyOut)
async def get_strategy(
    strategy_id: StrategyId, actor: ViewerActor, trading: Trading
) -> StrategyOut:
    return _strategy(await trading.get_strategy(actor, strategy_id))


@router.get(
    "/strategies/{strategy_id}/performance",
    summary="One strategy's performance over a period (as its card shows it)",
    response_model=PerformanceOut,
)
async def strategy_performance(
    strategy_id: StrategyId,
    actor: ViewerActor,
    trading: Trading,
    period: Annotated[Period, Query(description="24h, 7d, 30d or all")] = Period.WEEK,
) -> PerformanceOut:
    return PerformanceOut.view(await trading.strategy_performance(actor, strategy_id, period))


@router.post(
    "/strategies/{strategy_id}/start",
    summary="Start a strategy (audited)",
    response_model=StrategyOut,
)
async def start_strategy(
    strategy_id: StrategyId, actor: TraderActor, trading: Trading
) -> StrategyOut:
    return _strategy(await trading.start_strategy(actor, strategy_id))


@router.post(
    "/strategies/{strategy_id}/stop",
    summary="Stop a strategy (audited)",
    response_model=StrategyOut,
)
async def stop_strategy(
    strategy_id: StrategyId, actor: TraderActor, trading: Trading
) -> StrategyOut:
    return _strategy(await trading.stop_strategy(actor, strategy_id))


@router.get(
    "/positions", summary="Open positions of the strategies", response_model=list[PositionOut]
)
async def positions(actor: ViewerActor, trading: Trading) -> list[PositionOut]:
    return [PositionOut.view(p) for p in await trading.positions(actor)]


@router.get(
    "/trades",
    summary="Executed trades, oldest first, after a cursor",
    response_model=TradesOut,
)
async def trades(
    actor: ViewerActor,
    trading: Trading,
    after_id: Annotated[
        int | None,
        Query(ge=0, le=2**31 - 1, description="Continue after this trade id (`next_after_id`)"),
    ] = None,
    limit: Limit = 50,
) -> TradesOut:
    cursor = TradeCursor(id=after_id) if after_id is not None else None
    page = await trading.executed_trades(actor, cursor, limit)
    return TradesOut(items=[TradeOut.view(t) for t in page.trades], next_after_id=page.cursor.id)


@router.get(
    "/strategy-orders",
    summary="Orders the trading system placed",
    response_model=list[StrategyOrderOut],
)
async def strategy_orders(
    actor: ViewerActor,
    trading: Trading,
    open_only: Annotated[bool, Query(description="Only orders still open")] = True,
    symbol: Annotated[str | None, Query(min_length=1, max_length=20)] = None,
    limit: Limit = 50,
) -> list[StrategyOrderOut]:
    rows = await trading.orders(actor, open_only=open_only, symbol=symbol, limit=limit)
    return [StrategyOrderOut.view(r) for r in rows]


@router.get(
    "/performance",
    summary="Per-strategy performance over a period",
    response_model=PerformancesOut,
)
async def performance(
    actor: ViewerActor,
    trading: Trading,
    period: Annotated[Period, Query(description="24h, 7d, 30d or all")] = Period.WEEK,
) -> PerformancesOut:
    result = await trading.performance(actor, period)
    return PerformancesOut(
        period=period.value,
        items=[PerformanceOut.view(p) for p in result.items],
        unavailable=[UnavailableOut.of(n) for n in result.unavailable],
    )

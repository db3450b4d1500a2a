"""One strategy's figures for one period, from its snapshots and its executed trades.

The card, /performance (and its ranking), the digests and the API all get a strategy's P&L,
trade count and Sharpe ratio from `period_figures`, so the same strategy reads the same
everywhere: trades are the executed rows of the decision log in the period, Sharpe is
`performance.sharpe` of the period's equity curve.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram_frontend.clients.trading_db.reader import PortfolioSnapshot
from telegram_frontend.services.trading.performance import (
    EquityPoint,
    Period,
    max_drawdown_pct,
    percent,
    sharpe,
)
from telegram_frontend.services.trading.records import (
    StrategyKind,
    StrategyPerformance,
    strategy_key,
    win_rate_pct,
)


def equity_points(rows: Sequence[PortfolioSnapshot]) -> list[EquityPoint]:
    """The equity curve: each snapshot's total balance at its time."""
    return [
        EquityPoint(r.snapshot_time, r.total_balance)
        for r in rows
        if r.snapshot_time is not None and r.total_balance is not None
    ]


def period_figures(
    instance_id: str,
    name: str | None,
    period: Period,
    baseline: PortfolioSnapshot | None,
    series: Sequence[PortfolioSnapshot],
    trades: int,
) -> StrategyPerformance:
    """Figures between the last snapshot before the period and the last one in it.

    Without an earlier snapshot the instance started inside the period: its counts and realized
    P&L start from zero and its equity from its first snapshot. `trades` is the number of
    executed trades in the period (`TradingDatabase.executed_counts`).
    """
    if baseline is not None:  # the baseline may also be the first row of the period
        series = [s for s in series if s.id is None or s.id != baseline.id]
    points = equity_points(([baseline] if baseline else []) + list(series))
    key = strategy_key(StrategyKind.MACD, instance_id)
    if not points:
        return StrategyPerformance(key, instance_id, name, period, trades=trades)
    last = series[-1] if series else baseline
    assert last is not None
    start_equity, end_equity = points[0].equity, points[-1].equity
    pnl = end_equity - start_equity
    base_total = (baseline.total_trades or 0) if baseline else 0
    base_wins = (baseline.winning_trades or 0) if baseline else 0
    closed = (last.total_trades or 0) - base_total
    wins = (last.winning_trades or 0) - base_wins
    realized = None
    if last.total_realized_pnl is not None:
        base_realized = baseline.total_realized_pnl if baseline else None
        realized = last.total_realized_pnl - (base_realized or 0)
    return StrategyPerformance(
        strategy_id=key,
        instance_id=instance_id,
        name=name,
        period=period,
        trades=trades,
        win_rate=win_rate_pct(wins, closed, None) if closed > 0 else None,
        winning_trades=wins,
        symbol=last.symbol,
        pnl=pnl,
        realized_pnl=realized,
        return_pct=percent(pnl, start_equity),
        max_drawdown_pct=max_drawdown_pct([p.equity for p in points]),
        sharpe=sharpe(points),
        start_equity=start_equity,
        end_equity=end_equity,
    )

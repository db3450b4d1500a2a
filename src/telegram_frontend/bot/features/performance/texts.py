"""The text of /performance: every strategy's figures for a period, ranked; the chart caption."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from telegram_frontend.bot.ui.notes import notes_block
from telegram_frontend.bot.ui.performance_figures import sharpe_cell, sharpe_legend
from telegram_frontend.core.availability import Unavailable
from telegram_frontend.core.formatters import (
    Block,
    b,
    esc,
    i,
    pct,
    pre_block,
    signed,
    table,
    text_block,
    truncate,
)
from telegram_frontend.core.i18n import _, __
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.records import StrategyPerformance

PERIOD_TITLES = {
    Period.DAY: __("last 24 hours"),
    Period.WEEK: __("last 7 days"),
    Period.MONTH: __("last 30 days"),
    Period.ALL: __("all time"),
}
PERIOD_LABELS = {
    Period.DAY: "24h",
    Period.WEEK: "7d",
    Period.MONTH: "30d",
    Period.ALL: __("All"),
}
NAME_WIDTH = 18


def _name(row: StrategyPerformance) -> str:
    return truncate(row.name or row.instance_id, NAME_WIDTH)


def ranked(rows: Sequence[StrategyPerformance]) -> list[StrategyPerformance]:
    """Best P&L first; strategies without figures last, by name."""
    return sorted(
        rows,
        key=lambda r: (r.pnl is None, -(r.pnl or Decimal(0)), r.name or r.instance_id),
    )


def performance_blocks(rows: Sequence[StrategyPerformance], period: Period) -> list[Block]:
    title = "🏆 " + b(_("Performance, {period}").format(period=str(PERIOD_TITLES[period])))
    if not rows:
        return [text_block(title), text_block(esc(_("No strategy has figures yet.")))]
    ordered = ranked(rows)
    body = [
        [
            str(n),
            _name(r),
            "—" if r.trades is None else str(r.trades),
            pct(r.win_rate),
            signed(r.pnl),
            pct(r.max_drawdown_pct),
            sharpe_cell(r.sharpe),
        ]
        for n, r in enumerate(ordered, start=1)
    ]
    pnls = [r.pnl for r in rows if r.pnl is not None]
    trades = [r.trades for r in rows if r.trades is not None]
    total = [
        "",
        _("Total"),
        str(sum(trades)) if trades else "—",
        "",
        signed(sum(pnls, Decimal(0))) if pnls else "—",
        "",
        "",
    ]
    header = ["#", _("Strategy"), _("Trades"), _("Win"), _("P&L"), _("DD"), _("Sharpe")]
    blocks = [text_block(title), pre_block(table([*body, total], header))]
    legend = (
        _("Win = win rate, DD = max drawdown, P&L in USDT over the period.")
        + " "
        + _("Trades = executed trades in the period.")
        + " "
        + sharpe_legend()
    )
    blocks.append(text_block(i(legend)))
    backend = sorted(
        (r.backend_ranking for r in rows if r.backend_ranking and r.backend_ranking.strategy_name),
        key=lambda rk: -(rk.average_profit or Decimal(0)),
    )
    if backend:
        names = ", ".join(
            f"{n}. {rk.strategy_name} ({signed(rk.average_profit)})"
            for n, rk in enumerate(backend, start=1)
        )
        blocks.append(
            text_block(esc(_("Backend ranking by average profit: {list}").format(list=names)))
        )
    return blocks


def chart_caption(rows: Sequence[StrategyPerformance], period: Period) -> str:
    """A caption ≤ 1024 characters: the period and the best strategy."""
    title = _("Strategies compared, {period}").format(period=str(PERIOD_TITLES[period]))
    best = next((r for r in ranked(rows) if r.pnl is not None), None)
    if best is not None:
        title += "\n" + _("Best: {name} {pnl}").format(
            name=best.name or best.instance_id, pnl=signed(best.pnl, 2, "USDT")
        )
    return esc(truncate(title, 1000))


def screen_blocks(
    rows: Sequence[StrategyPerformance], period: Period, notes: Sequence[Unavailable]
) -> list[Block]:
    """The ranking, then what could not be asked."""
    return performance_blocks(rows, period) + notes_block(notes)


def unknown_period_text(given: str) -> str:
    return esc(
        _("Unknown period “{period}”. Use one of: {choices}.").format(
            period=given.strip()[:20], choices=", ".join(p.value for p in Period)
        )
    )

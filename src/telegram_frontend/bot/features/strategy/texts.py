"""The text of /strategy (list and card) and /performance, as escaped HTML blocks."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from telegram_frontend.clients.trading_db.reader import AnalysisEvent
from telegram_frontend.core.formatters import (
    Block,
    b,
    code,
    esc,
    i,
    money,
    pct,
    pre_block,
    signed,
    table,
    text_block,
    truncate,
    when,
)
from telegram_frontend.core.i18n import _, __
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.records import Strategy, StrategyPerformance

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


def state_icon(strategy: Strategy) -> str:
    return "🟢" if strategy.active else ("⏸" if strategy.active is False else "⚪")


def state_word(strategy: Strategy) -> str:
    if strategy.active is None:
        return _("state unknown")
    return _("active") if strategy.active else _("stopped")


def button_label(strategy: Strategy) -> str:
    return truncate(f"{state_icon(strategy)} {strategy.name}", 60)


def _market(strategy: Strategy) -> str:
    return " ".join(x for x in (strategy.symbol, strategy.timeframe) if x)


def list_line(strategy: Strategy) -> str:
    """`🟢 MACD Conservative BTC — BTCUSDT 4h, active, P&L +12.00`."""
    details = [x for x in (_market(strategy), state_word(strategy)) if x]
    if strategy.pnl is not None:
        details.append(_("P&L {pnl}").format(pnl=signed(strategy.pnl)))
    return f"{state_icon(strategy)} {b(strategy.name)} — {esc(', '.join(details))}"


def list_header(total: int, page: int, pages: int) -> str:
    text = b(_("Strategies")) + f" ({total})"
    if pages > 1:
        text += " — " + esc(_("page {page} of {pages}").format(page=page + 1, pages=pages))
    return text + "\n" + esc(_("Tap a strategy to open its card."))


def _pairs(values: dict[str, str]) -> str:
    return ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in values.items())


def card_blocks(
    strategy: Strategy, last_signal: AnalysisEvent | None, tz: str, show_controls_note: bool
) -> list[Block]:
    head = [
        f"{state_icon(strategy)} {b(strategy.name)}",
        " · ".join(
            [code(strategy.id), *(esc(x) for x in (_market(strategy), state_word(strategy)) if x)]
        ),
    ]
    lines = []
    if strategy.risk_level:
        lines.append(esc(_("Risk level: {level}").format(level=strategy.risk_level)))
    if strategy.parameters:
        lines.append(esc(_("Parameters: {list}").format(list=_pairs(strategy.parameters))))
    if strategy.risk_limits:
        lines.append(esc(_("Risk limits: {list}").format(list=_pairs(strategy.risk_limits))))
    figures = [
        (_("Balance: {value}"), money(strategy.balance, 2, "USDT"), strategy.balance),
        (_("P&L: {value}"), signed(strategy.pnl, 2, "USDT"), strategy.pnl),
        (_("Trades: {value}"), str(strategy.total_trades), strategy.total_trades),
        (_("Win rate: {value}"), pct(strategy.win_rate), strategy.win_rate),
        (_("Max drawdown: {value}"), _drawdown(strategy), strategy.drawdown),
        (_("Sharpe ratio: {value}"), money(strategy.sharpe), strategy.sharpe),
    ]
    lines += [esc(label.format(value=shown)) for label, shown, raw in figures if raw is not None]
    if last_signal is not None:
        lines.append(
            esc(
                _("Last signal: {signal} at {moment}").format(
                    signal=last_signal.signal_detected or "—",
                    moment=when(last_signal.analysis_time, tz),
                )
            )
        )
        if last_signal.signal_reason:
            lines.append(i(truncate(last_signal.signal_reason, 300)))
    blocks = [text_block("\n".join(head)), text_block("\n".join(lines))]
    if show_controls_note and not strategy.can_start_stop and strategy.start_stop_note:
        blocks.append(text_block("ℹ️ " + esc(strategy.start_stop_note)))
    return blocks


def confirm_text(strategy: Strategy, start: bool, ttl_seconds: float) -> str:
    question = (
        _("Start the strategy {name} ({id})?") if start else _("Stop the strategy {name} ({id})?")
    )
    return (
        "⚠️ "
        + question.format(name=b(strategy.name), id=code(strategy.id))
        + "\n"
        + esc(_("This confirmation expires in {seconds} s.").format(seconds=int(ttl_seconds)))
    )


def switched_text(strategy: Strategy, start: bool) -> str:
    text = _("Started {name}.") if start else _("Stopped {name}.")
    state = _("It is now {state}.").format(state=state_word(strategy))
    return "✅ " + text.format(name=b(strategy.name)) + " " + esc(state)


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
            money(r.sharpe),
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
    legend = _("Win = win rate, DD = max drawdown, P&L in USDT over the period.")
    blocks.append(text_block(i(legend)))
    backend = sorted(
        (r.ranking for r in rows if r.ranking is not None and r.ranking.strategy_name),
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


def _drawdown(strategy: Strategy) -> str:
    """The trader's maxDrawdown is absolute: USDT, with the percent of the start when known."""
    shown = money(strategy.drawdown, 2, "USDT")
    return f"{shown} ({pct(strategy.drawdown_pct)})" if strategy.drawdown_pct is not None else shown

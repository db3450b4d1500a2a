"""The text of /strategy (the list, a card, the start/stop confirmation), as escaped HTML."""

from __future__ import annotations

from collections.abc import Sequence

from telegram_frontend.bot.ui.notes import notes_block
from telegram_frontend.bot.ui.performance_figures import sharpe_line
from telegram_frontend.clients.trading_db.reader import AnalysisEvent
from telegram_frontend.core.availability import Unavailable
from telegram_frontend.core.formatters import (
    Block,
    b,
    code,
    esc,
    i,
    money,
    pct,
    price_text,
    qty,
    signed,
    text_block,
    truncate,
    when,
)
from telegram_frontend.core.i18n import _, __
from telegram_frontend.services.trading.records import (
    Strategy,
    StrategyKind,
    StrategyPerformance,
)
from telegram_frontend.services.trading.signal_reasons import signal_reason_text


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


PARAMETER_LABELS = {
    "fast_period": __("fast period"),
    "slow_period": __("slow period"),
    "signal_period": __("signal period"),
    "position_size": __("position size"),
    "max_daily_loss_pct": __("max daily loss pct"),
    "stop_loss_pct": __("stop loss pct"),
    "take_profit_pct": __("take profit pct"),
    "lower": __("lower bound"),
    "upper": __("upper bound"),
    "levels": __("levels"),
    "base_order_size": __("base order size"),
    "daily_loss_limit_pct": __("daily loss limit pct"),
    "max_position_size_quote": __("max position size quote"),
}


PRICES = frozenset({"lower", "upper"})
QUANTITIES = frozenset({"position_size", "base_order_size"})
AMOUNTS = frozenset({"max_position_size_quote"})


def _value(key: str, value: str) -> str:
    """A parameter formatted as what it is: a price, a quantity, a USDT amount, or as given."""
    if key in PRICES:
        return price_text(value)
    if key in QUANTITIES:
        return qty(value)
    if key in AMOUNTS:
        return money(value, 2, "USDT")
    return value


def _pairs(values: dict[str, str]) -> str:
    """Parameters in the reader's language; a name we do not know is shown as the backend's."""
    return ", ".join(
        f"{PARAMETER_LABELS.get(key, key.replace('_', ' '))} {_value(key, value)}"
        for key, value in values.items()
    )


def _controls_note(strategy: Strategy) -> str:
    if strategy.kind is StrategyKind.MACD:
        return _(
            "The MACD trader cannot start or stop a strategy instance: this backend version "
            "has no such endpoint; change `active` in its configuration and restart it."
        )
    return strategy.start_stop_note or _("This strategy cannot be started or stopped here.")


def _period_lines(week: StrategyPerformance | str | None) -> list[str]:
    """The last 7 days exactly as /performance shows them (the same computation); a sentence
    when the trading database could not be read; nothing for a grid (it writes no history)."""
    if week is None:
        return []
    title = b(_("Last 7 days, as on /performance:"))
    if isinstance(week, str):
        return [title, esc(_("unknown: {reason}").format(reason=week))]
    figures = [
        _("Trades: {value}").format(value=week.trades or 0),
        _("Win rate: {value}").format(value=pct(week.win_rate)),
        _("P&L: {value}").format(value=signed(week.pnl, 2, "USDT")),
        sharpe_line(week.sharpe),
    ]
    return [title, *(esc(line) for line in figures)]


def card_blocks(
    strategy: Strategy,
    last_signal: AnalysisEvent | None,
    tz: str,
    show_controls_note: bool,
    figures_of_week: StrategyPerformance | str | None = None,
) -> list[Block]:
    """The card; `figures_of_week` is the strategy's row of `/performance 7d` (or why not)."""
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
        (_("Max drawdown: {value}"), _drawdown(strategy), strategy.drawdown),
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
            lines.append(i(truncate(signal_reason_text(last_signal.signal_reason), 300)))
    blocks = [text_block("\n".join(head)), text_block("\n".join(lines))]
    if period := _period_lines(figures_of_week):
        blocks.append(text_block("\n".join(period)))
    if show_controls_note and not strategy.can_start_stop and strategy.start_stop_note:
        blocks.append(text_block("ℹ️ " + esc(_controls_note(strategy))))
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


def list_blocks(
    strategies: Sequence[Strategy],
    shown: Sequence[Strategy],
    notes: Sequence[Unavailable],
    page: int,
    pages: int,
) -> list[Block]:
    """One page of the list: the header, a line per strategy shown, what could not be asked."""
    blocks: list[Block] = [text_block(list_header(len(strategies), page, pages))]
    if not strategies and not notes:
        blocks.append(text_block(esc(_("No strategies are configured."))))
    blocks += [text_block(list_line(s)) for s in shown]
    return blocks + notes_block(notes)


def equity_title(strategy_id: str) -> str:
    return _("Equity of {id}, last 7 days").format(id=strategy_id)


def equity_caption(strategy_id: str) -> str:
    return esc(equity_title(strategy_id))[:1024]


def cannot_switch_text(strategy: Strategy) -> str:
    return "ℹ️ " + esc(_controls_note(strategy))


def already_text(reason: str) -> str:
    """A repeated start or stop: nothing changed, and nothing is wrong."""
    return "ℹ️ " + esc(reason)


def _drawdown(strategy: Strategy) -> str:
    """The trader's maxDrawdown is absolute: USDT, with the percent of the start when known."""
    shown = money(strategy.drawdown, 2, "USDT")
    return f"{shown} ({pct(strategy.drawdown_pct)})" if strategy.drawdown_pct is not None else shown

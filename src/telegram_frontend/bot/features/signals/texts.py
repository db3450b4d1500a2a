"""The words of /signals: the diagnosis line and one line per decision (escaped HTML)."""

from __future__ import annotations

from telegram_frontend.core.formatters import Block, b, code, esc, price_text, text_block, when
from telegram_frontend.core.i18n import _
from telegram_frontend.services.trading.signals import Decision, Diagnosis, SignalsReport

MAX_REASONS = 3


def diagnosis_line(d: Diagnosis) -> str:
    """E.g. "Last 24 h: 37 signals, 0 executed: 35 blocked 'Active position exists', 2 allowed
    but not filled — test-order mode?" (plain text)."""
    if d.decisions == 0:
        return _("Last {hours} h: no decisions logged — is the strategy running?").format(
            hours=d.hours
        )
    if d.signals == 0:
        return _("Last {hours} h: {decisions} decisions, no BUY or SELL signal.").format(
            hours=d.hours, decisions=d.decisions
        )
    head = _("Last {hours} h: {signals} signals, {executed} executed").format(
        hours=d.hours, signals=d.signals, executed=d.executed
    )
    parts = [
        _("{count} blocked '{reason}'").format(count=n, reason=reason)
        for reason, n in d.blocked[:MAX_REASONS]
    ]
    rest = sum(n for _reason, n in d.blocked[MAX_REASONS:])
    if rest:
        parts.append(_("{count} blocked for other reasons").format(count=rest))
    if d.allowed_not_executed:
        parts.append(_("{count} allowed but not filled").format(count=d.allowed_not_executed))
    line = head + (": " + ", ".join(parts) if parts else "")
    if d.test_order_mode_suspected:
        line += " — " + _("test-order mode?")
    return line


def outcome(d: Decision) -> str:
    if d.executed:
        return "✅ " + _("executed")
    if d.allowed:
        return "⏳ " + _("allowed, not filled")
    return "🚫 " + _("blocked: {reason}").format(reason=d.blocked_reason or d.reason or "—")


def decision_line(d: Decision, tz: str) -> str:
    seen = " ".join(x for x in (d.signal or "?", d.strength) if x)
    price = price_text(d.price)
    return " · ".join(
        [
            b(seen),
            esc(f"{d.symbol or '?'} {price}"),
            esc(when(d.at, tz)),
            esc(outcome(d)),
        ]
    )


def report_blocks(report: SignalsReport, tz: str) -> list[Block]:
    if report.strategy_id:
        title = _("Signals of {strategy}").format(strategy=report.strategy_id)
    else:
        title = _("Signals of every strategy")
    blocks = [
        text_block("🧭 " + b(title)),
        text_block(esc(diagnosis_line(report.diagnosis))),
    ]
    if not report.decisions:
        blocks.append(text_block(esc(_("No BUY or SELL decision in this window."))))
        return blocks
    blocks.append(text_block(esc(_("Recent decisions, newest first:"))))
    for d in report.decisions:
        who = "" if report.strategy_id else code(d.instance_id or "?") + " "
        blocks.append(text_block(who + decision_line(d, tz)))
    return blocks


def refresh_question(strategy_id: str | None) -> str:
    if strategy_id is None:
        text = _("Force the MACD trader to recompute every monitored indicator now?")
    else:
        text = _("Force the MACD trader to recompute the indicator of {strategy} now?").format(
            strategy=strategy_id
        )
    return "⚠️ " + esc(text)


def refreshed_text(target: str) -> str:
    shown = _("every monitored pair") if target == "all" else target
    return "✅ " + esc(_("Indicators refreshed: {target}.").format(target=shown))

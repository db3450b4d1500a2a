"""The words of every notification, rendered per reader (language and time zone).

Each function returns a `Notice` whose `render` builds escaped HTML through the formatters, so
names from the backends (strategy ids, reasons) can never break Telegram's HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from telegram_frontend.clients.trading_db.rows import DecisionLog
from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import b, code, esc, money, pct, price_text, qty, when
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.services.notifications.types import (
    SEVERITY_ICON,
    Audience,
    Notice,
    NoticeType,
    Severity,
)
from telegram_frontend.services.trading.signal_reasons import signal_reason_text


def localized(build: Callable[[Audience], str]) -> Callable[[Audience], str]:
    """A renderer that builds the text in the reader's language."""

    def render(audience: Audience) -> str:
        with use_locale(audience.language):
            return build(audience)

    return render


def trade_key(trade: DecisionLog) -> str:
    if trade.id is not None:
        return f"trade:{trade.id}"
    moment = trade.decision_time.isoformat() if trade.decision_time else "?"
    return f"trade:{trade.instance_id}:{moment}:{trade.order_id}"


def trade_notice(trade: DecisionLog) -> Notice:
    """An executed trade; a later trade of the same order replies to this one."""
    side = (trade.signal_detected or "").upper() or "TRADE"
    price = trade.price  # never the MARKET order's 0
    amount = trade.executed_quantity
    value = price * amount if price is not None and amount is not None else None

    def build(audience: Audience) -> str:
        icon = {"BUY": "🟢", "SELL": "🔴"}.get(side, "🔵")
        lines = [
            f"{icon} {b(_('Trade executed'))}: {b(side)} {b(trade.symbol or '?')}",
            _("{quantity} at {price} ({value} USDT)").format(
                quantity=esc(qty(amount)), price=esc(price_text(price)), value=esc(money(value))
            ),
            _("Strategy: {name}").format(name=_strategy(trade.strategy_name, trade.instance_id)),
        ]
        if trade.decision_reason:
            lines.append(
                _("Reason: {reason}").format(
                    reason=esc(signal_reason_text(trade.decision_reason)[:200])
                )
            )
        if trade.order_id:
            lines.append(_("Order: {order}").format(order=code(trade.order_id)))
        lines.append(esc(when(trade.decision_time, audience.timezone)))
        return "\n".join(lines)

    thread = f"order:{trade.order_id}" if trade.order_id else None
    return Notice(
        type=NoticeType.TRADES, key=trade_key(trade), render=localized(build), thread_key=thread
    )


def _strategy(name: str | None, instance_id: str | None) -> str:
    if name and instance_id and name != instance_id:
        return f"{b(name)} ({code(instance_id)})"
    return b(name or instance_id or "?")


def risk_notice(
    *,
    key: str,
    instance_id: str,
    name: str | None,
    metric: str,
    value: Decimal,
    limit: Decimal,
    breached: bool,
    at: datetime | None,
) -> Notice:
    """A drawdown or daily-loss limit crossed (critical), or back within it (info)."""

    def build(audience: Audience) -> str:
        label = _("Drawdown") if metric == "drawdown" else _("Daily loss")
        if breached:
            head = "🚨 " + b(_("Risk limit breached"))
            body = _("{metric} of {strategy} is {value}, beyond the limit of {limit}.")
        else:
            head = "✅ " + b(_("Back within the risk limit"))
            body = _("{metric} of {strategy} is {value} again, within the limit of {limit}.")
        text = body.format(
            metric=esc(label),
            strategy=_strategy(name, instance_id),
            value=b(pct(value)),
            limit=esc(pct(limit)),
        )
        return f"{head}\n{text}\n{esc(when(at, audience.timezone))}"

    return Notice(
        type=NoticeType.RISK,
        key=key,
        render=localized(build),
        severity=Severity.CRITICAL if breached else Severity.INFO,
        thread_key=f"risk:{instance_id}:{metric}",
    )


def service_notice(key: str, service_key: str, name: str, down: bool, reason: str | None) -> Notice:
    def build(_audience: Audience) -> str:
        if down:
            text = "🔴 " + _("{service} is DOWN.").format(service=b(name))
            if reason:
                text += "\n" + esc(reason[:300])
            return text
        return "🟢 " + _("{service} is back UP.").format(service=b(name))

    return Notice(
        type=NoticeType.SYSTEM,
        key=key,
        render=localized(build),
        severity=Severity.CRITICAL if down else Severity.INFO,
        thread_key=f"service:{service_key}",
    )


def heartbeat_notice(key: str, stopped: bool, last_activity: datetime | None) -> Notice:
    """The dead-man's switch: the trading system went quiet, or came back."""

    def build(audience: Audience) -> str:
        seen = esc(when(last_activity, audience.timezone))
        if stopped:
            return (
                "🛑 "
                + b(_("The trading system looks stopped"))
                + "\n"
                + _("No new portfolio snapshot or kline since {moment}.").format(moment=seen)
            )
        return (
            "✅ "
            + b(_("The trading system is back"))
            + "\n"
            + _("New data arrived at {moment}.").format(moment=seen)
        )

    return Notice(
        type=NoticeType.SYSTEM,
        key=key,
        render=localized(build),
        severity=Severity.CRITICAL if stopped else Severity.INFO,
        thread_key="heartbeat",
    )


def test_notice(user_id: int, key: str) -> Notice:
    def build(audience: Audience) -> str:
        return (
            "🔔 "
            + _("This is a test notification. Delivery works.")
            + "\n"
            + esc(when(datetime.now().astimezone(), audience.timezone))
        )

    return Notice(
        type=NoticeType.SYSTEM,
        key=key,
        render=localized(build),
        user_ids=frozenset({user_id}),
        force=True,
    )


def external_notice(
    *,
    key: str,
    kind: NoticeType,
    severity: Severity,
    title: str,
    text: str,
    thread_key: str | None,
) -> Notice:
    """An event posted to the API by a backend or a script: its words, escaped, verbatim."""

    def build(_audience: Audience) -> str:
        icon = SEVERITY_ICON[severity]
        if not title:
            return f"{icon} {esc(text)}"
        return f"{icon} {b(title)}\n{esc(text)}" if text else f"{icon} {b(title)}"

    return Notice(
        type=kind,
        key=key,
        render=localized(build),
        severity=severity,
        thread_key=thread_key,
    )


def totp_locked_notice(user_id: int, name: str, minutes: int, at: datetime) -> Notice:
    """Admins learn that someone's second factor was locked after repeated wrong codes."""

    def build(_audience: Audience) -> str:
        return "🔒 " + _(
            "Two-factor of {name} (id {id}) is locked for {minutes} min after repeated wrong codes."
        ).format(name=b(name or str(user_id)), id=code(str(user_id)), minutes=minutes)

    return Notice(
        type=NoticeType.SYSTEM,
        key=f"totp-locked:{user_id}:{int(at.timestamp())}",
        render=localized(build),
        severity=Severity.WARNING,
        min_role=Role.ADMIN,
        to_routes=False,
        force=True,
    )

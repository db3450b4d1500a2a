"""How an alert rule reads, in lists and when it fires (per reader's language)."""

from __future__ import annotations

from decimal import Decimal

from telegram_frontend.core.formatters import b, esc, pct, price_text, signed
from telegram_frontend.core.i18n import _
from telegram_frontend.models import AlertRule
from telegram_frontend.services.monitoring.service import SERVICES
from telegram_frontend.services.notifications.alert_rules import ANY, RuleKind
from telegram_frontend.services.notifications.texts import localized
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType, Severity

NOTICE_TYPE = {
    RuleKind.PRICE_ABOVE: NoticeType.PERFORMANCE,
    RuleKind.PRICE_BELOW: NoticeType.PERFORMANCE,
    RuleKind.DRAWDOWN_ABOVE: NoticeType.RISK,
    RuleKind.DAILY_PNL_BELOW: NoticeType.RISK,
    RuleKind.SERVICE_DOWN: NoticeType.SYSTEM,
}


def kind_label(kind: RuleKind) -> str:
    """The kind's name for buttons (translated)."""
    return {
        RuleKind.PRICE_ABOVE: _("Price above"),
        RuleKind.PRICE_BELOW: _("Price below"),
        RuleKind.DRAWDOWN_ABOVE: _("Drawdown above"),
        RuleKind.DAILY_PNL_BELOW: _("Daily P&L below"),
        RuleKind.SERVICE_DOWN: _("Service down"),
    }[kind]


def target_label(rule: AlertRule) -> str:
    if rule.target == ANY:
        return _("any strategy") if RuleKind(rule.kind).target == "strategy" else _("any service")
    if RuleKind(rule.kind) is RuleKind.SERVICE_DOWN:
        # the catalogue has the names (the status screen's labels): the reader's language
        return _(SERVICES.get(rule.target, rule.target))
    return rule.target


def describe_rule(rule: AlertRule) -> str:
    """One line of HTML: `BTCUSDT price above 70,000.00`."""
    kind = RuleKind(rule.kind)
    target = b(target_label(rule))
    if kind is RuleKind.PRICE_ABOVE:
        text = _("{target} price above {value}")
    elif kind is RuleKind.PRICE_BELOW:
        text = _("{target} price below {value}")
    elif kind is RuleKind.DRAWDOWN_ABOVE:
        text = _("drawdown of {target} above {value}")
    elif kind is RuleKind.DAILY_PNL_BELOW:
        text = _("daily P&L of {target} below {value}")
    else:
        text = _("{target} goes down")
    return text.format(target=target, value=esc(threshold_text(kind, rule.threshold)))


def threshold_text(kind: RuleKind, value: Decimal | None) -> str:
    if value is None:
        return ""
    if kind is RuleKind.DRAWDOWN_ABOVE:
        return pct(value)
    if kind is RuleKind.DAILY_PNL_BELOW:
        return signed(value, 2, "USDT")
    return price_text(value)


def rule_notice(rule: AlertRule, value: Decimal | None, subject: str | None) -> Notice:
    """The owner's alert: which rule fired, and the value that crossed it."""
    kind = RuleKind(rule.kind)
    snapshot = AlertRule(id=rule.id, kind=rule.kind, target=rule.target, threshold=rule.threshold)

    def build(_audience: Audience) -> str:
        lines = ["🔔 " + b(_("Alert")) + ": " + describe_rule(snapshot)]
        if value is not None:
            lines.append(_("Now: {value}").format(value=b(threshold_text(kind, value))))
        if subject and rule.target == ANY:
            lines.append(_("Where: {subject}").format(subject=esc(subject)))
        return "\n".join(lines)

    return Notice(
        type=NOTICE_TYPE[kind],
        key=f"rule:{rule.uid}:{rule.fired_count}",
        render=localized(build),
        severity=Severity.WARNING,
        user_ids=frozenset({rule.user_id}),
        force=True,
    )

"""What /alerts says: the settings screen, the rules list, the dialogs' questions and answers.

Kept apart from the handlers so the settings router and the rules router draw the same screens.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram_frontend.bot.ui.deployment_texts import heading_line
from telegram_frontend.core.formatters import b, code, esc
from telegram_frontend.core.i18n import _
from telegram_frontend.models import AlertRule, NotificationRoute
from telegram_frontend.services.deployments.registry import Deployment, Deployments
from telegram_frontend.services.monitoring.service import SERVICES
from telegram_frontend.services.notifications.alert_rules import RuleKind
from telegram_frontend.services.notifications.alert_texts import describe_rule, kind_label
from telegram_frontend.services.notifications.preferences import Preferences
from telegram_frontend.services.notifications.types import Mode, NoticeType

MODE_ICON = {Mode.ON: "🔔", Mode.SILENT: "🔕", Mode.OFF: "🚫"}


def type_label(kind: NoticeType) -> str:
    return {
        NoticeType.TRADES: _("Trades"),
        NoticeType.SYSTEM: _("System"),
        NoticeType.RISK: _("Risk"),
        NoticeType.PERFORMANCE: _("Performance"),
        NoticeType.DIGESTS: _("Digests"),
    }[kind]


def mode_label(mode: Mode) -> str:
    return {Mode.ON: _("on"), Mode.SILENT: _("silent"), Mode.OFF: _("off")}[mode]


def weekday_label(day: int) -> str:
    names = [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]
    return names[day % 7]


def quiet_text(prefs: Preferences) -> str:
    if prefs.quiet_start and prefs.quiet_end:
        return _("Quiet hours: {start}–{end} ({zone}), sent without sound.").format(
            start=prefs.quiet_start, end=prefs.quiet_end, zone=prefs.timezone
        )
    return _("Quiet hours: off.")


def digest_text(prefs: Preferences) -> str:
    parts = []
    if prefs.digest_daily:
        parts.append(_("daily at {time}").format(time=prefs.digest_time))
    if prefs.digest_weekly:
        parts.append(
            _("weekly on {day} at {time}").format(
                day=weekday_label(prefs.digest_weekday), time=prefs.digest_time
            )
        )
    if not parts:
        return _("Digests: none.")
    return _("Digests: {which} ({zone}).").format(which=", ".join(parts), zone=prefs.timezone)


def settings_text(prefs: Preferences, rules: list[AlertRule]) -> str:
    lines = ["🔔 " + b(_("Notifications"))]
    for kind in NoticeType:
        mode = prefs.modes[kind]
        lines.append(f"{MODE_ICON[mode]} {esc(type_label(kind))}: {b(mode_label(mode))}")
    lines.append(esc(quiet_text(prefs)))
    lines.append(esc(digest_text(prefs)))
    if prefs.muted_deployments:
        names = ", ".join(prefs.muted_deployments)
        lines.append(esc(_("Muted deployments: {names}.").format(names=names)))
    active = sum(1 for r in rules if r.active)
    lines.append(
        esc(_("Alert rules: {count} ({active} active).").format(count=len(rules), active=active))
    )
    lines.append(esc(_("Press a type to switch it: on → silent → off.")))
    return "\n".join(lines)


def rule_deployment(rule: AlertRule, deployments: Deployments) -> Deployment | None:
    """The deployment a rule watches (naming none: the default); None if no longer configured."""
    return deployments.default if rule.deployment is None else deployments.find(rule.deployment)


def _rule_place(rule: AlertRule, deployments: Deployments) -> str:
    """`💰 Mainnet · ` before a rule in the list; nothing when the bot serves one deployment."""
    if not deployments.several:
        return ""
    found = rule_deployment(rule, deployments)
    return esc(found.title if found is not None else rule.deployment or "") + " · "


def rules_text(rules: list[AlertRule], deployments: Deployments) -> str:
    """The user's rules, each with the deployment it watches (when there are several)."""
    if not rules:
        return esc(_("You have no alert rules yet. Press “Add rule” or send /alerts add."))
    lines = ["📋 " + b(_("Your alert rules"))]
    for rule in rules:
        state = "▶️" if rule.active else "⏸"
        paused = "" if rule.active else " " + esc(_("(paused)"))
        place = _rule_place(rule, deployments)
        lines.append(f"{state} #{rule.id} {place}{describe_rule(rule)}{paused}")
    return "\n".join(lines)


# -- answers of the settings commands and dialogs ------------------------------------------------


def done_text(sentence: str) -> str:
    """A change that was made, in one sentence."""
    return "✅ " + esc(sentence)


def retry_text(reason: str) -> str:
    """A dialog answer that did not fit: why, and that the question still stands."""
    return "❌ " + esc(reason) + "\n" + esc(_("Try again, or /cancel."))


def quiet_prompt(zone: str) -> str:
    return "🌙 " + esc(
        _(
            "Send your quiet hours as start and end in your time zone ({zone}), "
            "like 22:00 07:00, or off. /cancel leaves."
        ).format(zone=zone)
    )


def digest_time_prompt() -> str:
    return "🕗 " + esc(
        _(
            "Send the digest time like 08:00; for the weekly digest add the day, "
            "like mon 08:00. /cancel leaves."
        )
    )


def mode_set_text(kind: NoticeType, mode: Mode) -> str:
    return done_text(
        _("{kind} notifications: {mode}.").format(kind=type_label(kind), mode=mode.value)
    )


def muted_text(deployment: str, muted: bool) -> str:
    """The answer to `/alerts mute|unmute DEPLOYMENT`."""
    if muted:
        text = _(
            "You are no longer told about {name}; your own alert rules still reach you."
        ).format(name=deployment)
    else:
        text = _("You are told about {name} again.").format(name=deployment)
    return done_text(text)


def mode_toast(kind: NoticeType, mode: Mode) -> str:
    return _("{kind}: {mode}").format(kind=type_label(kind), mode=mode.value)


def test_sent_text() -> str:
    return esc(_("A test notification is on its way."))


def route_text(
    kind: NoticeType,
    chat_id: int,
    topic: int | None,
    *,
    removed: bool,
    deployment: str | None = None,
) -> str:
    """The answer to `/alerts route` or `/alerts unroute` (of one deployment, when named)."""
    if removed:
        text = _("{kind} notifications no longer go to chat {chat}.").format(
            kind=type_label(kind), chat=chat_id
        )
    else:
        text = _("{kind} notifications also go to chat {chat}.").format(
            kind=type_label(kind), chat=chat_id
        )
    if topic is not None and not removed:
        text += " " + _("Topic: {topic}.").format(topic=topic)
    if deployment is not None:
        text += " " + _("Deployment: {name}.").format(name=deployment)
    return done_text(text)


def routes_text(routes: Sequence[NotificationRoute]) -> str:
    if not routes:
        return esc(_("No routes: notifications go to users only."))
    lines = [b(_("Routes to group chats"))]
    for route in routes:
        topic = f" / {route.thread_id}" if route.thread_id else ""
        only = f" ({esc(route.deployment)})" if route.deployment else ""
        lines.append(
            f"{esc(type_label(NoticeType(route.type)))} → {code(route.chat_id)}{topic}{only}"
        )
    return "\n".join(lines)


# -- the rules dialog ----------------------------------------------------------------------------


def dialog_start_text() -> str:
    return "➕ " + esc(_("What should the alert watch? /cancel leaves."))


def _target_question(kind: RuleKind) -> str:
    if kind.target == "symbol":
        return _("Which trading pair? Send it like BTCUSDT.")
    if kind.target == "service":
        return _("Which service? One of {names}, or any.").format(names=", ".join(SERVICES))
    return _("Which strategy? Send its id, like conservative-btc, or any.")


def target_question(kind: RuleKind) -> str:
    """The chosen kind, and which symbol, service or strategy it should watch."""
    return b(kind_label(kind)) + "\n" + esc(_target_question(kind))


def threshold_question(kind: RuleKind) -> str:
    if kind in (RuleKind.PRICE_ABOVE, RuleKind.PRICE_BELOW):
        return esc(_("At what price? Send a number, like 65000."))
    if kind is RuleKind.DRAWDOWN_ABOVE:
        return esc(_("Above what drawdown, in percent? Send a number, like 10."))
    return esc(_("Below what daily P&L, in USDT? Send a number, like -100."))


def rule_added_text(rule: AlertRule) -> str:
    return "✅ " + _("Alert added: {rule}.").format(rule=describe_rule(rule))


def rule_switched_toast(rule: AlertRule, active: bool) -> str:
    return (_("Resumed: {rule}") if active else _("Paused: {rule}")).format(rule=f"#{rule.id}")


def delete_question(rule: AlertRule, ttl_seconds: float, deployments: Deployments) -> str:
    """Asked before deleting; its first line names the rule's deployment when there are several."""
    question = _("Delete the alert {rule}?").format(rule=describe_rule(rule))
    expiry = _("This confirmation expires in {seconds} s.").format(seconds=int(ttl_seconds))
    text = "❓ " + question + "\n" + esc(expiry)
    found = rule_deployment(rule, deployments) if deployments.several else None
    return f"{heading_line(found)}\n{text}" if found is not None else text


def kept_text() -> str:
    return esc(_("The alert was kept."))


def deleted_text() -> str:
    return "🗑 " + esc(_("The alert was deleted."))

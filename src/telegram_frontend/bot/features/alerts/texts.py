"""What /alerts shows: the settings screen, the rules list, their buttons and callback data.

Kept apart from the handlers so the settings router and the rules router draw the same screens.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.core.formatters import b, esc
from telegram_frontend.core.i18n import _
from telegram_frontend.models import AlertRule
from telegram_frontend.services.notifications.alert_rules import RuleKind
from telegram_frontend.services.notifications.alert_texts import describe_rule, kind_label
from telegram_frontend.services.notifications.preferences import WEEKDAYS, Preferences
from telegram_frontend.services.notifications.types import Mode, NoticeType

MODE_ICON = {Mode.ON: "🔔", Mode.SILENT: "🔕", Mode.OFF: "🚫"}


class AlertsCb(CallbackData, prefix="alx"):
    """A button of the settings screen: `action` (mode, quiet, daily, weekly, ...) and its arg."""

    action: str
    arg: str = ""


class RuleCb(CallbackData, prefix="alr"):
    """Pause, resume or delete one rule (the owner is checked by the service)."""

    action: str
    rule_id: int


class RuleConfirm(CallbackData, prefix="alc"):
    """Yes/no on deleting a rule; the rule itself is in the server-side token."""

    token: str
    yes: bool


class RuleKindCb(CallbackData, prefix="alk"):
    kind: str


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
    active = sum(1 for r in rules if r.active)
    lines.append(
        esc(_("Alert rules: {count} ({active} active).").format(count=len(rules), active=active))
    )
    lines.append(esc(_("Press a type to switch it: on → silent → off.")))
    return "\n".join(lines)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def settings_keyboard(prefs: Preferences) -> InlineKeyboardMarkup:
    modes = [
        _button(
            f"{MODE_ICON[prefs.modes[k]]} {type_label(k)}",
            AlertsCb(action="mode", arg=k.value),
        )
        for k in NoticeType
    ]
    on_off = {True: "✅", False: "▫️"}
    return InlineKeyboardMarkup(
        inline_keyboard=[
            modes[:3],
            modes[3:],
            [
                _button("🌙 " + _("Quiet hours"), AlertsCb(action="quiet")),
                _button("🕗 " + _("Digest time"), AlertsCb(action="digest_time")),
            ],
            [
                _button(
                    f"{on_off[prefs.digest_daily]} " + _("Daily digest"), AlertsCb(action="daily")
                ),
                _button(
                    f"{on_off[prefs.digest_weekly]} " + _("Weekly digest"),
                    AlertsCb(action="weekly"),
                ),
            ],
            [
                _button("📋 " + _("My rules"), AlertsCb(action="rules")),
                _button("➕ " + _("Add rule"), AlertsCb(action="add")),
            ],
            [_button("🧪 " + _("Send a test"), AlertsCb(action="test"))],
        ]
    )


def rules_text(rules: list[AlertRule]) -> str:
    if not rules:
        return esc(_("You have no alert rules yet. Press “Add rule” or send /alerts add."))
    lines = ["📋 " + b(_("Your alert rules"))]
    for rule in rules:
        state = "▶️" if rule.active else "⏸"
        paused = "" if rule.active else " " + esc(_("(paused)"))
        lines.append(f"{state} #{rule.id} {describe_rule(rule)}{paused}")
    return "\n".join(lines)


def rules_keyboard(rules: list[AlertRule]) -> InlineKeyboardMarkup:
    rows = []
    for rule in rules:
        toggle = (
            _button(
                "⏸ " + _("Pause #{id}").format(id=rule.id), RuleCb(action="pause", rule_id=rule.id)
            )
            if rule.active
            else _button(
                "▶️ " + _("Resume #{id}").format(id=rule.id),
                RuleCb(action="resume", rule_id=rule.id),
            )
        )
        delete = _button(
            "🗑 " + _("Delete #{id}").format(id=rule.id), RuleCb(action="delete", rule_id=rule.id)
        )
        rows.append([toggle, delete])
    rows.append([_button("➕ " + _("Add rule"), AlertsCb(action="add"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def kinds_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(kind_label(kind), RuleKindCb(kind=kind.value))] for kind in RuleKind
        ]
    )


def confirm_delete_keyboard(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button("✅ " + _("Delete it"), RuleConfirm(token=token, yes=True)),
                _button(_("Keep it"), RuleConfirm(token=token, yes=False)),
            ]
        ]
    )


def parse_weekday(raw: str) -> int | None:
    text = raw.strip().lower()[:3]
    return WEEKDAYS.index(text) if text in WEEKDAYS else None

"""The buttons of /alerts: the settings screen, the rules list, the rule kinds, delete-or-keep."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.features.alerts.callbacks import (
    AlertsCb,
    RuleCb,
    RuleConfirm,
    RuleKindCb,
)
from telegram_frontend.bot.features.alerts.texts import MODE_ICON, type_label
from telegram_frontend.core.i18n import _
from telegram_frontend.models import AlertRule
from telegram_frontend.services.notifications.alert_rules import RuleKind
from telegram_frontend.services.notifications.alert_texts import kind_label
from telegram_frontend.services.notifications.preferences import Preferences
from telegram_frontend.services.notifications.types import NoticeType


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


def kinds_keyboard(dep: str = "") -> InlineKeyboardMarkup:
    """The kinds of rule; the buttons carry the dialog's deployment (`Target.dep`)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(kind_label(kind), RuleKindCb(kind=kind.value, dep=dep))] for kind in RuleKind
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

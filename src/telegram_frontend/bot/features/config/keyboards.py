"""The buttons of /config: the user's own settings, the system settings list, one setting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.features.config.callbacks import Cfg
from telegram_frontend.bot.features.config.deployment_keys import DeploymentKeys
from telegram_frontend.bot.features.config.texts import LANGUAGE_NAMES
from telegram_frontend.core.access import Role
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.account.credentials import CredentialStatus


def _button(text: str, action: str, arg: str = "", dep: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=Cfg(action=action, arg=arg, dep=dep).pack()
    )


def _key_row(
    status: CredentialStatus, dep: str = "", title: str = ""
) -> list[InlineKeyboardButton]:
    """Add/replace and remove the keys (of the deployment `dep`, named by `title`)."""
    suffix = f" · {title}" if title else ""
    add = _("Replace Binance keys") if status.binance_keys else _("Add Binance keys")
    row = [_button("🔑 " + add + suffix, "keys", dep=dep)]
    if status.binance_keys:
        row.append(_button("🗑 " + _("Remove my keys") + suffix, "rmkeys", dep=dep))
    return row


def menu_keyboard(
    user: User, status: CredentialStatus, per_deployment: Sequence[DeploymentKeys] = ()
) -> InlineKeyboardMarkup:
    """`per_deployment` (several deployments): a row of key buttons for each."""
    other_theme = "light" if user.chart_theme == "dark" else "dark"
    rows = [
        [_button(name, "lang", code_) for code_, name in LANGUAGE_NAMES.items()],
        [
            _button("🕒 " + _("Time zone"), "tz"),
            _button(
                "🎨 " + (_("Dark charts") if other_theme == "dark" else _("Light charts")),
                "theme",
                other_theme,
            ),
        ],
    ]
    if status.encryption_available:
        if per_deployment:
            rows += [_key_row(keys.status, keys.name, keys.title) for keys in per_deployment]
        else:
            rows.append(_key_row(status))
        rows.append(
            [
                _button("🔐 " + _("Disable two-factor"), "totp_off")
                if status.totp_enabled
                else _button("🔐 " + _("Enable two-factor"), "totp_on")
            ]
        )
    if Role(user.role).allows(Role.ADMIN):
        rows.append([_button("🛠 " + _("System settings"), "sys")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def settings_keyboard(keys: Iterable[str]) -> InlineKeyboardMarkup:
    """One button per system setting, opening its history."""
    return InlineKeyboardMarkup(inline_keyboard=[[_button(key, "skey", key)] for key in keys])


def change_keyboard(key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button("✏️ " + _("Change"), "sset", key)]])

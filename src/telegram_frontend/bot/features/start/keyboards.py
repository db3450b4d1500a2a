"""The buttons under an access request: approve as viewer or trader, or reject."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.features.start.callbacks import AccessDecision
from telegram_frontend.core.access import Role
from telegram_frontend.core.i18n import _


def decision_keyboard(user_id: int) -> InlineKeyboardMarkup:
    def button(text: str, role: Role) -> InlineKeyboardButton:
        data = AccessDecision(user_id=user_id, role=role.value).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("Approve as viewer"), Role.VIEWER),
                button(_("Approve as trader"), Role.TRADER),
            ],
            [button(_("Reject"), Role.BLOCKED)],
        ]
    )

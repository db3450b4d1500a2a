"""The buttons under an access request: approve as viewer or trader, or reject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.features.start.callbacks import AccessDecision
from telegram_frontend.core.access import Role
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.services.notifications.types import Audience, MarkupRenderer


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


def decision_markup(user_ids: Sequence[int]) -> MarkupRenderer | None:
    """The buttons of a single request sent through the outbox, in each admin's language."""
    if len(user_ids) != 1:
        return None

    def render(audience: Audience) -> dict[str, Any]:
        with use_locale(audience.language):
            return decision_keyboard(user_ids[0]).model_dump(mode="json", exclude_none=True)

    return render

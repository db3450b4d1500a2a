"""The buttons under /logs: Prev/Next, keeping the level and the text filter."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from telegram_frontend.bot.features.logs.callbacks import LogsPage
from telegram_frontend.bot.ui.keyboards import markup, prev_next_row


def logs_keyboard(page: int, has_next: bool, level: str, key: str) -> InlineKeyboardMarkup | None:
    def data_for(target: int) -> str:
        return LogsPage(page=target, level=level, query=key).pack()

    return markup([prev_next_row(page, has_next, data_for)])

"""The button under /portfolio: the allocation chart."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from telegram_frontend.bot.features.portfolio.callbacks import AllocationChart
from telegram_frontend.bot.ui.keyboards import button
from telegram_frontend.core.i18n import _


def allocation_keyboard(dep: str = "") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[button("📊 " + _("Allocation"), AllocationChart(dep=dep).pack())]]
    )

"""The buttons under /performance: one per period (the current one marked) and the chart."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from telegram_frontend.bot.features.performance.callbacks import (
    PerformanceChart,
    PerformancePeriod,
)
from telegram_frontend.bot.features.performance.texts import PERIOD_LABELS
from telegram_frontend.bot.ui.keyboards import button, choice_row, markup
from telegram_frontend.core.i18n import _
from telegram_frontend.services.trading.performance import Period


def period_keyboard(period: Period, dep: str = "") -> InlineKeyboardMarkup | None:
    choices = [(str(PERIOD_LABELS[p]), PerformancePeriod(period=p, dep=dep).pack()) for p in Period]
    chart = [button("📊 " + _("Chart"), PerformanceChart(period=period, dep=dep).pack())]
    current = PerformancePeriod(period=period, dep=dep).pack()
    return markup([choice_row(choices, current), chart])

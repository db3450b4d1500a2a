"""Callback data of /performance: another period, or the comparison chart of one."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from telegram_frontend.services.trading.performance import Period


class PerformancePeriod(CallbackData, prefix="pf"):
    period: Period
    dep: str = ""  # the deployment ("" with one): see bot/ui/deployment_choice


class PerformanceChart(CallbackData, prefix="pfc"):
    """The comparison chart of /performance for one period."""

    period: Period
    dep: str = ""

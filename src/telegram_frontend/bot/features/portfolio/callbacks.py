"""Callback data of /portfolio: the allocation chart button."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AllocationChart(CallbackData, prefix="apc"):
    """The allocation donut of the presser's own view of the portfolio."""

    dep: str = ""

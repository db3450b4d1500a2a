"""Callback data of the system screens: the Refresh button under /status, /health and /metrics."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData


class Screen(enum.StrEnum):
    """A screen with a Refresh button."""

    STATUS = "s"
    HEALTH = "h"
    METRICS = "m"


class ScreenRefresh(CallbackData, prefix="sys"):
    screen: Screen
    dep: str = ""  # the deployment shown ("" with one deployment, or every one on /status)

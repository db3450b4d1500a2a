"""Callback data of /strategy: the list's pages, a card's actions, the start/stop confirmation.

Small, typed, and ≤ 64 bytes packed. Actions are enums, so every value a button can carry is
known (the authorization test presses all of them). Strategy ids can be long
(`macd:<100 chars>`); such an id travels as a short hash (`#` + 16 hex) that the handler
resolves against the strategy list.
"""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData


class StrategyPage(CallbackData, prefix="sgl"):
    """A page of the strategy list."""

    page: int
    dep: str = ""  # the deployment ("" with one): see bot/ui/deployment_choice


class CardAction(enum.StrEnum):
    OPEN = "o"
    REFRESH = "r"
    CHART = "c"
    START = "start"
    STOP = "stop"


class StrategyCard(CallbackData, prefix="sg"):
    """Something done to one strategy; `ref` comes from `strategy_ref`."""

    action: CardAction
    ref: str
    dep: str = ""


class StrategyConfirm(CallbackData, prefix="sgk"):
    """The answer to a start/stop confirmation; the action itself stays server-side."""

    token: str
    ok: bool
    dep: str = ""

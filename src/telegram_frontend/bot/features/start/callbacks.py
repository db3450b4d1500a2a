"""Callback data of the access requests: an admin's decision on a pending user."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AccessDecision(CallbackData, prefix="acc"):
    """An admin's decision on a pending user: role "viewer", "trader" or "blocked"."""

    user_id: int
    role: str

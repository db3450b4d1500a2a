"""Callback data of /users and /audit: a user's card and a role change.

The lists' pages and the confirmations use the shared `Page` and `Confirm` (`bot/ui/callbacks`).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

USERS_VIEW = "users"  # the `Page.view` of the users list
AUDIT_VIEW = "audit"  # the `Page.view` of the audit log


class UserCard(CallbackData, prefix="auc"):
    user_id: int
    page: int = 0


class RoleChange(CallbackData, prefix="aur"):
    user_id: int
    role: str

"""Callback data shared by several features: confirm a pending action, turn a list's page.

Callback data carries only a short server-side token (confirmations) or a page number, through
aiogram `CallbackData` factories, so every button fits Telegram's 64 bytes and proves nothing
by itself: the handler behind it checks the role and the token again. Each feature's own
callback data lives in its `callbacks.py`.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit on a button's callback data


class Confirm(CallbackData, prefix="acf"):
    """Yes/no on a pending confirmation; `scope` names the feature that owns the token's action.

    `dep` (here and in every deployment's button) names the deployment the screen is about;
    empty when the bot serves one (see `deployment_choice`).
    """

    scope: str
    token: str
    yes: bool
    dep: str = ""


class Page(CallbackData, prefix="apg"):
    """A page of a list view (`orders`, `users`, `audit`), edited in place."""

    view: str
    page: int
    dep: str = ""


class DeploymentPick(CallbackData, prefix="dpk"):
    """A deployment picked; `token` names the command waiting for the choice ("" for none)."""

    dep: str
    token: str = ""


ORDERS_SCOPE = "o"
ROLES_SCOPE = "u"
DEPLOYMENT_ROLES_SCOPE = "ud"

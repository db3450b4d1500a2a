"""Callback data shared by the account, configuration and admin routers: confirm and Prev/Next.

Callback data carries only a short server-side token (confirmations) or a page number, through
aiogram `CallbackData` factories, so every button fits Telegram's 64 bytes and proves nothing
by itself: the handler behind it checks the role and the token again. The buttons look like every
other screen's (`keyboards`).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.ui.keyboards import confirm_row, markup, prev_next_row


class Confirm(CallbackData, prefix="acf"):
    """Yes/no on a pending confirmation; `scope` names the router that owns the token's action."""

    scope: str
    token: str
    yes: bool


class Page(CallbackData, prefix="apg"):
    """A page of a list view (`orders`, `users`, `audit`), edited in place."""

    view: str
    page: int


ORDERS_SCOPE = "o"
ROLES_SCOPE = "u"


def confirm_keyboard(scope: str, token: str) -> InlineKeyboardMarkup:
    """✅ Confirm / ✖️ Cancel for one pending confirmation (the shared look of `keyboards`)."""
    row = confirm_row(
        Confirm(scope=scope, token=token, yes=True).pack(),
        Confirm(scope=scope, token=token, yes=False).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[row])


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def clamp_page(page: int, pages: int) -> int:
    return min(max(page, 0), pages - 1)


def pager_row(view: str, page: int, has_next: bool) -> list[InlineKeyboardButton]:
    """Prev/Next buttons for `page`; empty when there is only one page."""
    return prev_next_row(page, has_next, lambda p: Page(view=view, page=p).pack())


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """A markup of the non-empty rows, or None when there is no button at all."""
    return markup(rows)

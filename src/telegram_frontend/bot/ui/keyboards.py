"""Inline keyboard builders shared by the bot's screens: one look for paging, refresh, confirm.

Builders take already-packed callback data (from each feature's `CallbackData` factory), so any
feature can use them; labels are translated in the reader's language when built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.ui.callbacks import Confirm
from telegram_frontend.core.i18n import _

Row = list[InlineKeyboardButton]


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def url_button(text: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, url=url)


def refresh_button(data: str) -> InlineKeyboardButton:
    return button("🔄 " + _("Refresh"), data)


def refresh_row(data: str) -> Row:
    return [refresh_button(data)]


def page_count(total: int, size: int) -> int:
    """How many pages of `size` items `total` items fill (at least one, even when empty)."""
    return max(1, -(-total // size))


def clamp_page(page: int, pages: int) -> int:
    return min(max(page, 0), pages - 1)


def pagination_row(page: int, pages: int, data_for: Callable[[int], str]) -> Row:
    """`◀ Prev · 2/5 · Next ▶` (0-based `page`); empty when everything fits on one page."""
    if pages <= 1:
        return []
    row: Row = []
    if page > 0:
        row.append(button("◀ " + _("Prev"), data_for(page - 1)))
    row.append(button(f"{page + 1}/{pages}", data_for(page)))
    if page < pages - 1:
        row.append(button(_("Next") + " ▶", data_for(page + 1)))
    return row


def prev_next_row(page: int, has_next: bool, data_for: Callable[[int], str]) -> Row:
    """Paging when the total is unknown (a log stream): Prev/Next only where they lead somewhere."""
    row: Row = []
    if page > 0:
        row.append(button("◀ " + _("Prev"), data_for(page - 1)))
    if has_next:
        row.append(button(_("Next") + " ▶", data_for(page + 1)))
    return row


def confirm_row(
    confirm_data: str,
    cancel_data: str,
    confirm_text: str | None = None,
    cancel_text: str | None = None,
) -> Row:
    return [
        button("✅ " + (confirm_text or _("Confirm")), confirm_data),
        button("✖️ " + (cancel_text or _("Cancel")), cancel_data),
    ]


def confirm_keyboard(
    scope: str,
    token: str,
    yes_text: str | None = None,
    no_text: str | None = None,
    dep: str = "",
) -> InlineKeyboardMarkup:
    """✅ Confirm / ✖️ Cancel (or clearer words, where "Cancel" would be ambiguous)."""
    row = confirm_row(
        Confirm(scope=scope, token=token, yes=True, dep=dep).pack(),
        Confirm(scope=scope, token=token, yes=False, dep=dep).pack(),
        yes_text,
        no_text,
    )
    return InlineKeyboardMarkup(inline_keyboard=[row])


def choice_row(choices: Sequence[tuple[str, str]], current: str | None = None) -> Row:
    """One button per (label, data); the current choice is marked with a dot."""
    return [button(("• " if data == current else "") + label, data) for label, data in choices]


def markup(rows: Iterable[Row]) -> InlineKeyboardMarkup | None:
    """The keyboard of the non-empty rows, or None when there is nothing to press."""
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None

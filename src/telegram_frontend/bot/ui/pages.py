"""Sending and refreshing a screen that may span several messages.

A screen is a list of pages from `paginate`; its keyboard goes on the last page. Refreshing
edits the pressed message in place when the new screen is one page, and treats Telegram's
"message is not modified" as the good news it is ("Up to date").
"""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from telegram_frontend.core.i18n import _

NOT_MODIFIED = "message is not modified"


async def answer_pages(
    message: Message, pages: list[str], keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    """Send every page; the keyboard rides on the last one, which is returned."""
    sent = message
    for index, page in enumerate(pages):
        last = index == len(pages) - 1
        sent = await message.answer(page, reply_markup=keyboard if last else None)
    return sent


async def edit_screen(
    query: CallbackQuery,
    pages: list[str],
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    done_text: str | None = None,
) -> None:
    """Show `pages` instead of the pressed message and answer the button press.

    One page: edited in place ("Up to date" when nothing changed). Several pages: the old
    message loses its buttons and the screen is sent anew below it.
    """
    message = query.message
    if not isinstance(message, Message):
        await query.answer(_("This message is too old; send the command again."), show_alert=True)
        return
    if len(pages) == 1:
        try:
            await message.edit_text(pages[0], reply_markup=keyboard)
        except TelegramBadRequest as exc:
            if NOT_MODIFIED not in exc.message:
                raise
            await query.answer(_("Up to date"))
            return
        await query.answer(done_text or _("Updated"))
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        if NOT_MODIFIED not in exc.message:
            raise
    await answer_pages(message, pages, keyboard)
    await query.answer(done_text or _("Updated"))

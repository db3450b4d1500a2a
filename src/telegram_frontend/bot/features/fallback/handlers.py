"""The fallbacks, tried last: an unknown command, plain text, a photo or sticker, an edited
message or a button nobody handles each get a short, clear word instead of silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from telegram_frontend.bot.features.fallback.texts import (
    edits_not_read_text,
    free_text_text,
    no_access_yet_text,
    not_text_text,
    unknown_command_text,
)
from telegram_frontend.bot.middlewares.access_gate import PUBLIC
from telegram_frontend.core.access import Role
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User

router = Router(name="fallback")


@router.message(F.text.startswith("/"), flags={"role": PUBLIC})
async def unknown_command(message: Message, user: User | None) -> None:
    if user is None or user.role in (Role.PENDING.value, Role.BLOCKED.value):
        await message.answer(no_access_yet_text())
        return
    command = (message.text or "").split()[0][:64]
    await message.answer(unknown_command_text(command))


def _has_access(user: User | None) -> bool:
    return user is not None and user.role not in (Role.PENDING.value, Role.BLOCKED.value)


@router.message(F.chat.type == "private", F.text, flags={"role": PUBLIC})
async def free_text(message: Message, user: User | None) -> None:
    """Words that are not a command (and no dialog is waiting for them)."""
    await message.answer(free_text_text() if _has_access(user) else no_access_yet_text())


@router.message(F.chat.type == "private", flags={"role": PUBLIC})
async def not_text(message: Message, user: User | None) -> None:
    """A photo, sticker, voice or file: the bot reads only text."""
    await message.answer(not_text_text() if _has_access(user) else no_access_yet_text())


@router.edited_message(F.chat.type == "private", flags={"role": PUBLIC})
async def edited(message: Message) -> None:
    """Acting on an edit could repeat an action; say so instead of ignoring it."""
    await message.reply(edits_not_read_text())


@router.callback_query(flags={"role": PUBLIC})
async def stale_button(query: CallbackQuery) -> None:
    """A button nobody handles (old message, crafted data): stop the spinner, say so."""
    await query.answer(_("This button is no longer valid."), show_alert=False)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

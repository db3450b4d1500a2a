"""The fallbacks, tried last: an unknown command or a button nobody handles gets a clear word."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from telegram_frontend.bot.features.fallback.texts import no_access_yet_text, unknown_command_text
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


@router.callback_query(flags={"role": PUBLIC})
async def stale_button(query: CallbackQuery) -> None:
    """A button nobody handles (old message, crafted data): stop the spinner, say so."""
    await query.answer(_("This button is no longer valid."), show_alert=False)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

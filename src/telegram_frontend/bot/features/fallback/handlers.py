"""The fallbacks, tried last: an unknown command or a button nobody handles gets a clear word."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from telegram_frontend.bot.middlewares.access_gate import PUBLIC
from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import esc
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User

router = Router(name="fallback")


@router.message(F.text.startswith("/"), flags={"role": PUBLIC})
async def unknown_command(message: Message, user: User | None) -> None:
    if user is None or user.role in (Role.PENDING.value, Role.BLOCKED.value):
        await message.answer(
            _("You have no access to this bot yet. Send /start to ask for access.")
        )
        return
    command = (message.text or "").split()[0][:64]
    await message.answer(
        _("Unknown command {command}. Send /help for the list.").format(command=esc(command))
    )


@router.callback_query(flags={"role": PUBLIC})
async def stale_button(query: CallbackQuery) -> None:
    """A button nobody handles (old message, crafted data): stop the spinner, say so."""
    await query.answer(_("This button is no longer valid."), show_alert=False)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

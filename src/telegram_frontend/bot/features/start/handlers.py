"""/start and /help: the first thing any user, known or not, talks to."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.access.handlers import request_access
from telegram_frontend.bot.middlewares.access_gate import PUBLIC
from telegram_frontend.bot.ui.command_catalog import CommandInfo, commands, visible_to
from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import b, code, esc, paginate
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.admin.users import UserService

router = Router(name="start")


def _next_steps(role: Role) -> str:
    if role == Role.VIEWER:
        return _("Try /status for the system overview, /portfolio and /strategy.")
    if role == Role.TRADER:
        return _("Try /status, /strategy to start or stop strategies, /orders and /alerts.")
    return _("Try /status, /users for access requests and /config for system settings.")


@router.message(
    CommandStart(),
    flags={"role": PUBLIC, "command": CommandInfo("start", "Welcome and what to do next", order=0)},
)
async def start(message: Message, user: User | None, users: FromDishka[UserService]) -> None:
    """Known users get a welcome; anyone else becomes an access request for the admins."""
    if user is None or user.role == Role.PENDING.value:
        await request_access(message, users)
        return
    if user.role == Role.BLOCKED.value:
        await message.answer(_("You have no access to this bot."))
        return
    role = Role(user.role)
    name = user.full_name or user.username or str(user.id)
    await message.answer(
        _("Welcome, {name}! You are signed in as {role}.").format(name=b(name), role=b(role.value))
        + "\n"
        + esc(_next_steps(role))
        + "\n"
        + esc(_("Send /help for every command you can use."))
    )


@router.message(
    Command("help"),
    flags={"role": PUBLIC, "command": CommandInfo("help", "The commands you can use", order=1)},
)
async def help_command(message: Message, user: User | None) -> None:
    """Lists exactly the commands this user's role allows, from the handlers' own flags."""
    role = Role(user.role) if user is not None else None
    if role is None or not role.allows(Role.VIEWER):
        await message.answer(_("Send /start to ask an administrator for access."))
        return
    lines = [b(_("Commands you can use"))]
    for info in visible_to(commands(), role):
        usage = f" {esc(info.usage)}" if info.usage else ""
        lines.append(f"/{info.name}{usage} — {esc(_(info.description))}")
    lines.append("\n" + _("Your role: {role}").format(role=code(role.value)))
    for part in paginate(lines):
        await message.answer(part)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

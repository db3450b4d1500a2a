"""/start and /help: the first thing any user, known or not, talks to.

A stranger's /start becomes an access request for the admins (`access_handlers.py`).
"""

from __future__ import annotations

from functools import cache

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.start import access_handlers
from telegram_frontend.bot.features.start.texts import (
    ask_for_access_text,
    help_lines,
    no_access_text,
    welcome_text,
)
from telegram_frontend.bot.middlewares.access_gate import PUBLIC
from telegram_frontend.bot.ui.command_catalog import CommandInfo, commands, visible_to
from telegram_frontend.bot.ui.deployment_choice import best_role
from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import paginate
from telegram_frontend.models import User
from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.services.admin.users import actor_of
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.notifications.service import NotificationService

router = Router(name="start")


@router.message(
    CommandStart(),
    flags={"role": PUBLIC, "command": CommandInfo("start", "Welcome and what to do next", order=0)},
)
async def start(
    message: Message,
    user: User | None,
    requests: FromDishka[AccessRequests],
    notifications: FromDishka[NotificationService],
) -> None:
    """Known users get a welcome; anyone else becomes an access request for the admins."""
    if user is None or user.role == Role.PENDING.value:
        await access_handlers.request_access(message, requests, notifications)
        return
    if user.role == Role.BLOCKED.value:
        await message.answer(no_access_text())
        return
    await message.answer(welcome_text(user, Role(user.role)))


@router.message(
    Command("help"),
    flags={"role": PUBLIC, "command": CommandInfo("help", "The commands you can use", order=1)},
)
async def help_command(
    message: Message, user: User | None, deployments: FromDishka[Deployments]
) -> None:
    """Lists exactly the commands this user's role allows, from the handlers' own flags.

    With several deployments a command that works on one shows `[deployment]` first, and the
    best role the user holds on any deployment decides whether it is listed.
    """
    role = Role(user.role) if user is not None else None
    if user is None or role is None or not role.allows(Role.VIEWER):
        await message.answer(ask_for_access_text())
        return
    actor, several = actor_of(user), deployments.several
    listed = visible_to(
        commands(), role, scoped_role=best_role(actor, deployments), several=several
    )
    names = deployments.names() if several else []
    grants = [(name, held) for name, held in actor.deployment_roles if name in names]
    for part in paginate(help_lines(listed, role, names, grants)):
        await message.answer(part)


@cache
def get_router() -> Router:
    """/start and /help, then the admins' decisions on access requests, for `bot/dispatcher.py`."""
    feature = Router(name="start_feature")
    feature.include_routers(router, access_handlers.router)
    return feature

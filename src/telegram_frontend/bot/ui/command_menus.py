"""Telegram's command menu per user: each person sees only the commands their role may use.

The menu is built from the handlers' own flags (`command_catalog`), like /help. The default
scope lists the public commands (what strangers may send); each known user gets a per-chat
menu in their language, refreshed when their role or language changes (`sync_user_menu`) and
for everybody at start-up (`CommandMenuSync`).
"""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from telegram_frontend.bot.ui.command_catalog import commands, visible_to
from telegram_frontend.bot.ui.deployment_choice import best_role
from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.core.formatters import truncate
from telegram_frontend.core.i18n import translate
from telegram_frontend.core.logging import get_logger
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.models import User
from telegram_frontend.services.admin.users import UserService, actor_of
from telegram_frontend.services.deployments.registry import Deployments

log = get_logger(__name__)

MENU_LANGUAGES: tuple[str | None, ...] = (None, "ru")  # None: every other app language
_GRANTING = (Role.VIEWER, Role.TRADER, Role.ADMIN)


def menu_for(
    role: Role | None,
    language: str,
    scoped_role: Role | None = None,
    several: bool = False,
) -> list[BotCommand]:
    """The commands `role` may use (None: a stranger), described in `language`.

    `scoped_role` is the best role held on any deployment (for commands that work on one).
    """
    granted = role if role in _GRANTING else None
    scoped = scoped_role if granted is not None and scoped_role in _GRANTING else None
    return [
        BotCommand(
            command=info.name, description=truncate(translate(info.description, language), 256)
        )
        for info in visible_to(commands(), granted, scoped_role=scoped, several=several)
    ]


async def sync_default_menu(bot: Bot) -> None:
    """What a stranger sees: the public commands, in English and in Russian."""
    for language in MENU_LANGUAGES:
        await bot.set_my_commands(
            menu_for(None, language or "en"),
            scope=BotCommandScopeDefault(),
            language_code=language,
        )


async def sync_user_menu(bot: Bot, user: User, deployments: Deployments | None = None) -> bool:
    """Give `user` the menu of their role in their language; False when Telegram refused.

    The per-chat menu without a language code is in the user's chosen language; the Russian
    one exists only for Russian speakers. Pending and blocked users fall back to the default.
    With `deployments`, roles granted per deployment count and the deployment commands show
    when there are several.
    """
    scope = BotCommandScopeChat(chat_id=user.id)
    role = Role(user.role) if user.role in Role._value2member_map_ else None
    try:
        if role not in _GRANTING:
            for language in MENU_LANGUAGES:
                await bot.delete_my_commands(scope=scope, language_code=language)
            return True
        scoped = best_role(actor_of(user), deployments) if deployments is not None else None
        several = deployments is not None and deployments.several
        await bot.set_my_commands(menu_for(role, user.language, scoped, several), scope=scope)
        if user.language == "ru":
            await bot.set_my_commands(
                menu_for(role, "ru", scoped, several), scope=scope, language_code="ru"
            )
        else:
            await bot.delete_my_commands(scope=scope, language_code="ru")
    except TelegramBadRequest as exc:  # e.g. a chat Telegram does not know (never talked to us)
        log.info("command_menu_not_set", user_id=user.id, error=str(exc))
        return False
    except TelegramAPIError as exc:
        log.warning("command_menu_not_set", user_id=user.id, error=str(exc))
        return False
    return True


class CommandMenuSync:
    """Runs once after the bot reaches Telegram: the default menu, then every user's."""

    name = "command_menus"

    def __init__(
        self,
        bot: Bot,
        users: UserService,
        state: RuntimeState,
        deployments: Deployments | None = None,
    ) -> None:
        self.bot = bot
        self.users = users
        self.state = state
        self.deployments = deployments
        self.synced = asyncio.Event()

    async def run(self) -> None:
        await self.state.connected.wait()
        await sync_default_menu(self.bot)
        for user in await self.users.list_users(SYSTEM):
            if user.is_active:
                await sync_user_menu(self.bot, user, self.deployments)
        self.synced.set()
        log.info("command_menus_synced")

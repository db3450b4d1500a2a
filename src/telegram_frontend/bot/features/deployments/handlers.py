"""/deployment and the picker's buttons: which deployment a user works on, and switching it.

A pick is remembered (`DeploymentAccess.choose`); when it answered a command that waited for
it, that command runs again on the chosen deployment, through the whole dispatcher (the gate
checks it as any other update).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, Update
from aiogram.types import User as TgUser
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.middlewares.chat_policy import GROUPS
from telegram_frontend.bot.ui.callbacks import DeploymentPick
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.deployment_picker import (
    picker_keyboard,
    take_waiting_command,
    with_deployment,
)
from telegram_frontend.bot.ui.deployment_texts import (
    current_text,
    pick_question_text,
    picked_answer,
    single_deployment_text,
    switched_text,
    unknown_deployment_text,
)
from telegram_frontend.core.access import Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.formatters import esc
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import User
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from telegram_frontend.services.deployments.registry import Deployments, UnknownDeployment

router = Router(name="deployments")
log = get_logger(__name__)
_RERUNS: set[asyncio.Task[Any]] = set()  # commands re-sent after a pick, kept until done


@router.message(
    Command("deployment"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo(
            "deployment",
            "The deployment you work on; switch to another",
            "[name]",
            order=9,
            several_only=True,
        ),
    },
)
async def deployment_command(
    message: Message,
    command: CommandObject,
    user: User,
    deployments: FromDishka[Deployments],
    access: FromDishka[DeploymentAccess],
) -> None:
    """The current deployment and a button per deployment; `/deployment mainnet` switches."""
    if not deployments.several:
        await message.answer(single_deployment_text(deployments.default))
        return
    wanted = (command.args or "").strip()
    if wanted:
        try:
            found = deployments.get(wanted)
        except UnknownDeployment as exc:
            await message.answer("❌ " + esc(unknown_deployment_text(exc.given, exc.known)))
            return
        await access.choose(user.id, found.name)
        await message.answer(switched_text(found))
        return
    current = deployments.find(user.deployment)
    if current is None:
        await message.answer(pick_question_text(), reply_markup=picker_keyboard(deployments))
        return
    await message.answer(
        current_text(current, deployments.names()),
        reply_markup=picker_keyboard(deployments, current=current.name),
    )


@router.callback_query(DeploymentPick.filter(), flags={"role": Role.VIEWER, "chat": GROUPS})
async def picked(
    query: CallbackQuery,
    callback_data: DeploymentPick,
    user: User,
    bot: Bot,
    dispatcher: Dispatcher,
    deployments: FromDishka[Deployments],
    access: FromDishka[DeploymentAccess],
    cache: FromDishka[Cache],
) -> None:
    """Remember the pick; then the command that waited for it runs on that deployment."""
    try:
        chosen = deployments.get(callback_data.dep)
    except UnknownDeployment as exc:
        await query.answer(unknown_deployment_text(exc.given, exc.known), show_alert=True)
        return
    await access.choose(user.id, chosen.name)
    waiting = await take_waiting_command(cache, callback_data.token, user.id)
    message = query.message if isinstance(query.message, Message) else None
    if message is not None:
        await message.edit_text(switched_text(chosen))
    await query.answer(picked_answer())
    if waiting and message is not None:
        _rerun(dispatcher, bot, message, query.from_user, with_deployment(waiting, chosen.name))


def _rerun(dispatcher: Dispatcher, bot: Bot, where: Message, sender: TgUser, text: str) -> None:
    """Send `text` through the dispatcher as if the user had typed it, once this update ends."""
    command = Message(
        message_id=where.message_id,
        date=datetime.now(UTC),
        chat=where.chat,
        from_user=sender,
        text=text,
    )
    task = asyncio.create_task(dispatcher.feed_update(bot, Update(update_id=0, message=command)))
    _RERUNS.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[Any]) -> None:
    _RERUNS.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("deployment_rerun_failed", error=repr(task.exception()))


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

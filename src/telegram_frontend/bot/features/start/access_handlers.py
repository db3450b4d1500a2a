"""Access requests: an unknown user's /start reaches every admin, who approves or rejects it."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.start.callbacks import AccessDecision
from telegram_frontend.bot.features.start.keyboards import decision_keyboard
from telegram_frontend.bot.features.start.texts import (
    PENDING_TEXT,
    admin_welcome_text,
    decided_text,
    decision_text,
    outcome_word,
    request_text,
)
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import User
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import localized
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType

router = Router(name="access_requests")
log = get_logger(__name__)


async def request_access(message: Message, users: UserService) -> None:
    """Register the sender as pending and ask every admin (once, on the first request)."""
    sender = message.from_user
    assert sender is not None and message.bot is not None
    registration = await users.register(
        sender.id, sender.username, sender.full_name, sender.language_code
    )
    if registration.user.role == Role.ADMIN.value:
        await message.answer(admin_welcome_text(sender.full_name))
        return
    await message.answer(str(PENDING_TEXT))
    if registration.created:
        await _tell_admins(message.bot, users, registration.user)


async def _tell_admins(bot: Bot, users: UserService, user: User) -> None:
    for admin in await users.admins():
        with use_locale(admin.language):
            text = request_text(user)
            keyboard = decision_keyboard(user.id)
        try:
            await bot.send_message(admin.id, text, reply_markup=keyboard)
        except TelegramAPIError as exc:
            log.warning("access_request_not_delivered", admin_id=admin.id, error=str(exc))


@router.callback_query(AccessDecision.filter(), flags={"role": Role.ADMIN})
async def decide(
    query: CallbackQuery,
    callback_data: AccessDecision,
    actor: Actor,
    users: FromDishka[UserService],
    notifications: FromDishka[NotificationService],
) -> None:
    """Apply the decision, tell the user, and replace the buttons with the outcome."""
    try:
        role = Role(callback_data.role)
        user = await users.set_role(actor, callback_data.user_id, role)
    except (ValueError, FrontendError) as exc:
        text = exc.user_message if isinstance(exc, FrontendError) else _("Unknown decision.")
        await query.answer(text, show_alert=True)
        return
    await query.answer(_("User {outcome}.").format(outcome=outcome_word(role)))
    if isinstance(query.message, Message):
        await query.message.edit_text(decided_text(user, role, actor.name))
    assert query.bot is not None
    await sync_user_menu(query.bot, user)
    await notifications.notify_now(_decision_notice(user.id, role, query.id))


def _decision_notice(user_id: int, role: Role, decision_id: str) -> Notice:
    """The user's answer goes through the outbox: it survives a Telegram outage or a restart."""

    def render(_audience: Audience) -> str:
        return decision_text(role)

    return Notice(
        type=NoticeType.SYSTEM,
        key=f"access:{user_id}:{role.value}:{decision_id}",
        render=localized(render),
        user_ids=frozenset({user_id}),
        min_role=None,
        to_routes=False,
        force=True,
    )


@router.callback_query(F.data.startswith("acc:"), flags={"role": Role.ADMIN})
async def malformed_decision(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer valid."), show_alert=True)

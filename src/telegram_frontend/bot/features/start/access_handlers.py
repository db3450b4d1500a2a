"""Access requests: a stranger's /start reaches every admin, who approves or rejects it once."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.start.callbacks import AccessDecision
from telegram_frontend.bot.features.start.texts import (
    PENDING_TEXT,
    admin_welcome_text,
    already_decided_text,
    decided_text,
    decision_text,
    outcome_word,
    too_many_requests_text,
)
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.i18n import _
from telegram_frontend.core.logging import get_logger
from telegram_frontend.core.text_safety import clean_name
from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.services.admin.users import AlreadyDecided, UserService
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import localized
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType

router = Router(name="access_requests")
log = get_logger(__name__)


async def request_access(
    message: Message, requests: AccessRequests, notifications: NotificationService
) -> None:
    """Store the sender as pending; the admins hear of it in the next batch, via the outbox.

    Nothing here waits on Telegram for anyone else: a /start flood only writes rows, and the
    newcomer's own answer is queued too (one per minute at most).
    """
    sender = message.from_user
    assert sender is not None
    registration = await requests.request(
        sender.id, sender.username, sender.full_name, sender.language_code
    )
    if registration is None:  # over the cap: told once in ten minutes, through the outbox too
        if await requests.first_refusal(f"access-refused:{sender.id}"):
            await notifications.notify_now(_newcomer_notice(sender.id, "refused", _refused_text))
        return
    if registration.user.role == Role.ADMIN.value:
        await message.answer(admin_welcome_text(clean_name(sender.full_name)))
        return
    await notifications.notify_now(_newcomer_notice(registration.user.id, "pending", _pending_text))


def _pending_text(_audience: Audience) -> str:
    return str(PENDING_TEXT)


def _refused_text(_audience: Audience) -> str:
    return too_many_requests_text()


def _newcomer_notice(user_id: int, kind: str, render: Callable[[Audience], str]) -> Notice:
    """An answer to a newcomer, through the outbox (at most one of a kind a minute per user).

    The outbox sends at Telegram's pace, so a flood of newcomers never drags the replies of
    everyone else into flood control.
    """
    return _to_user(user_id, f"access-{kind}:{user_id}:{int(time.time() // 60)}", render)


@router.callback_query(AccessDecision.filter(), flags={"role": Role.ADMIN})
async def decide(
    query: CallbackQuery,
    callback_data: AccessDecision,
    actor: Actor,
    users: FromDishka[UserService],
    notifications: FromDishka[NotificationService],
    deployments: FromDishka[Deployments],
) -> None:
    """Apply the decision once, tell the user, and replace the buttons with the outcome.

    Only a request still pending is decided: another admin's copy, or the same button again,
    changes nothing and loses its buttons.
    """
    try:
        role = Role(callback_data.role)
        user = await users.decide_request(actor, callback_data.user_id, role)
    except AlreadyDecided as exc:
        await query.answer(already_decided_text(exc.role.value), show_alert=True)
        if isinstance(query.message, Message) and query.message.reply_markup is not None:
            await query.message.edit_reply_markup(reply_markup=None)
        return
    except (ValueError, FrontendError) as exc:
        text = exc.user_message if isinstance(exc, FrontendError) else _("Unknown decision.")
        await query.answer(text, show_alert=True)
        return
    await query.answer(_("User {outcome}.").format(outcome=outcome_word(role)))
    if isinstance(query.message, Message):
        await query.message.edit_text(decided_text(user, role, actor.name))
    assert query.bot is not None
    await sync_user_menu(query.bot, user, deployments)
    await notifications.notify_now(_decision_notice(user.id, role, query.id))


def _decision_notice(user_id: int, role: Role, decision_id: str) -> Notice:
    """The user's answer goes through the outbox: it survives a Telegram outage or a restart."""

    def render(_audience: Audience) -> str:
        return decision_text(role)

    return _to_user(user_id, f"access:{user_id}:{role.value}:{decision_id}", render)


def _to_user(user_id: int, key: str, render: Callable[[Audience], str]) -> Notice:
    """A system notice for one user only, whatever their role or settings (idempotent by key)."""
    return Notice(
        type=NoticeType.SYSTEM,
        key=key,
        render=localized(render),
        user_ids=frozenset({user_id}),
        min_role=None,
        to_routes=False,
        force=True,
    )


@router.callback_query(F.data.startswith("acc:"), flags={"role": Role.ADMIN})
async def malformed_decision(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer valid."), show_alert=True)

"""The one gate every message and button press passes: where, who is this, may they, not too fast.

Commands and buttons work in private chats only, except read-only screens in groups an admin
allowed (see `chat_policy`).

Each handler declares the role it needs with the aiogram flag `role` (a `Role`, or "public");
a handler without the flag is admin-only, so forgetting to declare fails closed.

A handler that works on a deployment (flag `deployment`, see `bot/ui/deployment_choice`) is let
through on the best role the user holds on any deployment; once the deployment it targets is
known, the role there is checked again, and the handler gets `target` and the `actor` as they
stand on that deployment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject
from dishka import AsyncContainer
from dishka.integrations.aiogram import CONTAINER_NAME

from telegram_frontend.bot.middlewares.chat_policy import chat_allowed
from telegram_frontend.bot.ui.deployment_choice import best_role, scope_of, targets_for
from telegram_frontend.clients.telegram_session import newcomer_lane
from telegram_frontend.core.access import Role
from telegram_frontend.core.caching.rate_limiter import RateLimiter
from telegram_frontend.core.i18n import _, __, use_locale
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import User
from telegram_frontend.services.admin.users import UserService, actor_of
from telegram_frontend.services.deployments.registry import Deployments

PUBLIC = "public"
NO_ACCESS = __(
    "You have no access to this bot yet. Send /start to ask an administrator for access."
)
BLOCKED = __("You have no access to this bot.")

log = get_logger(__name__)


def needed_role(data: dict[str, Any]) -> Role | str:
    """The role a handler declared; undeclared means admin-only (fail closed)."""
    flag = get_flag(data, "role")
    if flag == PUBLIC:
        return PUBLIC
    if isinstance(flag, Role):
        return flag
    if isinstance(flag, str) and flag in Role._value2member_map_:
        return Role(flag)
    return Role.ADMIN


def role_refusal(needed: Role, role: Role | str) -> str:
    """The usual words when a role is too low (here, or on the deployment acted on)."""
    held = role.value if isinstance(role, Role) else role
    return _("This needs the {needed} role; you are {role}.").format(needed=needed.value, role=held)


async def _refuse(event: TelegramObject, text: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)


class AccessMiddleware(BaseMiddleware):
    """Resolves the caller, enforces the handler's role and the per-user rate limit."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user = getattr(event, "from_user", None)
        if tg_user is None or tg_user.is_bot:
            return None
        container: AsyncContainer = data[CONTAINER_NAME]
        users = await container.get(UserService)
        user = await users.caller(tg_user.id)
        # A known user is answered in the language they chose; others in their app's language.
        language: str | None
        if user is not None:
            language = user.language
        else:
            language = tg_user.language_code[:2] if tg_user.language_code else None
        with use_locale(language):
            if not await chat_allowed(event, data, container):
                return None
            return await self._gate(handler, event, data, tg_user.id, user)

    async def _gate(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
        user_id: int,
        user: User | None,
    ) -> Any:
        container: AsyncContainer = data[CONTAINER_NAME]
        limiter = await container.get(RateLimiter)
        decision = await limiter.hit(f"tg:{user_id}")
        if not decision.allowed:
            if decision.warn:
                await _refuse(
                    event,
                    _("Slow down, please: too many requests. Try again in {seconds} s.").format(
                        seconds=decision.retry_after
                    ),
                )
            elif isinstance(event, CallbackQuery):
                await event.answer()
            return None
        needed = needed_role(data)
        scoped = scope_of(data) is not None
        if needed != PUBLIC:
            assert isinstance(needed, Role)
            if user is None or user.role in (Role.PENDING.value, Role.BLOCKED.value):
                text = (
                    BLOCKED if user is not None and user.role == Role.BLOCKED.value else NO_ACCESS
                )
                await _refuse(event, str(text))
                return None
            held: Role = Role(user.role)
            if scoped:
                held = best_role(actor_of(user), await container.get(Deployments))
            if not held.allows(needed):
                await _refuse(event, role_refusal(needed, user.role if not scoped else held))
                return None
        data["user"] = user
        data["actor"] = actor_of(user) if user is not None else None
        if (
            scoped
            and user is not None
            and not await self._target(event, data, user, needed, container)
        ):
            return None
        if user is None or user.role == Role.PENDING.value:
            async with newcomer_lane():  # a /start flood cannot take the slots of known users
                return await handler(event, data)
        return await handler(event, data)

    @staticmethod
    async def _target(
        event: TelegramObject,
        data: dict[str, Any],
        user: User,
        needed: Role | str,
        container: AsyncContainer,
    ) -> bool:
        """Find the deployment(s) acted on and check the role there; False: already answered."""
        role = needed if isinstance(needed, Role) else None
        targets = await targets_for(event, data, user, data["actor"], container, role)
        if not targets:
            return False
        if isinstance(needed, Role):
            for target in targets:
                if not target.actor.role.allows(needed):
                    await _refuse(event, role_refusal(needed, target.actor.role))
                    return False
        data["targets"] = targets
        data["target"] = targets[0] if len(targets) == 1 else None
        if len(targets) == 1:
            data["actor"] = targets[0].actor
        return True

"""Private chats by default: every command and button works in a private chat only, unless the
handler is a read-only monitoring screen (flag `chat=GROUPS`) and an admin allowed that group or
forum topic. Elsewhere the bot answers once, briefly, and does nothing.

Finding 1 of the security review: in a group, members saw a trader's portfolio, the /panic code
and a TOTP secret. Secrets and account values never have the flag, so they stay private.
"""

from __future__ import annotations

from typing import Any

from aiogram.dispatcher.flags import get_flag
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject
from dishka import AsyncContainer

from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.i18n import __
from telegram_frontend.services.admin.chat_policy import ChatPolicy

GROUPS = "groups"
"""The `chat` flag of handlers that may also answer in an allowed group (read-only screens)."""

PRIVATE_ONLY = __("I work in private chats only. Write to me directly.")
REFUSAL_MEMORY_S = 3600.0


def _where(event: TelegramObject) -> tuple[Chat | None, int | None]:
    if isinstance(event, Message):
        return event.chat, event.message_thread_id
    if isinstance(event, CallbackQuery) and event.message is not None:
        message = event.message
        thread = message.message_thread_id if isinstance(message, Message) else None
        return message.chat, thread
    return None, None


async def chat_allowed(
    event: TelegramObject, data: dict[str, Any], container: AsyncContainer
) -> bool:
    """True when the handler may run in this chat; otherwise the refusal is already sent."""
    chat, thread = _where(event)
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if get_flag(data, "chat") == GROUPS:
        policy = await container.get(ChatPolicy)
        if await policy.allows(chat.id, thread):
            return True
    if isinstance(event, CallbackQuery):
        await event.answer(str(PRIVATE_ONLY), show_alert=True)  # seen by the presser only
        return False
    if isinstance(event, Message) and (event.text or "").startswith("/"):
        cache = await container.get(Cache)
        if await cache.add(f"chat-refused:{chat.id}", "1", ttl=REFUSAL_MEMORY_S):
            await event.answer(str(PRIVATE_ONLY))
    return False

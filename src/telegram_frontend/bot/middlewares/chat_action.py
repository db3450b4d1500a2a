""" "typing…" while a slow answer is being gathered, for handlers flagged `chat_action`.

Like aiogram's `ChatActionMiddleware`, but only for handlers that declare the flag, only once
the answer is actually slow (after `after_seconds`), and never in the way of the answer: a chat
action that fails or meets flood control is dropped, and it is cancelled the moment the handler
returns instead of being waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject

from telegram_frontend.clients.telegram_session import no_flood_retry

DEFAULT_AFTER_S = 0.3
REPEAT_S = 4.5  # Telegram shows an action for about 5 s


def _chat_of(event: TelegramObject) -> tuple[int, int | None] | None:
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message):
        thread = message.message_thread_id if message.is_topic_message else None
        return message.chat.id, thread
    return None


class SlowAnswerTyping(BaseMiddleware):
    """Shows the flagged chat action while the handler runs longer than `after_seconds`."""

    def __init__(self, after_seconds: float = DEFAULT_AFTER_S) -> None:
        self.after = after_seconds

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        action = get_flag(data, "chat_action")
        chat = _chat_of(event)
        bot = data.get("bot")
        if not action or chat is None or not isinstance(bot, Bot):
            return await handler(event, data)
        name = action if isinstance(action, str) else "typing"
        task = asyncio.create_task(self._keep_showing(bot, chat[0], chat[1], name))
        try:
            return await handler(event, data)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _keep_showing(self, bot: Bot, chat_id: int, thread: int | None, action: str) -> None:
        await asyncio.sleep(self.after)
        while True:
            with no_flood_retry(), contextlib.suppress(TelegramAPIError):
                await bot.send_chat_action(chat_id, action, message_thread_id=thread)
            await asyncio.sleep(REPEAT_S)


def install(*observers: Any) -> None:
    """Add the middleware to routers' message/callback observers (`router.message`, ...)."""
    for observer in observers:
        observer.middleware(SlowAnswerTyping())

"""Each update holds one of `TELEGRAM_UPDATE_CONCURRENCY` slots while it is handled.

The slot is ours (not aiogram's polling semaphore), so a reply waiting out Telegram's flood
control can lend it to the next update instead of stalling everyone (see `UpdateSlots`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from telegram_frontend.clients.telegram_session import UpdateSlots


class UpdateSlotMiddleware(BaseMiddleware):
    """Outer middleware of `dispatcher.update`: wait for a slot, handle, give it back."""

    def __init__(self, slots: UpdateSlots) -> None:
        self.slots = slots

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.slots.hold():
            return await handler(event, data)

"""Updates waiting for the bot, and the signal that wakes long polls when something changes.

Shared by getUpdates (which confirms with `offset`) and webhook delivery (which confirms with a
2xx answer); both read the same queue, as on Telegram where only one of them can be active.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


class ChangeSignal:
    """Wakes every waiter on `notify`; take `current()` before checking state to never miss one."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """True when `event` fired within `seconds`."""
    if seconds <= 0:
        return event.is_set()
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


@dataclass
class Update:
    update_id: int
    kind: str
    payload: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.payload}


class UpdateQueue:
    """Pending updates in id order; confirmed by getUpdates' offset or a webhook's 2xx."""

    def __init__(self) -> None:
        self.pending: list[Update] = []
        self.next_id = 1
        self.allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.allowed_list: list[str] | None = None
        self.signal = ChangeSignal()

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update; a type outside allowed_updates is never created, as on Telegram."""
        update_id = self.next_id
        self.next_id += 1
        if kind in self.allowed:
            self.pending.append(Update(update_id, kind, payload))
            self.signal.notify()
        return update_id

    def set_allowed(self, allowed: list[str] | None) -> None:
        """None keeps the previous setting; an empty list means the default set. Like Telegram,
        only updates created later are filtered: those already queued are still delivered."""
        if allowed is None:
            return
        self.allowed_list = list(allowed)
        self.allowed = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`; a negative offset keeps only the last -offset ones."""
        if offset < 0:
            self.pending = self.pending[offset:]
        elif offset:
            self.pending = [u for u in self.pending if u.update_id >= offset]

    def drop_all(self) -> None:
        self.pending.clear()

    def first(self, limit: int) -> list[Update]:
        return self.pending[:limit]

    def remove(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u.update_id != update_id]

"""Timestamps taken inside the emulator: when an update was queued, when the bot's message landed.

The benchmark runs the emulator in its own process, so both ends of a round trip are read from
one monotonic clock, with no HTTP client or polling wait in between. Users' messages are put
into the emulated world the way its control API does it (stored, then queued as an update).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.state import ChatRecord, StoredMessage


@dataclass
class _Pending:
    message_id: int
    sent_at: float
    label: str


@dataclass
class EmulatorClock:
    """Hooks one emulator: `inject()` writes as a user, `latencies` fills as the bot answers.

    A reply is the bot's first message in the chat after the user's message; later messages of
    the same answer (or unrequested ones, like notifications) are counted in `bot_messages` only.
    """

    emulator: TelegramEmulator
    latencies: list[float] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    bot_messages: int = 0
    first_bot_at: float | None = None
    last_bot_at: float | None = None
    _pending: dict[int, list[_Pending]] = field(default_factory=lambda: defaultdict(list))
    _open: int = 0
    _settled: asyncio.Event = field(default_factory=asyncio.Event)
    _progress: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _original: Any = None

    def __post_init__(self) -> None:
        world = self.emulator.world
        self._original = world.add_message
        world.add_message = self._add_message  # type: ignore[method-assign]

    def _add_message(self, chat: ChatRecord, message: StoredMessage) -> StoredMessage:
        stored: StoredMessage = self._original(chat, message)
        if stored.from_bot:
            self._bot_message(stored.chat_id, stored.message_id)
        return stored

    def _bot_message(self, chat_id: int, message_id: int) -> None:
        now = time.monotonic()
        self.bot_messages += 1
        self.first_bot_at = self.first_bot_at or now
        self.last_bot_at = now
        self._arrived.set()
        waiting = self._pending.get(chat_id)
        if not waiting or waiting[0].message_id > message_id:
            return
        asked = waiting.pop(0)
        self.latencies.append(now - asked.sent_at)
        self.by_label[asked.label].append(now - asked.sent_at)
        self._open -= 1
        self._progress.set()
        if self._open == 0:
            self._settled.set()

    def inject(self, user_id: int, text: str, first_name: str = "Bench") -> int:
        """`user_id` writes `text` to the bot; returns the message id (figures by `text`)."""
        world = self.emulator.world
        user = world.user(user_id, first_name=first_name)
        chat = world.register_chat(user_id, "private", first_name=first_name)
        message = world.add_user_message(user, chat, text)
        self._pending[user_id].append(_Pending(message.message_id, time.monotonic(), text))
        self._open += 1
        self._settled.clear()
        world.updates.push("message", world.message_json(message))
        return message.message_id

    def expect(self, chat_id: int, label: str) -> None:
        """Start the clock for a message the bot will send to `chat_id` unasked (a notification)."""
        chat = self.emulator.world.register_chat(chat_id, "private")
        last = chat.next_message_id - 1
        self._pending[chat_id].append(_Pending(last, time.monotonic(), label))
        self._open += 1
        self._settled.clear()

    async def wait_open_below(self, limit: int, timeout_s: float) -> bool:
        """Until fewer than `limit` messages await their answer (a closed-loop window)."""
        deadline = time.monotonic() + timeout_s
        while self._open >= limit:
            self._progress.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                async with asyncio.timeout(remaining):
                    await self._progress.wait()
            except TimeoutError:
                return False
        return True

    async def wait_bot_messages(self, count: int, timeout_s: float) -> bool:
        """Until the bot has sent `count` messages in all (since the last reset)."""
        deadline = time.monotonic() + timeout_s
        while self.bot_messages < count:
            self._arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                async with asyncio.timeout(remaining):
                    await self._arrived.wait()
            except TimeoutError:
                return False
        return True

    @property
    def unanswered(self) -> int:
        return self._open

    async def wait_answered(self, timeout_s: float) -> bool:
        """True when every injected message got its reply within `timeout_s`."""
        if self._open == 0:
            return True
        try:
            async with asyncio.timeout(timeout_s):
                await self._settled.wait()
        except TimeoutError:
            return False
        return True

    def reset(self) -> None:
        """Forget the figures (keep the hook): between a warm-up and the measured run."""
        self.latencies.clear()
        self.by_label.clear()
        self.bot_messages = 0
        self.first_bot_at = self.last_bot_at = None

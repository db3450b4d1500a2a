"""Telegram's send limits, kept on our side so the outbox never meets flood control.

Three token buckets, as Telegram documents them: about 30 messages per second overall, 1 per
second to one private chat, 20 per minute to one group. Our buckets hold a single token (no
bursts): sends are spaced evenly, which stays under Telegram's limits even though Telegram itself
tolerates short bursts. A 429 still pauses the chat for its `retry_after`; 429s for several
chats at once mean the bot as a whole is over the limit, and pause every send.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

GLOBAL_PAUSE_CHATS = 3
GLOBAL_PAUSE_WINDOW_S = 1.0


@dataclass(frozen=True)
class DeliveryRates:
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0


@dataclass
class _Bucket:
    """A one-token bucket: the earliest moment the next send may go."""

    interval: float
    next_at: float = 0.0


@dataclass
class DeliveryLimiter:
    """`await acquire(chat_id)` returns when a send to that chat is within every limit."""

    rates: DeliveryRates = field(default_factory=DeliveryRates)
    clock: Callable[[], float] = time.monotonic
    _global: _Bucket = field(init=False)
    _chats: dict[int, _Bucket] = field(default_factory=dict)
    _paused_until: float = 0.0
    _recent_429: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._global = _Bucket(1.0 / self.rates.global_per_second)

    def _chat(self, chat_id: int) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:
                interval = 60.0 / self.rates.group_per_minute
            else:
                interval = 1.0 / self.rates.private_per_second
            bucket = self._chats[chat_id] = _Bucket(interval)
        return bucket

    def wait_seconds(self, chat_id: int) -> float:
        """How long until a send to `chat_id` may go (0 when it may go now)."""
        now = self.clock()
        chat = self._chat(chat_id)
        return max(0.0, self._global.next_at - now, chat.next_at - now, self._paused_until - now)

    async def acquire(self, chat_id: int) -> None:
        """Wait for the chat's turn, then take the next global slot in order and sleep until it.

        Senders queue for the global bucket: each reserves the next slot (so sends stay spaced
        by its interval) and sleeps once. Waking every waiter at every slot instead cost ~50
        wake-ups per send with a backlog of 100 (fan-out, bench/README.md). A sender the loop
        wakes late still sends in its slot, so a busy loop does not lose slots (a stall of S
        seconds sends at most S × the rate back to back, inside Telegram's tolerated burst).
        """
        while True:
            now = self.clock()
            chat = self._chat(chat_id)
            hold = max(chat.next_at, self._paused_until) - now
            if hold > 0:
                await asyncio.sleep(hold)
                continue
            slot = max(self._global.next_at, now)
            self._global.next_at = slot + self._global.interval
            chat.next_at = taken = slot + chat.interval
            if slot > now:
                await asyncio.sleep(slot - now)
            if self._paused_until <= self.clock() and chat.next_at <= taken:
                return
            # a 429 arrived while we waited for the slot: wait for its pause, then queue again

    def flood_wait(self, chat_id: int, retry_after: float) -> None:
        """Telegram answered 429: hold this chat back, and every chat if several were refused."""
        now = self.clock()
        chat = self._chat(chat_id)
        chat.next_at = max(chat.next_at, now + retry_after)
        self._recent_429 = {
            c: at for c, at in self._recent_429.items() if now - at <= GLOBAL_PAUSE_WINDOW_S
        }
        self._recent_429[chat_id] = now
        if len(self._recent_429) >= GLOBAL_PAUSE_CHATS:
            self._paused_until = max(self._paused_until, now + retry_after)

    def forget_idle(self) -> None:
        """Drop buckets of chats that could send now anyway (keeps memory flat)."""
        now = self.clock()
        self._chats = {c: b for c, b in self._chats.items() if b.next_at > now}

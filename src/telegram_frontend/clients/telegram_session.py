"""How our Bot talks to Telegram: replies that hit flood control wait and retry, not vanish.

Direct replies to a user honour `retry_after` (bounded); the notification dispatcher turns this
off (`no_flood_retry()`) because it schedules its own retries from the outbox instead. A handler
waiting out a 429 gives its update slot (`UpdateSlots`) back meanwhile, so a flood of replies to
strangers cannot hold every slot and stall everyone else's commands; the waiting reply still goes
out, in order, after its wait. `KeepResponseTypes` keeps aiogram's per-answer pydantic classes
alive (see there).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    DeleteWebhook,
    GetMe,
    SendChatAction,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import Response

from telegram_frontend.core.logging import get_logger
from telegram_frontend.core.metrics import TELEGRAM_429

log = get_logger(__name__)

_FLOOD_RETRY: ContextVar[bool] = ContextVar("tf_flood_retry", default=True)
MAX_WAIT_S = 30.0
MAX_TOTAL_WAIT_S = 60.0
MAX_ATTEMPTS = 30
JITTER_S = 0.5


@contextlib.contextmanager
def no_flood_retry() -> Iterator[None]:
    """Inside this block a 429 is raised at once (the caller reschedules)."""
    token = _FLOOD_RETRY.set(False)
    try:
        yield
    finally:
        _FLOOD_RETRY.reset(token)


@dataclass
class _Slot:
    slots: UpdateSlots
    task: asyncio.Task[Any] | None
    held: bool = True


_SLOT: ContextVar[_Slot | None] = ContextVar("tf_update_slot", default=None)


class UpdateSlots:
    """The number of updates handled at once (`TELEGRAM_UPDATE_CONCURRENCY`).

    A handler holds a slot while it works and lends it out while it sleeps through a 429, so
    waiting replies never starve the updates behind them.
    """

    def __init__(self, size: int, newcomers: int = 4) -> None:
        self.size = size
        self._semaphore = asyncio.Semaphore(size)
        self._newcomers = asyncio.Semaphore(newcomers)
        self.handling = 0
        """Updates taken and not yet finished, waiting for a slot or not: 0 when all are done."""

    @property
    def free(self) -> int:
        return self._semaphore._value

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        self.handling += 1
        try:
            await self._semaphore.acquire()
            slot = _Slot(self, asyncio.current_task())
            token = _SLOT.set(slot)
            try:
                yield
            finally:
                _SLOT.reset(token)
                if slot.held:
                    self._semaphore.release()
        finally:
            self.handling -= 1

    async def _lend(self, slot: _Slot, seconds: float) -> None:
        slot.held = False
        self._semaphore.release()
        try:
            await asyncio.sleep(seconds)
        finally:
            await self._semaphore.acquire()
            slot.held = True


@contextlib.asynccontextmanager
async def newcomer_lane() -> AsyncIterator[None]:
    """Strangers and pending users are handled in a narrow lane of their own.

    The update gives its slot back and waits for one of a few newcomer places, so a /start
    flood of hundreds of strangers queues there while known users keep every regular slot.
    """
    slot = _SLOT.get()
    if slot is None or not slot.held or slot.task is not asyncio.current_task():
        yield
        return
    slot.held = False
    slot.slots._semaphore.release()
    async with slot.slots._newcomers:
        yield


async def sleep_without_slot(seconds: float) -> None:
    """Sleep; inside a handler holding an update slot, let other updates use it meanwhile."""
    slot = _SLOT.get()
    if slot is None or not slot.held or slot.task is not asyncio.current_task():
        await asyncio.sleep(seconds)
        return
    await slot.slots._lend(slot, seconds)


class KeepResponseTypes(BaseRequestMiddleware):
    """Hold a strong reference to `Response[T]` for every result type the bot has met.

    aiogram parametrizes `Response[method.__returning__]` for each answer; pydantic caches those
    classes only weakly, so a busy process loses them to the garbage collector and rebuilds the
    schema (about 20 ms of CPU, mostly for `list[Update]`) again and again. Measured by
    bench/command_latency.py: a third of the frontend's CPU per command before this.
    """

    def __init__(self) -> None:
        self._kept: dict[Any, Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class FloodRetryMiddleware(BaseRequestMiddleware):
    """Retry a call refused with 429 after Telegram's `retry_after`, within a time budget.

    The bound is the total wait (`MAX_TOTAL_WAIT_S`), not a number of attempts: replies queued
    for one chat in a 429 storm are let through one per second, so a fixed three attempts lost
    the fourth reply (found by drills/test_flood_storm.py). A little jitter keeps the waiting
    replies from all retrying in the same instant.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        attempt = 0
        waited = 0.0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                TELEGRAM_429.inc()
                attempt += 1
                wait = exc.retry_after + random.uniform(0, JITTER_S)
                if (
                    not _FLOOD_RETRY.get()
                    or attempt >= MAX_ATTEMPTS
                    or exc.retry_after > MAX_WAIT_S
                    or waited + wait > MAX_TOTAL_WAIT_S
                ):
                    raise
                log.warning(
                    "telegram_flood_wait", method=type(method).__name__, retry_after=exc.retry_after
                )
                await sleep_without_slot(wait)
                waited += wait


REPEAT_SAFE = (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    DeleteWebhook,
    GetMe,
    SendChatAction,
    SetMyCommands,
    SetWebhook,
)
"""Calls that may be sent twice: the second finds the first done, or does it again harmlessly."""
ALREADY_DONE = ("query is too old", "query id is invalid", "message to delete not found")
"""What Telegram answers a repeat whose first attempt did arrive: success for our purpose."""
REPEAT_PAUSE_S = 0.2


class RepeatSafeRetryMiddleware(BaseRequestMiddleware):
    """Send a repeat-safe call once more after a dropped connection or a 5xx.

    A button press whose answer met a dropped keep-alive connection stayed spinning and counted
    as a handler failure (found by drills/test_fuzz.py). Messages are never repeated this way:
    Telegram may have stored the first, and a user must not get a reply twice.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if not isinstance(method, REPEAT_SAFE):
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("telegram_call_repeated", method=type(method).__name__, error=str(exc))
        await asyncio.sleep(REPEAT_PAUSE_S)
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            if any(text in exc.message.lower() for text in ALREADY_DONE):
                return Response[Any](ok=True, result=True)
            raise

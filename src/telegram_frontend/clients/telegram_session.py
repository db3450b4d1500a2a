"""How our Bot talks to Telegram: replies that hit flood control wait and retry, not vanish.

Direct replies to a user honour `retry_after` (bounded); the notification dispatcher turns this
off (`no_flood_retry()`) because it schedules its own retries from the outbox instead.
`KeepResponseTypes` keeps aiogram's per-answer pydantic classes alive (see there).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
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
                await asyncio.sleep(wait)
                waited += wait

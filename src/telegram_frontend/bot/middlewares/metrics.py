"""Counts every message and button press by command and outcome, and times its handling.

Installed on the dispatcher's message and callback observers in three parts: an OUTER middleware
that times the update and records the result, an inner one placed before the access gate that
notes which handler was chosen, and an inner one after the gate that notes the handler was
reached. So a press the gate refused is counted as `refused` under the command it aimed at.
Labels are bounded: a declared command name or the handler's function name, never user text.

Outcomes: `ok`, `refused` (role, registration or rate limit), `error` (the handler raised),
`unhandled` (no handler matched).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.types import CallbackQuery, TelegramObject

from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.core.metrics import COMMANDS, HANDLER_LATENCY

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass
class _Handling:
    """What became of one event, filled in by the inner parts."""

    command: str = "unhandled"
    reached: bool = False


_CURRENT: ContextVar[_Handling | None] = ContextVar("tf_metrics_handling", default=None)


def handler_label(handler: HandlerObject | None) -> str:
    """The declared command name, else the handler function's name."""
    if handler is None:
        return "unknown"
    info = handler.flags.get("command")
    if isinstance(info, CommandInfo):
        return info.name
    return str(getattr(handler.callback, "__name__", "handler"))[:64]


class _Timed(BaseMiddleware):
    """The outer part: one timing and one outcome per event."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = "callback_query" if isinstance(event, CallbackQuery) else "message"
        handling = _Handling()
        token = _CURRENT.set(handling)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            if result is UNHANDLED:
                outcome = "unhandled"
            else:
                outcome = "ok" if handling.reached else "refused"
            return result
        finally:
            _CURRENT.reset(token)
            HANDLER_LATENCY.labels(kind=kind).observe(time.perf_counter() - started)
            COMMANDS.labels(command=handling.command, outcome=outcome).inc()


class _Chosen(BaseMiddleware):
    """Before the gate: the handler that matched."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        handling = _CURRENT.get()
        if handling is not None:
            handling.command = handler_label(data.get("handler"))
        return await handler(event, data)


class _Reached(BaseMiddleware):
    """After the gate: the handler is really being called."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        handling = _CURRENT.get()
        if handling is not None:
            handling.reached = True
        return await handler(event, data)


def install_with_gate(router: Router, gate: BaseMiddleware) -> None:
    """Register the metrics around `gate` (the access middleware) on messages and callbacks."""
    timed, chosen, reached = _Timed(), _Chosen(), _Reached()
    for observer in (router.message, router.edited_message, router.callback_query):
        observer.outer_middleware(timed)
        observer.middleware(chosen)
        observer.middleware(gate)
        observer.middleware(reached)

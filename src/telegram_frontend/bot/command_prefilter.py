"""A feature router is skipped at once for a message none of its handlers can take.

aiogram tries the routers in order and, in each, every message handler's filters: /status
walked through six features and about thirty Command checks before its own (a callgrind count
put the walk at a third of the instructions of a cached /status). Most features handle only
their commands, plus dialog steps that need a dialog state. For such a router (the whole
subtree) one root filter decides: outside a dialog, only a message carrying one of its commands
gets in; inside a dialog every message does, as before. Routers with any other kind of message
handler (the fallbacks) are left alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command, Filter
from aiogram.fsm.state import State
from aiogram.types import Message


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from _routers(child)


def _command_name(text: str) -> str:
    """`/status@bot args` → `status`; what aiogram's Command filter compares."""
    word = text.split(maxsplit=1)[0] if text.strip() else ""
    return word[1:].partition("@")[0]


class ItsCommandsOnly(Filter):
    """Root filter: in a dialog, pass; else pass only a command in `names`."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        if raw_state is not None:
            return True
        text = message.text or message.caption or ""
        return text.startswith("/") and _command_name(text) in self.names


def _plain_commands(handler: HandlerObject) -> set[str] | None:
    """The names a handler's Command filters take, or None when it is not that simple."""
    names: set[str] = set()
    for filter_object in handler.filters or []:
        check: Any = inspect.unwrap(filter_object.callback)
        if isinstance(check, Command):
            if check.prefix != "/" or check.ignore_case:
                return None
            if not all(isinstance(name, str) for name in check.commands):
                return None
            names.update(str(name) for name in check.commands)
    return names


def _needs_a_dialog(handler: HandlerObject) -> bool:
    """A handler filtered on one particular dialog state: it never sees a stateless message."""
    return any(
        isinstance(check := inspect.unwrap(f.callback), State) and check.state
        for f in handler.filters or []
    )


def commands_of(router: Router) -> frozenset[str] | None:
    """Every command the router's subtree takes, or None when it may take other messages."""
    names: set[str] = set()
    for each in _routers(router):
        for handler in each.message.handlers:
            commands = _plain_commands(handler)
            if commands is None:
                return None
            if not commands and not _needs_a_dialog(handler):
                return None
            names |= commands
    return frozenset(names)


def skip_foreign_commands(routers: list[Router]) -> list[str]:
    """Give each eligible router its root filter; the names of the routers that got one."""
    gated = []
    for router in routers:
        names = commands_of(router)
        if names is not None:
            router.message.filter(ItsCommandsOnly(names))
            gated.append(router.name)
    return gated

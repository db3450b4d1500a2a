"""The command list is read from the handlers themselves: /help and the Telegram menus agree.

A handler declares `flags={"role": Role.X, "command": CommandInfo(...)}`; this module walks the
dispatcher's routers and collects them, so there is no second list to keep in sync. The router
tree registers itself here (`use_root`, from `bot/dispatcher.py`), so /help and the menus read it
without importing the dispatcher.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aiogram import Router

from telegram_frontend.core.access import Role


@dataclass(frozen=True)
class CommandInfo:
    """A slash command as shown in /help and the command menu."""

    name: str
    description: str
    usage: str = ""
    order: int = 100


@dataclass(frozen=True)
class CatalogEntry:
    info: CommandInfo
    role: Role | str


_ROOT: list[Router] = []  # the one root router of the bot, once `bot/dispatcher.py` built it


def use_root(root: Router) -> None:
    """Make `root` the router tree that `commands()` reads (called once, by the dispatcher)."""
    _ROOT[:] = [root]


def commands() -> list[CatalogEntry]:
    """Every command of the registered router tree (none before the tree is built)."""
    return catalog(_ROOT[0]) if _ROOT else []


def _walk(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from _walk(child)


def catalog(root: Router) -> list[CatalogEntry]:
    """Every declared command with the role it needs, in menu order."""
    entries: dict[str, CatalogEntry] = {}
    for router in _walk(root):
        for handler in router.message.handlers:
            info = handler.flags.get("command")
            if isinstance(info, CommandInfo) and info.name not in entries:
                entries[info.name] = CatalogEntry(info, handler.flags.get("role", Role.ADMIN))
    return sorted(entries.values(), key=lambda e: (e.info.order, e.info.name))


def visible_to(entries: list[CatalogEntry], role: Role | None) -> list[CommandInfo]:
    """The commands a user with `role` may use (public ones for everyone)."""
    result = []
    for entry in entries:
        if entry.role == "public" or (
            role is not None and isinstance(entry.role, Role) and role.allows(entry.role)
        ):
            result.append(entry.info)
    return result

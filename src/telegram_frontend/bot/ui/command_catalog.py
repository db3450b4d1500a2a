"""The command list is read from the handlers themselves: /help and the Telegram menus agree.

A handler declares `flags={"role": Role.X, "command": CommandInfo(...)}`; this module walks the
dispatcher's routers and collects them, so there is no second list to keep in sync. The router
tree registers itself here (`use_root`, from `bot/dispatcher.py`), so /help and the menus read it
without importing the dispatcher.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from aiogram import Router

from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG
from telegram_frontend.core.access import Role

DEPLOYMENT_USAGE = "[deployment]"


@dataclass(frozen=True)
class CommandInfo:
    """A slash command as shown in /help and the command menu."""

    name: str
    description: str
    usage: str = ""
    order: int = 100
    several_only: bool = False  # meaningful only when the bot serves several deployments


@dataclass(frozen=True)
class CatalogEntry:
    info: CommandInfo
    role: Role | str
    scoped: bool = False  # works on a deployment (takes its name first when there are several)


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
                role = handler.flags.get("role", Role.ADMIN)
                scoped = handler.flags.get(DEPLOYMENT_FLAG) is not None
                entries[info.name] = CatalogEntry(info, role, scoped)
    return sorted(entries.values(), key=lambda e: (e.info.order, e.info.name))


def visible_to(
    entries: list[CatalogEntry],
    role: Role | None,
    *,
    scoped_role: Role | None = None,
    several: bool = False,
) -> list[CommandInfo]:
    """The commands a user with `role` may use (public ones for everyone).

    A command that works on a deployment is shown for `scoped_role` (the best role the user
    holds on any deployment, when given); with several deployments its usage starts with
    `[deployment]`, and the commands about deployments appear at all.
    """
    result = []
    for entry in entries:
        if entry.info.several_only and not several:
            continue
        held = scoped_role if entry.scoped and scoped_role is not None else role
        if entry.role == "public" or (
            held is not None and isinstance(entry.role, Role) and held.allows(entry.role)
        ):
            info = entry.info
            if several and entry.scoped:
                info = replace(info, usage=f"{DEPLOYMENT_USAGE} {info.usage}".strip())
            result.append(info)
    return result

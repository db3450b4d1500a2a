"""Which deployment an update targets, decided in one place for every feature.

A handler that reads or acts on a deployment declares the flag `deployment` (a `Scope`); the
access gate then calls `targets_for`, which takes, in this order: the name given as the
command's first argument (`/strategy mainnet`), the `dep` a button carries, the deployment a
dialog stored in its state, the user's remembered one; with several deployments and none of
those it shows a picker and the handler does not run. Names are resolved by the registry
(`Deployments.find`/`get`), as everywhere else. The handler receives `target` (and
`actor` as it stands on that deployment), so it passes that deployment's services the right
role. With one deployment nothing is parsed and nothing is shown: the bot behaves as before.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiogram.dispatcher.flags import get_flag
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from dishka import AsyncContainer

from telegram_frontend.bot.ui.deployment_picker import offer_picker
from telegram_frontend.bot.ui.deployment_texts import (
    heading_line,
    send_again_text,
    unknown_deployment_text,
)
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.errors import ConfirmationExpired
from telegram_frontend.core.formatters import Block, esc, text_block
from telegram_frontend.models import User
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from telegram_frontend.services.deployments.registry import (
    Deployment,
    Deployments,
    UnknownDeployment,
)

DEPLOYMENT_FLAG = "deployment"
STATE_KEY = "deployment"  # where a dialog keeps the deployment it was started for


class Scope(enum.StrEnum):
    """What a handler's arguments may say about the deployment."""

    ONE = "one"  # a name may come first; the rest are the command's own arguments
    ONLY = "only"  # nothing but a name (anything else is an unknown deployment)
    ALL = "all"  # like ONLY; without a name, every deployment


def scope_of(data: dict[str, Any]) -> Scope | None:
    flag = get_flag(data, DEPLOYMENT_FLAG)
    return Scope(flag) if flag in Scope._value2member_map_ else None


@dataclass(frozen=True)
class Target:
    """One deployment an update acts on, the actor as they stand there, and how to name it."""

    deployment: Deployment
    actor: Actor
    several: bool

    @property
    def name(self) -> str:
        return self.deployment.name

    @property
    def dep(self) -> str:
        """What the screen's buttons carry: the name, or "" when the bot serves one."""
        return self.deployment.name if self.several else ""

    def heading(self, *, confirming: bool = False) -> str:
        """The first line naming the deployment; empty with one deployment."""
        return heading_line(self.deployment, confirming=confirming) if self.several else ""

    def headed(self, text: str, *, confirming: bool = False) -> str:
        """`text` under the heading (unchanged with one deployment)."""
        heading = self.heading(confirming=confirming)
        return f"{heading}\n{text}" if heading else text

    def head_blocks(self, blocks: Iterable[Block], *, confirming: bool = False) -> list[Block]:
        heading = self.heading(confirming=confirming)
        return [*([text_block(heading)] if heading else []), *blocks]

    def stamp(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """A confirmation's payload bound to this deployment."""
        return {**payload, STATE_KEY: self.name}

    def check_owns(self, payload: Mapping[str, Any]) -> None:
        """Refuse a confirmation issued on another deployment (as if it had expired)."""
        if payload.get(STATE_KEY, self.name) != self.name:
            raise ConfirmationExpired()


def target_of(deployment: Deployment, actor: Actor, several: bool) -> Target:
    return Target(deployment, actor.on(deployment.name), several)


def every_target(deployments: Deployments, actor: Actor) -> list[Target]:
    return [target_of(d, actor, deployments.several) for d in deployments]


def best_role(actor: Actor, deployments: Deployments) -> Role:
    """The highest role the actor holds on any deployment (what the gate lets through)."""
    return max((actor.on(d.name).role for d in deployments), key=lambda role: role.rank)


async def _answer(event: TelegramObject, plain: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(plain, show_alert=True)
    elif isinstance(event, Message):
        await event.answer("❌ " + esc(plain))


def _named_in_command(
    data: dict[str, Any], deployments: Deployments, scope: Scope
) -> tuple[Deployment | None, bool]:
    """(the deployment named first, whether the update is a command); strips the name."""
    command = data.get("command")
    if not isinstance(command, CommandObject):
        return None, False
    words = (command.args or "").split(maxsplit=1)
    if not words:
        return None, True
    try:
        found = deployments.get(words[0])
    except UnknownDeployment:
        if scope is Scope.ONE:
            return None, True  # the command's own first argument
        raise  # ONLY and ALL: nothing but a name
    data["command"] = replace(command, args=words[1] if len(words) > 1 else None)
    return found, True


async def _named(
    event: TelegramObject, data: dict[str, Any], deployments: Deployments, scope: Scope
) -> tuple[Deployment | None, str]:
    """The deployment the update names and how: "command", "button", "dialog" (or None)."""
    if isinstance(event, CallbackQuery):
        dep = str(getattr(data.get("callback_data"), "dep", "") or "")
        return (deployments.get(dep) if dep else None), "button"
    found, is_command = _named_in_command(data, deployments, scope)
    if is_command:
        return found, "command"
    state = data.get("state")
    stored = (await state.get_data()).get(STATE_KEY) if isinstance(state, FSMContext) else None
    return deployments.find(str(stored)) if stored else None, "dialog"


async def targets_for(
    event: TelegramObject,
    data: dict[str, Any],
    user: User,
    actor: Actor,
    container: AsyncContainer,
    needed: Role | None = None,
) -> list[Target]:
    """The deployments this update acts on; empty when it was answered here (picker, error).

    `needed` is the handler's role (None: anyone's): a deployment named in a command is
    remembered only when the user's role there lets them use it, so a refused command does not
    move their next commands to that deployment.
    """
    scope = scope_of(data) or Scope.ONE
    deployments = await container.get(Deployments)
    if not deployments.several:
        return [target_of(deployments.default, actor, False)]
    try:
        found, how = await _named(event, data, deployments, scope)
    except UnknownDeployment as unknown:
        await _answer(event, unknown_deployment_text(unknown.given, unknown.known))
        return []
    if found is not None:
        target = target_of(found, actor, True)
        allowed = needed is None or target.actor.role.allows(needed)
        if how == "command" and allowed and user.deployment != found.name:
            access = await container.get(DeploymentAccess)
            await access.choose(user.id, found.name)  # an explicit name is remembered too
        return [target]
    if scope is Scope.ALL and how in ("command", "button"):
        return every_target(deployments, actor)
    if how != "command":  # a button or dialog that does not say: never guess
        await _answer(event, send_again_text())
        return []
    remembered = deployments.find(user.deployment)
    if remembered is not None:
        return [target_of(remembered, actor, True)]
    if isinstance(event, Message):
        await offer_picker(event, await container.get(Cache), deployments, user.id)
    return []

"""Roles and the acting user: permissions are data, checked in one place.

The bot and the API both turn their caller into an `Actor` and the services check
`require(actor, Role.X)` themselves, so a door that forgets a check still cannot act.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Literal

from telegram_frontend.core.errors import PermissionDenied


class Role(enum.StrEnum):
    """A user's standing; only viewer < trader < admin grant anything."""

    BLOCKED = "blocked"
    PENDING = "pending"
    VIEWER = "viewer"
    TRADER = "trader"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Role) -> bool:
        """True when this role is at least `needed` (blocked and pending allow nothing)."""
        return self.rank >= needed.rank and self.rank >= _RANK[Role.VIEWER]


_RANK = {Role.BLOCKED: -1, Role.PENDING: 0, Role.VIEWER: 1, Role.TRADER: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class Actor:
    """Who is asking: a Telegram user or an API key, with the role it holds now."""

    role: Role
    user_id: int | None = None
    name: str = ""
    via: Literal["telegram", "api", "system"] = "telegram"
    api_key_id: int | None = None
    # Roles granted on single deployments, overriding `role` there (name → role)
    deployment_roles: tuple[tuple[str, Role], ...] = ()

    def on(self, deployment: str) -> Actor:
        """This actor as it stands on one deployment: its role there, if one was granted.

        A blocked or pending user stays so everywhere; a grant can lower or raise an active role.
        """
        granted = dict(self.deployment_roles).get(deployment)
        if granted is None or not self.role.allows(Role.VIEWER) or granted == self.role:
            return self
        return replace(self, role=granted)

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        if self.via == "api":
            return f"api-key:{self.api_key_id}:{self.name}"
        if self.via == "system":
            return f"system:{self.name}"
        return f"tg:{self.user_id}"


SYSTEM = Actor(role=Role.ADMIN, name="frontend", via="system")


def require(actor: Actor, needed: Role) -> None:
    """Raise `PermissionDenied` unless `actor` holds at least `needed`."""
    if not actor.role.allows(needed):
        raise PermissionDenied(f"This needs the {needed.value} role; you are {actor.role.value}.")

"""Which deployment a user works on, and the roles granted to them per deployment.

Both live on the user's row, so the caller read of every update carries them; a change drops the
cached caller like any other change of the user.
"""

from __future__ import annotations

import json

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig
from telegram_frontend.core.errors import NotFound, ValidationFailed
from telegram_frontend.models import User
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.caller_cache import CallerCache

GRANTABLE = (Role.VIEWER, Role.TRADER, Role.ADMIN)


def deployment_roles(raw: str | None) -> tuple[tuple[str, Role], ...]:
    """The stored JSON name → role, as pairs; anything unreadable grants nothing."""
    if not raw:
        return ()
    try:
        data = json.loads(raw)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    pairs = []
    for name, role in data.items():
        if isinstance(name, str) and role in {r.value for r in GRANTABLE}:
            pairs.append((name, Role(role)))
    return tuple(sorted(pairs))


class DeploymentAccess:
    """The user's chosen deployment and the admins' per-deployment grants."""

    def __init__(
        self,
        db: Database,
        audit: AuditService,
        deployments: DeploymentsConfig,
        callers: CallerCache | None = None,
    ) -> None:
        self._db = db
        self._audit = audit
        self._deployments = deployments
        self._callers = callers

    def known(self, name: str) -> str:
        """The configured name for `name` (case-insensitive), or a clear refusal."""
        return self._deployments.known(name)

    async def choose(self, user_id: int, name: str) -> str:
        """Remember the deployment this user works on from now on."""
        chosen = self.known(name)
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            user.deployment = chosen
        await self._changed(user_id)
        return chosen

    async def grant(
        self, actor: Actor, user_id: int, deployment: str, role: Role | None
    ) -> dict[str, Role]:
        """Give a user `role` on one deployment (None: back to their role everywhere)."""
        require(actor, Role.ADMIN)
        name = self.known(deployment)
        if role is not None and role not in GRANTABLE:
            raise ValidationFailed("A deployment role is viewer, trader or admin.")
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            roles = dict(deployment_roles(user.deployment_roles))
            before = roles.get(name)
            if role is None:
                roles.pop(name, None)
            else:
                roles[name] = role
            user.deployment_roles = (
                json.dumps({k: v.value for k, v in sorted(roles.items())}) if roles else None
            )
            await self._audit.record(
                actor,
                "user.deployment_role",
                f"user:{user_id}",
                "ok",
                {
                    "deployment": name,
                    "from": before.value if before else None,
                    "to": role.value if role else None,
                },
                session=session,
                deployment=name,
            )
        await self._changed(user_id)
        return roles

    async def _changed(self, user_id: int) -> None:
        if self._callers is not None:
            await self._callers.forget(user_id)

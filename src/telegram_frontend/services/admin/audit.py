"""The audit trail: every privileged action, from the bot or the API, is written here once.

A row names the deployment the action acted on: each deployment's services write through
`AuditService.on(name)`, so a strategy stop or an order on mainnet can never read as testnet's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.models import AuditLog


class AuditService:
    """Appends audit rows; `record` can join the caller's transaction via `session`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Named in every row written through this instance (see `on`); None: no deployment
        self.deployment: str | None = None

    def on(self, deployment: str) -> AuditService:
        """The same trail, with every row this one writes naming `deployment`."""
        bound = AuditService(self._db)
        bound.deployment = deployment
        return bound

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str,
        result: str,
        details: dict[str, Any] | None = None,
        *,
        message: str = "",
        session: AsyncSession | None = None,
        deployment: str | None = None,
    ) -> None:
        row = AuditLog(
            deployment=deployment or self.deployment,
            actor=actor.label,
            action=action,
            target=target[:256],
            result=result,
            details=details or {},
            message=message[:2000],
        )
        if session is not None:
            session.add(row)
            return
        async with self._db.session() as own:
            own.add(row)

    async def recent(self, actor: Actor, limit: int = 20, offset: int = 0) -> Sequence[AuditLog]:
        """The latest entries, newest first (admins only)."""
        require(actor, Role.ADMIN)
        async with self._db.session() as session:
            rows = await session.scalars(
                select(AuditLog).order_by(AuditLog.id.desc()).offset(offset).limit(limit)
            )
            return list(rows)

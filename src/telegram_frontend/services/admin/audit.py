"""The audit trail: every privileged action, from the bot or the API, is written here once."""

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
    ) -> None:
        row = AuditLog(
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

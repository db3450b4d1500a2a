"""The frontend's own recent logs, for `/logs` in Telegram and the admin API.

Records are captured (already redacted) by `config.logging.LOG_BUFFER`, stored by the log-sink
worker, and read here with level and text filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.models import LogRecord

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
KEEP_RECORDS = 5000


class LogService:
    """Stores batches of records and answers filtered, paginated queries (admins only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, batch: Sequence[tuple[float, str, str, str]]) -> None:
        if not batch:
            return
        async with self._db.session() as session:
            session.add_all(
                LogRecord(
                    at=datetime.fromtimestamp(created, UTC),
                    level=level,
                    logger=name[:128],
                    event=message[:4000],
                )
                for created, level, name, message in batch
            )
        async with self._db.session() as session:
            newest = await session.scalar(select(func.max(LogRecord.id)))
            if newest is not None and newest > KEEP_RECORDS:
                await session.execute(
                    delete(LogRecord).where(LogRecord.id <= newest - KEEP_RECORDS)
                )

    async def recent(
        self,
        actor: Actor,
        level: str | None = None,
        text: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[LogRecord]:
        """Newest first; `level` means that level and above."""
        require(actor, Role.ADMIN)
        query = select(LogRecord).order_by(LogRecord.id.desc()).offset(offset).limit(limit)
        if level:
            wanted = level.upper()
            if wanted not in LEVELS:
                raise ValidationFailed(f"Level must be one of {', '.join(LEVELS)}.")
            query = query.where(LogRecord.level.in_(LEVELS[LEVELS.index(wanted) :]))
        if text:
            query = query.where(LogRecord.event.ilike(f"%{_like_escape(text)}%", escape="\\"))
        async with self._db.session() as session:
            return list(await session.scalars(query))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

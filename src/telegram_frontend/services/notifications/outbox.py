"""The dispatcher's side of the outbox: claim due rows under a lease, then settle each one.

A claim takes, per chat, only the oldest undelivered row (the chat's head), so every chat
receives its messages in the order they were written, even across retries. On PostgreSQL the
claim locks rows with `FOR UPDATE SKIP LOCKED`, so two dispatchers never take the same row; on
SQLite the claim is one atomic `UPDATE ... WHERE id IN (...)` under SQLite's single-writer lock.
A lease (status `sending` until `lease_until`) lets a fresh dispatcher take over the rows of a
dead one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, delete, func, or_, select, update

from telegram_frontend.core.database import Database
from telegram_frontend.models import OutboxMessage
from telegram_frontend.models.base import utcnow
from telegram_frontend.models.notification import OutboxStatus

UNDELIVERED = (OutboxStatus.PENDING, OutboxStatus.SENDING)
ERROR_LIMIT = 1000


@dataclass(frozen=True)
class ClaimedMessage:
    """A row this dispatcher holds the lease on, with everything needed to send it."""

    id: int
    chat_id: int
    text: str
    message_thread_id: int | None
    user_id: int | None
    disable_notification: bool
    reply_markup: dict[str, Any] | None
    thread_key: str | None
    attempts: int
    type: str


@dataclass(frozen=True)
class OutboxStats:
    depth: int
    oldest_age_seconds: float
    failed: int
    sent: int


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:ERROR_LIMIT]


class OutboxStore:
    """Every state change of a row after it was written; one short transaction each."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, owner: str, limit: int, lease_seconds: float) -> list[ClaimedMessage]:
        """Lease up to `limit` due rows, at most one per chat (the oldest undelivered one)."""
        now = self._clock()
        row = OutboxMessage
        due = or_(
            and_(row.status == OutboxStatus.PENDING, row.next_attempt_at <= now),
            and_(row.status == OutboxStatus.SENDING, row.lease_until < now),
        )
        pick = select(row.id).where(row.id.in_(_chat_heads()), due).order_by(row.id).limit(limit)
        if self._db.is_postgres:
            pick = pick.with_for_update(skip_locked=True)
        statement = (
            update(row)
            .where(row.id.in_(pick.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING,
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_seconds),
            )
            .returning(
                row.id,
                row.chat_id,
                row.text,
                row.message_thread_id,
                row.user_id,
                row.disable_notification,
                row.reply_markup,
                row.thread_key,
                row.attempts,
                row.type,
            )
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session:
            result = await session.execute(statement)
            claimed = [ClaimedMessage(*r) for r in result.all()]
        return sorted(claimed, key=lambda m: m.id)

    async def next_due(self) -> datetime | None:
        """When the next claimable row falls due (a retry, an expired lease), if any."""
        row = OutboxMessage
        heads = _chat_heads()
        async with self._db.session() as session:
            pending = await session.scalar(
                select(func.min(row.next_attempt_at)).where(
                    row.id.in_(heads), row.status == OutboxStatus.PENDING
                )
            )
            leased = await session.scalar(
                select(func.min(row.lease_until)).where(
                    row.id.in_(heads), row.status == OutboxStatus.SENDING
                )
            )
        moments = [_aware(m) for m in (pending, leased) if m is not None]
        return min(moments) if moments else None

    async def renew(self, row_id: int, owner: str, lease_seconds: float) -> bool:
        """Extend our lease right before sending; False when the row is no longer ours."""
        now = self._clock()
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.lease_owner == owner,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(lease_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session:
            result = await session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def mark_sent(self, row_id: int, message_id: int, note: str | None = None) -> None:
        """Telegram accepted it: record that at once (whoever holds the lease now)."""
        await self.mark_sent_many([(row_id, message_id, note)])

    async def mark_sent_many(self, sent: list[tuple[int, int, str | None]]) -> None:
        """Several accepted messages in one transaction: (row id, message id, note)."""
        if not sent:
            return
        table = cast(Table, OutboxMessage.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                status=OutboxStatus.SENT,
                sent_message_id=bindparam("message_id"),
                sent_at=self._clock(),
                lease_owner=None,
                lease_until=None,
                last_error=bindparam("note"),
            )
        )
        params = [
            {"row_id": row_id, "message_id": message_id, "note": _clip(note)}
            for row_id, message_id, note in sent
        ]
        async with self._db.session() as session:
            connection = await session.connection()
            await connection.execute(statement, params)

    async def reschedule(
        self, row_id: int, owner: str, delay_seconds: float, error: str, *, count: bool
    ) -> None:
        """Back to pending after `delay_seconds`; `count` spends one of its retry attempts."""
        values: dict[str, Any] = {
            "status": OutboxStatus.PENDING,
            "next_attempt_at": self._clock() + timedelta(seconds=max(0.0, delay_seconds)),
            "lease_owner": None,
            "lease_until": None,
            "last_error": _clip(error),
        }
        if count:
            values["attempts"] = OutboxMessage.attempts + 1
        await self._set(row_id, owner, **values)

    async def fail(self, row_id: int, owner: str | None, error: str, *, count: bool = True) -> None:
        """Give up on a row for good; the error stays for whoever looks at it."""
        values: dict[str, Any] = {
            "status": OutboxStatus.FAILED,
            "lease_owner": None,
            "lease_until": None,
            "last_error": _clip(error),
        }
        if count:
            values["attempts"] = OutboxMessage.attempts + 1
        await self._set(row_id, owner, **values)

    async def fail_chat(self, chat_id: int, error: str) -> int:
        """Fail every undelivered row of a chat (the user blocked the bot); returns how many."""
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status.in_(UNDELIVERED))
            .values(
                status=OutboxStatus.FAILED,
                lease_owner=None,
                lease_until=None,
                last_error=_clip(error),
            )
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session:
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def release(self, owner: str) -> int:
        """Hand back rows we leased but did not send (clean shutdown): due again at once."""
        statement = (
            update(OutboxMessage)
            .where(
                OutboxMessage.lease_owner == owner,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(status=OutboxStatus.PENDING, lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session:
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge(self, older_than: timedelta) -> int:
        """Forget delivered and failed rows after a while (their dedupe keys go with them)."""
        cutoff = self._clock() - older_than
        statement = (
            delete(OutboxMessage)
            .where(
                OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
                OutboxMessage.created_at < cutoff,
            )
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session:
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def reply_target(self, message: ClaimedMessage) -> int | None:
        """The message id of the first delivered message of the same thread in the same chat."""
        if not message.thread_key:
            return None
        row = OutboxMessage
        query = (
            select(row.sent_message_id)
            .where(
                row.chat_id == message.chat_id,
                row.thread_key == message.thread_key,
                row.message_thread_id.is_not_distinct_from(message.message_thread_id),
                row.status == OutboxStatus.SENT,
                row.sent_message_id.is_not(None),
                row.id < message.id,
            )
            .order_by(row.id)
            .limit(1)
        )
        async with self._db.session() as session:
            found = await session.scalar(query)
        return None if found is None else int(found)

    async def stats(self) -> OutboxStats:
        """Depth and age of the undelivered backlog (the Prometheus gauges), and totals."""
        row = OutboxMessage
        async with self._db.session() as session:
            counts = dict(
                (await session.execute(select(row.status, func.count()).group_by(row.status))).all()
            )
            oldest = await session.scalar(
                select(func.min(row.created_at)).where(row.status.in_(UNDELIVERED))
            )
        depth = int(counts.get(OutboxStatus.PENDING, 0)) + int(counts.get(OutboxStatus.SENDING, 0))
        age = 0.0
        if oldest is not None:
            age = max(0.0, (self._clock() - _aware(oldest)).total_seconds())
        return OutboxStats(
            depth=depth,
            oldest_age_seconds=age,
            failed=int(counts.get(OutboxStatus.FAILED, 0)),
            sent=int(counts.get(OutboxStatus.SENT, 0)),
        )

    async def _set(self, row_id: int, owner: str | None, **values: Any) -> None:
        conditions = [OutboxMessage.id == row_id]
        if owner is not None:
            conditions.append(OutboxMessage.lease_owner == owner)
        statement = (
            update(OutboxMessage)
            .where(*conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session:
            await session.execute(statement)


def _chat_heads() -> Select[Any]:
    """The oldest undelivered row of every chat: the only one of the chat that may go next."""
    return (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status.in_(UNDELIVERED))
        .group_by(OutboxMessage.chat_id)
    )


def _aware(moment: datetime) -> datetime:
    """Belt and braces: an aggregate may come back without its zone on SQLite."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

"""The webhook inbox: an update is a row before Telegram gets its 200, and done once handled.

`accept` writes the row leased to this replica (one short transaction; a row already there means
Telegram resent it: not handled again, by whichever replica). While this replica handles its
updates, `renew` keeps their leases alive; when a replica dies its rows' leases run out and
`claim_expired` hands them to a survivor (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, on SQLite
in one atomic `UPDATE`), so no update that was acknowledged is lost. A row taken over
`MAX_ATTEMPTS` times (an update that kills whoever handles it) is given up.

Delivery is at least once in one narrow case only: a replica killed after its handler's reply
went out but before the "done" mark is written; its successor handles that update again.
Payloads are sealed with SECRET_KEY when one is set (a user may type a secret into a dialog) and
dropped as soon as the update is done; done rows stay `KEEP` long, to recognise resends.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from telegram_frontend.core.crypto import DecryptionFailed, SecretBox
from telegram_frontend.core.database import Database
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models.base import utcnow
from telegram_frontend.models.webhook_update import UpdateStatus, WebhookUpdate

log = get_logger(__name__)

MAX_ATTEMPTS = 3
KEEP = timedelta(hours=1)  # longer than Telegram keeps resending an update it got no 200 for
CHUNK = 500  # ids per renewal statement (SQLite's bound-parameter limit is far above)
_TABLE = cast(Table, WebhookUpdate.__table__)


def new_owner() -> str:
    """This replica's name on its leases: host, process and a random part (pids are reused)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class StoredUpdate:
    """A row this replica now holds the lease on: the update's id and its JSON."""

    update_id: int
    payload: str
    attempts: int


class WebhookInbox:
    """The rows of one bot; `in_flight` are the updates this replica is handling right now."""

    def __init__(
        self,
        db: Database,
        bot_id: int,
        *,
        lease_seconds: float,
        seal: SecretBox | None = None,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self.bot_id = bot_id
        self.lease = timedelta(seconds=lease_seconds)
        self._seal = seal
        self.owner = owner or new_owner()
        self._clock = clock
        self.in_flight: set[int] = set()
        insert = pg_insert if db.is_postgres else sqlite_insert
        self._insert = insert(_TABLE).on_conflict_do_nothing(
            index_elements=[_TABLE.c.bot_id, _TABLE.c.update_id]
        )
        self._finish = (
            update(_TABLE)
            .where(
                _TABLE.c.bot_id == bot_id,
                _TABLE.c.update_id == bindparam("uid"),
                _TABLE.c.lease_owner == self.owner,
                _TABLE.c.status == UpdateStatus.HANDLING,
            )
            .values(
                status=UpdateStatus.DONE,
                payload="",
                lease_owner=None,
                lease_until=None,
                finished_at=bindparam("now"),
            )
        )

    async def accept(self, update_id: int, payload: str) -> bool:
        """Store a new update leased to us; False when it is already here (a resend)."""
        now = self._clock()
        row = {
            "bot_id": self.bot_id,
            "update_id": update_id,
            "payload": self._seal.encrypt(payload) if self._seal else payload,
            "status": UpdateStatus.HANDLING,
            "attempts": 1,
            "lease_owner": self.owner,
            "lease_until": now + self.lease,
            "received_at": now,
        }
        async with self._db.engine.begin() as conn:
            result = await conn.execute(self._insert, row)
        fresh = bool(result.rowcount)
        if fresh:
            self.in_flight.add(update_id)
        return fresh

    async def finish(self, update_id: int) -> None:
        """The update was handled (its reply sent, or its error answered): forget its payload."""
        self.in_flight.discard(update_id)
        async with self._db.engine.begin() as conn:
            await conn.execute(self._finish, {"uid": update_id, "now": self._clock()})

    async def renew(self) -> int:
        """Extend the leases of every update this replica is still handling; how many."""
        ids = sorted(self.in_flight)
        renewed = 0
        until = self._clock() + self.lease
        for start in range(0, len(ids), CHUNK):
            statement = (
                update(_TABLE)
                .where(
                    _TABLE.c.bot_id == self.bot_id,
                    _TABLE.c.update_id.in_(ids[start : start + CHUNK]),
                    _TABLE.c.lease_owner == self.owner,
                    _TABLE.c.status == UpdateStatus.HANDLING,
                )
                .values(lease_until=until)
            )
            async with self._db.engine.begin() as conn:
                renewed += (await conn.execute(statement)).rowcount or 0
        return renewed

    async def claim_expired(self, limit: int) -> list[StoredUpdate]:
        """Lease up to `limit` rows whose holder's lease ran out (it died), oldest first."""
        now = self._clock()
        expired = (
            (_TABLE.c.bot_id == self.bot_id)
            & (_TABLE.c.status == UpdateStatus.HANDLING)
            & (_TABLE.c.lease_until < now)
        )
        pick = select(_TABLE.c.update_id).where(expired).order_by(_TABLE.c.update_id).limit(limit)
        if self._db.is_postgres:
            pick = pick.with_for_update(skip_locked=True)
        statement = (
            update(_TABLE)
            .where(expired, _TABLE.c.update_id.in_(pick.scalar_subquery()))
            .values(
                lease_owner=self.owner,
                lease_until=now + self.lease,
                attempts=_TABLE.c.attempts + 1,
            )
            .returning(_TABLE.c.update_id, _TABLE.c.payload, _TABLE.c.attempts)
        )
        async with self._db.engine.begin() as conn:
            rows = (await conn.execute(statement)).all()
        claimed: list[StoredUpdate] = []
        for update_id, payload, attempts in sorted(rows):
            self.in_flight.add(update_id)
            if attempts > MAX_ATTEMPTS:
                await self.give_up(update_id, f"taken over {attempts - 1} times")
                continue
            try:
                text = self._seal.decrypt(payload) if self._seal else payload
            except DecryptionFailed as exc:
                await self.give_up(update_id, exc.reason)
                continue
            claimed.append(StoredUpdate(update_id, text, attempts))
        return claimed

    async def give_up(self, update_id: int, reason: str) -> None:
        """Never handle this update again (its payload is dropped); the reason goes to the log."""
        self.in_flight.discard(update_id)
        log.error("webhook_update_given_up", update_id=update_id, reason=reason)
        statement = (
            update(_TABLE)
            .where(_TABLE.c.bot_id == self.bot_id, _TABLE.c.update_id == update_id)
            .values(
                status=UpdateStatus.FAILED,
                payload="",
                lease_owner=None,
                lease_until=None,
                finished_at=self._clock(),
            )
        )
        async with self._db.engine.begin() as conn:
            await conn.execute(statement)

    def abandon(self, update_id: int) -> None:
        """We stopped handling it unfinished: no more renewals, so its lease runs out."""
        self.in_flight.discard(update_id)

    async def release(self, update_ids: Iterable[int]) -> int:
        """Hand back updates we stopped handling unfinished (shutdown): claimable by anyone now."""
        ids = list(update_ids)
        self.in_flight.difference_update(ids)
        if not ids:
            return 0
        statement = (
            update(_TABLE)
            .where(
                _TABLE.c.bot_id == self.bot_id,
                _TABLE.c.update_id.in_(ids),
                _TABLE.c.lease_owner == self.owner,
                _TABLE.c.status == UpdateStatus.HANDLING,
            )
            .values(lease_until=self._clock())
        )
        async with self._db.engine.begin() as conn:
            return (await conn.execute(statement)).rowcount or 0

    async def purge(self, older_than: timedelta = KEEP) -> int:
        """Forget settled rows received before `older_than` ago (their resends are over)."""
        statement = delete(_TABLE).where(
            _TABLE.c.bot_id == self.bot_id,
            _TABLE.c.status.in_((UpdateStatus.DONE, UpdateStatus.FAILED)),
            _TABLE.c.received_at < self._clock() - older_than,
        )
        async with self._db.engine.begin() as conn:
            return (await conn.execute(statement)).rowcount or 0

    async def counts(self) -> dict[str, int]:
        """Rows per status (for tests and the operator's eye)."""
        statement = (
            select(_TABLE.c.status, func.count())
            .where(_TABLE.c.bot_id == self.bot_id)
            .group_by(_TABLE.c.status)
        )
        async with self._db.engine.connect() as conn:
            return {status: int(n) for status, n in (await conn.execute(statement)).all()}

"""Access requests reach the admins through the outbox, batched, and strangers are capped.

A /start flood must not stall the bot: the handler only stores the pending user (at most
`ACCESS_REQUESTS_PER_MINUTE` new ones a minute, globally); a worker tells the admins every few
seconds in one message per batch ("12 new access requests" with the list), which the outbox
delivers at Telegram's pace and retries. Requests nobody decided expire after
`ACCESS_REQUEST_TTL_DAYS`, so the list does not grow forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.formatters import b, code, esc
from telegram_frontend.core.i18n import _
from telegram_frontend.core.text_safety import clean_name
from telegram_frontend.models import User
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.users import Registration, UserService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import localized
from telegram_frontend.services.notifications.types import (
    Audience,
    MarkupRenderer,
    Notice,
    NoticeType,
)

BATCH_MAX = 30
MarkupFactory = Callable[[Sequence[int]], MarkupRenderer | None]


def describe(user: User) -> str:
    """One line naming a requester for admins: cleaned name, @username, id."""
    handle = f" @{esc(clean_name(user.username, 64))}" if user.username else ""
    return f"{b(clean_name(user.full_name) or '?')}{handle} (id {code(str(user.id))})"


def requests_notice(users: Sequence[User], at: datetime, markup: MarkupRenderer | None) -> Notice:
    """One message for a batch of new requests (the single one keeps its decision buttons)."""

    def build(_audience: Audience) -> str:
        if len(users) == 1:
            return "🔔 " + _("Access request from {user}.").format(user=describe(users[0]))
        head = "🔔 " + _("{count} new access requests:").format(count=len(users))
        lines = [head, *("• " + describe(user) for user in users), _("Decide in /users.")]
        return "\n".join(lines)

    return Notice(
        type=NoticeType.SYSTEM,
        key=f"access-requests:{users[0].id}:{int(at.timestamp() * 1000)}",
        render=localized(build),
        min_role=Role.ADMIN,
        to_routes=False,
        force=True,
        markup=markup,
    )


class AccessRequests:
    """Registers strangers within the global cap, announces and expires their requests."""

    def __init__(
        self,
        db: Database,
        cache: Cache,
        users: UserService,
        notifications: NotificationService,
        audit: AuditService,
        *,
        per_minute: int = 300,
        ttl_days: float = 7.0,
        markup: MarkupFactory | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._cache = cache
        self._users = users
        self._notifications = notifications
        self._audit = audit
        self.per_minute = per_minute
        self.ttl = timedelta(days=ttl_days)
        self.markup = markup
        self._clock = clock

    async def request(
        self, user_id: int, username: str | None, full_name: str, language: str | None = None
    ) -> Registration | None:
        """Register the caller; None when too many strangers asked this minute (try later)."""
        if await self._users.get(user_id) is None:
            bucket = int(time.time() // 60)
            if await self._cache.incr(f"access-new:{bucket}", ttl=61) > self.per_minute:
                return None
        return await self._users.register(user_id, username, full_name, language)

    async def first_refusal(self, key: str) -> bool:
        """True the first time in ten minutes that this refused stranger is told to wait."""
        return await self._cache.add(key, "1", ttl=600)

    async def announce(self) -> int:
        """Tell the admins about requests not announced yet, one message per batch."""
        now = self._clock()
        async with self._db.session() as session:
            rows = list(
                await session.scalars(
                    select(User)
                    .where(User.role == Role.PENDING.value, User.access_announced_at.is_(None))
                    .order_by(User.created_at, User.id)
                    .limit(BATCH_MAX)
                )
            )
            if not rows:
                return 0
            for user in rows:
                user.access_announced_at = now
            markup = self.markup([u.id for u in rows]) if self.markup and len(rows) == 1 else None
            await self._notifications.notify(requests_notice(rows, now, markup), session=session)
        return len(rows)

    async def expire(self) -> int:
        """Forget pending requests older than the TTL (they may ask again), audited."""
        cutoff = self._clock() - self.ttl
        async with self._db.session() as session:
            ids = list(
                await session.scalars(
                    select(User.id).where(User.role == Role.PENDING.value, User.created_at < cutoff)
                )
            )
            if not ids:
                return 0
            await session.execute(delete(User).where(User.id.in_(ids)))
            await self._audit.record(
                SYSTEM,
                "access.expired",
                "pending users",
                "ok",
                {"count": len(ids), "users": ids[:100]},
                session=session,
            )
        return len(ids)

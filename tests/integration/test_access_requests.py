"""Access requests under a /start flood (security review finding 3): stored within a global cap,
announced to admins through the outbox in batches, expired when nobody decides."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from telegram_frontend.core.access import Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.models import OutboxMessage, User
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal

ADMINS = (1, 2)


async def make(database: Database, cache: Cache, per_minute: int = 1000) -> AccessRequests:
    audit = AuditService(database)
    users = UserService(database, audit, admin_ids=ADMINS)
    for admin in ADMINS:
        await users.register(admin, f"admin{admin}", "Admin")
    notifications = NotificationService(database, OutboxSignal())
    return AccessRequests(database, cache, users, notifications, audit, per_minute=per_minute)


async def outbox(database: Database) -> list[OutboxMessage]:
    async with database.session() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_flood_of_requests_reaches_every_admin_in_a_few_batched_messages(
    database: Database, cache: Cache
) -> None:
    requests = await make(database, cache)
    for n in range(200):
        assert await requests.request(10_000 + n, None, f"Stranger \u202e{n}\x07") is not None
    while await requests.announce():
        pass
    rows = await outbox(database)
    per_admin = {admin: [r for r in rows if r.chat_id == admin] for admin in ADMINS}
    assert all(len(messages) == 7 for messages in per_admin.values())  # 200 in batches of 30
    text = "\n".join(r.text for r in per_admin[1])
    assert "30 new access requests:" in text
    assert all(f"(id <code>{10_000 + n}</code>)" in text for n in range(200))
    assert "\u202e" not in text and "\x07" not in text
    assert await requests.announce() == 0  # each request is announced once


async def test_new_strangers_beyond_the_cap_are_turned_away_but_known_users_are_not(
    database: Database, cache: Cache
) -> None:
    requests = await make(database, cache, per_minute=5)
    admitted = [await requests.request(20_000 + n, None, "S") for n in range(8)]
    assert [a is not None for a in admitted] == [True] * 5 + [False] * 3
    assert await requests.request(20_000, None, "S") is not None  # already known
    assert await requests.request(ADMINS[0], None, "Admin") is not None


async def test_pending_requests_expire_after_the_ttl(database: Database, cache: Cache) -> None:
    requests = await make(database, cache)
    await requests.request(30_001, None, "Old")
    await requests.request(30_002, None, "New")
    async with database.session() as session:
        old = await session.get(User, 30_001)
        assert old is not None
        old.created_at = utcnow() - timedelta(days=8)
    assert await requests.expire() == 1
    async with database.session() as session:
        left = set(await session.scalars(select(User.id).where(User.role == Role.PENDING.value)))
    assert left == {30_002}

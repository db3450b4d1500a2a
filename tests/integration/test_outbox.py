"""The outbox on both databases: fan-out, dedupe, per-chat order, leases, concurrent claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import NotificationRoute, NotificationSettings, OutboxMessage
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.notifications.outbox import OutboxStore
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType
from tests.conftest import Backend

ADMIN = Actor(role=Role.ADMIN, user_id=1, name="test")
NOON = datetime(2025, 10, 12, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _users(db: Database, roles: dict[int, Role]) -> UserService:
    users = UserService(db, AuditService(db))
    for user_id, role in roles.items():
        await users.register(user_id, None, f"user {user_id}")
        await users.set_role(ADMIN, user_id, role)
    return users


def _notice(key: str, kind: NoticeType = NoticeType.TRADES, **extra: object) -> Notice:
    def render(audience: Audience) -> str:
        return f"<b>{key}</b> for {audience.language}/{audience.timezone}"

    return Notice(type=kind, key=key, render=render, **extra)  # type: ignore[arg-type]


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_notice_reaches_each_subscribed_user_once_however_often_it_is_recorded(
    database: Database,
) -> None:
    await _users(
        database,
        {10: Role.VIEWER, 11: Role.TRADER, 12: Role.ADMIN, 13: Role.PENDING, 14: Role.BLOCKED},
    )
    service = NotificationService(database, OutboxSignal())
    first = await service.notify_now(_notice("trade:1"))
    again = await service.notify_now(_notice("trade:1"))
    rows = await _rows(database)
    assert sorted(r.chat_id for r in rows) == [10, 11, 12]
    assert len(first) == 3 and again == []
    assert await service.ids_for_key("trade:1") == first
    assert rows[0].text == "<b>trade:1</b> for en/UTC"


async def test_modes_quiet_hours_and_routes_shape_the_rows(database: Database) -> None:
    users = await _users(database, {20: Role.VIEWER, 21: Role.VIEWER, 22: Role.VIEWER})
    await users.set_preferences(22, timezone="Europe/Berlin", language="ru")
    async with database.session() as session:
        session.add(NotificationSettings(user_id=20, trades="off"))
        session.add(NotificationSettings(user_id=21, trades="silent"))
        # 12:00 UTC is 14:00 in Berlin: inside 13:30-15:00
        session.add(NotificationSettings(user_id=22, quiet_start="13:30", quiet_end="15:00"))
        session.add(NotificationRoute(type="trades", chat_id=-1001, thread_id=7, created_by="test"))
        session.add(NotificationRoute(type="risk", chat_id=-1002, created_by="test"))
    service = NotificationService(database, OutboxSignal(), clock=Clock())
    await service.notify_now(_notice("trade:2"))
    rows = {r.chat_id: r for r in await _rows(database)}
    assert set(rows) == {21, 22, -1001}
    assert rows[21].disable_notification is True
    assert rows[22].disable_notification is True
    assert rows[22].text.endswith("for ru/Europe/Berlin")
    assert rows[-1001].message_thread_id == 7 and rows[-1001].disable_notification is False
    await service.notify_now(_notice("trade:3", force=True, user_ids=frozenset({20})))
    assert [r.chat_id for r in await _rows(database)][-1] == 20


async def test_a_long_notice_becomes_several_messages_in_order(database: Database) -> None:
    await _users(database, {30: Role.VIEWER})
    service = NotificationService(database, OutboxSignal())
    text = "\n".join(f"line {n} " + "x" * 60 for n in range(200))
    notice = Notice(type=NoticeType.SYSTEM, key="long", render=lambda _a: text)
    ids = await service.notify_now(notice)
    assert len(ids) >= 3
    rows = await _rows(database)
    assert [r.dedupe_key for r in rows][:2] == ["long", "long#1"]
    assert "".join(r.text for r in rows).count("line ") == 200


async def test_claims_take_one_row_per_chat_in_order_and_leases_expire(
    database: Database,
) -> None:
    await _users(database, {40: Role.VIEWER, 41: Role.VIEWER})
    clock = Clock()
    service = NotificationService(database, OutboxSignal(), clock=clock)
    for n in range(3):
        await service.notify_now(_notice(f"n{n}"))
    store = OutboxStore(database, clock=clock)
    first = await store.claim("a", 10, lease_seconds=30)
    assert [(m.chat_id, m.text.split("<")[1]) for m in first] == [(40, "b>n0"), (41, "b>n0")]
    assert await store.claim("b", 10, lease_seconds=30) == []
    await store.mark_sent(first[0].id, 501)
    second = await store.claim("b", 10, lease_seconds=30)
    assert [(m.chat_id, m.id) for m in second] == [(40, first[0].id + 2)]
    clock.now += timedelta(seconds=31)
    taken_over = await store.claim("c", 10, lease_seconds=30)
    assert sorted(m.chat_id for m in taken_over) == [40, 41]
    assert await store.renew(first[1].id, "a", 30) is False
    assert await store.renew(first[1].id, "c", 30) is True


async def test_retries_wait_their_turn_and_keep_later_rows_of_the_chat_behind(
    database: Database,
) -> None:
    await _users(database, {50: Role.VIEWER})
    clock = Clock()
    service = NotificationService(database, OutboxSignal(), clock=clock)
    await service.notify_now(_notice("r0"))
    await service.notify_now(_notice("r1"))
    store = OutboxStore(database, clock=clock)
    (head,) = await store.claim("a", 10, 30)
    await store.reschedule(head.id, "a", 5, "502: Bad Gateway", count=True)
    assert await store.claim("a", 10, 30) == []
    assert await store.next_due() == NOON + timedelta(seconds=5)
    clock.now += timedelta(seconds=6)
    (again,) = await store.claim("a", 10, 30)
    assert (again.id, again.attempts) == (head.id, 1)
    await store.fail(again.id, "a", "gave up")
    (later,) = await store.claim("a", 10, 30)
    assert later.id == head.id + 1
    rows = await _rows(database)
    assert (rows[0].status, rows[0].last_error, rows[0].attempts) == ("failed", "gave up", 2)


async def test_follow_ups_find_the_first_message_of_their_thread(database: Database) -> None:
    await _users(database, {60: Role.VIEWER})
    service = NotificationService(database, OutboxSignal())
    await service.notify_now(_notice("open", thread_key="order:9"))
    await service.notify_now(_notice("other"))
    await service.notify_now(_notice("close", thread_key="order:9"))
    store = OutboxStore(database)
    (opened,) = await store.claim("a", 10, 30)
    assert await store.reply_target(opened) is None
    await store.mark_sent(opened.id, 77)
    (other,) = await store.claim("a", 10, 30)
    await store.mark_sent(other.id, 78)
    (closed,) = await store.claim("a", 10, 30)
    assert await store.reply_target(closed) == 77


async def test_a_blocked_chat_fails_all_its_rows_and_release_hands_rows_back(
    database: Database,
) -> None:
    await _users(database, {70: Role.VIEWER, 71: Role.VIEWER})
    service = NotificationService(database, OutboxSignal())
    for n in range(3):
        await service.notify_now(_notice(f"b{n}"))
    store = OutboxStore(database)
    claimed = await store.claim("a", 10, 30)
    assert await store.fail_chat(70, "403: blocked") == 3
    assert await store.release("a") == 1
    (back,) = await store.claim("b", 10, 30)
    assert back.chat_id == 71 and back.id == claimed[1].id
    stats = await store.stats()
    assert (stats.depth, stats.failed) == (3, 3)


async def test_old_delivered_rows_are_purged_and_undelivered_ones_kept(
    database: Database,
) -> None:
    await _users(database, {80: Role.VIEWER, 81: Role.VIEWER})
    clock = Clock()
    service = NotificationService(database, OutboxSignal(), clock=clock)
    await service.notify_now(_notice("old"))
    store = OutboxStore(database, clock=clock)
    sent, failed = await store.claim("a", 10, 30)
    await store.mark_sent(sent.id, 1)
    await store.fail(failed.id, "a", "400: nope")
    await service.notify_now(_notice("waiting"))
    clock.now += timedelta(days=31)
    assert await store.purge(timedelta(days=30)) == 2
    assert [r.dedupe_key for r in await _rows(database)] == ["waiting", "waiting"]


async def test_concurrent_dispatchers_never_claim_the_same_row(
    backend: Backend, database: Database
) -> None:
    chats = {100 + n: Role.VIEWER for n in range(20)}
    await _users(database, chats)
    service = NotificationService(database, OutboxSignal())
    for n in range(10):
        await service.notify_now(_notice(f"c{n}"))
    second_db = Database(backend.database_url)
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    async def dispatcher(owner: str, db: Database) -> None:
        store = OutboxStore(db)
        idle = 0
        while idle < 3:
            batch = await store.claim(owner, 7, 30)
            idle = 0 if batch else idle + 1
            for message in batch:
                claimed[owner].append(message.id)
                await store.mark_sent(message.id, message.id)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(dispatcher("a", database), dispatcher("b", second_db))
    finally:
        await second_db.dispose()
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == 200 == len(set(everything))
    assert claimed["a"] and claimed["b"]
    rows = await _rows(database)
    assert {r.status for r in rows} == {"sent"}

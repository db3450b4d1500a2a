"""The webhook inbox on both databases: a resend is refused, a dead replica's updates are taken
over only after its lease, a live replica's never, two survivors never share one, and payloads
are sealed and dropped once done."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.database import Database
from telegram_frontend.models import WebhookUpdate
from telegram_frontend.services.intake.webhook_inbox import MAX_ATTEMPTS, WebhookInbox
from tests.conftest import Backend

BOT = 123456
KEY = "inbox-test-key-0123456789-abcdefghijklmnop"


@pytest.fixture
async def second_database(backend: Backend, database: Database) -> AsyncIterator[Database]:
    """Another engine on the same database, as another replica would have."""
    other = Database(backend.database_url)
    yield other
    await other.dispose()


def payload(update_id: int, text: str = "/help") -> str:
    return f'{{"update_id": {update_id}, "message": {{"text": "{text}"}}}}'


async def stored_payloads(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(WebhookUpdate.payload)))


async def test_an_update_is_accepted_once_whichever_replica_gets_it(
    database: Database, second_database: Database
) -> None:
    one = WebhookInbox(database, BOT, lease_seconds=30)
    two = WebhookInbox(second_database, BOT, lease_seconds=30)
    assert await one.accept(1, payload(1))
    assert not await two.accept(1, payload(1))
    assert not await one.accept(1, payload(1))
    assert await two.accept(2, payload(2))
    other_bot = WebhookInbox(database, BOT + 1, lease_seconds=30)
    assert await other_bot.accept(1, payload(1))  # another bot's update 1 is another update
    assert (one.in_flight, two.in_flight) == ({1}, {2})
    await one.finish(1)
    assert await one.counts() == {"done": 1, "handling": 1}
    assert not await two.accept(1, payload(1))  # done, still recognised as a resend


async def test_a_dead_replicas_update_is_taken_over_only_when_its_lease_ends(
    database: Database, second_database: Database
) -> None:
    dead = WebhookInbox(database, BOT, lease_seconds=0.5)
    survivor = WebhookInbox(second_database, BOT, lease_seconds=30)
    assert await dead.accept(7, payload(7))
    assert await survivor.claim_expired(10) == []
    await asyncio.sleep(0.7)
    (taken,) = await survivor.claim_expired(10)
    assert (taken.update_id, taken.payload, taken.attempts) == (7, payload(7), 2)
    assert await survivor.claim_expired(10) == []  # now leased to the survivor
    await survivor.finish(7)
    await dead.finish(7)  # the dead one's late mark changes nothing: the row is not its own
    assert await survivor.counts() == {"done": 1}


async def test_renewed_leases_are_never_taken_over(
    database: Database, second_database: Database
) -> None:
    alive = WebhookInbox(database, BOT, lease_seconds=1.0)
    other = WebhookInbox(second_database, BOT, lease_seconds=30)
    assert await alive.accept(8, payload(8))
    assert await alive.accept(9, payload(9))
    alive.abandon(9)  # its handler was cancelled: no longer renewed
    taken: list[int] = []
    for _ in range(8):
        await asyncio.sleep(0.2)
        assert await alive.renew() == 1
        taken += [u.update_id for u in await other.claim_expired(10)]
    assert taken == [9]


async def test_two_survivors_never_take_the_same_update(
    backend: Backend, database: Database, second_database: Database
) -> None:
    dead = WebhookInbox(database, BOT, lease_seconds=0.01)
    for n in range(40):
        assert await dead.accept(100 + n, payload(100 + n))
    await asyncio.sleep(0.1)
    first = WebhookInbox(database, BOT, lease_seconds=30)
    second = WebhookInbox(second_database, BOT, lease_seconds=30)
    taken: list[int] = []
    for _ in range(10):
        rounds = await asyncio.gather(first.claim_expired(3), second.claim_expired(3))
        taken += [u.update_id for claimed in rounds for u in claimed]
    assert sorted(taken) == list(range(100, 140))


async def test_stopping_hands_back_unfinished_updates_at_once(
    database: Database, second_database: Database
) -> None:
    stopping = WebhookInbox(database, BOT, lease_seconds=30)
    other = WebhookInbox(second_database, BOT, lease_seconds=30)
    for n in (11, 12, 13):
        assert await stopping.accept(n, payload(n))
    await stopping.finish(11)
    assert await stopping.release([11, 12, 13]) == 2
    assert stopping.in_flight == set()
    assert sorted(u.update_id for u in await other.claim_expired(10)) == [12, 13]


async def test_an_update_that_keeps_killing_its_handler_is_given_up(
    database: Database, second_database: Database
) -> None:
    first = WebhookInbox(database, BOT, lease_seconds=0.01)
    assert await first.accept(21, payload(21))
    taken = 0
    for _ in range(MAX_ATTEMPTS + 1):
        await asyncio.sleep(0.05)
        replica = WebhookInbox(second_database, BOT, lease_seconds=0.01)
        taken += len(await replica.claim_expired(10))
    assert taken == MAX_ATTEMPTS - 1
    assert await first.counts() == {"failed": 1}
    assert await stored_payloads(database) == [""]


async def test_payloads_are_sealed_and_dropped_once_done(
    database: Database, second_database: Database
) -> None:
    box = SecretBox(KEY)
    secret = payload(31, "my api secret XYZ")
    sealed = WebhookInbox(database, BOT, lease_seconds=0.01, seal=box)
    assert await sealed.accept(31, secret)
    (raw,) = await stored_payloads(database)
    assert "XYZ" not in raw and box.decrypt(raw) == secret
    await asyncio.sleep(0.05)
    (taken,) = await WebhookInbox(second_database, BOT, lease_seconds=30, seal=box).claim_expired(1)
    assert taken.payload == secret
    wrong_key = WebhookInbox(database, BOT, lease_seconds=0.01, seal=SecretBox(KEY + "x"))
    assert await wrong_key.accept(32, payload(32))
    await asyncio.sleep(0.05)
    assert (
        await WebhookInbox(second_database, BOT, lease_seconds=30, seal=box).claim_expired(5) == []
    )
    assert (await sealed.counts())["failed"] == 1  # unreadable: given up, not handled as garbage


async def test_settled_rows_are_purged_after_the_resend_window(database: Database) -> None:
    inbox = WebhookInbox(database, BOT, lease_seconds=30)
    for n in (41, 42):
        assert await inbox.accept(n, payload(n))
    await inbox.finish(41)
    assert await inbox.purge(timedelta(hours=1)) == 0
    assert await inbox.purge(timedelta(0)) == 1  # the unfinished one stays
    assert await inbox.counts() == {"handling": 1}

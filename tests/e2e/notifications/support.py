"""Helpers of the notification tests: subscribers, queued notices, delivered chat histories."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import OutboxMessage
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.types import Notice, NoticeType
from tests.e2e.harness import RunningFrontend, wait_for

SETUP = Actor(role=Role.ADMIN, user_id=1000, name="setup")

# Fast retries so fault tests take seconds, not minutes. The send timeout is the product's
# default, well above a loaded machine's answer time: a send that times out after Telegram stored
# it is sent again (the documented at-least-once window), which these tests would rightly count
# as a duplicate. At 3 s a loaded CI run sent one notice twice (the emulator shares the loop).
SEND_TIMEOUT_S = 10
FAST_DELIVERY = {
    "NOTIFY_RETRY_BASE_SECONDS": "0.05",
    "NOTIFY_RETRY_MAX_SECONDS": "0.5",
    "NOTIFY_SEND_TIMEOUT_SECONDS": str(SEND_TIMEOUT_S),
    "NOTIFY_IDLE_SECONDS": "0.2",
    "TELEGRAM_PRIVATE_CHAT_RATE_PER_SECOND": "100",
    "TELEGRAM_GLOBAL_RATE_PER_SECOND": "500",
}


async def subscribe(
    app: RunningFrontend, user_ids: Iterable[int], role: Role = Role.VIEWER
) -> None:
    """Users who talked to the bot before and hold `role` (set up through the service)."""
    users = await app.frontend.container.get(UserService)
    for user_id in user_ids:
        await users.register(user_id, f"user{user_id}", f"User {user_id}")
        await users.set_role(SETUP, user_id, role)
        await app.client.register_chat(user_id)


async def enqueue(
    app: RunningFrontend, key: str, user_ids: Iterable[int], text: str | None = None
) -> list[int]:
    """Queue one notice for those users, as any cause in the product would."""
    service = await app.frontend.container.get(NotificationService)
    body = text if text is not None else f"<b>notice</b> {key}"
    notice = Notice(
        type=NoticeType.SYSTEM,
        key=key,
        render=lambda _audience: body,
        user_ids=frozenset(user_ids),
    )
    return await service.notify_now(notice)


async def enqueue_together(app: RunningFrontend, keys: list[str], user_ids: list[int]) -> None:
    """Queue several notices in one transaction (as a poller records a batch of trades)."""
    service = await app.frontend.container.get(NotificationService)
    db = await app.frontend.container.get(Database)
    async with db.session() as session:
        for key in keys:
            body = f"<b>notice</b> {key}"
            notice = Notice(
                type=NoticeType.SYSTEM,
                key=key,
                render=lambda _audience, text=body: text,
                user_ids=frozenset(user_ids),
            )
            await service.notify(notice, session=session)


async def rows(app: RunningFrontend) -> list[OutboxMessage]:
    db = await app.frontend.container.get(Database)
    async with db.session() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def wait_settled(app: RunningFrontend, total: int, timeout: float = 30.0) -> None:
    """Until `total` rows are sent or failed (nothing left to deliver)."""
    db = await app.frontend.container.get(Database)

    async def settled() -> bool:
        async with db.session() as session:
            done = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("sent", "failed")))
            )
        return (done or 0) >= total

    await wait_for(settled, timeout=timeout, what=f"{total} settled outbox rows")


async def bot_texts(app: RunningFrontend, chat_id: int) -> list[str]:
    return [m.text or "" for m in await app.client.messages(chat_id) if m.from_bot]

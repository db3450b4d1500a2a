"""What every drill needs: subscribers, queued notices, and the proof read from the emulator."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy import func, select

from telegram_frontend.core.database import Database
from telegram_frontend.core.metrics import COMMANDS
from telegram_frontend.models import OutboxMessage, User
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType

INTERNAL_ERROR = "Something went wrong"

# Retries in tenths of a second instead of seconds, so a drill's outage is over in seconds.
FAST_RETRIES = {
    "NOTIFY_RETRY_BASE_SECONDS": "0.1",
    "NOTIFY_RETRY_MAX_SECONDS": "1",
    "NOTIFY_SEND_TIMEOUT_SECONDS": "1",
    "NOTIFY_IDLE_SECONDS": "0.2",
    "NOTIFY_MAX_ATTEMPTS": "50",
    "RATE_LIMIT_PER_MINUTE": "100000",
}


async def add_users(db: Database, user_ids: Iterable[int], role: str) -> None:
    """Users who already hold `role` (drill data, written straight into our tables)."""
    async with db.session() as session:
        session.add_all(
            User(id=uid, username=f"u{uid}", full_name=f"User {uid}", role=role) for uid in user_ids
        )


def notice_text(key: str) -> str:
    return f"drill notice {key}"


def _renderer(text: str) -> Callable[[Audience], str]:
    return lambda _audience: f"<b>{text}</b>"


async def enqueue(db: Database, keys: Iterable[str], user_ids: Iterable[int]) -> int:
    """Queue one notice per key for those users, through the product's NotificationService."""
    service = NotificationService(db, OutboxSignal())
    chats = frozenset(user_ids)
    queued = 0
    for key in keys:
        notice = Notice(
            type=NoticeType.SYSTEM, key=key, render=_renderer(notice_text(key)), user_ids=chats
        )
        queued += len(await service.notify_now(notice))
    return queued


def bot_texts(emulator: TelegramEmulator, chat_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in emulator.world.chat_messages(chat_id) if m.from_bot]


def delivery_report(
    emulator: TelegramEmulator, chats: Iterable[int], keys: list[str]
) -> tuple[int, int, list[int]]:
    """(lost, duplicated, chats out of order) of the notices `keys` in those chats."""
    expected = [notice_text(k) for k in keys]
    lost = duplicated = 0
    disordered = []
    for chat in chats:
        texts = [t for t in bot_texts(emulator, chat) if t in set(expected)]
        counts = Counter(texts)
        lost += sum(1 for text in expected if counts[text] == 0)
        duplicated += sum(n - 1 for n in counts.values())
        if list(dict.fromkeys(texts)) != [t for t in expected if counts[t]]:
            disordered.append(chat)
    return lost, duplicated, disordered


async def settled_rows(db: Database) -> int:
    async with db.session() as session:
        done = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(("sent", "failed")))
        )
    return int(done or 0)


async def eventually(
    condition: Callable[[], Awaitable[bool]], within_s: float, what: str, step: float = 0.05
) -> None:
    """Re-check `condition` until it holds; fail naming `what` after `within_s`."""
    deadline = time.monotonic() + within_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within_s}s waiting for {what}")
        await asyncio.sleep(step)


class HandlerFailures(logging.Handler):
    """Collects the `handler_failed` log events (the error text of each) while attached."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg if isinstance(record.msg, dict) else {}
        if event.get("event") == "handler_failed":
            trace = str(event.get("exception", "")).splitlines()
            ours = [
                line.strip()
                for line in trace
                if "telegram_frontend/" in line
                and not any(skip in line for skip in ("middleware", "telegram_session"))
            ][-2:]
            self.errors.append(f"{str(event.get('error', ''))[:160]} at {ours}")

    def __enter__(self) -> HandlerFailures:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        logging.getLogger().removeHandler(self)


def internal_errors() -> float:
    """How many handler errors became "Something went wrong" in this process so far."""
    return COMMANDS.labels(command="error", outcome="internal")._value.get()

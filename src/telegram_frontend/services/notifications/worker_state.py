"""Durable memory of the workers (cursors, breach and health states) in `tf_worker_state`.

Reads and writes take the caller's session, so a worker saves its state in the same
transaction as the notifications that state change caused: both happen, or neither. Each
deployment's workers keep their own state (`scoped_key`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.models import WorkerState


def scoped_key(key: str, deployment: str) -> str:
    """A worker's state key (or name, or lock) for one deployment. The `default` deployment keeps
    the key it had before there were deployments, so an upgrade neither replays trades nor
    repeats alerts."""
    return key if deployment == DEFAULT_NAME else f"{key}@{deployment}"


async def load_state(session: AsyncSession, key: str) -> dict[str, Any]:
    row = await session.get(WorkerState, key)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


async def save_state(session: AsyncSession, key: str, value: dict[str, Any]) -> None:
    row = await session.get(WorkerState, key)
    if row is None:
        session.add(WorkerState(key=key, value=dict(value)))
    else:
        row.value = dict(value)


async def read_state(db: Database, key: str) -> dict[str, Any]:
    """The state outside any other work (tests, /status)."""
    async with db.session() as session:
        return await load_state(session, key)

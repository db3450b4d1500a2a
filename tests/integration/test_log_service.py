"""`/logs` storage: redacted records stored, filtered by level and text, admins only."""

from __future__ import annotations

import logging
import time

import pytest

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import PermissionDenied, ValidationFailed
from telegram_frontend.core.logging import REDACTOR, RecentLogBuffer
from telegram_frontend.services.admin.logs import LogService
from telegram_frontend.workers.log_sink import LogSinkWorker

ADMIN = Actor(role=Role.ADMIN, user_id=1)


async def test_records_are_redacted_stored_and_filtered(database: Database) -> None:
    REDACTOR.add(["hunter2-secret-value"])
    buffer = RecentLogBuffer()
    logger = logging.getLogger("tf.test.logs")
    logger.addHandler(buffer)
    logger.setLevel(logging.INFO)
    try:
        logger.info("backend answered 100%_ok")
        logger.warning("slow call with key hunter2-secret-value")
        logger.error("grid trader down")
    finally:
        logger.removeHandler(buffer)
    service = LogService(database)
    assert await LogSinkWorker(service, buffer).flush() == 3
    everything = await service.recent(ADMIN)
    assert [r.level for r in everything] == ["ERROR", "WARNING", "INFO"]
    assert "hunter2-secret-value" not in everything[1].event
    assert [r.event for r in await service.recent(ADMIN, level="warning")] == [
        "grid trader down",
        "slow call with key ***",
    ]
    assert [r.event for r in await service.recent(ADMIN, text="100%_")] == [
        "backend answered 100%_ok"
    ]
    assert await service.recent(ADMIN, text="answered_") == []  # `_` is literal, not a wildcard
    with pytest.raises(ValidationFailed):
        await service.recent(ADMIN, level="LOUD")
    with pytest.raises(PermissionDenied):
        await service.recent(Actor(role=Role.TRADER, user_id=2))


async def test_old_records_are_pruned(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("telegram_frontend.services.admin.logs.KEEP_RECORDS", 5)
    service = LogService(database)
    await service.store([(time.time(), "INFO", "t", f"event {n}") for n in range(12)])
    kept = await service.recent(ADMIN, limit=50)
    assert [r.event for r in kept] == [f"event {n}" for n in range(11, 6, -1)]

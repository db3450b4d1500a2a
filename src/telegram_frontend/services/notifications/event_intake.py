"""Events posted by backends and scripts become notifications, once per idempotency key.

The sender's key is namespaced by who sent it (an API key, or the shared HMAC secret), so two
senders cannot suppress each other's events; the same key from the same sender is one event.
An event posted for a deployment is tagged with it (and, with several, its key too).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.notifications.deployment_tags import DeploymentTag
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import external_notice
from telegram_frontend.services.notifications.types import NoticeType, Severity


@dataclass(frozen=True)
class ExternalEvent:
    type: NoticeType
    severity: Severity
    title: str
    text: str
    idempotency_key: str | None = None
    thread_key: str | None = None


@dataclass(frozen=True)
class Accepted:
    """The outbox rows of the event, and whether they existed already (a repeated key)."""

    key: str
    ids: list[int]
    duplicate: bool


class EventIntake:
    def __init__(
        self, db: Database, notifications: NotificationService, audit: AuditService
    ) -> None:
        self._db = db
        self._notifications = notifications
        self._audit = audit

    async def submit(
        self, actor: Actor, event: ExternalEvent, deployment: DeploymentTag | None = None
    ) -> Accepted:
        require(actor, Role.TRADER)
        sender_key = event.idempotency_key or secrets.token_hex(16)
        key = f"event:{actor.label}:{sender_key}"
        thread = f"event:{actor.label}:{event.thread_key}" if event.thread_key else None
        notice = external_notice(
            key=key,
            kind=event.type,
            severity=event.severity,
            title=event.title,
            text=event.text,
            thread_key=thread,
        )
        if deployment is not None:
            notice = deployment.apply(notice)
            key = notice.key
        async with self._db.session() as session:
            ids = await self._notifications.notify(notice, session=session)
            if ids:
                await self._audit.record(
                    actor,
                    "event.accepted",
                    key[:256],
                    "ok",
                    {"type": event.type.value, "severity": event.severity.value, "rows": len(ids)},
                    session=session,
                )
        if ids:
            return Accepted(key=sender_key, ids=ids, duplicate=False)
        existing = await self._notifications.ids_for_key(key)
        return Accepted(key=sender_key, ids=existing, duplicate=bool(existing))

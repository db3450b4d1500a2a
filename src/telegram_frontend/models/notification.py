"""The notification outbox and what steers it: per-user settings, admin routes, worker state.

Every notification is first a row in `tf_outbox`, written in the same transaction as its cause;
the dispatcher sends it later. `(dedupe_key, chat_id)` is unique, so one cause reaches one chat
at most once however often it is recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class OutboxStatus:
    """Life of a row: pending → sending (leased) → sent | failed (or back to pending)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One message for one chat; `thread_key` links follow-ups to the first message sent."""

    __tablename__ = "tf_outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", "chat_id", name="uq_tf_outbox_dedupe_key_chat_id"),
        Index("ix_tf_outbox_chat_id_status", "chat_id", "status"),
        Index("ix_tf_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16), default="info")
    text: Mapped[str] = mapped_column(Text)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_thread_id: Mapped[int | None] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    disable_notification: Mapped[bool] = mapped_column(default=False)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    thread_key: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class NotificationSettings(Base):
    """A user's choices; a NULL mode means "the system default" (`notify.default_mode`)."""

    __tablename__ = "tf_notification_settings"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tf_users.id", ondelete="CASCADE"), primary_key=True
    )
    trades: Mapped[str | None] = mapped_column(String(8))
    system: Mapped[str | None] = mapped_column(String(8))
    risk: Mapped[str | None] = mapped_column(String(8))
    performance: Mapped[str | None] = mapped_column(String(8))
    digests: Mapped[str | None] = mapped_column(String(8))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest_daily: Mapped[bool] = mapped_column(default=False)
    digest_weekly: Mapped[bool] = mapped_column(default=False)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    digest_weekday: Mapped[int] = mapped_column(default=0)
    last_daily_period: Mapped[str | None] = mapped_column(String(16))
    last_weekly_period: Mapped[str | None] = mapped_column(String(16))
    # Deployments whose notifications this user does not want (names; None: none muted)
    muted_deployments: Mapped[list[str] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationRoute(Base):
    """An admin's rule: notifications of `type` also go to a group chat (or one forum topic).

    `deployment` limits the route to that deployment's notifications (None: every deployment),
    so one forum group can have a topic per deployment.
    """

    __tablename__ = "tf_notification_routes"
    __table_args__ = (
        UniqueConstraint(
            "type",
            "chat_id",
            "deployment",
            name="uq_tf_notification_routes_type_chat_id_deployment",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column()
    deployment: Mapped[str | None] = mapped_column(String(24))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerState(Base):
    """A worker's durable memory (cursors, breach and health states), keyed by a name."""

    __tablename__ = "tf_worker_state"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

"""The webhook inbox: every update Telegram POSTs is a row here before we answer 200.

A replica that dies while handling an update leaves its row unfinished; when the lease ends,
another replica (or this one, restarted) takes it over, so nothing acknowledged is lost. The
primary key `(bot_id, update_id)` also makes a resent update a no-op, whichever replica gets it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class UpdateStatus:
    """Life of a row: handling (leased) → done | failed (gave up after too many takeovers)."""

    HANDLING = "handling"
    DONE = "done"
    FAILED = "failed"


class WebhookUpdate(Base):
    """One update: its payload (sealed with SECRET_KEY when set) until it has been handled."""

    __tablename__ = "tf_webhook_updates"
    __table_args__ = (
        Index("ix_tf_webhook_updates_status_lease_until", "status", "lease_until"),
        Index("ix_tf_webhook_updates_received_at", "received_at"),
    )

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=UpdateStatus.HANDLING)
    attempts: Mapped[int] = mapped_column(default=1)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()

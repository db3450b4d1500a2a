"""The frontend's own recent log records, kept so `/logs` can show them in Telegram."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class LogRecord(Base):
    """A redacted copy of a log event (secrets are removed before it is stored)."""

    __tablename__ = "tf_log_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    logger: Mapped[str] = mapped_column(String(128), default="")
    event: Mapped[str] = mapped_column(Text)

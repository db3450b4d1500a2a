"""Versioned system configuration: every change is a new row, so history is never lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class Configuration(Base):
    """One version of one key; the highest version of a key is its current value."""

    __tablename__ = "tf_configuration"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_tf_configuration_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column()
    value: Mapped[Any] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

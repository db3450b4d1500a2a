"""A strategy run started or stopped through us: who, when, with what, and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class TradingSession(Base):
    """Opened by a start, closed by a stop; a stop with no open run records a closed one."""

    __tablename__ = "tf_trading_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[str] = mapped_column(String(128), index=True)
    strategy_kind: Mapped[str] = mapped_column(String(16))
    started_by: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime | None] = mapped_column()
    stopped_by: Mapped[str | None] = mapped_column(String(128))
    stopped_at: Mapped[datetime | None] = mapped_column()
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    risk_limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[str] = mapped_column(String(32), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

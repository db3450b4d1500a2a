"""Users' own alert rules: price levels, drawdown, daily P&L and service-down watches."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import uuid4

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from telegram_frontend.models.base import Base, utcnow


class DecimalText(TypeDecorator[Decimal]):
    """An exact Decimal on every backend: stored as its plain text (SQLite has no decimals)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            return None


class AlertRule(Base):
    """Fires once when its condition starts to hold (`armed` → False), re-arms when it clears."""

    __tablename__ = "tf_alert_rules"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012  (SQLAlchemy reads it)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid4().hex)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tf_users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    target: Mapped[str] = mapped_column(String(64), default="*")
    threshold: Mapped[Decimal | None] = mapped_column(DecimalText())
    # The deployment whose figures the rule watches (None: the default deployment)
    deployment: Mapped[str | None] = mapped_column(String(24))
    active: Mapped[bool] = mapped_column(default=True)
    armed: Mapped[bool] = mapped_column(default=True)
    fired_count: Mapped[int] = mapped_column(default=0)
    last_fired_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

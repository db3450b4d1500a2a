"""A Telegram user of the bot: identity, role, preferences and their TOTP secret (encrypted).

Their own Binance keys are per deployment, in `UserBinanceKeys`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class User(Base):
    """Keyed by the Telegram user id; `role` is one of `services.access.Role`."""

    __tablename__ = "tf_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    chart_theme: Mapped[str] = mapped_column(String(8), default="light")
    is_active: Mapped[bool] = mapped_column(default=True)
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)
    # The user asked for their TOTP code before orders, cancel-all, strategy stops, role changes
    totp_for_actions: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The role an admin last gave this user (what a removed configured admin falls back to)
    granted_role: Mapped[str | None] = mapped_column(String(16))
    # When admins were told about this (pending) user's access request; None = not yet
    access_announced_at: Mapped[datetime | None] = mapped_column()
    # The deployment this user works on (None: the default) and roles granted per deployment
    # (JSON name → role, overriding `role` there); see core/deployments.py
    deployment: Mapped[str | None] = mapped_column(String(24))
    deployment_roles: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column()

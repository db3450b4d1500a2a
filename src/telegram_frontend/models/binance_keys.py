"""A user's own Binance API keys, one pair per deployment, encrypted at rest.

Each deployment has its own Binance (a testnet and a mainnet account are different keys), so a
pair is stored under the name of the deployment whose Binance accepted it and is only ever sent
there. Keys stored before deployments existed were moved here under `default` (migration 0008).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telegram_frontend.models.base import Base, utcnow


class UserBinanceKeys(Base):
    """Both values are `SecretBox` tokens; plaintext never reaches this table."""

    __tablename__ = "tf_user_binance_keys"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tf_users.id", ondelete="CASCADE"), primary_key=True
    )
    deployment: Mapped[str] = mapped_column(String(24), primary_key=True)
    api_key_enc: Mapped[str] = mapped_column(Text)
    api_secret_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

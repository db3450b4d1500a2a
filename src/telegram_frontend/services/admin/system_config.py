"""System configuration: versioned keys with defaults, changed only by admins and audited.

Risk limits, allowed symbols and notification defaults live here, so the bot, the API and the
workers read one value and every change is a new version with its author.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.caching.ttl_cache import TtlCache
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.formatters import quoted
from telegram_frontend.models import Configuration
from telegram_frontend.services.admin.audit import AuditService


@dataclass(frozen=True)
class SettingSpec:
    """A known system setting: its default, its type and a one-line description."""

    default: Any
    kind: type
    description: str


SYSTEM_SETTINGS: dict[str, SettingSpec] = {
    "risk.max_order_notional_usdt": SettingSpec(1000, float, "Largest order value in USDT"),
    "risk.allowed_symbols": SettingSpec(
        ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"], list, "Symbols orders may use"
    ),
    "risk.daily_loss_pct.LOW": SettingSpec(2.0, float, "Daily loss limit, LOW risk (%)"),
    "risk.daily_loss_pct.MEDIUM": SettingSpec(5.0, float, "Daily loss limit, MEDIUM risk (%)"),
    "risk.daily_loss_pct.HIGH": SettingSpec(10.0, float, "Daily loss limit, HIGH risk (%)"),
    "risk.max_drawdown_pct": SettingSpec(15.0, float, "Drawdown that raises a risk alert (%)"),
    "notify.default_mode": SettingSpec("on", str, "Default delivery mode: on, silent or off"),
    "binance.dust_usdt": SettingSpec(1.0, float, "Balances below this USDT value are dust"),
    "security.allowed_chats": SettingSpec(
        [], list, "Group chats (id, or id:topic) allowed for read-only monitoring screens"
    ),
    "security.totp_for_actions": SettingSpec(
        False, bool, "Everyone types a TOTP code for orders, cancel-all, stops and role changes"
    ),
}


def coerce(key: str, raw: Any) -> Any:
    """Turn user input into the setting's type, or raise `ValidationFailed` saying why."""
    spec = SYSTEM_SETTINGS.get(key)
    if spec is None:
        raise ValidationFailed(f"Unknown setting {quoted(key)}.")
    try:
        if spec.kind is list:
            items = raw if isinstance(raw, list) else str(raw).replace(";", ",").split(",")
            return [str(item).strip().upper() for item in items if str(item).strip()]
        if spec.kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("true", "false", "on", "off", "yes", "no", "1", "0"):
                raise ValueError
            return text in ("true", "on", "yes", "1")
        if spec.kind is float:
            value = float(raw)
            if value != value or value < 0:
                raise ValueError
            return value
        if key == "notify.default_mode" and str(raw) not in ("on", "silent", "off"):
            raise ValueError
        return spec.kind(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{key} needs a {spec.kind.__name__}: {spec.description}.") from None


class ConfigService:
    """Reads the latest version of a key (or its default) and writes new versions."""

    def __init__(self, db: Database, audit: AuditService, read_cache_seconds: float = 0.0) -> None:
        self._db = db
        self._audit = audit
        self._recent: TtlCache[Any] = TtlCache(read_cache_seconds)

    async def get_recent(self, key: str) -> Any:
        """`get`, possibly `read_cache_seconds` old: for display settings read on every screen
        (never for limits that guard an order)."""
        return await self._recent.get(key, lambda: self.get(key))

    async def get(self, key: str) -> Any:
        async with self._db.session() as session:
            value = await session.scalar(
                select(Configuration.value)
                .where(Configuration.key == key)
                .order_by(Configuration.version.desc())
                .limit(1)
            )
        if value is not None:
            return value
        spec = SYSTEM_SETTINGS.get(key)
        return spec.default if spec else None

    async def all(self) -> dict[str, Any]:
        return {key: await self.get(key) for key in SYSTEM_SETTINGS}

    async def set(self, actor: Actor, key: str, raw: Any) -> Any:
        """Store a new version (admins only), audited in the same transaction."""
        require(actor, Role.ADMIN)
        value = coerce(key, raw)
        async with self._db.session() as session:
            latest = await session.scalar(
                select(func.max(Configuration.version)).where(Configuration.key == key)
            )
            version = (latest or 0) + 1
            session.add(
                Configuration(key=key, version=version, value=value, changed_by=actor.label)
            )
            await self._audit.record(
                actor,
                "config.set",
                key,
                "ok",
                {"value": value, "version": version},
                session=session,
            )
        self._recent.invalidate()
        return value

    async def history(self, key: str, limit: int = 10) -> list[Configuration]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(Configuration)
                .where(Configuration.key == key)
                .order_by(Configuration.version.desc())
                .limit(limit)
            )
            return list(rows)

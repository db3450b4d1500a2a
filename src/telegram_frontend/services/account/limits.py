"""The account's configurable limits, read in one place: per-order risk limits and the dust line.

Both come from the versioned system configuration: risk limits fresh for every order, the dust
line at most READ_CACHE_SECONDS old (a change made here applies at once), without a restart.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from telegram_frontend.services.account.orders import RiskLimits
from telegram_frontend.services.account.portfolio import DEFAULT_DUST_USDT
from telegram_frontend.services.admin.system_config import ConfigService


class AccountLimits:
    """Reads `risk.*` and `binance.dust_usdt` from the configuration, with safe fallbacks."""

    def __init__(self, config: ConfigService) -> None:
        self._config = config

    async def risk_limits(self) -> RiskLimits:
        """Our per-order risk limits; an unset key means no limit of that kind."""
        max_notional = await self._config.get("risk.max_order_notional_usdt")
        symbols = await self._config.get("risk.allowed_symbols")
        return RiskLimits(
            max_order_notional_usdt=Decimal(str(max_notional)) if max_notional else None,
            allowed_symbols=frozenset(symbols) if symbols else None,
        )

    async def dust_threshold(self) -> Decimal:
        """Balances worth less than this (USDT) fold into one dust line; bad values fall back."""
        raw = await self._config.get_recent("binance.dust_usdt")
        try:
            value = Decimal(str(raw)) if raw is not None else DEFAULT_DUST_USDT
        except (ArithmeticError, InvalidOperation):
            return DEFAULT_DUST_USDT
        return value if value.is_finite() and value >= 0 else DEFAULT_DUST_USDT

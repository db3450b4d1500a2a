"""Current prices for alert rules: the trading system's own klines first, Binance's ticker next.

The data-storage service has the klines the strategies trade on; Binance's public ticker covers
any other symbol. A symbol neither knows is simply absent (its rules wait, nothing fires).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.trading.storage import DataStorageClient
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.logging import get_logger

log = get_logger(__name__)

KLINE_INTERVAL = "1m"


class PriceSource:
    def __init__(
        self, storage: DataStorageClient | None, binance: BinanceClient | None = None
    ) -> None:
        self._storage = storage
        self._binance = binance

    async def prices(self, symbols: Iterable[str]) -> dict[str, Decimal]:
        wanted = sorted({s.upper() for s in symbols})
        found: dict[str, Decimal] = {}
        if self._storage is not None:
            for symbol in wanted:
                try:
                    kline = await self._storage.latest_kline(symbol, KLINE_INTERVAL)
                except FrontendError as exc:
                    log.info("price_from_storage_failed", symbol=symbol, error=exc.user_message)
                    continue
                if kline is not None and kline.close is not None:
                    found[symbol] = kline.close
        missing = [s for s in wanted if s not in found]
        if missing and self._binance is not None:
            found.update(await self._ticker(missing))
        return found

    async def _ticker(self, symbols: list[str]) -> dict[str, Decimal]:
        assert self._binance is not None
        try:
            return dict(await self._binance.ticker_prices(symbols))
        except FrontendError:
            pass  # one unknown symbol fails the whole call: ask one by one
        found: dict[str, Decimal] = {}
        for symbol in symbols:
            try:
                found.update(await self._binance.ticker_prices([symbol]))
            except FrontendError as exc:
                log.info("price_from_binance_failed", symbol=symbol, error=exc.user_message)
        return found

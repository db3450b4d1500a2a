"""The fake Binance's public market-data endpoints, plus the few other ones ccxt asks at start.

ccxt's `load_markets` (default options) also reads the cross/isolated margin pair lists, the coin
list and the USD-M/COIN-M futures exchangeInfo; the fake offers spot trading only, so it answers
them as Binance does for an exchange without margin pairs or futures contracts.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from telegram_frontend.sandbox.backends.market import INTERVAL_MS, SimulatedMarket
from telegram_frontend.sandbox.binance.calendar import EXTRA_INTERVALS
from telegram_frontend.sandbox.binance.exchange import FakeExchange
from telegram_frontend.sandbox.binance.market import (
    BinanceApiError,
    avg_price_json,
    book_ticker_row,
    depth_json,
    f8,
    kline_rows,
    missing,
    recent_trades,
    split_symbol,
    ticker_24h_row,
)
from telegram_frontend.sandbox.binance.requests import int_param

Params = dict[str, str]
PublicHandler = Callable[[Params], Awaitable[Any]]
DEPTH_LIMIT_MAX = 5000


class PublicRoutes:
    """Handlers that need no signature; `server_time` and `weight_limit` come from the server."""

    def __init__(
        self, exchange: FakeExchange, server_time: Callable[[], int], weight_limit: int
    ) -> None:
        self.exchange = exchange
        self.market: SimulatedMarket = exchange.market
        self.server_time = server_time
        self.weight_limit = weight_limit
        self._book_updates = 1_000_000

    def routes(self) -> list[tuple[str, str, PublicHandler]]:
        return [
            ("GET", "/api/v3/ping", self.ping),
            ("GET", "/api/v3/time", self.time),
            ("GET", "/api/v3/exchangeInfo", self.exchange_info),
            ("GET", "/api/v3/ticker/price", self.ticker_price),
            ("GET", "/api/v3/ticker/24hr", self.ticker_24h),
            ("GET", "/api/v3/ticker/bookTicker", self.book_ticker),
            ("GET", "/api/v3/klines", self.klines),
            ("GET", "/api/v3/depth", self.depth),
            ("GET", "/api/v3/avgPrice", self.avg_price),
            ("GET", "/api/v3/trades", self.trades),
            ("GET", "/fapi/v1/exchangeInfo", self.futures_exchange_info),
            ("GET", "/dapi/v1/exchangeInfo", self.futures_exchange_info),
        ]

    async def ping(self, params: Params) -> Any:
        return {}

    async def time(self, params: Params) -> Any:
        return {"serverTime": self.server_time()}

    def _rate_limits(self) -> list[dict[str, Any]]:
        return [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": self.weight_limit,
            },
        ]

    async def exchange_info(self, params: Params) -> Any:
        symbols = self._some(params)
        return {
            "timezone": "UTC",
            "serverTime": self.server_time(),
            "rateLimits": self._rate_limits(),
            "exchangeFilters": [],
            "symbols": [self.exchange.symbol_info(s) for s in symbols],
        }

    async def futures_exchange_info(self, params: Params) -> Any:
        """No futures contracts are listed on this spot-only exchange."""
        return {
            "timezone": "UTC",
            "serverTime": self.server_time(),
            "rateLimits": self._rate_limits(),
            "exchangeFilters": [],
            "assets": [],
            "symbols": [],
        }

    async def ticker_price(self, params: Params) -> Any:
        rows = [{"symbol": s, "price": f8(self.market.price(s))} for s in self._some(params)]
        return rows[0] if "symbol" in params else rows

    async def ticker_24h(self, params: Params) -> Any:
        rows = [ticker_24h_row(self.market, s) for s in self._some(params)]
        return rows[0] if "symbol" in params else rows

    async def book_ticker(self, params: Params) -> Any:
        rows = [book_ticker_row(self.market, s) for s in self._some(params)]
        return rows[0] if "symbol" in params else rows

    async def klines(self, params: Params) -> Any:
        sym = self.exchange.symbol(params.get("symbol"))
        interval = params.get("interval") or ""
        if not interval:
            raise missing("interval")
        if interval not in INTERVAL_MS and interval not in EXTRA_INTERVALS:
            raise BinanceApiError(-1120, "Invalid interval.")
        limit = min(int_param(params, "limit") or 500, 1000)
        start, end = int_param(params, "startTime"), int_param(params, "endTime")
        return kline_rows(self.market, sym, interval, limit, start, end)

    async def depth(self, params: Params) -> Any:
        sym = self.exchange.symbol(params.get("symbol"))
        limit = int_param(params, "limit") or 100
        if not 1 <= limit <= DEPTH_LIMIT_MAX:
            raise BinanceApiError(-1100, "Illegal characters found in parameter 'limit'.")
        self._book_updates += 1
        return depth_json(self.market, sym, limit, self._book_updates)

    async def avg_price(self, params: Params) -> Any:
        return avg_price_json(self.market, self.exchange.symbol(params.get("symbol")))

    async def trades(self, params: Params) -> Any:
        sym = self.exchange.symbol(params.get("symbol"))
        limit = min(int_param(params, "limit") or 500, 1000)
        return recent_trades(self.market, sym, limit)

    # -- spot-only answers to ccxt's start-up questions (API key required) ----------------

    async def margin_pairs(self, params: Params) -> Any:
        """Cross and isolated margin pairs: none, margin trading is not offered here."""
        if params.get("symbol"):
            self.exchange.symbol(params["symbol"])
        return []

    async def coins(self, params: Params) -> Any:
        """/sapi/v1/capital/config/getall: every asset of a listed symbol, on its own network."""
        assets = sorted({a for s in self.exchange.filters for a in split_symbol(s)})
        return [_coin(asset) for asset in assets]

    def _symbols(self, params: Params) -> list[str]:
        if params.get("symbol"):
            return [self.exchange.symbol(params["symbol"])]
        if not params.get("symbols"):
            return []
        try:
            names = json.loads(params["symbols"])
        except ValueError:
            names = None
        if not isinstance(names, list):
            raise BinanceApiError(-1100, "Illegal characters found in parameter 'symbols'.")
        return [self.exchange.symbol(str(n)) for n in names]

    def _some(self, params: Params) -> list[str]:
        return self._symbols(params) or sorted(self.exchange.filters)


def _coin(asset: str) -> dict[str, Any]:
    network = {
        "network": asset,
        "coin": asset,
        "name": asset,
        "isDefault": True,
        "depositEnable": True,
        "withdrawEnable": True,
        "depositDesc": "",
        "withdrawDesc": "",
        "withdrawFee": "0",
        "withdrawMin": "0",
        "withdrawMax": "9999999999",
        "withdrawIntegerMultiple": "0.00000001",
        "minConfirm": 1,
        "unLockConfirm": 0,
        "sameAddress": False,
        "resetAddressStatus": False,
        "busy": False,
    }
    return {
        "coin": asset,
        "name": asset,
        "depositAllEnable": True,
        "withdrawAllEnable": True,
        "free": "0",
        "locked": "0",
        "freeze": "0",
        "withdrawing": "0",
        "ipoing": "0",
        "ipoable": "0",
        "storage": "0",
        "isLegalMoney": False,
        "trading": True,
        "networkList": [network],
    }

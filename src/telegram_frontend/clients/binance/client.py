"""A thin async client for the Binance Spot REST API (testnet, mainnet, or our sandbox fake).

Why not an SDK: we need a dozen endpoints, and owning them gives full control over signing (the
signature covers exactly the query string we send), clock-offset resync on -1021, request-weight
tracking and Retry-After bans, Decimal-typed models instead of floats, errors mapped to one clear
sentence, and a client tested against `sandbox.fake_binance` without mocks. Signing, weight and
bans live in `binance_transport.py`; the answer models and filter checks in `binance_models.py`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from telegram_frontend.clients.binance.models import (
    AccountInfo,
    Balance,
    Fill,
    Kline,
    Order,
    OrderSide,
    OrderType,
    SymbolFilters,
    Ticker24h,
    TimeInForce,
    Trade,
    plain,
)
from telegram_frontend.clients.binance.transport import (
    TESTNET_HOSTS,
    BinanceCredentials,
    BinanceTransport,
    ExchangeState,
    is_known_testnet,
)
from telegram_frontend.core.caching.ttl_cache import TtlCache
from telegram_frontend.core.errors import ExchangeError, PermissionDenied, ValidationFailed
from telegram_frontend.core.formatters import quoted
from telegram_frontend.core.settings import Settings

__all__ = [
    "MAINNET_ORDERS_DISABLED",
    "AccountInfo",
    "Balance",
    "BinanceClient",
    "BinanceClientFactory",
    "BinanceCredentials",
    "ExchangeState",
    "Fill",
    "Kline",
    "MainnetOrdersDisabled",
    "Order",
    "SymbolFilters",
    "Ticker24h",
    "Trade",
]

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

MAINNET_ORDERS_DISABLED = (
    "Placing or cancelling orders on Binance mainnet is disabled: "
    "set BINANCE_ALLOW_MAINNET_ORDERS=true to allow it."
)


class MainnetOrdersDisabled(PermissionDenied):
    """Orders on the real exchange were not switched on by the operator."""

    def __init__(self) -> None:
        super().__init__(MAINNET_ORDERS_DISABLED)


class BinanceClient:
    """Binance Spot REST for one key pair (or none, for market data only)."""

    def __init__(
        self,
        base_url: str,
        credentials: BinanceCredentials | None = None,
        *,
        recv_window_ms: int = 5000,
        connect_timeout: float = 3.0,
        read_timeout: float = 5.0,
        allow_mainnet_orders: bool = False,
        mainnet: bool | None = None,
        testnet: bool = True,
        testnet_hosts: tuple[str, ...] = TESTNET_HOSTS,
        exchange_info_ttl: float = 300.0,
        state: ExchangeState | None = None,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        reads: TtlCache[Any] | None = None,
    ) -> None:
        # Account and price reads shared by a burst of callers (and their weight spent once).
        self._reads: TtlCache[Any] = reads if reads is not None else TtlCache(0)
        self._account_key = _fingerprint(credentials)
        self._t = BinanceTransport(
            base_url,
            credentials,
            recv_window_ms=recv_window_ms,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            state=state or ExchangeState(),
            http=http,
            transport=transport,
            clock=clock,
            monotonic=monotonic,
        )
        self.base_url = self._t.base_url
        if mainnet is None:
            mainnet = not is_known_testnet(self.base_url, testnet, testnet_hosts)
        self.is_mainnet = mainnet
        self.allow_mainnet_orders = allow_mainnet_orders
        self._exchange_info_ttl = exchange_info_ttl

    @classmethod
    def from_settings(
        cls, settings: Settings, credentials: BinanceCredentials | None = None, **kwargs: Any
    ) -> BinanceClient:
        """A client for `credentials`, or for the system keys from settings when None."""
        return cls(
            settings.binance_url,
            credentials or BinanceCredentials.from_settings(settings),
            recv_window_ms=settings.binance_recv_window_ms,
            connect_timeout=settings.http_connect_timeout,
            read_timeout=settings.http_read_timeout,
            allow_mainnet_orders=settings.binance_allow_mainnet_orders,
            testnet=settings.binance_testnet,
            testnet_hosts=tuple(settings.binance_testnet_hosts),
            **kwargs,
        )

    def __repr__(self) -> str:
        keyed = "with key" if self._t.credentials else "without key"
        return f"BinanceClient({self.base_url!r}, {keyed})"

    async def __aenter__(self) -> BinanceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._t.aclose()

    @property
    def used_weight(self) -> int | None:
        """Request weight used in the current minute, as Binance last reported it."""
        return self._t.state.used_weight

    @property
    def has_credentials(self) -> bool:
        return self._t.credentials is not None

    def ensure_orders_allowed(self) -> None:
        """Refuse to move money unless on a known testnet or the operator switched mainnet on."""
        if self.is_mainnet and not self.allow_mainnet_orders:
            raise MainnetOrdersDisabled()

    # -- market data -------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._t.request("GET", "/api/v3/ping")

    async def server_time(self) -> int:
        data = await self._t.request("GET", "/api/v3/time")
        return int(data["serverTime"])

    async def sync_clock(self) -> int:
        """Resync the clock offset now (done automatically after a -1021)."""
        return await self._t.sync_clock()

    async def exchange_info(self, *, refresh: bool = False) -> dict[str, SymbolFilters]:
        """Every symbol's trading rules, cached for `exchange_info_ttl` seconds (weight 20)."""
        state, now = self._t.state, self._t.monotonic()
        loaded = state.filters_loaded_at
        if not refresh and loaded is not None and now - loaded < self._exchange_info_ttl:
            return state.filters
        data = await self._t.request("GET", "/api/v3/exchangeInfo")
        try:
            filters = {s["symbol"]: SymbolFilters.from_exchange(s) for s in data["symbols"]}
        except (KeyError, TypeError, ValidationError):
            raise ExchangeError("Binance answered in an unexpected format.") from None
        state.filters, state.filters_loaded_at = filters, self._t.monotonic()
        return filters

    async def symbol_filters(self, symbol: str) -> SymbolFilters:
        filters = (await self.exchange_info()).get(symbol.strip().upper())
        if filters is None:
            raise ValidationFailed(
                f"Binance does not list the symbol {quoted(symbol.strip().upper())}."
            )
        return filters

    async def ticker_prices(self, symbols: Iterable[str] | None = None) -> dict[str, Decimal]:
        """Last prices by symbol: all symbols, or only `symbols`."""
        if symbols is not None and not (symbols := list(symbols)):
            return {}
        key = ("prices", None if symbols is None else tuple(symbols))
        prices: dict[str, Decimal] = await self._reads.get(key, lambda: self._prices(symbols))
        return prices

    async def _prices(self, symbols: list[str] | None) -> dict[str, Decimal]:
        data = await self._t.request("GET", "/api/v3/ticker/price", _symbols_param(symbols))
        rows = data if isinstance(data, list) else [data]
        try:
            return {row["symbol"]: Decimal(str(row["price"])) for row in rows}
        except (KeyError, TypeError, ArithmeticError):
            raise ExchangeError("Binance answered in an unexpected format.") from None

    async def ticker_24h(self, symbols: Iterable[str] | None = None) -> dict[str, Ticker24h]:
        """24 h statistics by symbol: all symbols (weight 80), or only `symbols`."""
        if symbols is not None and not (symbols := list(symbols)):
            return {}
        key = ("24h", None if symbols is None else tuple(symbols))
        tickers: dict[str, Ticker24h] = await self._reads.get(
            key, lambda: self._ticker_24h(symbols)
        )
        return tickers

    async def _ticker_24h(self, symbols: list[str] | None) -> dict[str, Ticker24h]:
        data = await self._t.request("GET", "/api/v3/ticker/24hr", _symbols_param(symbols))
        rows = data if isinstance(data, list) else [data]
        return {t.symbol: t for t in _parse_list(Ticker24h, rows)}

    async def klines(
        self,
        symbol: str,
        interval: str = "1h",
        limit: int = 500,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Kline]:
        params: dict[str, Any] = {"symbol": symbol.upper(), "interval": interval, "limit": limit}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        rows = await self._t.request("GET", "/api/v3/klines", params)
        try:
            return [Kline.from_row(row) for row in rows]
        except (ValidationError, IndexError, TypeError):
            raise ExchangeError("Binance answered in an unexpected format.") from None

    # -- account -----------------------------------------------------------------------------

    async def account(self) -> AccountInfo:
        account: AccountInfo = await self._reads.get(("account", self._account_key), self._account)
        return account

    async def _account(self) -> AccountInfo:
        data = await self._t.request("GET", "/api/v3/account", signed=True)
        return _parse(AccountInfo, data)

    async def balances(self) -> list[Balance]:
        """The non-zero balances (free + locked) of the account."""
        return (await self.account()).non_zero()

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        params = {"symbol": symbol.upper()} if symbol else {}
        data = await self._t.request("GET", "/api/v3/openOrders", params, signed=True)
        return _parse_list(Order, data)

    async def all_orders(self, symbol: str, limit: int = 50) -> list[Order]:
        params = {"symbol": symbol.upper(), "limit": limit}
        data = await self._t.request("GET", "/api/v3/allOrders", params, signed=True)
        return _parse_list(Order, data)

    async def get_order(self, symbol: str, order_id: int) -> Order:
        params = {"symbol": symbol.upper(), "orderId": order_id}
        data = await self._t.request("GET", "/api/v3/order", params, signed=True)
        return _parse(Order, data)

    async def my_trades(self, symbol: str, limit: int = 50) -> list[Trade]:
        params = {"symbol": symbol.upper(), "limit": limit}
        data = await self._t.request("GET", "/api/v3/myTrades", params, signed=True)
        return _parse_list(Trade, data)

    # -- orders ------------------------------------------------------------------------------

    async def validate_order(
        self,
        symbol: str,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
    ) -> SymbolFilters:
        """Check the order against the symbol's filters, as Binance would, without sending it."""
        filters = await self.symbol_filters(symbol)
        market_price = None
        if order_type == "MARKET" and (filters.min_notional or filters.max_notional):
            market_price = (await self.ticker_prices([filters.symbol]))[filters.symbol]
        filters.check_order(order_type, quantity, price, market_price)
        return filters

    async def place_order(
        self,
        symbol: str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        time_in_force: TimeInForce = "GTC",
        client_order_id: str | None = None,
    ) -> Order:
        """Validate against the filters, then send; the answer includes the fills (FULL)."""
        self.ensure_orders_allowed()
        filters = await self.validate_order(symbol, order_type, quantity, price)
        params: dict[str, Any] = {
            "symbol": filters.symbol,
            "side": side,
            "type": order_type,
            "quantity": plain(quantity),
            "newOrderRespType": "FULL",
        }
        if order_type == "LIMIT" and price is not None:
            params |= {"timeInForce": time_in_force, "price": plain(price)}
        if client_order_id:
            params["newClientOrderId"] = client_order_id
        try:
            data = await self._t.request(
                "POST", "/api/v3/order", params, signed=True, mutating=True
            )
        finally:
            self._reads.invalidate()
        order = _parse(Order, data)
        log.info(
            "binance order %s placed: %s %s %s", order.order_id, order.symbol, side, order_type
        )
        return order

    async def cancel_order(self, symbol: str, order_id: int) -> Order:
        self.ensure_orders_allowed()
        params = {"symbol": symbol.upper(), "orderId": order_id}
        try:
            data = await self._t.request(
                "DELETE", "/api/v3/order", params, signed=True, mutating=True
            )
        finally:
            self._reads.invalidate()
        return _parse(Order, data)

    async def cancel_open_orders(self, symbol: str) -> list[Order]:
        """Cancel every open order of `symbol`; Binance answers -2011 when there is none."""
        self.ensure_orders_allowed()
        params = {"symbol": symbol.upper()}
        try:
            data = await self._t.request(
                "DELETE", "/api/v3/openOrders", params, signed=True, mutating=True
            )
        finally:
            self._reads.invalidate()
        rows = data if isinstance(data, list) else []
        return _parse_list(
            Order, [row for row in rows if isinstance(row, dict) and "orderId" in row]
        )


class BinanceClientFactory:
    """Builds clients per key pair (system or a user's own) that share one connection pool and
    the per-IP weight, ban and clock state, as Binance itself counts them."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **client_kwargs: Any,
    ) -> None:
        self._settings = settings
        self._kwargs = client_kwargs
        self.state = ExchangeState()
        self.reads: TtlCache[Any] = TtlCache(settings.read_cache_seconds)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(
                settings.http_read_timeout, connect=settings.http_connect_timeout
            ),
            transport=transport,
        )

    def system(self) -> BinanceClient:
        """The client for BINANCE_API_KEY / BINANCE_API_SECRET (market data only without them)."""
        return self.for_credentials(BinanceCredentials.from_settings(self._settings))

    def for_credentials(self, credentials: BinanceCredentials | None) -> BinanceClient:
        """A client for a user's own keys; closing it leaves the shared pool open."""
        return BinanceClient(
            self._settings.binance_url,
            credentials,
            recv_window_ms=self._settings.binance_recv_window_ms,
            connect_timeout=self._settings.http_connect_timeout,
            read_timeout=self._settings.http_read_timeout,
            allow_mainnet_orders=self._settings.binance_allow_mainnet_orders,
            testnet=self._settings.binance_testnet,
            testnet_hosts=tuple(self._settings.binance_testnet_hosts),
            state=self.state,
            http=self._http,
            reads=self.reads,
            **self._kwargs,
        )

    async def aclose(self) -> None:
        await self._http.aclose()


def _fingerprint(credentials: BinanceCredentials | None) -> str:
    """Which account a cached read belongs to, without keeping the key itself as a cache key."""
    if credentials is None:
        return "-"
    return hashlib.sha256(credentials.api_key.get_secret_value().encode()).hexdigest()[:16]


def _symbols_param(symbols: Iterable[str] | None) -> dict[str, str]:
    if symbols is None:
        return {}
    names = sorted({s.upper() for s in symbols})
    if len(names) == 1:
        return {"symbol": names[0]}
    return {"symbols": json.dumps(names, separators=(",", ":"))}


def _parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError:
        raise ExchangeError("Binance answered in an unexpected format.") from None


def _parse_list(model: type[M], rows: Any) -> list[M]:
    try:
        return [model.model_validate(row) for row in rows]
    except (ValidationError, TypeError):
        raise ExchangeError("Binance answered in an unexpected format.") from None

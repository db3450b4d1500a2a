"""A local stand-in for the Binance Spot REST API, faithful where our client depends on it.

Signed endpoints check the API key, the HMAC-SHA256 signature over the exact query string and
body, and timestamp/recvWindow as Binance does, with Binance's own codes and texts. Every answer
carries X-MBX-USED-WEIGHT-1M. Switches let tests force a 429/418 with Retry-After, skew the server
clock, inject an error or slow every answer. Prices come from the shared `SimulatedMarket`;
resting limit orders fill when a later request finds the price crossed them.

    fake = FakeBinance(market, accounts={api_key: (secret, {"USDT": Decimal("10000")})})
    await fake.start()  # fake.base_url; later: await fake.stop()

Standalone: `python -m telegram_frontend.sandbox.binance.server --port 8083`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.exchange import FakeAccount, FakeExchange
from telegram_frontend.sandbox.binance.market import (
    BinanceApiError,
    FakeFilters,
    f8,
)
from telegram_frontend.sandbox.binance.order_params import history_query, read_new_order
from telegram_frontend.sandbox.binance.orders import FakeOrder
from telegram_frontend.sandbox.binance.public_routes import PublicHandler, PublicRoutes
from telegram_frontend.sandbox.binance.requests import (
    KEY_RE,
    authenticate,
    check_parameters,
    int_param,
    request_weight,
)

__all__ = ["BinanceApiError", "FakeAccount", "FakeBinance", "FakeFilters", "RecordedRequest"]

Params = dict[str, str]
Handler = Callable[[web.Request, Params], Awaitable[Any]]
WEIGHT_LIMIT = 6000
_TOO_MANY = (
    "Too many requests; current limit of IP(127.0.0.1) request weight per minute is {limit}. "
    "Please use WebSocket Streams for live updates to avoid polling the API."
)
_BANNED = "Way too many requests; IP(127.0.0.1) banned until {until}. Please use WebSocket Streams."


@dataclass(frozen=True)
class RecordedRequest:
    """Every request that reached the fake, even refused ones (query without the signature);
    `api_key`: the key it was sent with (tests show whose keys reached which Binance)."""

    method: str
    path: str
    params: Params
    api_key: str = ""


class FakeBinance:
    """The aiohttp server; `accounts` maps an API key to `(secret, {asset: amount})`."""

    def __init__(
        self,
        market: SimulatedMarket | None = None,
        accounts: Mapping[str, tuple[str, Mapping[str, Decimal]]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fee_rate: Decimal = Decimal("0.001"),
        weight_limit: int = WEIGHT_LIMIT,
    ) -> None:
        self.market = market or SimulatedMarket()
        self.exchange = FakeExchange(self.market, fee_rate)
        self.public = PublicRoutes(self.exchange, self.server_time, weight_limit)
        self.host, self.port = host, port
        self.weight_limit = weight_limit
        self.clock_skew_ms = 0
        self.delay_seconds = 0.0
        self.requests: list[RecordedRequest] = []
        self._limited: tuple[int, int, int] | None = None  # (status, retry_after s, until ms)
        self._injected: list[tuple[str | None, int, int, str]] = []
        self._weight_minute, self._weight = -1, 0
        self._runner: web.AppRunner | None = None
        for api_key, (secret, balances) in (accounts or {}).items():
            self.add_account(api_key, secret, balances)

    # -- set-up and switches -----------------------------------------------------------------

    def add_account(
        self, api_key: str, secret: str, balances: Mapping[str, Decimal] | None = None
    ) -> FakeAccount:
        """Register a key pair; Binance keys are 64 letters or digits, and so must these be."""
        if not KEY_RE.match(api_key):
            raise ValueError("a Binance API key is 64 letters or digits")
        return self.exchange.add_account(api_key, secret, dict(balances or {}))

    def new_account(self, balances: Mapping[str, Decimal] | None = None) -> tuple[str, str]:
        """Register a fresh random key pair and return `(api_key, secret)`."""
        api_key, secret = secrets.token_hex(32), secrets.token_hex(32)
        self.add_account(api_key, secret, balances)
        return api_key, secret

    def account(self, api_key: str) -> FakeAccount:
        return self.exchange.accounts[api_key]

    def balance(self, api_key: str, asset: str) -> tuple[Decimal, Decimal]:
        """`(free, locked)` of `asset` in the account of `api_key`."""
        return self.exchange.accounts[api_key].balance(asset.upper())

    @property
    def filters(self) -> dict[str, FakeFilters]:
        """Each symbol's rules, editable by tests (e.g. a higher minimum notional)."""
        return self.exchange.filters

    def rate_limit(self, retry_after: int = 30, status: int = 429) -> None:
        """Answer every request with 429 (or 418) and Retry-After until cleared or it passes."""
        self._limited = (status, retry_after, self.server_time() + retry_after * 1000)

    def clear_rate_limit(self) -> None:
        self._limited = None

    def set_weight_limit(self, weight_limit: int) -> None:
        """Another request-weight budget per minute (tests that are not about Binance's)."""
        self.weight_limit = self.public.weight_limit = weight_limit

    def fail_next(self, status: int, code: int, msg: str, path: str | None = None) -> None:
        """Answer the next request (to `path`, if given) with this Binance error."""
        self._injected.append((path, status, code, msg))

    def calls(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    @property
    def used_weight(self) -> int:
        return self._weight if self._weight_minute == self.server_time() // 60_000 else 0

    def server_time(self) -> int:
        return self.market.now_ms() + self.clock_skew_ms

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        for method, path, handler in self._routes():
            app.router.add_route(method, path, self._endpoint(handler))
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBinance:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- plumbing ----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Rate limits, injected failures, weight header and Binance-shaped errors for all."""
        safe = {k: v for k, v in request.query.items() if k != "signature"}
        api_key = request.headers.get("X-MBX-APIKEY", "")
        self.requests.append(RecordedRequest(request.method, request.path, safe, api_key))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        headers: dict[str, str] = {}
        try:
            self._check_limits(request, headers)
            self._check_injected(request.path)
            self._add_weight(request)
            response = await handler(request)
        except BinanceApiError as err:
            body = {"code": err.code, "msg": err.msg}
            response = web.json_response(body, status=err.status, headers=headers)
        except web.HTTPNotFound:
            response = web.json_response({"code": -1000, "msg": "Not found."}, status=404)
        response.headers["X-MBX-USED-WEIGHT-1M"] = str(self.used_weight)
        return response

    def _check_limits(self, request: web.Request, headers: dict[str, str]) -> None:
        now = self.server_time()
        if self._limited and now >= self._limited[2]:
            self._limited = None
        if self._limited:
            status, retry_after, until = self._limited
            headers["Retry-After"] = str(retry_after)
            if status == 418:
                raise BinanceApiError(-1003, _BANNED.format(until=until), 418)
            raise BinanceApiError(-1003, _TOO_MANY.format(limit=self.weight_limit), status)
        weight = request_weight(request.method, request.path, request.query)
        if self.used_weight + weight > self.weight_limit:
            headers["Retry-After"] = str(60 - (now // 1000) % 60)
            raise BinanceApiError(-1003, _TOO_MANY.format(limit=self.weight_limit), 429)

    def _check_injected(self, path: str) -> None:
        for i, (want, status, code, msg) in enumerate(self._injected):
            if want is None or want == path:
                del self._injected[i]
                raise BinanceApiError(code, msg, status)

    def _add_weight(self, request: web.Request) -> None:
        minute = self.server_time() // 60_000
        if minute != self._weight_minute:
            self._weight_minute, self._weight = minute, 0
        self._weight += request_weight(request.method, request.path, request.query)

    def _endpoint(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request) -> web.StreamResponse:
            params = dict(request.query)
            if request.can_read_body:
                params.update({k: str(v) for k, v in (await request.post()).items()})
            check_parameters(request.method, request.path, params)
            self.exchange.match_resting(self.server_time())
            return web.json_response(await handler(request, params))

        return run

    async def _auth(self, request: web.Request, params: Params) -> FakeAccount:
        return authenticate(
            request.headers.get("X-MBX-APIKEY", ""),
            self.exchange.accounts,
            params,
            request.rel_url.raw_query_string,
            await request.text(),
            self.server_time(),
        )

    def _routes(self) -> list[tuple[str, str, Handler]]:
        public: list[tuple[str, str, Handler]] = [
            (method, path, _ignoring_request(handler))
            for method, path, handler in self.public.routes()
        ]
        return [
            *public,
            ("GET", "/api/v3/account", self._account),
            ("POST", "/api/v3/order", self._new_order),
            ("POST", "/api/v3/order/test", self._test_order),
            ("GET", "/api/v3/order", self._query_order),
            ("DELETE", "/api/v3/order", self._cancel_order),
            ("GET", "/api/v3/openOrders", self._open_orders),
            ("DELETE", "/api/v3/openOrders", self._cancel_open_orders),
            ("GET", "/api/v3/allOrders", self._all_orders),
            ("GET", "/api/v3/myTrades", self._my_trades),
            ("GET", "/sapi/v1/margin/allPairs", self._margin_pairs),
            ("GET", "/sapi/v1/margin/isolated/allPairs", self._isolated_pairs),
            ("GET", "/sapi/v1/capital/config/getall", self._coins),
        ]

    # -- signed endpoints --------------------------------------------------------------------

    async def _account(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        return self.exchange.account_json(account, self.server_time())

    async def _new_order(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        order_request, resp_type = read_new_order(self.exchange, params)
        order = self.exchange.place(account, order_request, self.server_time())
        return order.answer(resp_type)

    async def _test_order(self, request: web.Request, params: Params) -> Any:
        """Checks the order as /order would, places nothing; optionally shows the fee rates."""
        await self._auth(request, params)
        read_new_order(self.exchange, params)
        if params.get("computeCommissionRates") != "true":
            return {}
        rate = f8(self.exchange.fee_rate)
        zero = f8(Decimal(0))
        return {
            "standardCommissionForOrder": {"maker": rate, "taker": rate},
            "specialCommissionForOrder": {"maker": zero, "taker": zero},
            "taxCommissionForOrder": {"maker": zero, "taker": zero},
            "discount": {
                "enabledForAccount": False,
                "enabledForSymbol": False,
                "discountAsset": "BNB",
                "discount": zero,
            },
        }

    async def _query_order(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        order = self._lookup(account, params)
        if order is None:
            raise BinanceApiError(-2013, "Order does not exist.")
        return order.to_json()

    async def _cancel_order(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        order = self._lookup(account, params)
        if order is None:
            raise BinanceApiError(-2011, "Unknown order sent.")
        return self.exchange.cancel(account, order, self.server_time())

    async def _open_orders(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        sym = self.exchange.symbol(params["symbol"]) if params.get("symbol") else None
        return [o.to_json() for o in self.exchange.open_orders(account, sym)]

    async def _cancel_open_orders(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        sym = self.exchange.symbol(params.get("symbol"))
        orders = self.exchange.open_orders(account, sym)
        if not orders:
            raise BinanceApiError(-2011, "Unknown order sent.")
        return [self.exchange.cancel(account, o, self.server_time()) for o in orders]

    async def _all_orders(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        sym = self.exchange.symbol(params.get("symbol"))
        query = history_query(params, with_from_id=False)
        return self.exchange.orders_page(account, sym, query)

    async def _my_trades(self, request: web.Request, params: Params) -> Any:
        account = await self._auth(request, params)
        sym = self.exchange.symbol(params.get("symbol"))
        query = history_query(params, with_from_id=True)
        return self.exchange.trades_page(account, sym, query)

    async def _margin_pairs(self, request: web.Request, params: Params) -> Any:
        """A MARKET_DATA endpoint: the API key must be valid, no signature is needed."""
        api_key = request.headers.get("X-MBX-APIKEY", "")
        if not KEY_RE.match(api_key):
            raise BinanceApiError(-2014, "API-key format invalid.", 401)
        if api_key not in self.exchange.accounts:
            raise BinanceApiError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return await self.public.margin_pairs(params)

    async def _isolated_pairs(self, request: web.Request, params: Params) -> Any:
        await self._auth(request, params)
        return await self.public.margin_pairs(params)

    async def _coins(self, request: web.Request, params: Params) -> Any:
        await self._auth(request, params)
        return await self.public.coins(params)

    def _lookup(self, account: FakeAccount, params: Params) -> FakeOrder | None:
        sym = self.exchange.symbol(params.get("symbol"))
        order_id = int_param(params, "orderId")
        client_id = params.get("origClientOrderId")
        if order_id is None and not client_id:
            raise BinanceApiError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        return self.exchange.find(account, sym, order_id, client_id)


def _ignoring_request(handler: PublicHandler) -> Handler:
    async def run(request: web.Request, params: Params) -> Any:
        return await handler(params)

    return run


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeBinance(SimulatedMarket(seed=args.seed), host=args.host, port=args.port)
    api_key = args.api_key or secrets.token_hex(32)
    secret = args.api_secret or secrets.token_hex(32)
    demo = {"USDT": "10000", "BTC": "0.1", "ETH": "1", "BNB": "2"}
    fake.add_account(api_key, secret, {k: Decimal(v) for k, v in demo.items()})
    await fake.start()
    print(f"fake Binance listening on {fake.base_url}")
    print(f"BINANCE_BASE_URL={fake.base_url}")
    print(f"BINANCE_TESTNET_HOSTS={fake.host}  # the fake stands in for the testnet")
    print(f"BINANCE_API_KEY={api_key}")
    if not args.api_secret:
        print(f"BINANCE_API_SECRET={secret}  # generated for this sandbox run only")
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Binance Spot REST API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--api-key", help="64 letters/digits; random when omitted")
    parser.add_argument("--api-secret", help="random when omitted")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

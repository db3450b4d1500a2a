"""The fake Binance spoken to over raw HTTP, as Binance documents it: signatures, timestamps,
error codes and texts, filters, fills and fees, weights, rate-limit and clock switches."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.server import FakeBinance

from .binance_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import START_BALANCES, FrozenClock, Keys

EIGHT = Decimal("0.00000001")


@pytest.fixture
async def http(fake_binance: FakeBinance) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_binance.base_url) as client:
        yield client


def signed_query(
    keys: Keys, clock: FrozenClock, params: dict[str, Any], *, offset_ms: int = 0, **extra: Any
) -> str:
    query = urlencode({**params, "timestamp": int(clock() * 1000) + offset_ms, **extra})
    signature = hmac.new(keys.secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


async def signed(
    http: httpx.AsyncClient,
    keys: Keys,
    clock: FrozenClock,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> httpx.Response:
    query = signed_query(keys, clock, params or {}, **extra)
    return await http.request(method, f"{path}?{query}", headers={"X-MBX-APIKEY": keys.api_key})


def error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    return response.status_code, body["code"], body["msg"]


# -- public endpoints --------------------------------------------------------------------------


async def test_public_endpoints_answer_like_binance(
    http: httpx.AsyncClient, fake_binance: FakeBinance, market: SimulatedMarket
) -> None:
    assert (await http.get("/api/v3/ping")).json() == {}
    assert (await http.get("/api/v3/time")).json() == {"serverTime": market.now_ms()}
    info = (await http.get("/api/v3/exchangeInfo")).json()
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    filters = {f["filterType"]: f for f in btc["filters"]}
    one = (await http.get("/api/v3/ticker/price", params={"symbol": "ETHUSDT"})).json()
    some = (
        await http.get("/api/v3/ticker/price", params={"symbols": '["BTCUSDT","SOLUSDT"]'})
    ).json()

    assert {s["symbol"] for s in info["symbols"]} == set(market.symbols)
    assert (btc["baseAsset"], btc["quoteAsset"]) == ("BTC", "USDT")
    assert set(filters) == {"PRICE_FILTER", "LOT_SIZE", "NOTIONAL"}
    assert filters["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
    assert one == {"symbol": "ETHUSDT", "price": f"{market.price('ETHUSDT'):.8f}"}
    assert [r["symbol"] for r in some] == ["BTCUSDT", "SOLUSDT"]


async def test_ticker_24h_and_klines_follow_the_market(
    http: httpx.AsyncClient, market: SimulatedMarket
) -> None:
    ticker = (await http.get("/api/v3/ticker/24hr", params={"symbol": "BNBUSDT"})).json()
    rows = (
        await http.get(
            "/api/v3/klines", params={"symbol": "BNBUSDT", "interval": "15m", "limit": 4}
        )
    ).json()
    candles = market.klines("BNBUSDT", "15m", 4)

    assert Decimal(ticker["lastPrice"]) == market.price("BNBUSDT")
    assert Decimal(ticker["priceChangePercent"]) == market.change_24h_pct("BNBUSDT")
    assert [(r[0], Decimal(r[4])) for r in rows] == [(c.open_time, c.close) for c in candles]
    assert all(isinstance(r[1], str) and isinstance(r[6], int) for r in rows)


@pytest.mark.parametrize(
    ("path", "params", "code", "msg"),
    [
        ("/api/v3/ticker/price", {"symbol": "NOPEUSDT"}, -1121, "Invalid symbol."),
        ("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "7m"}, -1120, "Invalid interval."),
        (
            "/api/v3/klines",
            {"symbol": "BTCUSDT"},
            -1102,
            "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
        ),
    ],
)
async def test_public_errors_use_binance_codes(
    http: httpx.AsyncClient, path: str, params: dict[str, str], code: int, msg: str
) -> None:
    assert error(await http.get(path, params=params)) == (400, code, msg)


# -- signed requests ---------------------------------------------------------------------------


async def test_valid_signature_opens_the_account(
    http: httpx.AsyncClient, keys: Keys, frozen_clock: FrozenClock
) -> None:
    response = await signed(http, keys, frozen_clock, "GET", "/api/v3/account")

    balances = {b["asset"]: b for b in response.json()["balances"]}
    assert response.status_code == 200
    assert balances["USDT"] == {"asset": "USDT", "free": "10000.00000000", "locked": "0.00000000"}
    assert response.json()["canTrade"] is True


async def test_signature_may_cover_query_and_body_together(
    http: httpx.AsyncClient, keys: Keys, frozen_clock: FrozenClock, market: SimulatedMarket
) -> None:
    query = "symbol=BTCUSDT&side=BUY"
    body = urlencode(
        {"type": "MARKET", "quantity": "0.001", "timestamp": int(frozen_clock() * 1000)}
    )
    signature = hmac.new(keys.secret.encode(), (query + body).encode(), hashlib.sha256)
    response = await http.post(
        f"/api/v3/order?{query}",
        content=f"{body}&signature={signature.hexdigest()}",
        headers={
            "X-MBX-APIKEY": keys.api_key,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "FILLED"


@pytest.mark.parametrize(
    ("api_key", "status", "code", "msg"),
    [
        ("", 401, -2014, "API-key format invalid."),
        ("not-a-key", 401, -2014, "API-key format invalid."),
        ("b" * 64, 401, -2015, "Invalid API-key, IP, or permissions for action."),
    ],
    ids=["missing", "malformed", "unknown"],
)
async def test_bad_api_keys(
    http: httpx.AsyncClient,
    keys: Keys,
    frozen_clock: FrozenClock,
    api_key: str,
    status: int,
    code: int,
    msg: str,
) -> None:
    query = signed_query(keys, frozen_clock, {})
    response = await http.get(f"/api/v3/account?{query}", headers={"X-MBX-APIKEY": api_key})
    assert error(response) == (status, code, msg)


async def test_wrong_or_missing_signature(
    http: httpx.AsyncClient, keys: Keys, frozen_clock: FrozenClock
) -> None:
    headers = {"X-MBX-APIKEY": keys.api_key}
    good = signed_query(keys, frozen_clock, {"symbol": "BTCUSDT"})
    tampered = good.replace("BTCUSDT", "ETHUSDT")
    unsigned = good.split("&signature=")[0]

    bad = await http.get(f"/api/v3/openOrders?{tampered}", headers=headers)
    none = await http.get(f"/api/v3/openOrders?{unsigned}", headers=headers)

    assert error(bad) == (400, -1022, "Signature for this request is not valid.")
    assert error(none)[1:] == (
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    )


@pytest.mark.parametrize(
    ("offset_ms", "extra", "code", "msg"),
    [
        (-6000, {}, -1021, "Timestamp for this request is outside of the recvWindow."),
        (-6000, {"recvWindow": 10000}, None, None),
        (1500, {}, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
        (500, {}, None, None),
        (0, {"recvWindow": 70000}, -1131, "recvWindow must be less than 60000"),
    ],
)
async def test_timestamp_and_recv_window_checked_like_binance(
    http: httpx.AsyncClient,
    keys: Keys,
    frozen_clock: FrozenClock,
    offset_ms: int,
    extra: dict[str, Any],
    code: int | None,
    msg: str | None,
) -> None:
    response = await signed(
        http, keys, frozen_clock, "GET", "/api/v3/account", offset_ms=offset_ms, **extra
    )
    if code is None:
        assert response.status_code == 200
    else:
        assert error(response) == (400, code, msg)


async def test_clock_skew_switch_moves_server_time(
    http: httpx.AsyncClient, fake_binance: FakeBinance, keys: Keys, frozen_clock: FrozenClock
) -> None:
    fake_binance.clock_skew_ms = 10_000

    server = (await http.get("/api/v3/time")).json()["serverTime"]
    stale = await signed(http, keys, frozen_clock, "GET", "/api/v3/account")
    synced = await signed(http, keys, frozen_clock, "GET", "/api/v3/account", offset_ms=10_000)

    assert server == int(frozen_clock() * 1000) + 10_000
    assert error(stale)[1] == -1021
    assert synced.status_code == 200


# -- orders ------------------------------------------------------------------------------------


async def place(
    http: httpx.AsyncClient, keys: Keys, clock: FrozenClock, **params: Any
) -> httpx.Response:
    return await signed(http, keys, clock, "POST", "/api/v3/order", params)


async def test_market_buy_fills_with_fee_and_fills_list(
    http: httpx.AsyncClient,
    fake_binance: FakeBinance,
    keys: Keys,
    frozen_clock: FrozenClock,
    market: SimulatedMarket,
) -> None:
    price = market.price("SOLUSDT")
    response = await place(
        http, keys, frozen_clock, symbol="SOLUSDT", side="BUY", type="MARKET", quantity="2.5"
    )

    order = response.json()
    fee = Decimal("2.5") * Decimal("0.001")
    assert order["status"] == "FILLED"
    assert Decimal(order["cummulativeQuoteQty"]) == Decimal("2.5") * price
    assert order["fills"] == [
        {
            "price": f"{price:.8f}",
            "qty": "2.50000000",
            "commission": f"{fee:.8f}",
            "commissionAsset": "SOL",
            "tradeId": order["fills"][0]["tradeId"],
        }
    ]
    assert fake_binance.balance(keys.api_key, "SOL") == (Decimal("2.5") - fee, 0)
    usdt = START_BALANCES["USDT"] - Decimal("2.5") * price
    assert fake_binance.balance(keys.api_key, "USDT") == (usdt, 0)


async def test_limit_sell_rests_locked_then_fills_as_maker_when_crossed(
    http: httpx.AsyncClient,
    fake_binance: FakeBinance,
    keys: Keys,
    frozen_clock: FrozenClock,
    market: SimulatedMarket,
) -> None:
    limit = (market.price("ETHUSDT") * Decimal("1.05")).quantize(Decimal("0.01"))
    order = (
        await place(
            http,
            keys,
            frozen_clock,
            symbol="ETHUSDT",
            side="SELL",
            type="LIMIT",
            timeInForce="GTC",
            quantity="1",
            price=str(limit),
        )
    ).json()
    assert order["status"] == "NEW"
    assert fake_binance.balance(keys.api_key, "ETH") == (Decimal("1"), Decimal("1"))

    market.shock("ETHUSDT", 10)
    frozen_clock.advance(1)
    trades = (
        await signed(http, keys, frozen_clock, "GET", "/api/v3/myTrades", {"symbol": "ETHUSDT"})
    ).json()

    fee = (limit * Decimal("0.001")).quantize(EIGHT)
    assert [(t["orderId"], t["isMaker"], Decimal(t["price"])) for t in trades] == [
        (order["orderId"], True, limit)
    ]
    assert fake_binance.balance(keys.api_key, "ETH") == (Decimal("1"), 0)
    assert fake_binance.balance(keys.api_key, "USDT") == (START_BALANCES["USDT"] + limit - fee, 0)


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        ({"quantity": "0.000015", "price": "50000"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.001", "price": "50000.001"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"quantity": "0.00001", "price": "50000"}, -1013, "Filter failure: NOTIONAL"),
        (
            {"quantity": "5", "price": "50000"},
            -2010,
            "Account has insufficient balance for requested action.",
        ),
        (
            {"price": "50000"},
            -1102,
            "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
        ),
        (
            {"quantity": "1e-3", "price": "50000"},
            -1100,
            "Illegal characters found in parameter 'quantity'; "
            "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        ),
        ({"quantity": "0.001", "price": "50000", "side": "HOLD"}, -1117, "Invalid side."),
        (
            {"quantity": "0.001", "price": "50000", "timeInForce": "DAY"},
            -1115,
            "Invalid timeInForce.",
        ),
    ],
)
async def test_order_rejections_use_binance_codes_and_texts(
    http: httpx.AsyncClient,
    fake_binance: FakeBinance,
    keys: Keys,
    frozen_clock: FrozenClock,
    params: dict[str, str],
    code: int,
    msg: str,
) -> None:
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    response = await place(http, keys, frozen_clock, **(base | params))

    assert error(response) == (400, code, msg)
    assert fake_binance.account(keys.api_key).orders == {}
    assert fake_binance.balance(keys.api_key, "USDT") == (START_BALANCES["USDT"], 0)


async def test_market_order_with_a_price_is_refused(
    http: httpx.AsyncClient, keys: Keys, frozen_clock: FrozenClock
) -> None:
    response = await place(
        http,
        keys,
        frozen_clock,
        symbol="BTCUSDT",
        side="BUY",
        type="MARKET",
        quantity="0.001",
        price="50000",
    )
    assert error(response) == (400, -1106, "Parameter 'price' sent when not required.")


async def test_cancel_query_and_cancel_all(
    http: httpx.AsyncClient, fake_binance: FakeBinance, keys: Keys, frozen_clock: FrozenClock
) -> None:
    ids = []
    for price in ("20000", "21000"):
        response = await place(
            http,
            keys,
            frozen_clock,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price=price,
        )
        ids.append(response.json()["orderId"])
    assert fake_binance.balance(keys.api_key, "USDT")[1] == Decimal("410")

    one = await signed(
        http,
        keys,
        frozen_clock,
        "DELETE",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "orderId": ids[0]},
    )
    again = await signed(
        http,
        keys,
        frozen_clock,
        "DELETE",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "orderId": ids[0]},
    )
    query = await signed(
        http, keys, frozen_clock, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": ids[0]}
    )
    unknown = await signed(
        http, keys, frozen_clock, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1}
    )
    rest = await signed(
        http, keys, frozen_clock, "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}
    )
    none_left = await signed(
        http, keys, frozen_clock, "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}
    )

    assert one.json()["status"] == "CANCELED"
    assert one.json()["origClientOrderId"] != one.json()["clientOrderId"]
    assert error(again) == (400, -2011, "Unknown order sent.")
    assert query.json()["status"] == "CANCELED"
    assert error(unknown) == (400, -2013, "Order does not exist.")
    assert [o["orderId"] for o in rest.json()] == [ids[1]]
    assert error(none_left) == (400, -2011, "Unknown order sent.")
    assert fake_binance.balance(keys.api_key, "USDT") == (START_BALANCES["USDT"], 0)


# -- weights and switches ----------------------------------------------------------------------


async def test_every_answer_carries_the_used_weight(
    http: httpx.AsyncClient, keys: Keys, frozen_clock: FrozenClock
) -> None:
    weights = []
    for response in (
        await http.get("/api/v3/ping"),
        await http.get("/api/v3/exchangeInfo"),
        await http.get("/api/v3/ticker/price", params={"symbol": "NOPE"}),
        await signed(http, keys, frozen_clock, "GET", "/api/v3/account"),
        await http.get("/api/v3/nowhere"),
    ):
        weights.append(int(response.headers["X-MBX-USED-WEIGHT-1M"]))

    assert weights == [1, 21, 23, 43, 44]


async def test_weight_resets_each_minute(
    http: httpx.AsyncClient, frozen_clock: FrozenClock
) -> None:
    await http.get("/api/v3/exchangeInfo")
    frozen_clock.advance(60)
    response = await http.get("/api/v3/ping")
    assert response.headers["X-MBX-USED-WEIGHT-1M"] == "1"


@pytest.mark.parametrize(("status", "text"), [(429, "Too many requests"), (418, "banned until")])
async def test_rate_limit_switch_answers_with_retry_after_until_it_passes(
    http: httpx.AsyncClient,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    status: int,
    text: str,
) -> None:
    fake_binance.rate_limit(retry_after=12, status=status)

    limited = await http.get("/api/v3/ping")
    frozen_clock.advance(12)
    after = await http.get("/api/v3/ping")

    assert limited.status_code == status
    assert limited.headers["Retry-After"] == "12"
    assert limited.json()["code"] == -1003
    assert text in limited.json()["msg"]
    assert after.status_code == 200


async def test_exceeding_the_weight_limit_is_a_429(
    market: SimulatedMarket,
) -> None:
    async with FakeBinance(market, weight_limit=45) as fake, httpx.AsyncClient() as http:
        codes = [
            (await http.get(f"{fake.base_url}/api/v3/exchangeInfo")).status_code for _ in range(3)
        ]
        limited = await http.get(f"{fake.base_url}/api/v3/exchangeInfo")

    assert codes == [200, 200, 429]
    assert int(limited.headers["Retry-After"]) > 0


async def test_injected_failure_hits_once(
    http: httpx.AsyncClient, fake_binance: FakeBinance
) -> None:
    fake_binance.fail_next(503, -1001, "Internal error.", "/api/v3/time")
    assert (await http.get("/api/v3/ping")).status_code == 200
    assert error(await http.get("/api/v3/time")) == (503, -1001, "Internal error.")
    assert (await http.get("/api/v3/time")).status_code == 200


def test_api_keys_must_look_like_binance_keys(market: SimulatedMarket) -> None:
    fake = FakeBinance(market, accounts={"k" * 64: ("s", {"USDT": Decimal("1")})})
    assert fake.balance("k" * 64, "usdt") == (Decimal("1"), 0)
    with pytest.raises(ValueError, match="64 letters or digits"):
        fake.add_account("short", "secret")


async def test_runs_standalone_from_the_command_line() -> None:
    proc = subprocess.Popen(  # noqa: ASYNC220 (the child is stopped in finally)
        [sys.executable, "-m", "telegram_frontend.sandbox.binance.server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 15)
        base_url = re.search(r"http://\S+", first)
        assert base_url, first
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{base_url.group(0)}/api/v3/ping")
        assert response.json() == {}
    finally:
        proc.terminate()
        proc.wait(timeout=10)

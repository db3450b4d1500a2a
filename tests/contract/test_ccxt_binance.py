"""The fake Binance driven by ccxt (default options), a client nobody here wrote.

Each test states what Binance's own documentation says the real API does; if the fake drifts,
ccxt sees it here even when our own client would not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import ccxt.async_support as ccxt
import pytest

from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.server import FakeBinance

BALANCES = {"USDT": Decimal("10000"), "BTC": Decimal("1"), "ETH": Decimal("5")}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance(SimulatedMarket()) as server:
        yield server


@pytest.fixture
async def binance(fake: FakeBinance) -> AsyncIterator[Any]:
    """ccxt's binance with default options; every API host points at the fake."""
    api_key, secret = fake.new_account(BALANCES)
    exchange = ccxt.binance({"apiKey": api_key, "secret": secret})
    urls = exchange.urls["api"]
    for name, url in list(urls.items()):
        if isinstance(url, str):
            urls[name] = fake.base_url + urlsplit(url).path
    try:
        yield exchange
    finally:
        await exchange.close()


def below_market(fake: FakeBinance, pct: int = 10) -> float:
    return float(fake.market.price("BTCUSDT") * (100 - pct) / 100)


def error_of(exc: pytest.ExceptionInfo[Exception]) -> str:
    """ccxt puts Binance's JSON error body in the exception text."""
    return str(exc.value)


# -- market data -------------------------------------------------------------------------------


async def test_load_markets_works_with_default_options(binance: Any, fake: FakeBinance) -> None:
    markets = await binance.load_markets()

    assert set(markets) == {"BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"}
    assert markets["BTC/USDT"]["spot"] is True
    assert markets["BTC/USDT"]["precision"]["amount"] == 0.00001
    assert fake.calls("GET", "/fapi/v1/exchangeInfo") == 1
    assert fake.calls("GET", "/sapi/v1/margin/allPairs") >= 1


async def test_ticker_order_book_and_ohlcv(binance: Any, fake: FakeBinance) -> None:
    ticker = await binance.fetch_ticker("BTC/USDT")
    book = await binance.fetch_order_book("BTC/USDT", 5)
    weekly = await binance.fetch_ohlcv("BTC/USDT", "1w", limit=3)

    assert abs(Decimal(str(ticker["last"])) / fake.market.price("BTCUSDT") - 1) < Decimal("0.01")
    assert len(book["bids"]) == len(book["asks"]) == 5
    assert book["bids"][0][0] < book["asks"][0][0]
    assert len(weekly) == 3
    assert all(row[0] % 86_400_000 == 345_600_000 % 86_400_000 for row in weekly)


@pytest.mark.parametrize("interval", ["1s", "8h", "3d", "1w", "1M"])
async def test_every_documented_kline_interval_is_served(binance: Any, interval: str) -> None:
    rows = await binance.fetch_ohlcv("ETH/USDT", interval, limit=2)

    assert len(rows) == 2
    assert rows[0][0] < rows[1][0]


async def test_book_ticker_avg_price_and_public_trades(binance: Any) -> None:
    book = await binance.public_get_ticker_bookticker({"symbol": "BTCUSDT"})
    average = await binance.public_get_avgprice({"symbol": "BTCUSDT"})
    trades = await binance.public_get_trades({"symbol": "BTCUSDT", "limit": 5})

    assert Decimal(book["bidPrice"]) < Decimal(book["askPrice"])
    assert average["mins"] == 5
    assert len(trades) == 5


async def test_lowercase_symbol_is_an_illegal_character(binance: Any) -> None:
    with pytest.raises(ccxt.BadRequest) as refused:
        await binance.public_get_ticker_price({"symbol": "btcusdt"})

    assert "-1100" in error_of(refused)
    assert "Illegal characters found in parameter 'symbol'" in error_of(refused)


async def test_unknown_parameters_are_refused(binance: Any) -> None:
    with pytest.raises(ccxt.BadRequest) as refused:
        await binance.public_get_ticker_price({"symbol": "BTCUSDT", "colour": "blue"})

    assert "-1104" in error_of(refused)
    assert "read '1' parameter(s) but was sent '2'" in error_of(refused)


# -- account and orders ------------------------------------------------------------------------


async def test_balance_and_market_order(binance: Any, fake: FakeBinance) -> None:
    before = await binance.fetch_balance()
    order = await binance.create_order("BTC/USDT", "market", "buy", 0.001)
    after = await binance.fetch_balance()

    assert before["USDT"]["free"] == 10000
    assert order["status"] == "closed"
    assert order["filled"] == 0.001
    assert after["USDT"]["free"] < 10000
    assert after["BTC"]["free"] > 1


async def test_market_order_by_quote_amount(binance: Any) -> None:
    order = await binance.create_market_buy_order_with_cost("BTC/USDT", 50)

    assert order["status"] == "closed"
    assert 45 < order["cost"] <= 50
    assert Decimal(order["info"]["origQuoteOrderQty"]) == 50


@pytest.mark.parametrize("time_in_force", ["IOC", "FOK"])
async def test_limit_ioc_or_fok_that_cannot_fill_expires_at_once(
    binance: Any, fake: FakeBinance, time_in_force: str
) -> None:
    order = await binance.create_order(
        "BTC/USDT", "limit", "buy", 0.001, below_market(fake), {"timeInForce": time_in_force}
    )
    balance = await binance.fetch_balance()

    assert order["info"]["status"] == "EXPIRED"
    assert order["status"] == "expired"
    assert order["filled"] == 0
    assert balance["USDT"]["used"] == 0
    assert await binance.fetch_open_orders("BTC/USDT") == []


async def test_limit_gtc_rests_then_cancels(binance: Any, fake: FakeBinance) -> None:
    order = await binance.create_order("BTC/USDT", "limit", "buy", 0.001, below_market(fake))
    resting = await binance.fetch_open_orders("BTC/USDT")
    canceled = await binance.cancel_order(order["id"], "BTC/USDT")

    assert order["status"] == "open"
    assert [o["id"] for o in resting] == [order["id"]]
    assert canceled["status"] == "canceled"
    assert await binance.fetch_open_orders("BTC/USDT") == []


async def test_limit_maker_that_would_take_is_rejected(binance: Any, fake: FakeBinance) -> None:
    above = float(fake.market.price("BTCUSDT") * 11 / 10)
    with pytest.raises(ccxt.InvalidOrder) as refused:
        await binance.create_order("BTC/USDT", "LIMIT_MAKER", "buy", 0.001, above)
    resting = await binance.create_order(
        "BTC/USDT", "LIMIT_MAKER", "buy", 0.001, below_market(fake)
    )

    assert "Order would immediately match and take." in error_of(refused)
    assert resting["info"]["status"] == "NEW"


async def test_every_listed_order_type_is_accepted(binance: Any, fake: FakeBinance) -> None:
    info = await binance.public_get_exchangeinfo({"symbol": "BTCUSDT"})
    listed = info["symbols"][0]["orderTypes"]
    price = str(fake.market.price("BTCUSDT") * 9 / 10)
    placed = {}
    for kind in listed:
        params = {"symbol": "BTCUSDT", "side": "BUY", "type": kind, "quantity": "0.001"}
        if kind != "MARKET":
            params["price"] = price.split(".")[0]
        if kind == "LIMIT":
            params["timeInForce"] = "GTC"
        placed[kind] = (await binance.private_post_order(params))["orderId"]

    assert set(listed) == {"LIMIT", "LIMIT_MAKER", "MARKET"}
    assert all(order_id > 0 for order_id in placed.values())


async def test_duplicate_open_client_order_id_is_refused(binance: Any, fake: FakeBinance) -> None:
    params = {"newClientOrderId": "same-id-1"}
    await binance.create_order("BTC/USDT", "limit", "buy", 0.001, below_market(fake), params)
    with pytest.raises(ccxt.ExchangeError) as refused:
        await binance.create_order("BTC/USDT", "limit", "buy", 0.001, below_market(fake), params)

    assert "-2010" in error_of(refused)
    assert "Duplicate order sent." in error_of(refused)


async def test_response_types_have_the_documented_shapes(binance: Any, fake: FakeBinance) -> None:
    def raw(kind: str) -> dict[str, Any]:
        return {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"} | {
            "newOrderRespType": kind
        }

    ack = await binance.private_post_order(raw("ACK"))
    result = await binance.private_post_order(raw("RESULT"))
    full = await binance.private_post_order(raw("FULL"))

    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    assert result["status"] == "FILLED" and "fills" not in result
    assert "time" not in result and "updateTime" not in result
    assert full["fills"] and set(full) - set(result) == {"fills"}


async def test_order_test_endpoint_places_nothing(binance: Any) -> None:
    answer = await binance.private_post_order_test(
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    )

    assert answer == {}
    assert await binance.private_get_allorders({"symbol": "BTCUSDT"}) == []


async def test_my_trades_and_all_orders_honour_their_filters(
    binance: Any, fake: FakeBinance
) -> None:
    first = await binance.create_order("BTC/USDT", "market", "buy", 0.001)
    second = await binance.create_order("BTC/USDT", "market", "buy", 0.002)
    everything = await binance.fetch_my_trades("BTC/USDT")
    of_second = await binance.private_get_mytrades({"symbol": "BTCUSDT", "orderId": second["id"]})
    from_second = await binance.private_get_mytrades(
        {"symbol": "BTCUSDT", "fromId": everything[1]["id"]}
    )
    later = await binance.private_get_allorders({"symbol": "BTCUSDT", "orderId": second["id"]})
    future = fake.market.now_ms() + 60_000
    none_yet = await binance.private_get_mytrades({"symbol": "BTCUSDT", "startTime": future})
    before = await binance.private_get_mytrades(
        {"symbol": "BTCUSDT", "endTime": everything[0]["timestamp"] - 1}
    )

    assert [t["order"] for t in everything] == [first["id"], second["id"]]
    assert [str(t["orderId"]) for t in of_second] == [second["id"]]
    assert [str(t["orderId"]) for t in from_second] == [second["id"]]
    assert [str(o["orderId"]) for o in later] == [second["id"]]
    assert none_yet == []
    assert before == []


async def test_my_trades_refuses_a_window_over_a_day(binance: Any, fake: FakeBinance) -> None:
    now = fake.market.now_ms()
    with pytest.raises(ccxt.BadRequest) as refused:
        await binance.private_get_mytrades(
            {"symbol": "BTCUSDT", "startTime": now - 2 * 86_400_000, "endTime": now}
        )

    assert "-1127" in error_of(refused)

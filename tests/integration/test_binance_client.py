"""The Binance client against the fake Binance: signing, clock resync, weight, bans, filters,
orders and balances, and every Binance error turned into one sentence without leaking secrets."""

from __future__ import annotations

import logging
import re
import socket
from decimal import Decimal

import pytest

from telegram_frontend.clients.binance.client import (
    MAINNET_ORDERS_DISABLED,
    BinanceClient,
    BinanceClientFactory,
    BinanceCredentials,
    MainnetOrdersDisabled,
)
from telegram_frontend.clients.binance.transport import is_mainnet_url
from telegram_frontend.core.errors import ExchangeError, ValidationFailed
from telegram_frontend.core.settings import Settings
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.server import FakeBinance

from .binance_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import START_BALANCES, FrozenClock, Keys, make_client

BAD_KEY = "Binance rejected the API key or its permissions."
FEE = Decimal("0.001")
ORDER = ("POST", "/api/v3/order")


# -- signing and clock -------------------------------------------------------------------------


async def test_signed_account_returns_decimal_balances(binance_client: BinanceClient) -> None:
    account = await binance_client.account()

    assert account.balance("USDT").free == Decimal("10000")
    assert account.balance("BTC").free == Decimal("0.5")
    assert isinstance(account.balance("ETH").free, Decimal)
    assert account.balance("DOGE").total == 0


async def test_wrong_secret_is_rejected_as_bad_signature(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, keys: Keys
) -> None:
    client = make_client(fake_binance, frozen_clock, Keys(keys.api_key, "not-the-secret"))
    with pytest.raises(ExchangeError) as err:
        await client.account()
    await client.aclose()

    assert err.value.code == -1022
    assert "signature" in err.value.message


@pytest.mark.parametrize(
    ("api_key", "code"),
    [("A" * 64, -2015), ("short-key", -2014)],
    ids=["unknown key", "malformed key"],
)
async def test_bad_key_is_one_clear_sentence(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, api_key: str, code: int
) -> None:
    client = make_client(fake_binance, frozen_clock, Keys(api_key, "x"))
    with pytest.raises(ExchangeError) as err:
        await client.account()
    await client.aclose()

    assert (err.value.message, err.value.code) == (BAD_KEY, code)


async def test_http_401_without_known_code_means_bad_key(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    fake_binance.fail_next(401, -9999, "Unauthorized.")
    with pytest.raises(ExchangeError, match="rejected the API key"):
        await binance_client.account()


@pytest.mark.parametrize("skew_ms", [30_000, -30_000], ids=["server ahead", "server behind"])
async def test_clock_skew_is_resynced_and_the_call_retried_once(
    fake_binance: FakeBinance, binance_client: BinanceClient, skew_ms: int
) -> None:
    fake_binance.clock_skew_ms = skew_ms

    account = await binance_client.account()

    assert account.balance("USDT").free == Decimal("10000")
    assert fake_binance.calls("GET", "/api/v3/account") == 2
    assert fake_binance.calls("GET", "/api/v3/time") == 1
    await binance_client.account()
    assert fake_binance.calls("GET", "/api/v3/account") == 3, "the offset is kept afterwards"


async def test_timestamp_still_rejected_after_resync_gives_up(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    for _ in range(2):
        fake_binance.fail_next(
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
            "/api/v3/account",
        )
    with pytest.raises(ExchangeError, match="system clock") as err:
        await binance_client.account()

    assert err.value.code == -1021
    assert fake_binance.calls("GET", "/api/v3/account") == 2, "retried once, not more"
    assert fake_binance.calls("GET", "/api/v3/time") == 1


# -- weight and rate limits --------------------------------------------------------------------


async def test_used_weight_follows_the_header(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    assert binance_client.used_weight is None
    await binance_client.ping()
    assert binance_client.used_weight == 1
    await binance_client.account()
    assert binance_client.used_weight == 21 == fake_binance.used_weight
    await binance_client.exchange_info()
    assert binance_client.used_weight == 41


@pytest.mark.parametrize(
    ("status", "text"), [(429, "rate limited"), (418, "banned")], ids=["429", "418"]
)
async def test_retry_after_is_honoured_without_hammering(
    fake_binance: FakeBinance,
    binance_client: BinanceClient,
    frozen_clock: FrozenClock,
    status: int,
    text: str,
) -> None:
    fake_binance.rate_limit(retry_after=30, status=status)

    with pytest.raises(ExchangeError, match=f"{text}.*retry after 30 s"):
        await binance_client.ping()
    frozen_clock.advance(10)
    with pytest.raises(ExchangeError, match="retry after 20 s"):
        await binance_client.account()
    assert len(fake_binance.requests) == 1, "refused locally, Binance was not called again"

    frozen_clock.advance(21)
    await binance_client.ping()
    assert fake_binance.calls("GET", "/api/v3/ping") == 2


async def test_weight_limit_of_the_fake_gives_429(
    market: SimulatedMarket, frozen_clock: FrozenClock
) -> None:
    async with FakeBinance(market, weight_limit=30) as fake:
        client = make_client(fake, frozen_clock, None)
        await client.exchange_info()
        with pytest.raises(ExchangeError, match="retry after"):
            await client.exchange_info(refresh=True)
        await client.aclose()


# -- network failures --------------------------------------------------------------------------


async def test_slow_answer_is_a_timeout_sentence(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, keys: Keys
) -> None:
    client = make_client(fake_binance, frozen_clock, keys, read_timeout=0.2)
    fake_binance.delay_seconds = 0.5
    with pytest.raises(ExchangeError) as read_err:
        await client.ping()
    with pytest.raises(ExchangeError) as order_err:
        await client.cancel_order("BTCUSDT", 1)
    await client.aclose()

    assert read_err.value.message == "Binance did not answer within 0.2 s."
    assert "may still have been executed" in order_err.value.message


async def test_unreachable_host_is_a_network_sentence(frozen_clock: FrozenClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = BinanceClient(f"http://127.0.0.1:{port}", clock=frozen_clock)
    with pytest.raises(ExchangeError, match="could not be reached"):
        await client.ping()
    await client.aclose()


# -- mapped errors -----------------------------------------------------------------------------


async def test_insufficient_balance_is_explained(binance_client: BinanceClient) -> None:
    with pytest.raises(ExchangeError) as err:
        await binance_client.place_order("BTCUSDT", "BUY", "MARKET", Decimal("1"))

    assert err.value.code == -2010
    assert err.value.message == "The Binance account balance is too low for this order."


async def test_other_order_rejections_keep_binance_reason(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    fake_binance.fail_next(400, -2010, "Order would immediately match and take.", "/api/v3/order")
    with pytest.raises(ExchangeError) as err:
        await binance_client.place_order(
            "BTCUSDT", "BUY", "LIMIT", Decimal("0.001"), Decimal("20000")
        )
    assert (
        err.value.message == "Binance rejected the order: Order would immediately match and take."
    )


async def test_unknown_order_cancel_and_query(binance_client: BinanceClient) -> None:
    with pytest.raises(ExchangeError, match="does not know this order") as cancel_err:
        await binance_client.cancel_order("BTCUSDT", 424242)
    with pytest.raises(ExchangeError, match="does not know this order") as query_err:
        await binance_client.get_order("BTCUSDT", 424242)

    assert (cancel_err.value.code, query_err.value.code) == (-2011, -2013)


async def test_filter_failure_from_binance_after_rules_changed(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    await binance_client.exchange_info()  # cached with a minimum notional of 5
    fake_binance.filters["ETHUSDT"].min_notional = Decimal("100000")

    with pytest.raises(ExchangeError) as err:
        await binance_client.place_order("ETHUSDT", "SELL", "MARKET", Decimal("0.01"))

    assert err.value.code == -1013
    assert (
        err.value.message == "The order does not pass Binance's filters (Filter failure: NOTIONAL)."
    )


async def test_invalid_symbol_parameter_and_server_errors(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    with pytest.raises(ExchangeError, match="does not know this symbol") as symbol_err:
        await binance_client.ticker_prices(["NOPEUSDT"])
    fake_binance.fail_next(400, -1102, "Mandatory parameter 'interval' was not sent.")
    with pytest.raises(ExchangeError, match="refused a request parameter") as param_err:
        await binance_client.klines("BTCUSDT")
    fake_binance.fail_next(503, -1001, "Internal error; unable to process your request.")
    with pytest.raises(ExchangeError, match=r"unavailable right now \(HTTP 503\)"):
        await binance_client.ping()

    assert (symbol_err.value.code, param_err.value.code) == (-1121, -1102)


async def test_calls_needing_a_key_explain_when_there_is_none(
    fake_binance: FakeBinance, frozen_clock: FrozenClock
) -> None:
    client = make_client(fake_binance, frozen_clock, None)
    with pytest.raises(ExchangeError, match="No Binance API key"):
        await client.account()
    await client.aclose()
    assert fake_binance.calls("GET", "/api/v3/account") == 0


# -- market data -------------------------------------------------------------------------------


async def test_market_data_matches_the_market(
    binance_client: BinanceClient, market: SimulatedMarket
) -> None:
    prices = await binance_client.ticker_prices()
    some = await binance_client.ticker_prices(["ETHUSDT", "BTCUSDT"])
    tickers = await binance_client.ticker_24h(["BTCUSDT"])
    klines = await binance_client.klines("ETHUSDT", "1h", limit=3)

    assert set(prices) == set(market.symbols)
    assert some == {s: market.price(s) for s in ("ETHUSDT", "BTCUSDT")}
    assert tickers["BTCUSDT"].last_price == market.price("BTCUSDT")
    assert tickers["BTCUSDT"].price_change_percent == market.change_24h_pct("BTCUSDT")
    assert [k.close for k in klines] == [c.close for c in market.klines("ETHUSDT", "1h", 3)]


async def test_exchange_info_is_cached_until_its_ttl(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, keys: Keys
) -> None:
    client = make_client(fake_binance, frozen_clock, keys, exchange_info_ttl=60)
    btc = await client.symbol_filters("btcusdt")
    await client.symbol_filters("ETHUSDT")
    assert fake_binance.calls("GET", "/api/v3/exchangeInfo") == 1
    frozen_clock.advance(61)
    await client.symbol_filters("ETHUSDT")
    await client.aclose()

    assert fake_binance.calls("GET", "/api/v3/exchangeInfo") == 2
    assert (btc.step_size, btc.tick_size, btc.min_notional) == (
        Decimal("0.00001"),
        Decimal("0.01"),
        Decimal("5"),
    )


# -- order filters checked before sending -------------------------------------------------------


@pytest.mark.parametrize(
    ("order_type", "qty", "price", "reason"),
    [
        ("LIMIT", "0.000015", "60000", "not a multiple of the step size 0.00001 BTC"),
        ("MARKET", "0.000001", None, "below the minimum of 0.00001 BTC"),
        ("MARKET", "10000", None, "above the maximum of 9,000 BTC"),
        ("LIMIT", "0.001", "60000.005", "not a multiple of the tick size 0.01 USDT"),
        ("LIMIT", "0.001", "0.001", "below the minimum of 0.01 USDT"),
        ("LIMIT", "0.00002", "60000", "worth 1.20 USDT, below the minimum of 5 USDT"),
        ("MARKET", "0.00005", None, "below the minimum of 5 USDT"),
        ("LIMIT", "0.001", None, "A limit order needs a price."),
        ("MARKET", "0.001", "60000", "A market order takes no price."),
        ("MARKET", "0", None, "greater than zero"),
    ],
)
async def test_orders_breaking_filters_are_refused_before_sending(
    fake_binance: FakeBinance,
    binance_client: BinanceClient,
    order_type: str,
    qty: str,
    price: str | None,
    reason: str,
) -> None:
    with pytest.raises(ValidationFailed, match=re.escape(reason)):
        await binance_client.place_order(
            "BTCUSDT",
            "BUY",
            order_type,  # type: ignore[arg-type]
            Decimal(qty),
            Decimal(price) if price else None,
        )
    assert fake_binance.calls(*ORDER) == 0


async def test_unlisted_symbol_is_refused_before_sending(
    fake_binance: FakeBinance, binance_client: BinanceClient
) -> None:
    with pytest.raises(ValidationFailed, match="does not list the symbol “DOGEUSDT”"):
        await binance_client.place_order("DOGEUSDT", "BUY", "MARKET", Decimal("10"))
    assert fake_binance.calls(*ORDER) == 0


# -- orders, fills and balances ----------------------------------------------------------------


async def test_market_buy_fills_at_market_price_and_moves_balances(
    fake_binance: FakeBinance, binance_client: BinanceClient, market: SimulatedMarket, keys: Keys
) -> None:
    price = market.price("BTCUSDT")
    qty = Decimal("0.01234")

    order = await binance_client.place_order("BTCUSDT", "BUY", "MARKET", qty)

    fee = (qty * FEE).quantize(Decimal("0.00000001"))
    assert order.status == "FILLED"
    assert order.executed_qty == qty
    assert order.avg_price == price
    assert order.fees() == {"BTC": fee}
    account = await binance_client.account()
    assert account.balance("BTC").free == START_BALANCES["BTC"] + qty - fee
    assert account.balance("USDT").free == START_BALANCES["USDT"] - qty * price
    assert fake_binance.balance(keys.api_key, "BTC") == (START_BALANCES["BTC"] + qty - fee, 0)


async def test_market_sell_pays_the_fee_in_quote(
    binance_client: BinanceClient, market: SimulatedMarket
) -> None:
    price = market.price("ETHUSDT")
    qty = Decimal("0.5")

    order = await binance_client.place_order("ETHUSDT", "SELL", "MARKET", qty)

    proceeds = qty * price
    fee = (proceeds * FEE).quantize(Decimal("0.00000001"))
    assert order.fees() == {"USDT": fee}
    account = await binance_client.account()
    assert account.balance("USDT").free == START_BALANCES["USDT"] + proceeds - fee
    assert account.balance("ETH").free == START_BALANCES["ETH"] - qty


async def test_limit_order_locks_funds_then_fills_when_price_crosses(
    binance_client: BinanceClient, market: SimulatedMarket, frozen_clock: FrozenClock
) -> None:
    limit = (market.price("BTCUSDT") * Decimal("0.9")).quantize(Decimal("0.01"))
    qty = Decimal("0.01")

    order = await binance_client.place_order("BTCUSDT", "BUY", "LIMIT", qty, limit)

    assert order.status == "NEW"
    usdt = (await binance_client.account()).balance("USDT")
    assert (usdt.free, usdt.locked) == (START_BALANCES["USDT"] - qty * limit, qty * limit)
    market.shock("BTCUSDT", -20)
    frozen_clock.advance(1)

    filled = await binance_client.get_order("BTCUSDT", order.order_id)
    trades = await binance_client.my_trades("BTCUSDT")
    account = await binance_client.account()
    assert filled.status == "FILLED"
    assert (trades[-1].price, trades[-1].is_maker, trades[-1].side) == (limit, True, "BUY")
    assert account.balance("USDT").locked == 0
    assert account.balance("USDT").free == START_BALANCES["USDT"] - qty * limit
    assert account.balance("BTC").free == START_BALANCES["BTC"] + qty - qty * FEE


async def test_cancel_one_order_unlocks_its_funds(binance_client: BinanceClient) -> None:
    order = await binance_client.place_order(
        "ETHUSDT", "SELL", "LIMIT", Decimal("1"), Decimal("99999")
    )
    assert (await binance_client.account()).balance("ETH").locked == 1

    cancelled = await binance_client.cancel_order("ETHUSDT", order.order_id)

    assert cancelled.status == "CANCELED"
    eth = (await binance_client.account()).balance("ETH")
    assert (eth.free, eth.locked) == (START_BALANCES["ETH"], 0)
    assert await binance_client.open_orders() == []


async def test_cancel_all_only_touches_that_symbol(binance_client: BinanceClient) -> None:
    for price in ("1000", "1100"):
        await binance_client.place_order("ETHUSDT", "BUY", "LIMIT", Decimal("0.1"), Decimal(price))
    kept = await binance_client.place_order(
        "BTCUSDT", "BUY", "LIMIT", Decimal("0.001"), Decimal("10000")
    )

    cancelled = await binance_client.cancel_open_orders("ETHUSDT")

    assert sorted(o.status for o in cancelled) == ["CANCELED", "CANCELED"]
    assert [o.order_id for o in await binance_client.open_orders()] == [kept.order_id]
    history = await binance_client.all_orders("ETHUSDT")
    assert [o.status for o in history] == ["CANCELED", "CANCELED"]


# -- mainnet guard and construction ------------------------------------------------------------


async def test_mainnet_orders_are_refused_unless_allowed(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, keys: Keys
) -> None:
    guarded = make_client(fake_binance, frozen_clock, keys, mainnet=True)
    with pytest.raises(MainnetOrdersDisabled) as err:
        await guarded.place_order("BTCUSDT", "BUY", "MARKET", Decimal("0.001"))
    with pytest.raises(MainnetOrdersDisabled):
        await guarded.cancel_open_orders("BTCUSDT")
    assert str(err.value) == MAINNET_ORDERS_DISABLED
    assert fake_binance.calls(*ORDER) == 0
    await guarded.account()  # reading stays allowed
    await guarded.aclose()

    allowed = make_client(fake_binance, frozen_clock, keys, mainnet=True, allow_mainnet_orders=True)
    await allowed.place_order("BTCUSDT", "BUY", "MARKET", Decimal("0.001"))
    await allowed.aclose()
    assert fake_binance.calls(*ORDER) == 1


def test_mainnet_is_recognised_by_host() -> None:
    assert is_mainnet_url("https://api.binance.com")
    assert is_mainnet_url("https://api3.binance.com/")
    assert not is_mainnet_url("https://testnet.binance.vision")
    assert not is_mainnet_url("http://127.0.0.1:8083")
    assert not is_mainnet_url("https://binance.com.evil.example")
    mainnet = BinanceClient.from_settings(Settings(binance_testnet=False, _env_file=None))
    testnet = BinanceClient.from_settings(Settings(binance_testnet=True, _env_file=None))
    assert (mainnet.is_mainnet, testnet.is_mainnet) == (True, False)


async def test_factory_builds_system_and_user_clients_sharing_weight(
    fake_binance: FakeBinance, keys: Keys, frozen_clock: FrozenClock
) -> None:
    other_key, other_secret = fake_binance.new_account({"USDT": Decimal("5")})
    settings = Settings(
        binance_base_url=fake_binance.base_url,
        binance_testnet_hosts=["127.0.0.1"],
        binance_api_key=keys.api_key,
        binance_api_secret=keys.secret,
        _env_file=None,
    )
    factory = BinanceClientFactory(settings, clock=frozen_clock)
    system = factory.system()
    user = factory.for_credentials(BinanceCredentials.of(other_key, other_secret))

    assert (await system.account()).balance("USDT").free == START_BALANCES["USDT"]
    assert (await user.account()).balance("USDT").free == Decimal("5")
    assert system.used_weight == user.used_weight == 40
    await user.aclose()
    await system.ping()  # closing a factory-made client leaves the shared pool open
    await factory.aclose()


# -- secrets stay secret -----------------------------------------------------------------------


async def test_secrets_never_reach_errors_reprs_or_logs(
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    keys: Keys,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(fake_binance, frozen_clock, keys)
    wrong = make_client(fake_binance, frozen_clock, Keys(keys.api_key, "wrong-" + keys.secret))
    fake_binance.clock_skew_ms = 20_000
    errors: list[BaseException] = []
    await client.account()
    await client.place_order("BTCUSDT", "BUY", "MARKET", Decimal("0.001"))
    for call in (
        wrong.account(),
        client.cancel_order("BTCUSDT", 999),
        client.place_order("BTCUSDT", "BUY", "MARKET", Decimal("100")),
    ):
        try:
            await call
        except ExchangeError as exc:
            errors.append(exc)
    await client.aclose()
    await wrong.aclose()

    assert len(errors) == 3
    captured = capsys.readouterr()
    texts = [caplog.text, captured.out, captured.err, repr(client), repr(keys.credentials)]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [str(e.__context__) for e in errors if e.__context__]
    for text in texts:
        assert keys.secret not in text
        assert keys.api_key not in text
        assert not re.search(r"signature=[0-9a-f]{64}", text)
    assert "signature=<redacted>" in caplog.text, "the requests were logged, just redacted"

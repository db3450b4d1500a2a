"""The portfolio and order services on the fake Binance: valuation to the cent, dust, 24 h change,
history with fees, and orders guarded by role, mainnet switch, risk limits and exchange filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal

import pytest

from telegram_frontend.clients.binance.client import MAINNET_ORDERS_DISABLED, BinanceClient
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import PermissionDenied, ValidationFailed
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.services.account.orders import OrderService, RiskLimits
from telegram_frontend.services.account.portfolio import PortfolioService

from .binance_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import FrozenClock, Keys, make_client

VIEWER = Actor(role=Role.VIEWER, user_id=10, name="viewer")
TRADER = Actor(role=Role.TRADER, user_id=20, name="trader")
PENDING = Actor(role=Role.PENDING, user_id=30, name="pending")
CENT = Decimal("0.01")
SAT = Decimal("0.00000001")
ORDER_CALLS = (
    ("POST", "/api/v3/order"),
    ("DELETE", "/api/v3/order"),
    ("DELETE", "/api/v3/openOrders"),
)

HOLDINGS = {
    "USDT": Decimal("1234.567"),
    "FDUSD": Decimal("10"),
    "BTC": Decimal("0.0123"),
    "ETH": Decimal("1.5"),
    "BNB": Decimal("0.001"),
    "SOL": Decimal("0.002"),
    "XYZ": Decimal("5"),
    "LTC": Decimal("0"),
}
PAIRS = {"BTC": "BTCUSDT", "ETH": "ETHUSDT", "BNB": "BNBUSDT", "SOL": "SOLUSDT"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture
async def rich(
    fake_binance: FakeBinance, frozen_clock: FrozenClock
) -> AsyncIterator[BinanceClient]:
    """A client on an account holding stablecoins, majors, dust, an unpriced and a zero asset."""
    api_key, secret = fake_binance.new_account(HOLDINGS)
    client = make_client(fake_binance, frozen_clock, Keys(api_key, secret))
    yield client
    await client.aclose()


def expected_values(market: SimulatedMarket) -> dict[str, Decimal]:
    """Unrounded USDT values computed straight from the market's prices."""
    values = {a: HOLDINGS[a] for a in ("USDT", "FDUSD")}
    values |= {a: HOLDINGS[a] * market.price(sym) for a, sym in PAIRS.items()}
    return values


# -- valuation ---------------------------------------------------------------------------------


async def test_portfolio_values_match_prices_to_the_cent(
    rich: BinanceClient, market: SimulatedMarket
) -> None:
    values = expected_values(market)
    total = sum(values.values(), Decimal(0))
    btc = market.price("BTCUSDT")

    portfolio = await PortfolioService(rich).portfolio(VIEWER)

    lines = {h.asset: h for h in portfolio.holdings}
    main = sorted(("USDT", "ETH", "BTC", "FDUSD"), key=lambda a: -values[a])
    assert [h.asset for h in portfolio.holdings] == main
    for asset in ("USDT", "ETH", "BTC", "FDUSD"):
        assert lines[asset].value_usdt == cents(values[asset]), asset
        assert lines[asset].value_btc == (values[asset] / btc).quantize(SAT, ROUND_HALF_UP)
        assert lines[asset].allocation_pct == cents(values[asset] / total * 100)
        assert lines[asset].total == HOLDINGS[asset]
    assert lines["ETH"].price_usdt == market.price("ETHUSDT")
    assert lines["FDUSD"].price_usdt == 1
    assert lines["BTC"].value_btc == HOLDINGS["BTC"]
    assert portfolio.total_usdt == cents(total)
    assert portfolio.total_btc == (total / btc).quantize(SAT, ROUND_HALF_UP)


async def test_dust_is_folded_into_one_line_and_unpriced_listed_apart(
    rich: BinanceClient, market: SimulatedMarket
) -> None:
    values = expected_values(market)
    total = sum(values.values(), Decimal(0))
    dust_value = values["BNB"] + values["SOL"]

    portfolio = await PortfolioService(rich).portfolio(VIEWER)

    assert portfolio.dust is not None
    assert portfolio.dust.assets == ("BNB", "SOL")
    assert portfolio.dust.value_usdt == cents(dust_value)
    assert portfolio.dust.allocation_pct == cents(dust_value / total * 100)
    assert [h.asset for h in portfolio.unpriced] == ["XYZ"]
    assert portfolio.unpriced[0].value_usdt is None
    assert "LTC" not in {h.asset for h in portfolio.holdings + portfolio.unpriced}


@pytest.mark.parametrize(
    ("threshold", "dust"),
    [("0", None), ("15", ("BNB", "FDUSD", "SOL")), ("0.5", ("SOL",))],
)
async def test_dust_threshold_is_configurable(
    rich: BinanceClient, threshold: str, dust: tuple[str, ...] | None
) -> None:
    portfolio = await PortfolioService(rich, dust_threshold_usdt=Decimal(threshold)).portfolio(
        VIEWER
    )
    assert (portfolio.dust.assets if portfolio.dust else None) == dust


async def test_24h_change_is_weighted_by_value(
    rich: BinanceClient, market: SimulatedMarket
) -> None:
    market.shock("ETHUSDT", 40)  # a big move, so the weighting matters beyond rounding
    values = expected_values(market)
    change = {a: market.change_24h_pct(sym) for a, sym in PAIRS.items()}
    then = sum((v / (1 + change.get(a, Decimal(0)) / 100) for a, v in values.items()), Decimal(0))
    now = sum(values.values(), Decimal(0))

    portfolio = await PortfolioService(rich).portfolio(VIEWER)

    lines = {h.asset: h for h in portfolio.holdings}
    assert portfolio.change_24h_pct == cents((now / then - 1) * 100)
    assert lines["ETH"].change_24h_pct == cents(change["ETH"])
    assert lines["USDT"].change_24h_pct == 0


async def test_single_asset_change_equals_its_own_change(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, market: SimulatedMarket
) -> None:
    market.shock("ETHUSDT", -30)
    client = make_client(
        fake_binance, frozen_clock, Keys(*fake_binance.new_account({"ETH": Decimal(1)}))
    )
    portfolio = await PortfolioService(client).portfolio(VIEWER)
    await client.aclose()

    assert portfolio.change_24h_pct == cents(market.change_24h_pct("ETHUSDT"))
    assert portfolio.dust is None


async def test_locked_funds_count_in_the_value(
    binance_client: BinanceClient, market: SimulatedMarket
) -> None:
    await OrderService(binance_client).place_order(
        TRADER, "ETHUSDT", "SELL", "LIMIT", Decimal("0.5"), Decimal("99999")
    )

    portfolio = await PortfolioService(binance_client).portfolio(VIEWER)

    eth = next(h for h in portfolio.holdings if h.asset == "ETH")
    assert (eth.free, eth.locked) == (Decimal("1.5"), Decimal("0.5"))
    assert eth.value_usdt == cents(2 * market.price("ETHUSDT"))


# -- history -----------------------------------------------------------------------------------


async def test_orders_history_and_trades_carry_fills_and_fees(
    binance_client: BinanceClient, market: SimulatedMarket
) -> None:
    orders = OrderService(binance_client)
    bought = await orders.place_order(TRADER, "BTCUSDT", "BUY", "MARKET", Decimal("0.002"))
    sold = await orders.place_order(TRADER, "BTCUSDT", "SELL", "MARKET", Decimal("0.001"))
    resting = await orders.place_order(
        TRADER, "BTCUSDT", "BUY", "LIMIT", Decimal("0.001"), Decimal("10000")
    )
    service = PortfolioService(binance_client)

    history = await service.order_history(VIEWER, "btcusdt")
    trades = await service.trades(VIEWER, "BTCUSDT")
    open_orders = await service.open_orders(VIEWER)

    price = market.price("BTCUSDT")
    assert [h.order.order_id for h in history] == [
        resting.order.order_id,
        sold.order.order_id,
        bought.order.order_id,
    ]
    assert history[0].fees == {}
    assert history[1].fees == {"USDT": (Decimal("0.001") * price * Decimal("0.001")).quantize(SAT)}
    assert history[2].fees == {"BTC": Decimal("0.000002")}
    assert [t.side for t in trades] == ["SELL", "BUY"]
    assert [o.order_id for o in open_orders] == [resting.order.order_id]
    assert bought.fees == {"BTC": Decimal("0.000002")}
    assert bought.estimated_notional_usdt == cents(Decimal("0.002") * price)


async def test_pending_user_sees_nothing(rich: BinanceClient, fake_binance: FakeBinance) -> None:
    service = PortfolioService(rich)
    with pytest.raises(PermissionDenied):
        await service.portfolio(PENDING)
    with pytest.raises(PermissionDenied):
        await service.trades(PENDING, "BTCUSDT")
    assert fake_binance.requests == []


# -- orders: roles, guard, limits, filters -------------------------------------------------------


def order_calls(fake: FakeBinance) -> int:
    return sum(fake.calls(*call) for call in ORDER_CALLS)


async def test_viewer_cannot_place_or_cancel(
    binance_client: BinanceClient, fake_binance: FakeBinance
) -> None:
    service = OrderService(binance_client)
    with pytest.raises(PermissionDenied, match="needs the trader role"):
        await service.place_order(VIEWER, "BTCUSDT", "BUY", "MARKET", Decimal("0.001"))
    with pytest.raises(PermissionDenied):
        await service.cancel_order(VIEWER, "BTCUSDT", 1001)
    with pytest.raises(PermissionDenied):
        await service.cancel_all(VIEWER, "BTCUSDT")
    assert fake_binance.requests == []


async def test_mainnet_orders_refused_unless_switched_on(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, keys: Keys
) -> None:
    guarded = make_client(fake_binance, frozen_clock, keys, mainnet=True)
    service = OrderService(guarded)
    for call in (
        service.place_order(TRADER, "BTCUSDT", "BUY", "MARKET", Decimal("0.001")),
        service.cancel_order(TRADER, "BTCUSDT", 1),
        service.cancel_all(TRADER, "BTCUSDT"),
    ):
        with pytest.raises(PermissionDenied) as err:
            await call
        assert err.value.message == MAINNET_ORDERS_DISABLED
    await guarded.aclose()
    assert order_calls(fake_binance) == 0

    allowed = make_client(fake_binance, frozen_clock, keys, mainnet=True, allow_mainnet_orders=True)
    placed = await OrderService(allowed).place_order(
        TRADER, "BTCUSDT", "BUY", "MARKET", Decimal("0.001")
    )
    await allowed.aclose()
    assert placed.order.status == "FILLED"


async def test_trader_places_market_and_limit_orders(
    binance_client: BinanceClient, fake_binance: FakeBinance, keys: Keys
) -> None:
    service = OrderService(binance_client)

    market_order = await service.place_order(TRADER, "ethusdt", "buy", "market", "0,25")
    limit_order = await service.place_order(TRADER, "ETHUSDT", "SELL", "LIMIT", "0.5", "9999.99")

    assert market_order.order.status == "FILLED"
    assert market_order.order.executed_qty == Decimal("0.25")
    assert (limit_order.order.status, limit_order.order.price) == ("NEW", Decimal("9999.99"))
    assert limit_order.estimated_notional_usdt == cents(Decimal("0.5") * Decimal("9999.99"))
    assert fake_binance.balance(keys.api_key, "ETH")[1] == Decimal("0.5")


@pytest.mark.parametrize(
    ("limits", "args", "reason"),
    [
        (
            RiskLimits(allowed_symbols=frozenset({"ETHUSDT"})),
            ("BTCUSDT", "BUY", "MARKET", "0.001"),
            "Trading BTCUSDT is not allowed by the risk limits (allowed: ETHUSDT).",
        ),
        (
            RiskLimits(max_order_notional_usdt=Decimal("100")),
            ("ETHUSDT", "BUY", "LIMIT", "0.1", "1000.01"),
            "The order is worth about 100.00 USDT, above the risk limit of 100 USDT per order.",
        ),
        (
            None,
            ("BTCUSDT", "BUY", "LIMIT", "0.0000123", "50000"),
            "not a multiple of the step size 0.00001 BTC",
        ),
        (None, ("BTCUSDT", "BUY", "LIMIT", "0.001", "50000.123"), "tick size 0.01 USDT"),
        (None, ("BTCUSDT", "BUY", "LIMIT", "0.00001", "50000"), "below the minimum of 5 USDT"),
        (None, ("BTCUSDT", "HOLD", "MARKET", "0.001"), "The side must be one of BUY, SELL"),
        (None, ("BTCUSDT", "BUY", "STOP", "0.001"), "order type must be one of MARKET, LIMIT"),
        (None, ("BTCUSDT", "BUY", "MARKET", "lots"), "The quantity “lots” is not a number."),
    ],
)
async def test_bad_orders_are_refused_before_sending(
    binance_client: BinanceClient,
    fake_binance: FakeBinance,
    limits: RiskLimits | None,
    args: tuple[str, ...],
    reason: str,
) -> None:
    with pytest.raises(ValidationFailed) as err:
        await OrderService(binance_client, limits).place_order(TRADER, *args)

    assert reason in err.value.message
    assert order_calls(fake_binance) == 0


async def test_risk_limits_may_come_from_an_async_provider(
    binance_client: BinanceClient, fake_binance: FakeBinance
) -> None:
    current = RiskLimits(max_order_notional_usdt=Decimal("50"))

    async def provider() -> RiskLimits:
        return current

    service = OrderService(binance_client, provider)
    with pytest.raises(ValidationFailed, match="above the risk limit of 50 USDT"):
        await service.place_order(TRADER, "ETHUSDT", "BUY", "MARKET", Decimal("0.1"))
    current = RiskLimits()
    placed = await service.place_order(TRADER, "ETHUSDT", "BUY", "MARKET", Decimal("0.1"))

    assert placed.order.status == "FILLED"
    assert fake_binance.calls("POST", "/api/v3/order") == 1


async def test_cancel_one_and_cancel_all_of_a_symbol(
    binance_client: BinanceClient, fake_binance: FakeBinance, keys: Keys
) -> None:
    service = OrderService(binance_client)
    first = await service.place_order(TRADER, "ETHUSDT", "BUY", "LIMIT", "0.1", "1000")
    for price in ("1100", "1200"):
        await service.place_order(TRADER, "ETHUSDT", "BUY", "LIMIT", "0.1", price)
    other = await service.place_order(TRADER, "BTCUSDT", "BUY", "LIMIT", "0.001", "10000")

    cancelled = await service.cancel_order(TRADER, "ETHUSDT", first.order.order_id)
    result = await service.cancel_all(TRADER, "ethusdt")
    nothing = await service.cancel_all(TRADER, "ETHUSDT")

    assert cancelled.status == "CANCELED"
    assert (result.symbol, result.count) == ("ETHUSDT", 2)
    assert (nothing.symbol, nothing.count) == ("ETHUSDT", 0)
    remaining = await PortfolioService(binance_client).open_orders(VIEWER)
    assert [o.order_id for o in remaining] == [other.order.order_id]
    assert fake_binance.balance(keys.api_key, "USDT")[1] == Decimal("10")

"""The Binance side of the portfolio: what the account holds, what it is worth, what it traded.

Values are Decimal all the way: each line in USDT is rounded to the cent, totals and allocation
are computed from the unrounded values so rounding never accumulates. Tiny balances are folded
into one "dust" line so the picture stays readable. Placing and cancelling orders live in
`order_service.py`; this module only reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.binance.models import Balance, Order, Ticker24h, Trade
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.formatters import quoted

STABLECOINS = frozenset({"USDT", "BUSD", "USDC", "FDUSD"})
CENT = Decimal("0.01")
SATOSHI = Decimal("0.00000001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_DUST_USDT = Decimal("1")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def sats(value: Decimal) -> Decimal:
    return value.quantize(SATOSHI, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Holding:
    """One asset: amounts, price and value (USDT to the cent, BTC to the satoshi)."""

    asset: str
    free: Decimal
    locked: Decimal
    price_usdt: Decimal | None
    value_usdt: Decimal | None
    value_btc: Decimal | None
    allocation_pct: Decimal | None
    change_24h_pct: Decimal | None

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True)
class DustLine:
    """Every holding worth less than the threshold, as one line."""

    assets: tuple[str, ...]
    value_usdt: Decimal
    value_btc: Decimal | None
    allocation_pct: Decimal


@dataclass(frozen=True)
class Portfolio:
    """The account valued now; `unpriced` lists assets no ticker could price (not in totals)."""

    holdings: tuple[Holding, ...]
    dust: DustLine | None
    unpriced: tuple[Holding, ...]
    total_usdt: Decimal
    total_btc: Decimal | None
    change_24h_pct: Decimal | None
    dust_threshold_usdt: Decimal
    as_of: datetime


@dataclass(frozen=True)
class OrderWithFills:
    """An order of the history with the trades that filled it (and so the fees paid)."""

    order: Order
    trades: tuple[Trade, ...] = ()

    @property
    def fees(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for trade in self.trades:
            totals[trade.commission_asset] = (
                totals.get(trade.commission_asset, ZERO) + trade.commission
            )
        return totals or self.order.fees()


@dataclass
class _Priced:
    """Working values of one balance before rounding."""

    balance: Balance
    price: Decimal | None
    value: Decimal | None
    change_pct: Decimal | None = None
    route: tuple[str, ...] = field(default_factory=tuple)


class PortfolioService:
    """Reads the Binance account of one client (system keys or a user's own)."""

    def __init__(
        self, client: BinanceClient, *, dust_threshold_usdt: Decimal = DEFAULT_DUST_USDT
    ) -> None:
        self._client = client
        self.dust_threshold_usdt = dust_threshold_usdt

    async def portfolio(self, actor: Actor) -> Portfolio:
        """Balances valued in USDT and BTC from the last prices, with allocation and 24 h change."""
        require(actor, Role.VIEWER)
        account = await self._client.account()
        prices = await self._client.ticker_prices()
        priced = [_price_balance(b, prices) for b in account.non_zero()]
        routes = sorted({sym for p in priced for sym in p.route})
        tickers = await self._client.ticker_24h(routes) if routes else {}
        for item in priced:
            item.change_pct = _route_change(item, tickers)
        return self._assemble(priced, _btc_price(prices))

    async def open_orders(self, actor: Actor, symbol: str | None = None) -> list[Order]:
        require(actor, Role.VIEWER)
        orders = await self._client.open_orders(_symbol(symbol) if symbol else None)
        return sorted(orders, key=lambda o: o.timestamp_ms or 0, reverse=True)

    async def order_history(
        self, actor: Actor, symbol: str, limit: int = 20
    ) -> list[OrderWithFills]:
        """The latest orders of `symbol`, newest first, each with its fills and fees."""
        require(actor, Role.VIEWER)
        sym = _symbol(symbol)
        orders = await self._client.all_orders(sym, limit=limit)
        trades = await self._client.my_trades(sym, limit=max(limit * 5, 50))
        by_order: dict[int, list[Trade]] = {}
        for trade in trades:
            by_order.setdefault(trade.order_id, []).append(trade)
        history = [OrderWithFills(o, tuple(by_order.get(o.order_id, ()))) for o in orders]
        return sorted(history, key=lambda h: h.order.order_id, reverse=True)

    async def trades(self, actor: Actor, symbol: str, limit: int = 20) -> list[Trade]:
        """Our latest fills of `symbol`, newest first, with their commissions."""
        require(actor, Role.VIEWER)
        trades = await self._client.my_trades(_symbol(symbol), limit=limit)
        return sorted(trades, key=lambda t: (t.time, t.id), reverse=True)

    async def order(self, actor: Actor, symbol: str, order_id: int) -> Order:
        require(actor, Role.VIEWER)
        return await self._client.get_order(_symbol(symbol), order_id)

    def _assemble(self, priced: list[_Priced], btc_price: Decimal | None) -> Portfolio:
        valued = [p for p in priced if p.value is not None]
        total = sum((p.value for p in valued if p.value is not None), ZERO)
        main = [p for p in valued if p.value is not None and p.value >= self.dust_threshold_usdt]
        dust = [p for p in valued if p.value is not None and p.value < self.dust_threshold_usdt]
        main.sort(key=lambda p: (-(p.value or ZERO), p.balance.asset))
        return Portfolio(
            holdings=tuple(_holding(p, total, btc_price) for p in main),
            dust=_dust_line(dust, total, btc_price),
            unpriced=tuple(_holding(p, total, btc_price) for p in priced if p.value is None),
            total_usdt=cents(total),
            total_btc=sats(total / btc_price) if btc_price else None,
            change_24h_pct=_weighted_change(valued),
            dust_threshold_usdt=self.dust_threshold_usdt,
            as_of=datetime.now(UTC),
        )


def _symbol(symbol: str) -> str:
    sym = symbol.strip().upper()
    if not sym.isalnum():
        raise ValidationFailed(f"{quoted(symbol)} is not a trading pair such as BTCUSDT.")
    return sym


def _price_route(asset: str, prices: dict[str, Decimal]) -> tuple[str, ...] | None:
    """The ticker symbols whose product prices `asset` in USDT ((), for a stablecoin)."""
    if asset in STABLECOINS:
        return ()
    for quote in ("USDT", "FDUSD", "USDC", "BUSD"):
        if asset + quote in prices:
            return (asset + quote,)
    if asset + "BTC" in prices and "BTCUSDT" in prices:
        return (asset + "BTC", "BTCUSDT")
    return None


def _price_balance(balance: Balance, prices: dict[str, Decimal]) -> _Priced:
    route = _price_route(balance.asset, prices)
    if route is None:
        return _Priced(balance, None, None)
    price = Decimal(1)
    for sym in route:
        price *= prices[sym]
    return _Priced(balance, price, balance.total * price, route=route)


def _btc_price(prices: dict[str, Decimal]) -> Decimal | None:
    route = _price_route("BTC", prices)
    if route is None:
        return None
    price = Decimal(1)
    for sym in route:
        price *= prices[sym]
    return price


def _route_change(item: _Priced, tickers: dict[str, Ticker24h]) -> Decimal | None:
    """The asset's 24 h change in USDT: the product of its route's changes."""
    if item.value is None:
        return None
    factor = Decimal(1)
    for sym in item.route:
        ticker = tickers.get(sym)
        if ticker is None:
            return None
        factor *= 1 + ticker.price_change_percent / HUNDRED
    return (factor - 1) * HUNDRED


def _weighted_change(valued: Iterable[_Priced]) -> Decimal | None:
    """The change of the whole holding over 24 h: each asset weighted by its value 24 h ago."""
    now, then = ZERO, ZERO
    for item in valued:
        if item.value is None or item.change_pct is None:
            continue
        now += item.value
        then += item.value / (1 + item.change_pct / HUNDRED)
    if then <= 0:
        return None
    return cents((now / then - 1) * HUNDRED)


def _holding(item: _Priced, total: Decimal, btc_price: Decimal | None) -> Holding:
    value = item.value
    return Holding(
        asset=item.balance.asset,
        free=item.balance.free,
        locked=item.balance.locked,
        price_usdt=item.price,
        value_usdt=cents(value) if value is not None else None,
        value_btc=sats(value / btc_price) if value is not None and btc_price else None,
        allocation_pct=cents(value / total * HUNDRED) if value is not None and total > 0 else None,
        change_24h_pct=cents(item.change_pct) if item.change_pct is not None else None,
    )


def _dust_line(dust: list[_Priced], total: Decimal, btc_price: Decimal | None) -> DustLine | None:
    if not dust:
        return None
    value = sum((p.value for p in dust if p.value is not None), ZERO)
    return DustLine(
        assets=tuple(sorted(p.balance.asset for p in dust)),
        value_usdt=cents(value),
        value_btc=sats(value / btc_price) if btc_price else None,
        allocation_pct=cents(value / total * HUNDRED) if total > 0 else ZERO,
    )

"""Market data and trading rules of the fake Binance: exchangeInfo, tickers and klines.

All derived from the shared `SimulatedMarket`, so the fake's prices agree with every other fake;
the filters are plausible per price level (the market's own tick, a lot step worth cents).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from telegram_frontend.sandbox.backends.market import SimulatedMarket

QUOTE_ASSETS = ("FDUSD", "USDT", "BUSD", "USDC", "BTC", "ETH", "BNB")
EIGHT = Decimal("0.00000001")
ZERO = Decimal(0)
DAY_MS = 86_400_000


class BinanceApiError(Exception):
    """A Binance error answer: HTTP status plus `{"code": code, "msg": msg}`."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def missing(name: str) -> BinanceApiError:
    return BinanceApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def f8(value: Decimal) -> str:
    """Binance prints amounts with eight decimals."""
    return f"{value.quantize(EIGHT, rounding=ROUND_HALF_UP):f}"


def split_symbol(symbol: str) -> tuple[str, str]:
    """`BTCUSDT` → (`BTC`, `USDT`), by the longest known quote asset at the end."""
    for quote in QUOTE_ASSETS:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    return symbol[:-4], symbol[-4:]


@dataclass
class FakeFilters:
    """The trading rules of one symbol, as exchangeInfo publishes them; tests may edit them."""

    tick_size: Decimal
    step_size: Decimal
    min_price: Decimal
    max_price: Decimal = Decimal("1000000")
    min_qty: Decimal | None = None
    max_qty: Decimal = Decimal("9000")
    min_notional: Decimal = Decimal("5")
    max_notional: Decimal = Decimal("9000000")

    @classmethod
    def for_price(cls, base_price: Decimal) -> FakeFilters:
        """Plausible rules: the market's own tick, a lot step worth well under one dollar."""
        tick = Decimal("0.01") if base_price >= 10 else Decimal("0.0001")
        if base_price >= 10_000:
            step = Decimal("0.00001")
        elif base_price >= 100:
            step = Decimal("0.0001")
        elif base_price >= 1:
            step = Decimal("0.01")
        else:
            step = Decimal("1")
        return cls(tick_size=tick, step_size=step, min_price=tick, min_qty=step)

    @property
    def lot_min(self) -> Decimal:
        return self.min_qty if self.min_qty is not None else self.step_size

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": f8(self.min_price),
                "maxPrice": f8(self.max_price),
                "tickSize": f8(self.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": f8(self.lot_min),
                "maxQty": f8(self.max_qty),
                "stepSize": f8(self.step_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": f8(self.min_notional),
                "applyMinToMarket": True,
                "maxNotional": f8(self.max_notional),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ]

    def check(self, qty: Decimal, price: Decimal | None, notional_price: Decimal) -> None:
        """Binance's own checks in its order: PRICE_FILTER, LOT_SIZE, then NOTIONAL."""
        if price is not None and (
            price < self.min_price
            or price > self.max_price
            or (price - self.min_price) % self.tick_size != 0
        ):
            raise BinanceApiError(-1013, "Filter failure: PRICE_FILTER")
        if qty < self.lot_min or qty > self.max_qty or (qty - self.lot_min) % self.step_size != 0:
            raise BinanceApiError(-1013, "Filter failure: LOT_SIZE")
        if qty * notional_price < self.min_notional:
            raise BinanceApiError(-1013, "Filter failure: NOTIONAL")
        if price is not None and qty * price > self.max_notional:
            raise BinanceApiError(-1013, "Filter failure: NOTIONAL")


def symbol_info(sym: str, filters: FakeFilters) -> dict[str, Any]:
    """One entry of exchangeInfo's `symbols`."""
    base, quote = split_symbol(sym)
    return {
        "symbol": sym,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
        "filters": filters.to_json(),
    }


def ticker_24h_row(market: SimulatedMarket, sym: str) -> dict[str, Any]:
    """/api/v3/ticker/24hr for one symbol; the change is the market's own 24 h change."""
    now = market.now_ms()
    last, open_ = market.price(sym), market.price(sym, now - DAY_MS)
    hourly = market.klines(sym, "1h", limit=24)
    return {
        "symbol": sym,
        "priceChange": f8(last - open_),
        "priceChangePercent": f"{market.change_24h_pct(sym):.3f}",
        "weightedAvgPrice": f8((last + open_) / 2),
        "prevClosePrice": f8(open_),
        "lastPrice": f8(last),
        "lastQty": f8(Decimal("0.01")),
        "bidPrice": f8(last),
        "bidQty": f8(Decimal("1")),
        "askPrice": f8(last),
        "askQty": f8(Decimal("1")),
        "openPrice": f8(open_),
        "highPrice": f8(max([c.high for c in hourly] + [last])),
        "lowPrice": f8(min([c.low for c in hourly] + [last])),
        "volume": f8(sum((c.volume for c in hourly), ZERO)),
        "quoteVolume": f8(sum((c.volume * c.close for c in hourly), ZERO)),
        "openTime": now - DAY_MS,
        "closeTime": now,
        "firstId": 1,
        "lastId": 1000,
        "count": 1000,
    }


def kline_rows(
    market: SimulatedMarket,
    sym: str,
    interval: str,
    limit: int,
    start_ms: int | None,
    end_ms: int | None,
) -> list[list[Any]]:
    """/api/v3/klines: arrays, prices as strings, times as integers, like Binance."""
    rows: list[list[Any]] = []
    for c in market.klines(sym, interval, limit, start_ms, end_ms):
        quote_volume = c.volume * c.close
        rows.append(
            [
                c.open_time,
                f8(c.open),
                f8(c.high),
                f8(c.low),
                f8(c.close),
                f8(c.volume),
                c.close_time,
                f8(quote_volume),
                100,
                f8(c.volume / 2),
                f8(quote_volume / 2),
                "0",
            ]
        )
    return rows

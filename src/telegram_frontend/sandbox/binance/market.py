"""Market data and trading rules of the fake Binance: exchangeInfo, tickers and klines.

All derived from the shared `SimulatedMarket`, so the fake's prices agree with every other fake;
the filters are plausible per price level (the market's own tick, a lot step worth cents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from telegram_frontend.sandbox.backends.market import INTERVAL_MS, SimulatedMarket
from telegram_frontend.sandbox.binance.calendar import EXTRA_INTERVALS, open_times

ORDER_TYPES = ("LIMIT", "LIMIT_MAKER", "MARKET")
"""Only what the fake executes as Binance does (no stop or take-profit orders)."""
QUOTE_ASSETS = ("FDUSD", "USDT", "BUSD", "USDC", "BTC", "ETH", "BNB")
EIGHT = Decimal("0.00000001")
ZERO = Decimal(0)
DAY_MS = 86_400_000
SYMBOL_RE = re.compile(r"^[A-Z0-9-_.]{1,20}$")


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


def symbol_param(raw: str | None) -> str:
    """The symbol as sent: Binance checks its characters (no lowercase) before looking it up."""
    if not raw:
        raise missing("symbol")
    if not SYMBOL_RE.match(raw):
        raise BinanceApiError(
            -1100,
            "Illegal characters found in parameter 'symbol'; "
            f"legal range is '{SYMBOL_RE.pattern}'.",
        )
    return raw


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
        "orderTypes": list(ORDER_TYPES),
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
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
    if interval in INTERVAL_MS:
        candles = [
            (c.open_time, c.close_time, c.open, c.high, c.low, c.close, c.volume)
            for c in market.klines(sym, interval, limit, start_ms, end_ms)
        ]
    else:
        now = market.now_ms()
        spans = open_times(interval, start_ms, min(end_ms or now, now), limit)
        candles = [_sampled_candle(market, sym, interval, t, close) for t, close in spans]
    rows: list[list[Any]] = []
    for open_time, close_time, open_, high, low, close, volume in candles:
        quote_volume = volume * close
        rows.append(
            [
                open_time,
                f8(open_),
                f8(high),
                f8(low),
                f8(close),
                f8(volume),
                close_time,
                f8(quote_volume),
                100,
                f8(volume / 2),
                f8(quote_volume / 2),
                "0",
            ]
        )
    return rows


Sampled = tuple[int, int, Decimal, Decimal, Decimal, Decimal, Decimal]


def _sampled_candle(
    market: SimulatedMarket, sym: str, interval: str, open_time: int, close_time: int
) -> Sampled:
    """A candle of an interval the shared market does not model, sampled from its prices."""
    last = min(close_time, max(open_time, market.now_ms()))
    samples = [market.price(sym, open_time + (last - open_time) * k // 8) for k in range(9)]
    volume = Decimal(EXTRA_INTERVALS[interval]) / Decimal(60_000) * Decimal("0.5")
    return (
        open_time,
        close_time,
        samples[0],
        max(samples),
        min(samples),
        samples[-1],
        volume.quantize(EIGHT),
    )


def _unit_qty(sym: str, level: int) -> Decimal:
    """A deterministic, plausible quantity for one book level or public trade."""
    digest = sum(ord(ch) for ch in sym) * 31 + level * 17
    return Decimal(1 + digest % 97) / Decimal(100)


def tick_of(price: Decimal) -> Decimal:
    return Decimal("0.01") if price >= 10 else Decimal("0.0001")


def depth_json(market: SimulatedMarket, sym: str, limit: int, update_id: int) -> dict[str, Any]:
    """/api/v3/depth: the fake fills at the last price, so the book is built around it."""
    last = market.price(sym)
    tick = tick_of(last)
    bids = [[f8(last - tick * k), f8(_unit_qty(sym, k))] for k in range(limit) if last > tick * k]
    asks = [[f8(last + tick * (k + 1)), f8(_unit_qty(sym, -k - 1))] for k in range(limit)]
    return {"lastUpdateId": update_id, "bids": bids, "asks": asks}


def book_ticker_row(market: SimulatedMarket, sym: str) -> dict[str, Any]:
    last = market.price(sym)
    return {
        "symbol": sym,
        "bidPrice": f8(last),
        "bidQty": f8(_unit_qty(sym, 0)),
        "askPrice": f8(last + tick_of(last)),
        "askQty": f8(_unit_qty(sym, -1)),
    }


def avg_price_json(market: SimulatedMarket, sym: str) -> dict[str, Any]:
    """/api/v3/avgPrice: the mean of the last five minute closes."""
    now = market.now_ms()
    closes = [market.price(sym, now - 60_000 * k) for k in range(5)]
    mean = sum(closes, ZERO) / Decimal(len(closes))
    return {"mins": 5, "price": f8(mean), "closeTime": now}


def recent_trades(market: SimulatedMarket, sym: str, limit: int) -> list[dict[str, Any]]:
    """/api/v3/trades: one public trade per second up to now, oldest first."""
    now = market.now_ms()
    last_second = now // 1000
    rows = []
    for k in range(limit - 1, -1, -1):
        second = last_second - k
        price, qty = market.price(sym, second * 1000), _unit_qty(sym, int(second % 1000))
        rows.append(
            {
                "id": int(second),
                "price": f8(price),
                "qty": f8(qty),
                "quoteQty": f8(price * qty),
                "time": int(second * 1000),
                "isBuyerMaker": second % 2 == 0,
                "isBestMatch": True,
            }
        )
    return rows

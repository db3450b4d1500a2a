"""How long each chart takes to render on realistic data (median of N runs, milliseconds).

Run: `.venv/bin/python bench/chart_render.py [--runs 7] [--theme dark]`. Each kind is rendered
once first (font loading, caches), then timed. Sizes: 500 equity points, 200 candles + MACD +
30 trades, 20 grid levels over 200 prices with 30 fills, 12 assets, 6 strategies. The last line
is a one-line summary against the 300 ms target. Not a test: it prints figures, it never fails.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from telegram_frontend.services.charts.render import (
    AllocationSlice,
    Candle,
    EquityPoint,
    GridChartInput,
    MacdPoint,
    RenderedChart,
    StrategyComparison,
    Theme,
    TradeMark,
    render_allocation,
    render_comparison,
    render_equity,
    render_grid,
    render_price_macd,
)

TARGET_MS = 300.0
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def money(value: float, places: int = 2) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def equity(rng: random.Random) -> list[EquityPoint]:
    value, points = 10_000.0, []
    for i in range(500):
        value += rng.gauss(2, 30)
        points.append(EquityPoint(T0 + timedelta(hours=i), money(value)))
    return points


def market(rng: random.Random) -> tuple[list[Candle], list[MacdPoint], list[TradeMark]]:
    price, candles, macd = 65_000.0, [], []
    fast = slow = signal = price
    for i in range(200):
        close = price + rng.gauss(0, 250)
        high, low = (
            max(price, close) + abs(rng.gauss(0, 80)),
            min(price, close) - abs(rng.gauss(0, 80)),
        )
        when = T0 + timedelta(hours=i)
        candles.append(Candle(when, money(price), money(high), money(low), money(close)))
        fast += (close - fast) * 2 / 13
        slow += (close - slow) * 2 / 27
        signal += ((fast - slow) - signal) * 2 / 10
        line = fast - slow
        macd.append(MacdPoint(when, money(line, 4), money(signal, 4), money(line - signal, 4)))
        price = close
    picks = rng.sample(range(200), 30)
    trades = [
        TradeMark(candles[i].open_time, candles[i].close, "BUY" if n % 2 else "SELL")
        for n, i in enumerate(sorted(picks))
    ]
    return candles, macd, trades


def cases(theme: Theme) -> dict[str, Callable[[], RenderedChart]]:
    rng = random.Random(7)
    points = equity(rng)
    candles, macd, trades = market(rng)
    grid = GridChartInput(
        levels=[Decimal(62_000 + 300 * i) for i in range(20)],
        prices=[(c.open_time, c.close) for c in candles],
        fills=trades,
    )
    assets = ["BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "USDT", "LINK", "DOT", "TRX", "LTC"]
    slices = [AllocationSlice(a, money(rng.uniform(5, 8000))) for a in assets]
    names = ["conservative-btc", "aggressive-eth", "grid-btc", "macd-sol", "swing_bnb", "$meme$"]
    strategies = [
        StrategyComparison(n, money(rng.gauss(0, 600)), money(rng.uniform(30, 70), 1),
                           money(rng.uniform(1, 15), 1))
        for n in names
    ]  # fmt: skip
    tz = "Europe/Berlin"
    return {
        "equity (500 pts)": lambda: render_equity(points, "Equity", tz, theme),
        "price+macd (200 candles, 30 trades)": lambda: render_price_macd(
            candles, macd, trades, "BTCUSDT 1h", tz, theme
        ),
        "grid (20 levels, 30 fills)": lambda: render_grid(grid, "Grid BTCUSDT", tz, theme),
        "allocation (12 assets)": lambda: render_allocation(slices, "Portfolio", tz, theme, T0),
        "comparison (6 strategies)": lambda: render_comparison(strategies, "Strategies", theme),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    args = parser.parse_args()
    theme: Theme = "dark" if args.theme == "dark" else "light"
    medians: dict[str, float] = {}
    print(f"{'chart':38} {'median ms':>9} {'min':>6} {'max':>6} {'PNG KB':>7}")
    for name, render in cases(theme).items():
        render()
        timings, size = [], 0
        for _ in range(max(1, args.runs)):
            start = time.perf_counter()
            size = len(render().png)
            timings.append((time.perf_counter() - start) * 1000)
        medians[name] = statistics.median(timings)
        print(f"{name:38} {medians[name]:9.0f} {min(timings):6.0f} {max(timings):6.0f} "
              f"{size / 1024:7.0f}")  # fmt: skip
    slowest = max(medians, key=lambda k: medians[k])
    verdict = "OK" if medians[slowest] < TARGET_MS else "OVER"
    print(
        f"chart_render: {len(medians)} kinds, median of {args.runs} runs, slowest "
        f"{medians[slowest]:.0f} ms ({slowest}), target < {TARGET_MS:.0f} ms each: {verdict}"
    )


if __name__ == "__main__":
    main()

"""Charts for Telegram: pure functions from typed inputs to a phone-sized PNG.

Each `render_*` function builds its own `Figure` on an Agg canvas (no pyplot), so it may run in
any worker thread; empty input gives the "No data for this period" picture instead of an error.
Sizes, fonts, colours and safe text live in `chart_theme`; the inputs in `chart_inputs`.
The time-series charts (equity, price + MACD, grid) are here; allocation and the strategy
comparison are in `chart_kinds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from telegram_frontend.services.charts.inputs import (
    AllocationSlice,
    Candle,
    EquityPoint,
    GridChartInput,
    MacdPoint,
    RenderedChart,
    StrategyComparison,
    Theme,
    TradeMark,
)
from telegram_frontend.services.charts.kinds import render_allocation, render_comparison
from telegram_frontend.services.charts.theme import (
    Palette,
    as_utc,
    finish,
    legend,
    literal,
    new_figure,
    no_data_chart,
    note,
    plain_numbers,
    resolve_zone,
    style_axes,
    time_axis,
    title,
    to_num,
    widen_if_single,
    ylabel,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from numpy.typing import NDArray

__all__ = [
    "AllocationSlice",
    "Candle",
    "EquityPoint",
    "GridChartInput",
    "MacdPoint",
    "PriceStyle",
    "RenderedChart",
    "StrategyComparison",
    "Theme",
    "TradeMark",
    "render_allocation",
    "render_comparison",
    "render_equity",
    "render_grid",
    "render_price_macd",
]

PriceStyle = Literal["auto", "candles", "line"]
CANDLE_LIMIT = 240  # more candles than this are thinner than a pixel on a phone: draw a line
DEFAULT_STEP = timedelta(hours=1)


def render_equity(
    points: Sequence[EquityPoint],
    title_text: str = "Equity",
    tz: str = "UTC",
    theme: Theme = "light",
    unit: str = "USDT",
) -> RenderedChart:
    """Equity on top and its drawdown (%, filled below zero) underneath, on one time axis."""
    import numpy as np

    pts = sorted((p for p in points if p.equity.is_finite()), key=lambda p: as_utc(p.time))
    if not pts:
        return no_data_chart(title_text, theme)
    zone, zone_name = resolve_zone(tz)
    fig, pal = new_figure(theme)
    title(fig, title_text, pal)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.4])
    x = to_num([p.time for p in pts])
    equity = np.array([float(p.equity) for p in pts])
    drawdown = np.array(_drawdowns(pts))
    single = len(pts) == 1
    top.plot(x, equity, color=pal.line, linewidth=2.2, marker="o" if single else None)
    bottom.fill_between(x, drawdown, 0, color=pal.down, alpha=0.35, linewidth=0)
    bottom.plot(x, drawdown, color=pal.down, linewidth=1.2, marker="o" if single else None)
    bottom.set_ylim(min(float(drawdown.min()) * 1.15, -1.0), 0.5)
    for ax in (top, bottom):
        style_axes(ax, pal)
    plain_numbers(top)
    ylabel(top, f"Equity ({literal(unit, 12)})", pal)
    ylabel(bottom, "Drawdown (%)", pal)
    time_axis(bottom, zone, zone_name, pal)
    widen_if_single(bottom, x)
    return finish(fig)


def _drawdowns(points: Sequence[EquityPoint]) -> list[float]:
    """Given drawdowns drawn below zero; missing ones computed from the running equity peak."""
    peak: Decimal | None = None
    values: list[float] = []
    for point in points:
        peak = point.equity if peak is None else max(peak, point.equity)
        if point.drawdown_pct is not None and point.drawdown_pct.is_finite():
            values.append(-abs(float(point.drawdown_pct)))
        elif peak > 0:
            values.append(float((point.equity - peak) / peak * 100))
        else:
            values.append(0.0)
    return values


def render_price_macd(
    candles: Sequence[Candle],
    macd: Sequence[MacdPoint],
    trades: Sequence[TradeMark],
    title_text: str = "Price and MACD",
    tz: str = "UTC",
    theme: Theme = "light",
    unit: str = "USDT",
    style: PriceStyle = "auto",
) -> RenderedChart:
    """Price (candles or a close line) with buy/sell markers, and a MACD panel underneath.

    The time range is the first candle's open to the last candle's close (open + the usual
    candle spacing), half-open; trades and MACD points outside it are not drawn, and
    `RenderedChart.markers` counts the trade markers that are.
    """
    bars = sorted((c for c in candles if _finite_candle(c)), key=lambda c: as_utc(c.open_time))
    if not bars:
        return no_data_chart(title_text, theme)
    step = _typical_step([c.open_time for c in bars])
    start, end = as_utc(bars[0].open_time), as_utc(bars[-1].open_time) + step
    zone, zone_name = resolve_zone(tz)
    fig, pal = new_figure(theme)
    title(fig, title_text, pal)
    price_ax, macd_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.6])
    step_days = step.total_seconds() / 86400
    if style == "candles" or (style == "auto" and len(bars) <= CANDLE_LIMIT):
        _draw_candles(price_ax, bars, step_days, pal)
    else:
        closes = [float(c.close) for c in bars]
        price_ax.plot(
            to_num([c.open_time for c in bars]) + step_days / 2,
            closes,
            color=pal.line,
            linewidth=1.8,
            label="Close",
        )
    in_range = [t for t in trades if start <= as_utc(t.time) < end and t.price.is_finite()]
    markers = _draw_trades(price_ax, in_range, pal)
    _draw_macd(macd_ax, [m for m in macd if start <= as_utc(m.time) < end], step_days, pal)
    for ax in (price_ax, macd_ax):
        style_axes(ax, pal)
    plain_numbers(price_ax)
    edges = to_num([start, end])
    price_ax.set_xlim(float(edges[0]) - step_days / 2, float(edges[1]) + step_days / 2)
    ylabel(price_ax, f"Price ({literal(unit, 12)})", pal)
    ylabel(macd_ax, "MACD", pal)
    time_axis(macd_ax, zone, zone_name, pal)
    if markers or price_ax.get_legend_handles_labels()[0]:
        legend(price_ax, pal, ncols=3)
    return finish(fig, markers=markers)


def _finite_candle(candle: Candle) -> bool:
    return all(v.is_finite() for v in (candle.open, candle.high, candle.low, candle.close))


def _typical_step(times: Sequence[datetime]) -> timedelta:
    """The usual spacing between points (median), so one gap in the data does not skew it."""
    gaps = sorted(b - a for a, b in pairwise(times) if b > a)
    return gaps[len(gaps) // 2] if gaps else DEFAULT_STEP


def _draw_candles(ax: Axes, bars: Sequence[Candle], step_days: float, pal: Palette) -> None:
    """Bodies as one PolyCollection and wicks as one `vlines` collection: fast for hundreds."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    left = to_num([c.open_time for c in bars]) + step_days * 0.15
    right = left + step_days * 0.7
    opens = np.array([float(c.open) for c in bars])
    closes = np.array([float(c.close) for c in bars])
    colors = [pal.up if c.close >= c.open else pal.down for c in bars]
    centre = (left + right) / 2
    ax.vlines(
        centre,
        [float(c.low) for c in bars],
        [float(c.high) for c in bars],
        colors=colors,
        linewidth=1.2,
    )
    ax.add_collection(
        PolyCollection(
            _boxes(left, right, opens, closes), facecolors=colors, edgecolors=colors, linewidths=0.8
        )
    )
    ax.autoscale_view()


def _boxes(left: NDArray[Any], right: NDArray[Any], low: NDArray[Any], high: NDArray[Any]) -> Any:
    """Rectangles as an (n, 4, 2) vertex array, the fast input of PolyCollection."""
    import numpy as np

    return np.stack(
        [
            np.stack([left, low], 1),
            np.stack([left, high], 1),
            np.stack([right, high], 1),
            np.stack([right, low], 1),
        ],
        axis=1,
    )


def _draw_trades(ax: Axes, trades: Sequence[TradeMark], pal: Palette, noun: str = "") -> int:
    """Buy ▲ and sell ▼ at their price; returns how many markers were really drawn."""
    import numpy as np

    drawn = 0
    for side, marker, color in (("BUY", "^", pal.up), ("SELL", "v", pal.down)):
        picked = [t for t in trades if str(t.side).upper() == side]
        if not picked:
            continue
        label = f"{side.title()}{noun} ({len(picked)})"
        points = ax.scatter(
            to_num([t.time for t in picked]),
            [float(t.price) for t in picked],
            marker=marker,
            s=130,
            color=color,
            edgecolors=pal.text,
            linewidths=0.8,
            zorder=5,
            label=label,
        )
        drawn += int(np.asarray(points.get_offsets()).shape[0])
    return drawn


def _draw_macd(ax: Axes, points: Sequence[MacdPoint], step_days: float, pal: Palette) -> None:
    """MACD and signal lines over histogram bars coloured by sign."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    pts = sorted(
        (p for p in points if all(v.is_finite() for v in (p.macd, p.signal, p.histogram))),
        key=lambda p: as_utc(p.time),
    )
    if not pts:
        note(ax, "No MACD data", pal)
        return
    x = to_num([p.time for p in pts])
    hist = np.array([float(p.histogram) for p in pts])
    width = (
        _typical_step([p.time for p in pts]).total_seconds() / 86400 if len(pts) > 1 else step_days
    )
    colors = [pal.up if h >= 0 else pal.down for h in hist]
    boxes = _boxes(x - width * 0.35, x + width * 0.35, np.zeros_like(hist), hist)
    ax.add_collection(PolyCollection(boxes, facecolors=colors, edgecolors=colors, alpha=0.6))
    ax.plot(x, [float(p.macd) for p in pts], color=pal.line, linewidth=1.8, label="MACD")
    ax.plot(x, [float(p.signal) for p in pts], color=pal.signal, linewidth=1.5, label="Signal")
    ax.axhline(0, color=pal.muted, linewidth=0.8)
    ax.autoscale_view()
    legend(ax, pal, ncols=2)


def render_grid(
    data: GridChartInput,
    title_text: str = "Grid",
    tz: str = "UTC",
    theme: Theme = "light",
    unit: str = "USDT",
) -> RenderedChart:
    """Grid levels as horizontal lines over the price, with the fills that happened in range.

    The range is the first to the last price point, both included; `markers` counts fills drawn.
    """
    prices = sorted(((as_utc(t), p) for t, p in data.prices if p.is_finite()), key=lambda i: i[0])
    if not prices:
        return no_data_chart(title_text, theme)
    levels = sorted(level for level in data.levels if level.is_finite())
    start, end = prices[0][0], prices[-1][0]
    zone, zone_name = resolve_zone(tz)
    fig, pal = new_figure(theme)
    title(fig, title_text, pal)
    ax = fig.add_subplot()
    if levels:
        ax.hlines(
            [float(v) for v in levels],
            0,
            1,
            transform=ax.get_yaxis_transform(),
            colors=pal.level,
            linestyles="--",
            linewidth=1.1,
            alpha=0.85,
            label=f"Grid levels ({len(levels)})",
        )
    x = to_num([t for t, _ in prices])
    ax.plot(
        x,
        [float(p) for _, p in prices],
        color=pal.line,
        linewidth=2.0,
        label="Price",
        marker="o" if len(prices) == 1 else None,
    )
    fills = [f for f in data.fills if start <= as_utc(f.time) <= end and f.price.is_finite()]
    markers = _draw_trades(ax, fills, pal, noun=" fill")
    style_axes(ax, pal)
    plain_numbers(ax)
    ylabel(ax, f"Price ({literal(unit, 12)})", pal)
    time_axis(ax, zone, zone_name, pal)
    widen_if_single(ax, x)
    legend(ax, pal, ncols=2)
    return finish(fig, markers=markers)

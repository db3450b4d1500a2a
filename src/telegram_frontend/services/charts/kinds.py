"""The two charts without a time axis: portfolio allocation (donut) and strategies compared.

Kept apart from the time-series charts in `charts` (which re-exports these) so each file stays
small; they share the same size, fonts, colours and safe-text rules from `chart_theme`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from telegram_frontend.core.formatters import money, when
from telegram_frontend.services.charts.inputs import (
    AllocationSlice,
    RenderedChart,
    StrategyComparison,
    Theme,
)
from telegram_frontend.services.charts.theme import (
    LABEL_SIZE,
    LEGEND_SIZE,
    TICK_SIZE,
    TITLE_SIZE,
    Palette,
    finish,
    literal,
    new_figure,
    no_data_chart,
    style_axes,
    title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MIN_SHARE = Decimal("0.03")  # slices under 3 % are unreadable on a phone: fold into "Other"
MAX_SLICES = 8
MAX_STRATEGIES = 12
STRATEGY_NAME_LIMIT = 18


def render_allocation(
    slices: Sequence[AllocationSlice],
    title_text: str = "Allocation",
    tz: str = "UTC",
    theme: Theme = "light",
    as_of: datetime | None = None,
    unit: str = "USDT",
) -> RenderedChart:
    """A donut of positive holdings, small ones folded into "Other", the total in the centre.

    Non-positive or non-finite values cannot be a slice and are left out; `as_of` (shown in the
    user's zone `tz`) says when the balances were read.
    """
    holdings = [s for s in slices if s.value_usdt.is_finite() and s.value_usdt > 0]
    total = sum((s.value_usdt for s in holdings), Decimal(0))
    if total <= 0:
        return no_data_chart(title_text, theme)
    parts = _fold_small(sorted(holdings, key=lambda s: s.value_usdt, reverse=True), total)
    fig, pal = new_figure(theme)
    title(fig, title_text, pal)
    ax, legend_ax = fig.subplots(1, 2, width_ratios=[1.3, 1])
    ax.set_facecolor(pal.background)
    legend_ax.set_axis_off()
    colors = [
        pal.other if other else pal.slices[i % len(pal.slices)]
        for i, (_, _, other) in enumerate(parts)
    ]
    wedges, _ = ax.pie(
        [float(value) for _, value, _ in parts],
        colors=colors,
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.38, "edgecolor": pal.background, "linewidth": 2},
    )
    ax.text(0, 0.12, "Total", ha="center", va="center", fontsize=LABEL_SIZE, color=pal.muted)
    ax.text(
        0,
        -0.08,
        money(total),
        ha="center",
        va="center",
        fontsize=TITLE_SIZE,
        color=pal.text,
        fontweight="bold",
    )
    ax.text(
        0, -0.26, literal(unit, 12), ha="center", va="center", fontsize=LABEL_SIZE, color=pal.muted
    )
    labels = [f"{name}  {value / total * 100:.1f}%" for name, value, _ in parts]
    leg = legend_ax.legend(
        wedges, labels, loc="center left", fontsize=LEGEND_SIZE + 1, frameon=False, handlelength=1.2
    )
    for text in leg.get_texts():
        text.set_color(pal.text)
    if as_of is not None:
        ax.set_title(f"as of {literal(when(as_of, tz), 60)}", fontsize=LABEL_SIZE, color=pal.muted)
    return finish(fig)


def _fold_small(
    ordered: Sequence[AllocationSlice], total: Decimal
) -> list[tuple[str, Decimal, bool]]:
    """(label, value, is_other) for each slice; the tail beyond readability becomes one slice."""
    kept: list[tuple[str, Decimal, bool]] = []
    rest = list(ordered)
    while rest and len(kept) < MAX_SLICES - 1 and rest[0].value_usdt / total >= MIN_SHARE:
        head = rest.pop(0)
        kept.append((literal(head.asset, 16), head.value_usdt, False))
    if len(rest) == 1:
        kept.append((literal(rest[0].asset, 16), rest[0].value_usdt, False))
    elif rest:
        value = sum((s.value_usdt for s in rest), Decimal(0))
        kept.append((f"Other ({len(rest)} assets)", value, True))
    return kept


def render_comparison(
    strategies: Sequence[StrategyComparison],
    title_text: str = "Strategies compared",
    theme: Theme = "light",
    unit: str = "USDT",
) -> RenderedChart:
    """P&L, win rate and max drawdown as three bar panels sharing the strategy names.

    At most 12 strategies are drawn, in the given order (top to bottom); a missing value shows
    as "n/a" with no bar rather than as zero.
    """
    rows = list(strategies)[:MAX_STRATEGIES]
    if not rows:
        return no_data_chart(title_text, theme)
    fig, pal = new_figure(theme)
    title(fig, title_text, pal)
    axes = fig.subplots(1, 3, sharey=True)
    y = list(range(len(rows)))[::-1]
    pnl = [r.pnl for r in rows]
    pnl_colors = [pal.up if v is not None and v >= 0 else pal.down for v in pnl]
    _bar_panel(axes[0], y, pnl, f"P&L ({literal(unit, 12)})", pnl_colors, pal, _signed_label)
    _bar_panel(
        axes[1],
        y,
        [r.win_rate for r in rows],
        "Win rate (%)",
        [pal.line] * len(rows),
        pal,
        _pct_label,
    )
    drawdowns = [None if r.max_drawdown is None else abs(r.max_drawdown) for r in rows]
    _bar_panel(axes[2], y, drawdowns, "Max drawdown (%)", [pal.down] * len(rows), pal, _pct_label)
    axes[0].set_yticks(y, labels=[literal(r.name, STRATEGY_NAME_LIMIT) for r in rows])
    axes[0].tick_params(axis="y", labelsize=TICK_SIZE)
    axes[0].set_ylim(-0.7, len(rows) - 0.3)
    return finish(fig)


def _bar_panel(
    ax: Axes,
    y: list[int],
    values: list[Decimal | None],
    heading: str,
    colors: list[str],
    pal: Palette,
    fmt: Callable[[Decimal], str],
) -> None:
    """Horizontal bars with the value written at each bar's end; None is "n/a", not a bar."""
    from matplotlib.ticker import MaxNLocator

    numbers = [float(v) if v is not None and v.is_finite() else 0.0 for v in values]
    bars = ax.barh(y, numbers, color=colors, height=0.62)
    ax.set_xlim(*_room_for_labels(numbers))
    labels = [fmt(v) if v is not None and v.is_finite() else "n/a" for v in values]
    for text in ax.bar_label(bars, labels=labels, padding=4, fontsize=TICK_SIZE - 1):
        text.set_color(pal.text)
    ax.axvline(0, color=pal.muted, linewidth=0.9)
    ax.set_title(heading, fontsize=LABEL_SIZE, color=pal.text)
    style_axes(ax, pal, grid_axis="x")
    ax.tick_params(axis="x", labelsize=TICK_SIZE - 1)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3))


def _room_for_labels(numbers: list[float]) -> tuple[float, float]:
    """Axis limits with zero included and space beyond each bar end for its value label."""
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    pad = ((high - low) or 1.0) * 0.5
    return (low - pad if low < 0 else 0.0), (high + pad if high > 0 else pad * 0.1)


def _signed_label(value: Decimal) -> str:
    """Short P&L text for a narrow panel: `+12.34`, `-572`, `+15.3k`."""
    if abs(value) >= 10_000:
        return f"{value / 1000:+,.1f}k"
    return f"{value:+,.0f}" if abs(value) >= 100 else f"{value:+.2f}"


def _pct_label(value: Decimal) -> str:
    return f"{value:.1f}%"

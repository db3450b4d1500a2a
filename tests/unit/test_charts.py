"""Charts are phone-sized PNGs that show the data: themed, time-zoned, safe with any name."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from telegram_frontend.services.charts import theme as chart_theme
from telegram_frontend.services.charts.kinds import _fold_small
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

T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOSTILE = [
    "$x^2$ and $y$",
    r"$\frac{a}{$",
    "<b>bold</b> & <script>alert(1)</script>",
    "snake_case_name__",
    "line\nbreak\ttab\x00nul",
    r"back\slash \$ %d {}",
    "🚀 moon 月",
    "x" * 300,
]


def pixels(chart: RenderedChart) -> np.ndarray:
    with Image.open(io.BytesIO(chart.png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def distinct_colours(chart: RenderedChart) -> int:
    flat = pixels(chart).reshape(-1, 3)
    return len(np.unique(flat[::7], axis=0))


def d(value: float | str) -> Decimal:
    return Decimal(str(value))


def equity_points(n: int = 60) -> list[EquityPoint]:
    return [
        EquityPoint(T0 + timedelta(hours=i), d(10_000 + 40 * np.sin(i / 5) + i)) for i in range(n)
    ]


def candles(n: int = 48) -> list[Candle]:
    out = []
    for i in range(n):
        base = 65_000 + 300 * np.sin(i / 6)
        o, c = d(round(base, 2)), d(round(base + 120 * np.cos(i), 2))
        out.append(Candle(T0 + timedelta(hours=i), o, max(o, c) + 50, min(o, c) - 50, c))
    return out


def macd_points(n: int = 48) -> list[MacdPoint]:
    return [
        MacdPoint(T0 + timedelta(hours=i), d(round(np.sin(i / 4) * 30, 2)),
                  d(round(np.sin(i / 4 - 0.5) * 30, 2)), d(round(np.cos(i / 4) * 10, 2)))
        for i in range(n)
    ]  # fmt: skip


def trades_around(n_candles: int = 48) -> tuple[list[TradeMark], int]:
    """Trades inside the candles' range plus some just outside it; returns (trades, inside)."""
    last_close = T0 + timedelta(hours=n_candles)
    inside = [
        TradeMark(T0, d(65000), "BUY"),
        TradeMark(T0 + timedelta(hours=5, minutes=30), d(65100), "SELL"),
        TradeMark(T0 + timedelta(hours=20), d(64900), "BUY"),
        TradeMark(last_close - timedelta(seconds=1), d(65050), "SELL"),
    ]
    outside = [
        TradeMark(T0 - timedelta(seconds=1), d(65000), "BUY"),
        TradeMark(last_close, d(65000), "SELL"),
        TradeMark(last_close + timedelta(days=3), d(65000), "BUY"),
    ]
    return inside + outside, len(inside)


def allocation() -> list[AllocationSlice]:
    values = [5000, 3000, 1200, 400, 90, 50, 20, 5, 3, 2, 1, 1]
    return [AllocationSlice(f"A{i}", d(v)) for i, v in enumerate(values)]


def strategies() -> list[StrategyComparison]:
    return [
        StrategyComparison("conservative-btc", d("412.50"), d("58.3"), d("3.1")),
        StrategyComparison("aggressive-eth", d("-120.75"), d("41.0"), d("-9.8")),
        StrategyComparison("grid-1", None, d("50"), None),
    ]


KINDS: dict[str, Callable[[Theme], RenderedChart]] = {
    "equity": lambda theme: render_equity(equity_points(), "Equity", "Europe/Berlin", theme),
    "price_macd": lambda theme: render_price_macd(
        candles(), macd_points(), trades_around()[0], "BTCUSDT 1h", "Europe/Berlin", theme
    ),
    "grid": lambda theme: render_grid(
        GridChartInput([d(64000 + 250 * i) for i in range(9)],
                       [(c.open_time, c.close) for c in candles()], trades_around()[0]),
        "Grid", "Asia/Tokyo", theme,
    ),
    "allocation": lambda theme: render_allocation(allocation(), "Portfolio", "UTC", theme, T0),
    "comparison": lambda theme: render_comparison(strategies(), "Strategies", theme),
}  # fmt: skip


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], RenderedChart]:
    """Each kind in each theme, rendered once for the tests that only look at the result."""
    themes: tuple[Theme, ...] = ("light", "dark")
    return {(kind, theme): fn(theme) for kind, fn in KINDS.items() for theme in themes}


@pytest.mark.parametrize("kind", KINDS)
def test_every_chart_is_a_phone_sized_png_with_content(
    rendered: dict[tuple[str, str], RenderedChart], kind: str
) -> None:
    for theme in ("light", "dark"):
        chart = rendered[(kind, theme)]
        image = pixels(chart)
        assert image.shape == (960, 1280, 3)
        assert (chart.width, chart.height) == (1280, 960)
        assert not chart.empty
        assert image.std() > 20
        assert distinct_colours(chart) > 50


@pytest.mark.parametrize("kind", KINDS)
def test_dark_and_light_themes_have_different_backgrounds(
    rendered: dict[tuple[str, str], RenderedChart], kind: str
) -> None:
    light = pixels(rendered[(kind, "light")])[2, 2].astype(int)
    dark = pixels(rendered[(kind, "dark")])[2, 2].astype(int)
    assert light.mean() > 200
    assert dark.mean() < 60


def test_price_chart_draws_one_marker_per_trade_in_range_only() -> None:
    trades, inside = trades_around()
    chart = render_price_macd(candles(), macd_points(), trades, "BTCUSDT", "UTC", "light")
    assert chart.markers == inside == 4
    without = render_price_macd(candles(), macd_points(), [], "BTCUSDT", "UTC", "light")
    assert without.markers == 0
    assert not np.array_equal(pixels(chart), pixels(without))


def test_grid_chart_counts_fills_between_first_and_last_price() -> None:
    prices = [(T0 + timedelta(hours=i), d(65000 + i)) for i in range(10)]
    fills = [
        TradeMark(T0, d(65000), "BUY"),
        TradeMark(T0 + timedelta(hours=9), d(65009), "SELL"),
        TradeMark(T0 + timedelta(hours=9, seconds=1), d(65009), "SELL"),
        TradeMark(T0 - timedelta(hours=1), d(65000), "BUY"),
    ]
    chart = render_grid(GridChartInput([d(64990), d(65010)], prices, fills), "Grid")
    assert chart.markers == 2


def test_hostile_names_are_drawn_literally() -> None:
    for name in HOSTILE:
        safe = chart_theme.literal(name, limit=1000)
        shown, is_math = Text(text=safe)._preprocess_math(safe)  # type: ignore[attr-defined]
        assert is_math is False
        assert "\n" not in shown
        assert "\x00" not in shown
        assert shown == " ".join(name.replace("\x00", " ").split())


def test_hostile_names_render_without_errors_everywhere() -> None:
    rows = [StrategyComparison(n, d(1), d(50), d(2)) for n in HOSTILE]
    slices = [AllocationSlice(n, d(100 + i)) for i, n in enumerate(HOSTILE)]
    for name in HOSTILE[:3]:
        for chart in (
            render_comparison(rows, name, "dark", unit=name),
            render_allocation(slices, name, "Europe/Berlin", "light", unit=name),
            render_equity(equity_points(5), name, "UTC", "light", unit=name),
        ):
            assert (chart.width, chart.height) == (1280, 960)
            assert not chart.empty


def test_long_names_are_shortened_with_an_ellipsis() -> None:
    assert chart_theme.literal("a" * 100, limit=10) == "a" * 9 + "…"


@pytest.mark.parametrize(
    "render",
    [
        lambda: render_equity([], "Equity"),
        lambda: render_price_macd([], macd_points(), trades_around()[0], "Price"),
        lambda: render_grid(GridChartInput([d(1), d(2)], [], []), "Grid"),
        lambda: render_allocation([AllocationSlice("BTC", d(0)), AllocationSlice("X", d(-5))]),
        lambda: render_comparison([]),
    ],
    ids=["equity", "price_macd", "grid", "allocation", "comparison"],
)
def test_empty_data_gives_the_no_data_picture(render: Callable[[], RenderedChart]) -> None:
    chart = render()
    assert chart.empty
    assert (chart.width, chart.height) == (1280, 960)
    image = pixels(chart)
    background = image[2, 2]
    not_background = np.any(image != background, axis=2).mean()
    assert 0.001 < not_background < 0.1  # a title and a sentence on a plain background


def test_no_data_picture_matches_the_reference_for_its_title() -> None:
    chart = render_equity([], "Equity", theme="dark")
    assert chart.png == chart_theme.no_data_chart("Equity", "dark").png
    assert chart.png != chart_theme.no_data_chart("Equity", "dark", "Something else").png


def test_one_point_is_drawn_not_rejected() -> None:
    one = T0 + timedelta(hours=3)
    charts = [
        render_equity([EquityPoint(one, d(100))]),
        render_price_macd([Candle(one, d(1), d(2), d(0.5), d(1.5))],
                          [MacdPoint(one, d(1), d(0.5), d(0.5))], [TradeMark(one, d(1.5), "BUY")]),
        render_grid(GridChartInput([d(1)], [(one, d(1))], [TradeMark(one, d(1), "SELL")])),
        render_allocation([AllocationSlice("BTC", d(1))]),
        render_comparison([StrategyComparison("only", d(0), d(0), d(0))]),
    ]  # fmt: skip
    assert [c.empty for c in charts] == [False] * 5
    assert [c.markers for c in charts] == [0, 1, 1, 0, 0]
    assert all(pixels(c).std() > 10 for c in charts)


def test_drawdown_sign_does_not_matter() -> None:
    def points(sign: int) -> list[EquityPoint]:
        return [
            EquityPoint(p.time, p.equity, d(sign * (i % 7)))
            for i, p in enumerate(equity_points(20))
        ]

    assert render_equity(points(1)).png == render_equity(points(-1)).png
    assert render_equity(points(1)).png != render_equity(equity_points(20)).png


def test_time_axis_shows_the_users_zone() -> None:
    fig, pal = chart_theme.new_figure("light")
    ax = fig.add_subplot()
    utc_evening = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    ax.plot(chart_theme.to_num([utc_evening + timedelta(hours=i) for i in range(6)]), range(6))
    zone, name = chart_theme.resolve_zone("Asia/Tokyo")
    chart_theme.time_axis(ax, zone, name, pal)
    fig.canvas.draw()
    assert ax.get_xlabel() == "Time (Asia/Tokyo)"
    assert ax.get_xticklabels()[0].get_text() == "07:00"  # 22:00 UTC is 07:00 next day in Tokyo
    assert "25" in ax.xaxis.get_offset_text().get_text()


def test_unknown_zone_falls_back_to_utc_and_says_so() -> None:
    assert chart_theme.resolve_zone("Mars/Olympus") == (UTC, "UTC")
    assert chart_theme.resolve_zone(None) == (UTC, "UTC")


def test_small_slices_fold_into_other() -> None:
    parts = _fold_small(allocation(), sum((s.value_usdt for s in allocation()), Decimal(0)))
    labels = [label for label, _, _ in parts]
    assert labels[:4] == ["A0", "A1", "A2", "A3"]
    assert labels[-1] == "Other (8 assets)"
    assert sum((v for _, v, _ in parts), Decimal(0)) == d(9772)


def test_renders_in_parallel_threads_match_sequential_ones() -> None:
    jobs = [KINDS["equity"], KINDS["comparison"]] * 2
    sequential = [job("light").png for job in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda job: job("light").png, jobs))
    assert parallel == sequential


def test_importing_charts_is_cheap_and_rendering_never_touches_pyplot() -> None:
    script = (
        "import sys\n"
        "import telegram_frontend.services.charts.render as c\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
        "c.render_equity([])\n"
        "assert 'matplotlib' in sys.modules\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was used'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr

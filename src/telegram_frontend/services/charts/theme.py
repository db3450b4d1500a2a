"""Look and plumbing shared by every chart: size, fonts, colours, time axes, safe text, PNG.

Every chart is 1280×960 px (8×6 in at 160 dpi): Telegram shows a photo about as wide as the
phone, so fonts are large (12–17 pt ≈ 27–38 px) and there are few ticks. Only the object API
(`Figure` + `FigureCanvasAgg`) is used and no rcParams are changed, so renders in several threads
never share state. matplotlib is imported inside functions: importing this module costs nothing.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram_frontend.services.charts.inputs import RenderedChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

WIDTH_PX = 1280
HEIGHT_PX = 960
DPI = 160
FIGSIZE = (WIDTH_PX / DPI, HEIGHT_PX / DPI)

TITLE_SIZE = 17.0
LABEL_SIZE = 13.0
TICK_SIZE = 12.0
LEGEND_SIZE = 12.0
NOTE_SIZE = 20.0

NO_DATA = "No data for this period"
GridAxis = Literal["both", "x", "y"]
LegendLoc = Literal["upper left", "upper right", "lower left", "lower right", "center left"]
NAME_LIMIT = 40
_GLYPH_WARNING = r"Glyph \d+ .*missing from"


@dataclass(frozen=True)
class Palette:
    background: str
    panel: str
    text: str
    muted: str
    grid: str
    line: str
    signal: str
    up: str
    down: str
    level: str
    other: str
    slices: tuple[str, ...]


PALETTES: dict[str, Palette] = {
    "light": Palette(
        background="#ffffff",
        panel="#ffffff",
        text="#1f2328",
        muted="#57606a",
        grid="#d8dee4",
        line="#0969da",
        signal="#bc4c00",
        up="#1a7f37",
        down="#cf222e",
        level="#8250df",
        other="#8c959f",
        slices=(
            "#0969da", "#1a7f37", "#bf8700", "#8250df", "#cf222e",
            "#1b7c83", "#bc4c00", "#4d2d8f", "#6e7781", "#d63384",
        ),
    ),
    "dark": Palette(
        background="#0d1117",
        panel="#161b22",
        text="#e6edf3",
        muted="#8b949e",
        grid="#30363d",
        line="#58a6ff",
        signal="#d29922",
        up="#3fb950",
        down="#f85149",
        level="#a371f7",
        other="#6e7681",
        slices=(
            "#58a6ff", "#3fb950", "#d29922", "#a371f7", "#f85149",
            "#39c5cf", "#ffa657", "#db61a2", "#8b949e", "#7ee787",
        ),
    ),
}  # fmt: skip


def palette(theme: str) -> Palette:
    """The palette for `theme`; an unknown theme falls back to light instead of failing a chart."""
    return PALETTES.get(theme, PALETTES["light"])


def literal(text: object, limit: int = NAME_LIMIT) -> str:
    """A backend string made safe to draw as-is: one line, bounded, never parsed as mathtext.

    Names can hold anything (`$`, `_`, HTML, newlines); every `$` is escaped because matplotlib
    treats an even number of unescaped dollars as math, and it turns `\\$` back into `$`.
    """
    raw = "" if text is None else str(text)
    clean = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in raw)
    clean = " ".join(clean.split())
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return clean.replace("$", r"\$")


def resolve_zone(tz_name: str | None) -> tuple[tzinfo, str]:
    """The user's zone and its display name; an unknown name falls back to UTC and says so."""
    if tz_name and tz_name != "UTC":
        try:
            return ZoneInfo(tz_name), tz_name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC, "UTC"


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are UTC inside the frontend; make that explicit for matplotlib."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def to_num(times: Sequence[datetime]) -> NDArray[Any]:
    """Datetimes as matplotlib date numbers (days since the epoch, UTC)."""
    import numpy as np
    from matplotlib import dates as mdates

    if not times:
        return np.empty(0)
    return np.asarray(mdates.date2num([as_utc(t) for t in times]), dtype=float)


def _quiet_missing_glyphs() -> None:
    """Names with emoji or CJK lack glyphs in the bundled font; that is not worth a log line.

    Checked per figure because code such as pytest resets warning filters; the filter list is
    only touched when ours is missing.
    """
    for action, message, *_ in warnings.filters:
        if action == "ignore" and getattr(message, "pattern", None) == _GLYPH_WARNING:
            return
    warnings.filterwarnings("ignore", message=_GLYPH_WARNING, category=UserWarning)


def new_figure(theme: str) -> tuple[Figure, Palette]:
    """A fixed-size figure with its own Agg canvas (no pyplot, no global figure registry)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _quiet_missing_glyphs()
    pal = palette(theme)
    fig = Figure(figsize=FIGSIZE, dpi=DPI, facecolor=pal.background, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, pal


def title(fig: Figure, text: str, pal: Palette) -> None:
    fig.suptitle(literal(text, 60), fontsize=TITLE_SIZE, color=pal.text, fontweight="bold")


def style_axes(ax: Axes, pal: Palette, grid_axis: GridAxis | None = "both") -> None:
    """Panel colours, big tick labels and a faint grid that reads on a small screen."""
    ax.set_facecolor(pal.panel)
    for spine in ax.spines.values():
        spine.set_color(pal.grid)
    ax.tick_params(colors=pal.muted, labelcolor=pal.text, labelsize=TICK_SIZE)
    ax.xaxis.label.set_color(pal.text)
    ax.yaxis.label.set_color(pal.text)
    ax.xaxis.get_offset_text().set_color(pal.muted)
    ax.xaxis.get_offset_text().set_fontsize(TICK_SIZE)
    ax.yaxis.get_offset_text().set_color(pal.muted)
    if grid_axis:
        ax.grid(True, axis=grid_axis, color=pal.grid, linewidth=0.8, alpha=0.9)
        ax.set_axisbelow(True)


def plain_numbers(ax: Axes) -> None:
    """Prices like 65000 as `65000`, not `6.5e4` or `+6.5e4` offsets nobody reads on a phone."""
    from matplotlib.ticker import ScalarFormatter

    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)


def ylabel(ax: Axes, text: str, pal: Palette) -> None:
    ax.set_ylabel(text, fontsize=LABEL_SIZE, color=pal.text)


def time_axis(ax: Axes, zone: tzinfo, zone_name: str, pal: Palette) -> None:
    """Dates on `ax` shown in the user's zone, with the zone named in the axis label."""
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(tz=zone, minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone))
    ax.set_xlabel(f"Time ({literal(zone_name)})", fontsize=LABEL_SIZE, color=pal.text)


def widen_if_single(ax: Axes, x: NDArray[Any], pad_days: float = 1 / 24) -> None:
    """One point (or identical times) would give a zero-width axis: show an hour around it."""
    if len(x) and float(x.max()) - float(x.min()) < 1e-9:
        ax.set_xlim(float(x[0]) - pad_days, float(x[0]) + pad_days)


def legend(ax: Axes, pal: Palette, loc: LegendLoc = "upper left", ncols: int = 1) -> None:
    leg = ax.legend(loc=loc, fontsize=LEGEND_SIZE, ncols=ncols, frameon=True)
    leg.get_frame().set_facecolor(pal.panel)
    leg.get_frame().set_edgecolor(pal.grid)
    for text in leg.get_texts():
        text.set_color(pal.text)


def note(ax: Axes, text: str, pal: Palette, size: float = LABEL_SIZE) -> None:
    """A centred message inside a panel (e.g. when one of two panels has no data)."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=size,
        color=pal.muted,
    )


def finish(fig: Figure, markers: int = 0, empty: bool = False) -> RenderedChart:
    """Draw once (layout included) and encode the canvas as an opaque PNG.

    `savefig` would draw twice (a layout pass, then the real one); drawing the canvas ourselves
    and handing the pixels to Pillow (a matplotlib dependency) halves the render time.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    canvas.draw()
    width, height = (int(v) for v in canvas.get_width_height())
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=6)
    return RenderedChart(
        png=buffer.getvalue(), width=width, height=height, markers=markers, empty=empty
    )


def no_data_chart(chart_title: str, theme: str, message: str = NO_DATA) -> RenderedChart:
    """The same-size picture with a clear sentence, so callers never special-case empty data."""
    fig, pal = new_figure(theme)
    title(fig, chart_title, pal)
    ax = fig.add_subplot()
    ax.set_facecolor(pal.background)
    ax.set_axis_off()
    note(ax, message, pal, size=NOTE_SIZE)
    return finish(fig, empty=True)

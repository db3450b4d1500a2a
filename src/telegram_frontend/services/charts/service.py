"""Charts for the bot and the API: rendered off the event loop, cached, and coalesced.

A render costs 100–300 ms of CPU; on the event loop that would stall every chat. So renders
run in a small thread pool (matplotlib's object API is safe there), finished PNGs are kept in a
bounded LRU keyed by (chart kind, parameters, data version), and N identical requests arriving
together share one render. The data version is the caller's word for "which data" (e.g. the id
or time of the newest snapshot): the data itself is not hashed, so the same version must always
mean the same data.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

from telegram_frontend.services.charts.render import (
    AllocationSlice,
    Candle,
    EquityPoint,
    GridChartInput,
    MacdPoint,
    PriceStyle,
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

log = logging.getLogger(__name__)

ChartKind = Literal["equity", "price_macd", "grid", "allocation", "comparison"]
CacheKey = tuple[ChartKind, tuple[Hashable, ...], str]

DEFAULT_CACHE_ENTRIES = 64
DEFAULT_WORKERS = 2


@dataclass
class ChartStats:
    """Counters for metrics and tests: `renders` is how many PNGs were actually drawn."""

    hits: int = 0
    misses: int = 0
    coalesced: int = 0
    renders: int = 0
    failures: int = 0


class ChartService:
    """Renders charts in worker threads, with an LRU of finished PNGs and in-flight sharing.

    `on_render(kind)` is called in the worker thread just before each real render (a hook for
    metrics and for tests that check the thread).
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_CACHE_ENTRIES,
        workers: int = DEFAULT_WORKERS,
        on_render: Callable[[ChartKind], None] | None = None,
    ) -> None:
        self._max_entries = max(1, max_entries)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chart-render")
        self._cache: OrderedDict[CacheKey, RenderedChart] = OrderedDict()
        self._inflight: dict[CacheKey, asyncio.Task[RenderedChart]] = {}
        self._on_render = on_render
        self.stats = ChartStats()

    async def equity(
        self,
        points: Sequence[EquityPoint],
        *,
        version: str,
        title: str = "Equity",
        tz: str = "UTC",
        theme: Theme = "light",
        unit: str = "USDT",
    ) -> RenderedChart:
        render = partial(render_equity, list(points), title, tz, theme, unit)
        return await self._chart("equity", (title, tz, theme, unit), version, render)

    async def price_macd(
        self,
        candles: Sequence[Candle],
        macd: Sequence[MacdPoint],
        trades: Sequence[TradeMark],
        *,
        version: str,
        title: str = "Price and MACD",
        tz: str = "UTC",
        theme: Theme = "light",
        unit: str = "USDT",
        style: PriceStyle = "auto",
    ) -> RenderedChart:
        render = partial(
            render_price_macd,
            list(candles),
            list(macd),
            list(trades),
            title,
            tz,
            theme,
            unit,
            style,
        )
        return await self._chart("price_macd", (title, tz, theme, unit, style), version, render)

    async def grid(
        self,
        data: GridChartInput,
        *,
        version: str,
        title: str = "Grid",
        tz: str = "UTC",
        theme: Theme = "light",
        unit: str = "USDT",
    ) -> RenderedChart:
        frozen = GridChartInput(list(data.levels), list(data.prices), list(data.fills))
        render = partial(render_grid, frozen, title, tz, theme, unit)
        return await self._chart("grid", (title, tz, theme, unit), version, render)

    async def allocation(
        self,
        slices: Sequence[AllocationSlice],
        *,
        version: str,
        title: str = "Allocation",
        tz: str = "UTC",
        theme: Theme = "light",
        as_of: datetime | None = None,
        unit: str = "USDT",
    ) -> RenderedChart:
        render = partial(render_allocation, list(slices), title, tz, theme, as_of, unit)
        return await self._chart("allocation", (title, tz, theme, as_of, unit), version, render)

    async def comparison(
        self,
        strategies: Sequence[StrategyComparison],
        *,
        version: str,
        title: str = "Strategies compared",
        theme: Theme = "light",
        unit: str = "USDT",
    ) -> RenderedChart:
        render = partial(render_comparison, list(strategies), title, theme, unit)
        return await self._chart("comparison", (title, theme, unit), version, render)

    def close(self) -> None:
        """Stop the workers; queued renders are dropped (their waiters get CancelledError)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _chart(
        self,
        kind: ChartKind,
        params: tuple[Hashable, ...],
        version: str,
        render: Callable[[], RenderedChart],
    ) -> RenderedChart:
        """Cached PNG, else join the render already running for this key, else start one."""
        key: CacheKey = (kind, params, version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.stats.hits += 1
            return cached
        task = self._inflight.get(key)
        if task is None:
            self.stats.misses += 1
            task = asyncio.create_task(self._render(key, render), name=f"chart-{kind}")
            task.add_done_callback(_consume_outcome)
            self._inflight[key] = task
        else:
            self.stats.coalesced += 1
        # shield: one impatient waiter must not cancel the render the others are waiting for
        return await asyncio.shield(task)

    async def _render(self, key: CacheKey, render: Callable[[], RenderedChart]) -> RenderedChart:
        loop = asyncio.get_running_loop()
        try:
            self.stats.renders += 1
            chart = await loop.run_in_executor(self._executor, self._run, key[0], render)
        except Exception:
            self.stats.failures += 1
            log.exception("chart render failed", extra={"chart": key[0]})
            raise
        finally:
            self._inflight.pop(key, None)
        self._store(key, chart)
        return chart

    def _run(self, kind: ChartKind, render: Callable[[], RenderedChart]) -> RenderedChart:
        """Runs in a worker thread."""
        if self._on_render is not None:
            self._on_render(kind)
        return render()

    def _store(self, key: CacheKey, chart: RenderedChart) -> None:
        self._cache[key] = chart
        self._cache.move_to_end(key)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)

    def __len__(self) -> int:
        return len(self._cache)


def _consume_outcome(task: asyncio.Task[RenderedChart]) -> None:
    """Mark a failed render's exception as seen even if every waiter gave up before it ended."""
    if not task.cancelled():
        task.exception()

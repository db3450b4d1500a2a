"""The chart service renders off the event loop, once per (kind, parameters, version)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from telegram_frontend.services.charts.render import (
    AllocationSlice,
    Candle,
    EquityPoint,
    GridChartInput,
    MacdPoint,
    StrategyComparison,
    TradeMark,
)
from telegram_frontend.services.charts.service import ChartKind, ChartService

T0 = datetime(2026, 11, 1, tzinfo=UTC)
POINTS = [EquityPoint(T0 + timedelta(hours=i), Decimal(10_000 + i)) for i in range(5)]


class RenderLog:
    """The test hook: which kinds were rendered, on which threads, optionally slowly."""

    def __init__(self, delay: float = 0.0, fail_first: int = 0) -> None:
        self.kinds: list[ChartKind] = []
        self.threads: set[int] = set()
        self.delay = delay
        self.fail_first = fail_first
        self._lock = threading.Lock()

    def __call__(self, kind: ChartKind) -> None:
        with self._lock:
            self.kinds.append(kind)
            self.threads.add(threading.get_ident())
            failing = self.fail_first > 0
            self.fail_first -= 1
        if self.delay:
            time.sleep(self.delay)
        if failing:
            raise RuntimeError("renderer broke")


@pytest.fixture
def hook() -> RenderLog:
    return RenderLog()


@pytest.fixture
def service(hook: RenderLog) -> Iterator[ChartService]:
    charts = ChartService(max_entries=3, on_render=hook)
    yield charts
    charts.close()


async def test_repeated_request_is_served_from_cache(
    service: ChartService, hook: RenderLog
) -> None:
    first = await service.equity(POINTS, version="snap-1", tz="Europe/Berlin")
    second = await service.equity(POINTS, version="snap-1", tz="Europe/Berlin")
    assert second.png is first.png
    assert hook.kinds == ["equity"]
    assert (service.stats.renders, service.stats.hits) == (1, 1)


async def test_new_data_version_or_parameters_render_again(
    service: ChartService, hook: RenderLog
) -> None:
    base = await service.equity(POINTS, version="snap-1")
    newer = await service.equity(POINTS[:3], version="snap-2")
    dark = await service.equity(POINTS, version="snap-1", theme="dark")
    assert len(hook.kinds) == 3
    assert len({base.png, newer.png, dark.png}) == 3


async def test_ten_identical_concurrent_requests_share_one_render() -> None:
    hook = RenderLog(delay=0.2)
    service = ChartService(on_render=hook)
    try:
        charts = await asyncio.gather(
            *(service.equity(POINTS, version="v", title="Same") for _ in range(10))
        )
    finally:
        service.close()
    assert hook.kinds == ["equity"]
    assert all(chart.png is charts[0].png for chart in charts)
    assert (service.stats.misses, service.stats.coalesced) == (1, 9)


async def test_rendering_happens_off_the_event_loop_thread(
    service: ChartService, hook: RenderLog
) -> None:
    loop_thread = threading.get_ident()
    await asyncio.gather(
        service.equity(POINTS, version="a"),
        service.comparison([StrategyComparison("x", Decimal(1), Decimal(50), Decimal(2))],
                           version="a"),
    )  # fmt: skip
    assert hook.threads
    assert loop_thread not in hook.threads


async def test_event_loop_stays_responsive_while_rendering() -> None:
    service = ChartService(on_render=RenderLog(delay=0.3))
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    try:
        await service.equity(POINTS, version="slow")
    finally:
        beat.cancel()
        service.close()
    assert ticks >= 10


async def test_cache_is_bounded_and_evicts_the_least_recently_used(
    service: ChartService, hook: RenderLog
) -> None:
    for version in ("1", "2", "3"):
        await service.equity(POINTS, version=version)
    await service.equity(POINTS, version="1")  # touch: "2" is now the oldest
    await service.equity(POINTS, version="4")
    assert len(service) == 3
    await service.equity(POINTS, version="1")
    assert len(hook.kinds) == 4
    await service.equity(POINTS, version="2")
    assert len(hook.kinds) == 5


async def test_a_failed_render_reaches_every_waiter_and_is_not_cached() -> None:
    hook = RenderLog(delay=0.1, fail_first=1)
    service = ChartService(on_render=hook)
    try:
        results = await asyncio.gather(
            *(service.equity(POINTS, version="v") for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, RuntimeError) for r in results)
        retry = await service.equity(POINTS, version="v")
    finally:
        service.close()
    assert retry.width == 1280
    assert len(hook.kinds) == 2
    assert service.stats.failures == 1


async def test_one_cancelled_waiter_does_not_cancel_the_shared_render() -> None:
    hook = RenderLog(delay=0.2)
    service = ChartService(on_render=hook)
    try:
        impatient = asyncio.create_task(service.equity(POINTS, version="v"))
        patient = asyncio.create_task(service.equity(POINTS, version="v"))
        await asyncio.sleep(0.05)
        impatient.cancel()
        chart = await patient
    finally:
        service.close()
    assert impatient.cancelled()
    assert chart.width == 1280
    assert hook.kinds == ["equity"]


async def test_every_kind_renders_through_the_service(
    service: ChartService, hook: RenderLog
) -> None:
    candle = Candle(T0, Decimal(1), Decimal(2), Decimal("0.5"), Decimal("1.5"))
    trade = TradeMark(T0, Decimal("1.5"), "BUY")
    price = await service.price_macd(
        [candle], [MacdPoint(T0, Decimal(1), Decimal(0), Decimal(1))], [trade], version="v"
    )
    grid = await service.grid(
        GridChartInput([Decimal(1)], [(T0, Decimal(1))], [trade]), version="v"
    )
    allocation = await service.allocation(
        [AllocationSlice("BTC", Decimal(5))], version="v", as_of=T0
    )
    assert (price.markers, grid.markers, allocation.markers) == (1, 1, 0)
    assert hook.kinds == ["price_macd", "grid", "allocation"]


async def test_input_is_copied_so_later_changes_do_not_leak_into_the_render() -> None:
    slow = ChartService(on_render=RenderLog(delay=0.1))
    points = list(POINTS)
    try:
        pending = asyncio.create_task(slow.equity(points, version="x"))
        await asyncio.sleep(0)
        points.clear()
        chart = await pending
    finally:
        slow.close()
    assert not chart.empty

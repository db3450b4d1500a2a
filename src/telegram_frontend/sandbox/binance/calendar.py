"""Kline open times for the intervals the shared market does not model (1s, 8h, 3d, 1w, 1M).

Binance aligns them to UTC: weeks open on Monday 00:00, months on the first of the month.
"""

from __future__ import annotations

from datetime import UTC, datetime

DAY_MS = 86_400_000
EXTRA_INTERVALS: dict[str, int] = {
    "1s": 1000,
    "8h": 8 * 3_600_000,
    "3d": 3 * DAY_MS,
    "1w": 7 * DAY_MS,
    "1M": 30 * DAY_MS,
}
_MONDAY_OFFSET_MS = 4 * DAY_MS  # 1970-01-01 was a Thursday


def floor_open(interval: str, at_ms: int) -> int:
    """The open time of the candle of `interval` that contains `at_ms`."""
    if interval == "1M":
        day = datetime.fromtimestamp(at_ms / 1000, UTC)
        return int(datetime(day.year, day.month, 1, tzinfo=UTC).timestamp() * 1000)
    span = EXTRA_INTERVALS[interval]
    offset = _MONDAY_OFFSET_MS if interval == "1w" else 0
    return at_ms - (at_ms - offset) % span


def next_open(interval: str, open_ms: int) -> int:
    if interval == "1M":
        day = datetime.fromtimestamp(open_ms / 1000, UTC)
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return int(datetime(year, month, 1, tzinfo=UTC).timestamp() * 1000)
    return open_ms + EXTRA_INTERVALS[interval]


def open_times(
    interval: str, start_ms: int | None, end_ms: int, limit: int
) -> list[tuple[int, int]]:
    """`(open, close)` pairs in time order: from `start_ms`, or the last `limit` up to `end_ms`."""
    if start_ms is not None:
        first = floor_open(interval, start_ms)
        if first < start_ms:
            first = next_open(interval, first)
        spans: list[tuple[int, int]] = []
        at = first
        while at <= end_ms and len(spans) < limit:
            following = next_open(interval, at)
            spans.append((at, following - 1))
            at = following
        return spans
    opens = [floor_open(interval, end_ms)]
    while len(opens) < limit:
        opens.append(floor_open(interval, opens[-1] - 1))
    return [(at, next_open(interval, at) - 1) for at in reversed(opens)]

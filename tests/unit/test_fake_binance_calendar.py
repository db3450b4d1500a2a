"""Kline open times of the fake Binance's calendar intervals, aligned as Binance aligns them."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram_frontend.sandbox.binance.calendar import open_times


def ms(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


def test_months_open_on_the_first_and_close_before_the_next() -> None:
    spans = open_times("1M", None, ms(2026, 3, 15, 12), 3)

    assert spans == [
        (ms(2026, 1, 1), ms(2026, 2, 1) - 1),
        (ms(2026, 2, 1), ms(2026, 3, 1) - 1),
        (ms(2026, 3, 1), ms(2026, 4, 1) - 1),
    ]


def test_weeks_open_on_monday() -> None:
    [(first, _), (second, _)] = open_times("1w", ms(2026, 12, 2), ms(2026, 12, 20), 2)

    assert datetime.fromtimestamp(first / 1000, UTC) == datetime(2026, 12, 7, tzinfo=UTC)
    assert second - first == 7 * 86_400_000


def test_a_start_time_takes_the_first_candle_opening_at_or_after_it() -> None:
    spans = open_times("8h", ms(2026, 1, 1, 1), ms(2026, 1, 2), 10)

    assert [s for s, _ in spans] == [ms(2026, 1, 1, 8), ms(2026, 1, 1, 16), ms(2026, 1, 2)]

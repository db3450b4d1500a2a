"""Repeated identical warnings are rate-limited (security review finding 3 and 13: refused webhook
posts and 429 warnings pushed real records out of `/logs`)."""

from __future__ import annotations

import logging

from telegram_frontend.core.logging import RepeatLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _logger(limiter: RepeatLimiter) -> tuple[logging.Logger, Collect, Collect]:
    logger = logging.getLogger(f"test.repeats.{id(limiter)}")
    logger.propagate = False
    first, second = Collect(), Collect()
    for handler in (first, second):
        handler.addFilter(limiter)
        logger.addHandler(handler)
    return logger, first, second


def test_a_flood_of_one_warning_keeps_a_few_and_counts_the_rest() -> None:
    clock = Clock()
    limiter = RepeatLimiter(burst=5, window=60, clock=clock)
    logger, first, second = _logger(limiter)
    for n in range(1000):
        logger.warning("webhook_refused from %s", f"10.0.0.{n % 250}")
    logger.warning("something else happened")
    logger.error("a real error")
    logger.error("a real error")
    messages = [r.getMessage() for r in first.records]
    assert len([m for m in messages if m.startswith("webhook_refused")]) == 5
    assert "something else happened" in messages and messages.count("a real error") == 2
    assert len(second.records) == len(first.records)  # one decision per record, every handler
    clock.now = 61
    logger.warning("webhook_refused from %s", "10.0.0.1")
    assert "995 more like it dropped" in first.records[-1].getMessage()


def test_structlog_events_are_keyed_by_event_name() -> None:
    clock = Clock()
    limiter = RepeatLimiter(burst=2, window=60, clock=clock)
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, {"event": "e", "n": 1}, None, None
    )
    again = logging.LogRecord("x", logging.WARNING, __file__, 1, {"event": "e", "n": 2}, None, None)
    third = logging.LogRecord("x", logging.WARNING, __file__, 1, {"event": "e", "n": 3}, None, None)
    assert [limiter.filter(r) for r in (record, again, third)] == [True, True, False]

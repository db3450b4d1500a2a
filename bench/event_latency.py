"""From a cause to the message at the emulator: a trade row (poller path) and a posted event.

Run: `.venv/bin/python bench/event_latency.py [--trades 20] [--poll-seconds 1] [--events 50]`.

Poller path: an executed trade is inserted into the trading database (as the MACD trader writes
it, through FakeTradingDatabase) at a random moment of the poll cycle; the clock stops when its
notification lands in the subscriber's chat at the emulator. The target is p99 ≤ poll interval
+ 1 s. Events path: `POST /api/v1/events` (HMAC-signed) to the message; target p99 ≤ 100 ms.
The frontend runs as `tgfront run` on SQLite with Telegram's real rate limits; one subscriber,
so each cause waits until that chat's 1 message/s allowance is back (`CHAT_GAP_S`) and the
figure is the path's own latency, not the rate limit. The last line is the summary. Not a test:
it prints figures, it never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import random
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from benchkit.emulator_clock import EmulatorClock
from benchkit.sandbox import BenchSandbox
from benchkit.stats import load_average, ms, percentile

from telegram_frontend.sandbox.telegram.flood import FloodLimits

SUBSCRIBER = 30_001
SECRET = "bench-events-secret"
EVENTS_TARGET_S = 0.100
POLLER_MARGIN_S = 1.0
WAIT_S = 15.0
CHAT_GAP_S = 1.05


async def poller_path(
    sandbox: BenchSandbox, clock: EmulatorClock, args: argparse.Namespace
) -> list[float]:
    assert sandbox.backends is not None and sandbox.backends.db is not None
    trading = sandbox.backends.db
    rng = random.Random(7)
    for n in range(args.trades + 1):  # the first one only proves the poller is running
        await asyncio.sleep(CHAT_GAP_S + rng.uniform(0, args.poll_seconds))
        clock.expect(SUBSCRIBER, "trade")
        await trading.insert_trade(
            "conservative-btc",
            "BTCUSDT",
            "BUY" if n % 2 else "SELL",
            Decimal("65000.5"),
            Decimal("0.01"),
            datetime.now(UTC),
            strategy_name="MACD Conservative BTC",
            order_id=f"bench-{n}",
        )
        if not await clock.wait_answered(args.poll_seconds + WAIT_S):
            raise TimeoutError(f"trade {n} never reached the chat")
        if n == 0:
            clock.reset()
    return list(clock.latencies)


async def events_path(
    base_url: str, clock: EmulatorClock, count: int
) -> tuple[list[float], str | None]:
    """Latencies, or the reason the path could not be measured."""
    clock.reset()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        for n in range(count + 1):
            body = json.dumps({"type": "system", "title": "Bench", "text": f"event {n}"}).encode()
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            await asyncio.sleep(CHAT_GAP_S)
            clock.expect(SUBSCRIBER, "event")
            response = await http.post(
                "/api/v1/events",
                content=body,
                headers={"X-Signature": f"sha256={digest}", "Content-Type": "application/json"},
            )
            if response.status_code == 404:
                return [], "events endpoint missing (POST /api/v1/events answered 404)"
            if response.status_code != 202:
                return [], f"events endpoint answered {response.status_code}: {response.text}"
            if not await clock.wait_answered(WAIT_S):
                raise TimeoutError(f"event {n} never reached the chat")
            if n == 0:
                clock.reset()
    return list(clock.latencies), None


async def wait_for_poller(sandbox: BenchSandbox, timeout_s: float = 30.0) -> None:
    """The poller's first round only records where the trades end; wait until it has run."""
    deadline = time.monotonic() + timeout_s
    log = sandbox.workdir / "frontend.log"
    while "trade_poller_started" not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise TimeoutError("the trade poller never started")
        await asyncio.sleep(0.05)


async def main(args: argparse.Namespace) -> str:
    sandbox = BenchSandbox(limits=FloodLimits())
    await sandbox.start()
    try:
        await sandbox.seed_users([SUBSCRIBER], "trader")
        assert sandbox.emulator is not None
        clock = EmulatorClock(sandbox.emulator)
        process = await sandbox.frontend(
            LOG_LEVEL="INFO",
            TRADE_POLL_SECONDS=str(args.poll_seconds),
            EVENTS_HMAC_SECRET=SECRET,
        )
        await wait_for_poller(sandbox)
        trades = await poller_path(sandbox, clock, args)
        events, missing = await events_path(process.base_url, clock, args.events)
    finally:
        await sandbox.stop()
    poll = args.poll_seconds
    print(f"poll interval {poll:g} s, Telegram's real rate limits; {load_average()} at the end")
    print(
        f"trade row → message  ({len(trades)} trades): p50 {ms(percentile(trades, 0.5))}  "
        f"p99 {ms(percentile(trades, 0.99))}  max {ms(max(trades, default=float('nan')))}"
    )
    if missing:
        print(f"POST /api/v1/events → message: not measured: {missing}")
    else:
        print(
            f"POST /api/v1/events → message ({len(events)} events): p50 "
            f"{ms(percentile(events, 0.5))}  p99 {ms(percentile(events, 0.99))}  max "
            f"{ms(max(events, default=float('nan')))}"
        )
    trade_p99 = percentile(trades, 0.99)
    trades_ok = trade_p99 <= poll + POLLER_MARGIN_S
    events_text = f"events not measured: {missing}"
    events_ok = False
    if not missing:
        events_p99 = percentile(events, 0.99)
        events_ok = events_p99 <= EVENTS_TARGET_S
        events_text = (
            f"events p99 {ms(events_p99)} (target ≤ {EVENTS_TARGET_S * 1000:.0f} ms, "
            f"{'meets' if events_ok else 'MISSES'})"
        )
    return (
        f"event_latency: poller p99 {ms(trade_p99)} = poll {poll:g} s + "
        f"{ms(trade_p99 - poll)} (target ≤ poll + {POLLER_MARGIN_S:g} s, "
        f"{'meets' if trades_ok else 'MISSES'}); {events_text}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trades", type=int, default=20)
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="TRADE_POLL_SECONDS")
    parser.add_argument("--events", type=int, default=30)
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

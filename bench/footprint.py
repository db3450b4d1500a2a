"""Start-up time and resident memory of `tgfront run`: idle, and after thousands of commands.

Run: `.venv/bin/python bench/footprint.py [--commands 10000] [--window 16]`.

Start-up is timed from spawning the process to `/health/ready` answering 200, twice: on a fresh
database (migrations run) and on a restart (already at head). Memory is VmRSS from
/proc/<pid>/status: idle a few seconds after start, then after half and after all of the
commands (/help, /status, /strategy, /portfolio in turn from 200 users, at most `--window`
unanswered at a time), so growth over the second half shows a leak rather than warm caches. The
last line is the summary against the targets (ready ≤ 3 s, idle RSS ≤ 200 MB, no growth).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from benchkit.emulator_clock import EmulatorClock
from benchkit.sandbox import BenchSandbox, telegram_up
from benchkit.stats import load_average, ms, percentile

from telegram_frontend.sandbox.frontend_process import rss_kib

COMMANDS = ("/help", "/status", "/strategy", "/portfolio")
FIRST_USER = 40_000
USERS = 200
TARGET_READY_S = 3.0
TARGET_IDLE_MB = 200.0
GROWTH_TOLERANCE_MB = 5.0
SETTLE_S = 3.0


def mib(kib: int) -> float:
    return kib / 1024


async def echo_baseline(sandbox: BenchSandbox) -> tuple[float, int]:
    """A bare aiogram bot: seconds from spawn to its getMe (it reached Telegram), idle RSS (KiB).

    Not its first getUpdates: the emulator counts a call when it is answered, and an idle long
    poll is answered only at its timeout.
    """
    assert sandbox.emulator is not None
    token = "7000003:AAE2e-footprint-echo-token-01234567"
    script = Path(__file__).parent / "benchkit" / "echo_bot.py"
    sandbox.emulator.stats.calls.clear()
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: ASYNC220 - spawning is instant
        [sys.executable, str(script), "--api", sandbox.emulator.base_url, "--token", token],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while sandbox.emulator.stats.calls.get("getMe", 0) == 0:
            if time.monotonic() - started > 60:
                raise TimeoutError("the echo bot never polled")
            await asyncio.sleep(0.02)
        ready = time.monotonic() - started
        await asyncio.sleep(SETTLE_S)
        return ready, rss_kib(proc.pid)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)


async def load(clock: EmulatorClock, count: int, window: int, offset: int) -> float:
    """`count` commands, at most `window` unanswered at a time; returns commands per second."""
    users = list(range(FIRST_USER, FIRST_USER + USERS))
    started = time.monotonic()
    for n in range(offset, offset + count):
        if not await clock.wait_open_below(window, 60.0):
            raise TimeoutError(f"{clock.unanswered} commands unanswered for a minute")
        clock.inject(users[n % USERS], COMMANDS[n % len(COMMANDS)])
    await clock.wait_answered(60.0)
    return count / (time.monotonic() - started)


async def main(args: argparse.Namespace) -> str:
    sandbox = BenchSandbox()
    await sandbox.start()
    assert sandbox.emulator is not None
    users = list(range(FIRST_USER, FIRST_USER + USERS))
    try:
        first = await sandbox.frontend("first-start")
        fresh_s = first.ready_after_s or float("nan")
        await first.stop()
        await sandbox.seed_users(users, "trader")
        process = await sandbox.frontend(RATE_LIMIT_PER_MINUTE="100000")
        ready_s = process.ready_after_s or float("nan")
        await telegram_up(process)
        await asyncio.sleep(SETTLE_S)
        idle = process.rss_kib()
        clock = EmulatorClock(sandbox.emulator)
        half = args.commands // 2
        rate_first = await load(clock, half, args.window, 0)
        after_half = process.rss_kib()
        rate_second = await load(clock, args.commands - half, args.window, half)
        await asyncio.sleep(SETTLE_S)
        after_all = process.rss_kib()
        answered, unanswered = len(clock.latencies), clock.unanswered
        p50 = percentile(clock.latencies, 0.5)
        await process.stop()
        echo_ready, echo_rss = await echo_baseline(sandbox)  # same warm caches as the restart
    finally:
        await sandbox.stop()
    growth = mib(after_all - after_half)
    print(f"{args.commands} commands ({', '.join(COMMANDS)}), {USERS} users; {load_average()}")
    print(f"ready after spawn: {fresh_s:.2f} s on a fresh database, {ready_s:.2f} s on a restart")
    print(
        f"baseline, a bare aiogram echo bot: reached Telegram {echo_ready:.2f} s after spawn, "
        f"idle RSS {mib(echo_rss):.1f} MB (most of both: importing aiogram's 400+ pydantic types)"
    )
    print(
        f"RSS: idle {mib(idle):.1f} MB, after {half} commands {mib(after_half):.1f} MB, after "
        f"{args.commands} {mib(after_all):.1f} MB (second half {growth:+.1f} MB)"
    )
    print(
        f"load: {rate_first:.0f} then {rate_second:.0f} commands/s with {args.window} in flight, "
        f"p50 {ms(p50)}, answered {answered}, unanswered {unanswered}"
    )
    ok = (
        max(fresh_s, ready_s) <= TARGET_READY_S
        and mib(idle) <= TARGET_IDLE_MB
        and growth <= GROWTH_TOLERANCE_MB
    )
    return (
        f"footprint: ready in {ready_s:.2f} s ({fresh_s:.2f} s fresh; target ≤ "
        f"{TARGET_READY_S:g} s), idle RSS {mib(idle):.0f} MB (target ≤ {TARGET_IDLE_MB:.0f} MB), "
        f"{mib(after_all):.0f} MB after {args.commands} commands, growth over the second half "
        f"{growth:+.1f} MB (target ≈ 0): {'meets' if ok else 'MISSES'} the targets"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=16, help="commands in flight at most")
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

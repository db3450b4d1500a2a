"""Start-up time and resident memory of `tgfront run`: idle, and after thousands of commands.

Run: `.venv/bin/python bench/footprint.py [--commands 10000] [--window 16]`.

Start-up is timed from spawning the process to `/health/ready` answering 200, twice: on a fresh
database (migrations run) and on a restart (already at head). Memory is VmRSS from
/proc/<pid>/status: idle a few seconds after start, then after half and after all of the
commands (/help, /status, /strategy, /portfolio in turn from 200 users, at most `--window`
unanswered at a time), so growth over the second half shows a leak rather than warm caches. The
last line is the summary against the targets (ready and idle RSS ≤ 1.2 × a bare aiogram bot
started in the same run, no growth).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchkit.emulator_clock import EmulatorClock
from benchkit.sandbox import BenchSandbox, telegram_up
from benchkit.stats import load_average, ms, percentile

from telegram_frontend.sandbox.frontend_process import rss_kib

COMMANDS = ("/help", "/status", "/strategy", "/portfolio")
FIRST_USER = 40_000
USERS = 200
TARGET_RATIO = 1.2  # ready time and idle RSS, each against a bare aiogram bot in the same run
GROWTH_TOLERANCE_MB = 5.0
SETTLE_S = 3.0


def mib(kib: int) -> float:
    return kib / 1024


async def echo_baseline(sandbox: BenchSandbox) -> tuple[float, int]:
    """A bare aiogram bot: seconds from spawn to its getMe (it reached Telegram), idle RSS (KiB).

    Not its first getUpdates: the emulator counts a call when it is answered, and an idle long
    poll is answered only at its timeout. The emulator keeps each bot's calls apart (the frontend
    that ran before is the primary bot), so the echo bot's own are read.
    """
    assert sandbox.emulator is not None
    token = "7000003:AAE2e-footprint-echo-token-01234567"
    script = Path(__file__).parent / "benchkit" / "echo_bot.py"
    stats = sandbox.emulator.context_for(int(token.split(":")[0])).stats
    stats.calls.clear()
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: ASYNC220 - spawning is instant
        [sys.executable, str(script), "--api", sandbox.emulator.base_url, "--token", token],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while stats.calls.get("getMe", 0) == 0:
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


@dataclass
class Footprint:
    """Start-up (s) and memory (KiB) of the frontend and of the bare aiogram bot."""

    commands: int
    fresh_s: float
    ready_s: float
    idle: int
    after_half: int
    after_all: int
    echo_ready_s: float
    echo_rss: int
    rates: tuple[float, float]
    p50: float
    answered: int
    unanswered: int

    @property
    def growth_mb(self) -> float:
        return mib(self.after_all - self.after_half)

    @property
    def ready_ratio(self) -> float:
        return self.ready_s / self.echo_ready_s

    @property
    def rss_ratio(self) -> float:
        return self.idle / self.echo_rss

    @property
    def meets(self) -> bool:
        return (
            self.ready_ratio <= TARGET_RATIO
            and self.rss_ratio <= TARGET_RATIO
            and self.growth_mb <= GROWTH_TOLERANCE_MB
        )


async def measure(args: argparse.Namespace) -> Footprint:
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
    return Footprint(
        args.commands,
        fresh_s,
        ready_s,
        idle,
        after_half,
        after_all,
        echo_ready,
        echo_rss,
        (rate_first, rate_second),
        p50,
        answered,
        unanswered,
    )


async def main(args: argparse.Namespace) -> str:
    run = await measure(args)
    half = run.commands // 2
    print(f"{run.commands} commands ({', '.join(COMMANDS)}), {USERS} users; {load_average()}")
    print(
        f"ready after spawn: {run.fresh_s:.2f} s on a fresh database, {run.ready_s:.2f} s on a "
        "restart"
    )
    print(
        f"baseline, a bare aiogram echo bot: reached Telegram {run.echo_ready_s:.2f} s after "
        f"spawn, idle RSS {mib(run.echo_rss):.1f} MB (most of both: importing aiogram's 400+ "
        "pydantic types)"
    )
    print(
        f"RSS: idle {mib(run.idle):.1f} MB, after {half} commands {mib(run.after_half):.1f} MB, "
        f"after {run.commands} {mib(run.after_all):.1f} MB (second half {run.growth_mb:+.1f} MB)"
    )
    print(
        f"load: {run.rates[0]:.0f} then {run.rates[1]:.0f} commands/s with {args.window} in "
        f"flight, p50 {ms(run.p50)}, answered {run.answered}, unanswered {run.unanswered}"
    )
    return (
        f"footprint: ready in {run.ready_s:.2f} s = {run.ready_ratio:.2f} × the bare bot "
        f"({run.fresh_s:.2f} s fresh), idle RSS {mib(run.idle):.0f} MB = {run.rss_ratio:.2f} × "
        f"(targets ≤ {TARGET_RATIO} ×), {mib(run.after_all):.0f} MB after {run.commands} "
        f"commands, growth over the second half {run.growth_mb:+.1f} MB (target ≈ 0): "
        f"{'meets' if run.meets else 'MISSES'} the targets"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=16, help="commands in flight at most")
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

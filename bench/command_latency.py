"""Command round trip of the real frontend against a bare aiogram echo bot: same emulator, load.

Run: `.venv/bin/python bench/command_latency.py [--rate 100] [--seconds 20] [--users 400]`.

Users send /status, /portfolio and /strategy in turn at a fixed rate (open loop: the next
command goes at its time whether or not the last was answered). A round trip is measured inside
the emulator, on one monotonic clock: from the update being queued for the bot to the bot's
first message in that chat. The echo bot gets the very same messages first, then the frontend
(as `tgfront run`, SQLite, in-process cache, fake backends answering at once). Flood limits are
off. Each bot is warmed up before the measured run. The last line is the summary against the
targets (p50 ratio ≤ 1.5, frontend p99 ≤ 50 ms). Not a test: it prints figures, it never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchkit.emulator_clock import EmulatorClock
from benchkit.sandbox import BenchSandbox, telegram_up
from benchkit.stats import load_average, ms, percentile

from telegram_frontend.sandbox.frontend_process import cpu_seconds

ECHO_TOKEN = "7000002:AAE2e-echo-bot-token-0123456789abcd"
COMMANDS = ("/status", "/portfolio", "/strategy")
ONLY: list[str] = []  # --command: send only these (e.g. to profile one)
FIRST_USER = 10_000
TARGET_RATIO = 1.5
TARGET_P99_S = 0.050


@dataclass
class Run:
    name: str
    latencies: list[float]
    by_command: dict[str, list[float]]
    sent: int
    unanswered: int
    cpu_per_command_s: float
    achieved_rate: float
    world_cpu_per_command_s: float

    def row(self) -> str:
        p50, p99 = percentile(self.latencies, 0.5), percentile(self.latencies, 0.99)
        top = max(self.latencies, default=float("nan"))
        return (
            f"{self.name:<10} p50 {ms(p50):>9}  p99 {ms(p99):>9}  max {ms(top):>9}  "
            f"CPU/command {ms(self.cpu_per_command_s):>8} (emulator+fakes "
            f"{ms(self.world_cpu_per_command_s)})  answered {len(self.latencies)}/{self.sent}"
        )


async def drive(
    clock: EmulatorClock, users: list[int], rate: float, count: int, offset: int = 0
) -> float:
    """Inject `count` commands at `rate` per second; returns the achieved injection rate."""
    started = time.monotonic()
    for n in range(count):
        due = started + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        index = offset + n
        commands = ONLY or COMMANDS
        clock.inject(users[index % len(users)], commands[index % len(commands)])
    elapsed = time.monotonic() - started
    return count / elapsed if elapsed > 0 else float("inf")


def start_sampler(pid: int, out: Path | None, name: str) -> subprocess.Popen[bytes] | None:
    """py-spy sampling `pid` (collapsed stacks) during the measured run, if asked for."""
    if out is None or name != "frontend":
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def stop_sampler(sampler: subprocess.Popen[bytes] | None) -> None:
    if sampler is not None:
        sampler.send_signal(signal.SIGINT)
        await asyncio.to_thread(sampler.wait, 30)


async def measure(
    name: str, clock: EmulatorClock, pid: int, users: list[int], args: argparse.Namespace
) -> Run:
    warm = int(args.rate * args.warmup_seconds)
    await drive(clock, users, args.rate, warm)
    await clock.wait_answered(10.0)
    clock.reset()
    count = int(args.rate * args.seconds)
    sampler = start_sampler(pid, args.py_spy, name)
    cpu_before, world_before = cpu_seconds(pid), time.process_time()
    achieved = await drive(clock, users, args.rate, count, offset=warm)
    await clock.wait_answered(10.0)
    cpu = cpu_seconds(pid) - cpu_before
    await stop_sampler(sampler)
    world_cpu = time.process_time() - world_before
    return Run(
        name,
        list(clock.latencies),
        {k: list(v) for k, v in clock.by_label.items()},
        count,
        clock.unanswered,
        cpu / count,
        achieved,
        world_cpu / count,
    )


async def wait_polling(sandbox: BenchSandbox, token: str, timeout_s: float = 30.0) -> None:
    """Until the bot with `token` has asked for updates (it is connected and polling)."""
    assert sandbox.emulator is not None
    deadline = time.monotonic() + timeout_s
    bot_id = int(token.split(":")[0])
    while not (
        sandbox.emulator.primary_bot_id == bot_id
        and sandbox.emulator.stats.calls.get("getUpdates", 0) > 0
    ):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot never started polling")
        await asyncio.sleep(0.05)


async def echo_run(sandbox: BenchSandbox, users: list[int], args: argparse.Namespace) -> Run:
    assert sandbox.emulator is not None
    script = Path(__file__).parent / "benchkit" / "echo_bot.py"
    log = (sandbox.workdir / "echo.log").open("wb")
    proc = subprocess.Popen(  # noqa: ASYNC220 - spawning is instant
        [sys.executable, str(script), "--api", sandbox.emulator.base_url, "--token", ECHO_TOKEN],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        sandbox.emulator.stats.calls.clear()
        await wait_polling(sandbox, ECHO_TOKEN)
        clock = EmulatorClock(sandbox.emulator)
        return await measure("echo bot", clock, proc.pid, users, args)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)
        log.close()


async def frontend_run(sandbox: BenchSandbox, users: list[int], args: argparse.Namespace) -> Run:
    assert sandbox.emulator is not None
    await sandbox.emulator.reset()
    for uid in users:
        sandbox.emulator.world.register_chat(uid, "private", first_name=f"User {uid}")
    extra = dict(item.split("=", 1) for item in args.frontend_env)
    process = await sandbox.frontend(profile=args.profile, **extra)
    await telegram_up(process)
    await wait_polling(sandbox, sandbox.env()["TELEGRAM_BOT_TOKEN"])
    clock = EmulatorClock(sandbox.emulator)
    run = await measure("frontend", clock, process.pid, users, args)
    errors = [
        json.loads(line).get("event")
        for line in process.log_text().splitlines()
        if line.startswith("{") and '"level": "error"' in line
    ]
    if errors:
        print(f"frontend logged {len(errors)} errors, e.g. {errors[:3]}")
    return run


async def cpu_by_command(
    sandbox: BenchSandbox, users: list[int], rate: float, seconds: float, **env: str
) -> tuple[dict[str, float], float]:
    """CPU per command of each command alone (one frontend, one phase each), and the process's
    own CPU per second while idle (its workers), measured just before."""
    assert sandbox.emulator is not None
    process = await sandbox.frontend(**env)
    await telegram_up(process)
    await wait_polling(sandbox, sandbox.env()["TELEGRAM_BOT_TOKEN"])
    clock = EmulatorClock(sandbox.emulator)
    idle_before, idle_started = process.cpu_seconds(), time.monotonic()
    await asyncio.sleep(3.0)
    idle = (process.cpu_seconds() - idle_before) / (time.monotonic() - idle_started)
    figures: dict[str, float] = {}
    count = max(1, int(rate * seconds))
    for n, command in enumerate(COMMANDS):
        offset = n * 7919  # other users for each phase
        await drive_one(clock, users, rate, max(1, count // 3), command, offset)  # warm up
        await clock.wait_answered(10.0)
        before = process.cpu_seconds()
        await drive_one(clock, users, rate, count, command, offset + count)
        await clock.wait_answered(10.0)
        figures[command] = (process.cpu_seconds() - before) / count
    await process.stop()
    return figures, idle


async def drive_one(
    clock: EmulatorClock, users: list[int], rate: float, count: int, command: str, offset: int
) -> None:
    started = time.monotonic()
    for n in range(count):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        clock.inject(users[(offset + n) % len(users)], command)


async def main(args: argparse.Namespace) -> str:
    sandbox = BenchSandbox()
    await sandbox.start()
    users = list(range(FIRST_USER, FIRST_USER + args.users))
    try:
        await sandbox.seed_users(users, "trader")
        echo = await echo_run(sandbox, users, args)
        front = await frontend_run(sandbox, users, args)
    finally:
        await sandbox.stop()
    print(
        f"{args.rate:g} updates/s for {args.seconds:g} s, {args.users} users, "
        f"commands {', '.join(COMMANDS)} in turn; {load_average()} at the end"
    )
    print(echo.row())
    print(front.row())
    for command in COMMANDS:
        values = front.by_command.get(command, [])
        print(
            f"  frontend {command:<11} p50 {ms(percentile(values, 0.5)):>9}  "
            f"p99 {ms(percentile(values, 0.99)):>9}"
        )
    front_p50, echo_p50 = percentile(front.latencies, 0.5), percentile(echo.latencies, 0.5)
    front_p99 = percentile(front.latencies, 0.99)
    ratio = front_p50 / echo_p50 if echo_p50 else float("nan")
    verdict = "meets" if ratio <= TARGET_RATIO and front_p99 <= TARGET_P99_S else "MISSES"
    return (
        f"command_latency: frontend p50 {ms(front_p50)} p99 {ms(front_p99)}; echo bot p50 "
        f"{ms(echo_p50)} p99 {ms(percentile(echo.latencies, 0.99))}; p50 ratio {ratio:.2f} "
        f"(target ≤ {TARGET_RATIO}), p99 target ≤ {TARGET_P99_S * 1000:.0f} ms at "
        f"{args.rate:g} updates/s: {verdict} the targets; unanswered {front.unanswered}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured run per bot")
    parser.add_argument("--warmup-seconds", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=400, help="distinct users (≤ 20 cmd/min)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the frontend here")
    parser.add_argument("--command", action="append", default=[], help="only this command")
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="sample the frontend with py-spy during the measured run (collapsed stacks here)",
    )
    parser.add_argument(
        "--frontend-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the frontend (e.g. DATABASE_URL=postgresql://...); repeatable",
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    ONLY.extend(arguments.command)
    print(asyncio.run(main(arguments)), flush=True)

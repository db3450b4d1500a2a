"""Scale-out: N replicas of the frontend in webhook mode behind HAProxy, on one PostgreSQL and
one Redis; the highest command rate each setup sustains with p99 ≤ 50 ms and none unanswered.

Run: `.venv/bin/python bench/scale.py [--replicas 1 2] [--seconds 6] [--rates 20 40 ...]`.

HAProxy comes from Debian's packages (installed with apt-get when absent) and round-robins the
emulator's webhook POSTs over the replicas. For each replica count the rate steps up until a
step misses (p99 over 50 ms or a command unanswered); the last step that met is the sustained
rate. Replies per command are printed too: more than the one-replica figure would mean a
duplicated reply. The last line compares 2 replicas with 1 (target ≥ 1.8 ×).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import time
import uuid

import asyncpg
from benchkit.emulator_clock import EmulatorClock
from benchkit.sandbox import BenchSandbox
from benchkit.stats import load_average, ms, percentile
from command_latency import COMMANDS, FIRST_USER

from telegram_frontend.sandbox.frontend_process import FrontendProcess, free_port

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "bench_scale_webhook_secret_0123456789"
TARGET_P99_S = 0.050
TARGET_GAIN = 1.8


def ensure_haproxy() -> str:
    """The haproxy binary; installed from Debian's packages when absent."""
    found = shutil.which("haproxy")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "haproxy"], check=True)
    found = shutil.which("haproxy")
    if not found:
        raise RuntimeError("haproxy is not installed and apt-get could not install it")
    return found


def haproxy_config(port: int, backends: list[int]) -> str:
    servers = "\n".join(f"    server r{n} 127.0.0.1:{p}" for n, p in enumerate(backends))
    return (
        "global\n    maxconn 4096\n"
        "defaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n"
        "    timeout server 30s\n"
        f"frontend webhook\n    bind 127.0.0.1:{port}\n    default_backend replicas\n"
        f"backend replicas\n    balance roundrobin\n{servers}\n"
    )


async def step(
    clock: EmulatorClock, users: list[int], rate: float, seconds: float
) -> tuple[float, int, float]:
    """One rate for `seconds`: (p99, unanswered, replies per command)."""
    clock.reset()
    count = int(rate * seconds)
    started = time.monotonic()
    for n in range(count):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        clock.inject(users[n % len(users)], COMMANDS[n % len(COMMANDS)])
    await clock.wait_answered(10.0)
    await asyncio.sleep(0.5)  # a duplicated reply would land now
    return percentile(clock.latencies, 0.99), clock.unanswered, clock.bot_messages / count


async def sustained(
    sandbox: BenchSandbox, replicas: int, args: argparse.Namespace, haproxy: str, prefix: str
) -> float:
    assert sandbox.emulator is not None
    lb_port = free_port()
    ports = [free_port() for _ in range(replicas)]
    config = sandbox.workdir / f"haproxy-{replicas}.cfg"
    config.write_text(haproxy_config(lb_port, ports))
    balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)])  # noqa: ASYNC220
    env = {
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{lb_port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_KEEP_ON_STOP": "true",
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"{prefix}:",
        "RATE_LIMIT_PER_MINUTE": "100000",
    }
    processes: list[FrontendProcess] = []
    best = 0.0
    try:
        for n, port in enumerate(ports):
            processes.append(
                await sandbox.frontend(f"replica-{replicas}-{n}", HTTP_PORT=str(port), **env)
            )
        clock = EmulatorClock(sandbox.emulator)
        users = list(range(FIRST_USER, FIRST_USER + args.users))
        await step(clock, users, args.rates[0], 2.0)  # warm up every replica
        for rate in args.rates:
            p99, unanswered, replies = await step(clock, users, rate, args.seconds)
            ok = p99 <= TARGET_P99_S and unanswered == 0
            print(
                f"  {replicas} replica(s) at {rate:g}/s: p99 {ms(p99)}, unanswered {unanswered}, "
                f"replies per command {replies:.2f}: {'ok' if ok else 'over'}",
                flush=True,
            )
            if not ok:
                break
            best = rate
    finally:
        for process in processes:
            await process.stop()
        balancer.terminate()
        await asyncio.to_thread(balancer.wait, 10)
    return best


async def main(args: argparse.Namespace) -> str:
    results = await measure(args)
    for replicas, rate in results.items():
        print(f"{replicas} replica(s): sustained {rate:g} commands/s at p99 ≤ 50 ms")
    one, two = results.get(1, 0.0), results.get(2, 0.0)
    gain = two / one if one else float("nan")
    verdict = "meets" if gain >= TARGET_GAIN else "MISSES"
    return (
        f"scale: 1 replica {one:g}/s, 2 replicas {two:g}/s = {gain:.2f} × (target ≥ "
        f"{TARGET_GAIN} ×) on {load_average()}: {verdict} the target"
    )


async def measure(args: argparse.Namespace) -> dict[int, float]:
    """The sustained rate for each replica count in `args.replicas`."""
    haproxy = ensure_haproxy()
    database = f"tf_scale_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    sandbox = BenchSandbox(database_url=url)
    await sandbox.start()
    results: dict[int, float] = {}
    try:
        await sandbox.seed_users(range(FIRST_USER, FIRST_USER + args.users), "trader")
        for replicas in args.replicas:
            results[replicas] = await sustained(sandbox, replicas, args, haproxy, database)
    finally:
        await sandbox.stop()
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    return results


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=6.0, help="per rate step")
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[10, 20, 30, 40, 60, 80, 100, 130, 160, 200]
    )
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

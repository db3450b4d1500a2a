"""Scale-out: N replicas of the frontend in webhook mode behind HAProxy, on one PostgreSQL and
one Redis; the highest command rate each setup sustains with p99 ≤ 50 ms and none unanswered.

Run: `.venv/bin/python bench/scale.py [--replicas 1 2] [--seconds 6] [--rates 20 40 ...]`.

HAProxy comes from Debian's packages (installed with apt-get when absent) and round-robins the
emulator's webhook POSTs over the replicas. For each replica count the rate steps up until a
step misses (p99 over 50 ms or a command unanswered); the last step that met is the sustained
rate. Replies per command are printed too: more than the one-replica figure would mean a
duplicated reply. Then two replicas take commands at a steady rate and one of them is killed
with SIGKILL mid-run, right after a burst: every command must still be answered (the dead
replica's acknowledged updates are taken over from the webhook inbox when their lease ends),
and answered once, apart from the documented window (a reply sent whose "done" mark died with
the process). The last line compares 2 replicas with 1 (target ≥ 1.8 ×) and gives the kill's
lost and duplicated answers.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

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
KILL_LEASE_S = 2.0
BURST = 12


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
    """Round robin; a replica that refuses connections is checked out and its posts redispatched."""
    servers = "\n".join(
        f"    server r{n} 127.0.0.1:{p} check inter 500ms fall 2 rise 1"
        for n, p in enumerate(backends)
    )
    return (
        "global\n    maxconn 4096\n"
        "defaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n"
        "    timeout server 30s\n    retries 3\n    option redispatch 1\n"
        f"frontend webhook\n    bind 127.0.0.1:{port}\n    default_backend replicas\n"
        f"backend replicas\n    balance roundrobin\n    option httpchk GET /health/live\n"
        f"{servers}\n"
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


@asynccontextmanager
async def replica_set(
    sandbox: BenchSandbox, replicas: int, haproxy: str, prefix: str, **extra: str
) -> AsyncIterator[list[FrontendProcess]]:
    """HAProxy and `replicas` frontends behind it (webhook mode), stopped at the end."""
    lb_port = free_port()
    ports = [free_port() for _ in range(replicas)]
    config = sandbox.workdir / f"haproxy-{replicas}-{lb_port}.cfg"
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
        **extra,
    }
    processes: list[FrontendProcess] = []
    try:
        for n, port in enumerate(ports):
            processes.append(
                await sandbox.frontend(
                    f"replica-{replicas}-{lb_port}-{n}", HTTP_PORT=str(port), **env
                )
            )
        yield processes
    finally:
        for process in processes:
            await process.stop()
        balancer.terminate()
        await asyncio.to_thread(balancer.wait, 10)


async def sustained(
    sandbox: BenchSandbox, replicas: int, args: argparse.Namespace, haproxy: str, prefix: str
) -> float:
    assert sandbox.emulator is not None
    best = 0.0
    async with replica_set(sandbox, replicas, haproxy, prefix):
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
    return best


@dataclass
class KillRun:
    """Two replicas, one killed mid-run: what became of the commands sent."""

    sent: int
    lost: int
    duplicated: int
    taken_over: int
    slowest_s: float

    @property
    def meets(self) -> bool:
        return self.lost == 0

    def line(self) -> str:
        return (
            f"replica killed mid-run: {self.sent} commands, lost {self.lost}, duplicated "
            f"{self.duplicated}, {self.taken_over} taken over by the other replica (slowest "
            f"answer {self.slowest_s:.1f} s, lease {KILL_LEASE_S:g} s)"
        )


async def killed_replica(
    sandbox: BenchSandbox, args: argparse.Namespace, haproxy: str, database: str
) -> KillRun:
    """The commands at `args.kill_rate` for `args.kill_seconds` to 2 replicas; at a third, a
    burst of `BURST` (so the victim surely holds acknowledged updates) and SIGKILL of one."""
    assert sandbox.emulator is not None
    lease = {"TELEGRAM_WEBHOOK_LEASE_SECONDS": str(KILL_LEASE_S)}
    async with replica_set(sandbox, 2, haproxy, f"{database}-kill", **lease) as processes:
        clock = EmulatorClock(sandbox.emulator)
        users = list(range(FIRST_USER, FIRST_USER + args.users))
        count = int(args.kill_rate * args.kill_seconds)
        started = time.monotonic()
        for n in range(count):
            delay = started + n / args.kill_rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if n == count // 3:
                for extra in range(BURST):
                    clock.inject(users[(n + extra) % len(users)], COMMANDS[extra % len(COMMANDS)])
                await asyncio.sleep(0.05)
                processes[0].kill()
            clock.inject(users[n % len(users)], COMMANDS[n % len(COMMANDS)])
        await clock.wait_answered(10.0 + 4 * KILL_LEASE_S)
        await asyncio.sleep(1.0)  # a duplicated answer would land now
        answered = len(clock.latencies)
    admin = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{database}")
    try:
        taken_over = await admin.fetchval(
            "SELECT count(*) FROM tf_webhook_updates WHERE attempts > 1"
        )
    finally:
        await admin.close()
    return KillRun(
        sent=count + BURST,
        lost=count + BURST - answered,
        duplicated=clock.bot_messages - answered,
        taken_over=int(taken_over or 0),
        slowest_s=max(clock.latencies, default=float("nan")),
    )


async def main(args: argparse.Namespace) -> str:
    results, kill = await measure(args)
    for replicas, rate in results.items():
        print(f"{replicas} replica(s): sustained {rate:g} commands/s at p99 ≤ 50 ms")
    one, two = results.get(1, 0.0), results.get(2, 0.0)
    gain = two / one if one else float("nan")
    verdict = "meets" if gain >= TARGET_GAIN else "MISSES"
    killed = ""
    if kill is not None:
        print(kill.line())
        killed = f"; killed replica: lost {kill.lost}, duplicated {kill.duplicated}"
    return (
        f"scale: 1 replica {one:g}/s, 2 replicas {two:g}/s = {gain:.2f} × (target ≥ "
        f"{TARGET_GAIN} ×) on {load_average()}: {verdict} the target{killed}"
    )


async def measure(args: argparse.Namespace) -> tuple[dict[int, float], KillRun | None]:
    """The sustained rate for each replica count in `args.replicas`, then the kill (unless
    `args.kill_rate` is 0)."""
    haproxy = ensure_haproxy()
    database = f"tf_scale_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    sandbox = BenchSandbox(database_url=url)
    await sandbox.start()
    results: dict[int, float] = {}
    kill: KillRun | None = None
    try:
        await sandbox.seed_users(range(FIRST_USER, FIRST_USER + args.users), "trader")
        for replicas in args.replicas:
            results[replicas] = await sustained(sandbox, replicas, args, haproxy, database)
        if args.kill_rate > 0:
            kill = await killed_replica(sandbox, args, haproxy, database)
    finally:
        await sandbox.stop()
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    return results, kill


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=6.0, help="per rate step")
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[10, 20, 30, 40, 60, 80, 100, 130, 160, 200]
    )
    parser.add_argument("--kill-rate", type=float, default=10.0, help="0: no kill run")
    parser.add_argument("--kill-seconds", type=float, default=9.0)
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

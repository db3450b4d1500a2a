"""Every goal of issue 18 in one run: its figure, its target, and "meets" or "misses".

Run: `.venv/bin/python bench/goals.py [--quick]` (what `make bench` / `make bench-quick` run).

One line per goal, on this machine, in this run: CPU per command of /status, /portfolio and
/strategy on the embedded default and on PostgreSQL + Redis; the 20 updates/s p50 against the
bare aiogram echo bot; p99 and unanswered at 100 updates/s; start-to-ready and idle RSS against
the bare bot, growth over the commands; the fan-out rate; scale-out over 1 and 2 replicas
(bench/scale.py: webhook mode behind HAProxy on one PostgreSQL and one Redis).
`--quick` shortens every measurement (noisier figures, a few minutes instead of ~10). The last
line keeps the form of command_latency's: "p50 ratio N" and "p99 N ms".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid

import asyncpg
import command_latency
import fanout
import footprint
import scale
from benchkit.sandbox import BenchSandbox
from benchkit.stats import load_average, ms, percentile

CPU_TARGET_S = 0.004
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
LINES: list[str] = []


def goal(name: str, figure: str, target: str, meets: bool) -> None:
    line = f"{'meets ' if meets else 'MISSES'}  {name:<40} {figure}  (target {target})"
    LINES.append(line)
    print(line, flush=True)


async def cpu_goal(label: str, args: argparse.Namespace, postgres: bool) -> None:
    database = f"tf_bench_{uuid.uuid4().hex[:10]}" if postgres else None
    env: dict[str, str] = {}
    if database:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{database}"')
        await admin.close()
        env = {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": f"{database}:"}
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    sandbox = BenchSandbox(database_url=f"{url}/{database}" if database else None)
    await sandbox.start()
    users = list(range(command_latency.FIRST_USER, command_latency.FIRST_USER + args.users))
    try:
        await sandbox.seed_users(users, "trader")
        figures, idle = await command_latency.cpu_by_command(
            sandbox, users, args.cpu_rate, args.cpu_seconds, **env
        )
    finally:
        await sandbox.stop()
        if database:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.close()
    for command, cpu in figures.items():
        net = cpu - idle / args.cpu_rate
        goal(
            f"CPU/command {command} ({label})",
            f"{ms(cpu)} ({ms(net)} net of the idle process's {idle * 1000:.0f} ms/s)",
            f"≤ {CPU_TARGET_S * 1000:g} ms",
            cpu <= CPU_TARGET_S,
        )


async def latency_goals(args: argparse.Namespace) -> tuple[float, float]:
    """20/s against the echo bot, then 100/s: returns (p50 ratio at 20/s, p99 at 100/s)."""
    sandbox = BenchSandbox()
    await sandbox.start()
    users = list(range(command_latency.FIRST_USER, command_latency.FIRST_USER + args.users))
    at20 = argparse.Namespace(
        rate=20.0,
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        profile=None,
        py_spy=None,
        frontend_env=[],
    )
    at100 = argparse.Namespace(**{**vars(at20), "rate": 100.0})
    try:
        await sandbox.seed_users(users, "trader")
        echo = await command_latency.echo_run(sandbox, users, at20)
        front = await command_latency.frontend_run(sandbox, users, at20)
        for process in sandbox.processes:
            await process.stop()
        fast = await command_latency.frontend_run(sandbox, users, at100)
    finally:
        await sandbox.stop()
    echo_p50, front_p50 = percentile(echo.latencies, 0.5), percentile(front.latencies, 0.5)
    ratio = front_p50 / echo_p50
    goal(
        "20 updates/s p50 vs echo bot",
        f"{ratio:.2f} × ({ms(front_p50)} vs {ms(echo_p50)}; CPU/command "
        f"{ms(front.cpu_per_command_s)} vs {ms(echo.cpu_per_command_s)})",
        f"≤ {command_latency.TARGET_RATIO} ×",
        ratio <= command_latency.TARGET_RATIO,
    )
    p99 = percentile(fast.latencies, 0.99)
    goal(
        "100 updates/s p99, unanswered",
        f"{ms(p99)}, {fast.unanswered} unanswered of {fast.sent} (p50 "
        f"{ms(percentile(fast.latencies, 0.5))}, CPU/command {ms(fast.cpu_per_command_s)})",
        f"≤ {command_latency.TARGET_P99_S * 1000:.0f} ms, 0",
        p99 <= command_latency.TARGET_P99_S and fast.unanswered == 0,
    )
    return ratio, p99


async def footprint_goals(args: argparse.Namespace) -> None:
    run = await footprint.measure(argparse.Namespace(commands=args.commands, window=16))
    goal(
        "start to ready vs bare aiogram bot",
        f"{run.ready_ratio:.2f} × ({run.ready_s:.2f} s vs {run.echo_ready_s:.2f} s)",
        f"≤ {footprint.TARGET_RATIO} ×",
        run.ready_ratio <= footprint.TARGET_RATIO,
    )
    goal(
        "idle RSS vs bare aiogram bot",
        f"{run.rss_ratio:.2f} × ({footprint.mib(run.idle):.0f} MB vs "
        f"{footprint.mib(run.echo_rss):.0f} MB)",
        f"≤ {footprint.TARGET_RATIO} ×",
        run.rss_ratio <= footprint.TARGET_RATIO,
    )
    goal(
        f"RSS growth over {run.commands} commands",
        f"{run.growth_mb:+.1f} MB over the second half",
        f"≤ {footprint.GROWTH_TOLERANCE_MB:g} MB",
        run.growth_mb <= footprint.GROWTH_TOLERANCE_MB,
    )


async def fanout_goal(args: argparse.Namespace) -> None:
    run = await fanout.measure(
        argparse.Namespace(
            notifications=args.notifications,
            chats=args.notifications // 10,
            scale=10.0,
            profile=None,
            concurrency=None,
        )
    )
    goal(
        "fan-out rate, 0 lost/dup/429/disorder",
        f"{run.fraction:.2f} of {run.allowed:g}/s; lost {run.lost}, duplicated "
        f"{run.duplicated}, 429s {run.flood}, out of order {run.disordered}",
        f"≥ {fanout.TARGET_FRACTION}, all 0",
        run.meets and run.disordered == 0,
    )


async def scale_goal(args: argparse.Namespace) -> None:
    rates = [10, 20, 30, 40, 60, 80, 100, 130, 160, 200, 250]
    results, kill = await scale.measure(
        argparse.Namespace(
            replicas=[1, 2],
            seconds=4.0 if args.quick else 8.0,
            users=args.users,
            rates=rates,
            kill_rate=10.0,
            kill_seconds=6.0 if args.quick else 9.0,
        )
    )
    one, two = results.get(1, 0.0), results.get(2, 0.0)
    gain = two / one if one else float("nan")
    goal(
        "scale-out: sustained rate, 2 vs 1",
        f"{gain:.2f} × ({two:g}/s vs {one:g}/s at p99 ≤ 50 ms, webhook behind HAProxy)",
        f"≥ {scale.TARGET_GAIN} ×",
        gain >= scale.TARGET_GAIN,
    )
    if kill is not None:
        goal(
            "scale-out: a replica killed mid-run",
            f"lost {kill.lost} of {kill.sent}, duplicated {kill.duplicated}, "
            f"{kill.taken_over} taken over",
            "0 lost",
            kill.meets,
        )


async def main(args: argparse.Namespace) -> str:
    print(f"issue 18 goals ({'quick' if args.quick else 'full'} run); {load_average()}")
    await cpu_goal("embedded", args, postgres=False)
    await cpu_goal("PostgreSQL+Redis", args, postgres=True)
    ratio, p99 = await latency_goals(args)
    await footprint_goals(args)
    await fanout_goal(args)
    await scale_goal(args)
    met = sum(1 for line in LINES if line.startswith("meets"))
    print(f"== {met} of {len(LINES)} goals met; {load_average()} at the end")
    return f"goals: p50 ratio {ratio:.2f} at 20 updates/s, p99 {p99 * 1000:.1f} ms at 100 updates/s"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, noisier figures")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    args.quick = quick
    args.users = 400
    args.cpu_rate = 20.0
    args.cpu_seconds = 5.0 if quick else 15.0
    args.seconds = 8.0 if quick else 20.0
    args.warmup = 2.0 if quick else 5.0
    args.commands = 2_000 if quick else 10_000
    args.notifications = 2_000 if quick else 10_000
    return args


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

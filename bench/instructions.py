"""Instructions per command, counted by callgrind: a figure the machine's load does not move.

Run: `.venv/bin/python bench/instructions.py [--command /status ...] [--updates 40] [--cold]
[--echo] [--frontend-env NAME=VALUE ...]` (needs valgrind; about a minute per command).

CPU time per command on a shared 2-core machine moves by ±15 % from run to run; a count of the
instructions the frontend executes for one command repeats within about 1 %, so it can show
what one change bought. The emulator and the fake trading system run in this process; the
frontend's dispatcher runs in a child process under `valgrind --tool=callgrind` (see
benchkit/feed_dispatcher.py), fed the command directly (no polling, no workers), and only the
measured updates are counted. By default every cache is warm and long (the per-command floor:
READ_CACHE_SECONDS, MONITORING_CACHE_SECONDS and CALLER_CACHE_SECONDS 3600, 20 users);
`--cold` makes every caller a stranger to the caches (a profile and key lookup per command).
`--echo` counts a bare aiogram echo bot's dispatch and send: the framework's floor. To compare
two versions, point PYTHONPATH at the other source tree (the child inherits it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from benchkit.sandbox import BenchSandbox
from benchkit.stats import load_average

FEEDER = Path(__file__).parent / "benchkit" / "feed_dispatcher.py"
WARM = {
    "READ_CACHE_SECONDS": "3600",
    "MONITORING_CACHE_SECONDS": "3600",
    "CALLER_CACHE_SECONDS": "3600",
}


def count(env_file: Path, command: str, updates: int, echo: bool, out: Path) -> float:
    """Millions of instructions per update of `command` (callgrind's total / `updates`)."""
    args = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        str(FEEDER),
        str(env_file),
        command,
        str(updates),
        *(["--echo"] if echo else []),
    ]
    log = out.with_suffix(".log")
    with log.open("wb") as sink:
        subprocess.run(args, stdout=sink, stderr=subprocess.STDOUT, check=True)
    totals = re.search(r"^totals:\s+(\d+)", out.read_text(), re.MULTILINE)
    if totals is None:
        raise RuntimeError(f"callgrind counted nothing; see {log}")
    errors = log.read_text(errors="replace").count('"level": "error"')
    if errors:
        print(f"  ({errors} errors logged while counting {command}: see {log})")
    return int(totals.group(1)) / updates / 1e6


async def main(args: argparse.Namespace) -> str:
    sandbox = BenchSandbox()
    await sandbox.start()
    users = 400 if args.cold else 20
    figures: dict[str, float] = {}
    try:
        await sandbox.seed_users(range(10_000, 10_000 + max(users, 2 * args.updates + 1)), "trader")
        settings = {
            "WORKERS_ENABLED": "false",
            "RATE_LIMIT_PER_MINUTE": "100000",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            "BENCH_FEED_USERS": str(2 * args.updates + 1 if args.cold else users),
            **WARM,
            **({"CALLER_CACHE_SECONDS": "0"} if args.cold else {}),
            **dict(item.split("=", 1) for item in args.frontend_env),
        }
        env = sandbox.env(**settings)
        env_file = sandbox.workdir / "frontend-env.json"
        env_file.write_text(json.dumps(env))
        for command in args.command or ["/help", "/status", "/portfolio", "/strategy"]:
            out = sandbox.workdir / f"callgrind-{command.strip('/')}.out"
            figures[command] = await asyncio.to_thread(
                count, env_file, command, args.updates, args.echo, out
            )
            print(f"{command:<11} {figures[command]:.2f} M instructions per update", flush=True)
    finally:
        await sandbox.stop()
    kind = "echo bot" if args.echo else ("cold callers" if args.cold else "warm caches")
    listed = ", ".join(f"{c} {v:.2f} M" for c, v in figures.items())
    tree = os.environ.get("PYTHONPATH") or "this tree"
    return f"instructions ({kind}, {tree}): {listed}; {load_average()}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--command", action="append", default=[], help="repeatable")
    parser.add_argument("--updates", type=int, default=40, help="counted (as many warm it up)")
    parser.add_argument("--cold", action="store_true", help="every caller new to the caches")
    parser.add_argument("--echo", action="store_true", help="a bare aiogram echo bot instead")
    parser.add_argument("--frontend-env", action="append", default=[], metavar="NAME=VALUE")
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

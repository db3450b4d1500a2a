"""Notification fan-out: how close the outbox dispatcher gets to Telegram's limits, losing nothing.

Run: `.venv/bin/python bench/fanout.py [--notifications 10000] [--chats 1000] [--scale 10]`.

The emulator enforces Telegram's flood control scaled up `--scale` times (30/s overall and
1/s per chat become 300/s and 10/s) and the frontend's dispatcher is given the same limits
(TELEGRAM_*_RATE_* settings). The outbox is filled before the frontend starts (a backlog, as
after an outage), then `tgfront run` delivers it. Figures come from the emulator: the rate
between the first and the last delivered message, 429s answered, and each chat's history
compared with what was queued (lost, duplicated, out of order). The last line is the summary
against the targets (≥ 0.95 of the limit, 0 lost, 0 duplicated, 0 × 429).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchkit.emulator_clock import EmulatorClock
from benchkit.sandbox import BenchSandbox
from benchkit.stats import load_average

from telegram_frontend.core.database import Database
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType

FIRST_CHAT = 20_000
TARGET_FRACTION = 0.95


def text_of(n: int) -> str:
    return f"fan-out notice {n}"


def renderer(body: str) -> Callable[[Audience], str]:
    return lambda _audience: f"<b>{body}</b>"


async def fill_outbox(sandbox: BenchSandbox, chats: list[int], notices: int) -> int:
    """Queue `notices` notices for every chat, through the service the product uses."""
    db = Database(sandbox.db_url)
    try:
        service = NotificationService(db, OutboxSignal())
        queued = 0
        for n in range(notices):
            notice = Notice(
                type=NoticeType.SYSTEM,
                key=f"fanout-{n}",
                render=renderer(text_of(n)),
                user_ids=frozenset(chats),
            )
            queued += len(await service.notify_now(notice))
        return queued
    finally:
        await db.dispose()


def check_histories(sandbox: BenchSandbox, chats: list[int], notices: int) -> tuple[int, int, int]:
    """(lost, duplicated, chats out of order) from the emulator's chat histories."""
    assert sandbox.emulator is not None
    world = sandbox.emulator.world
    expected = [text_of(n) for n in range(notices)]
    lost = duplicated = disordered = 0
    for chat in chats:
        texts = [m.text or "" for m in world.chat_messages(chat) if m.from_bot]
        counts = Counter(texts)
        lost += sum(1 for text in expected if counts[text] == 0)
        duplicated += sum(n - 1 for n in counts.values() if n > 1)
        firsts = list(dict.fromkeys(texts))
        if firsts != [t for t in expected if t in counts]:
            disordered += 1
    return lost, duplicated, disordered


@dataclass
class Fanout:
    """What one fan-out run delivered, as the emulator saw it."""

    queued: int
    delivered: int
    seconds: float
    allowed: float
    flood: int
    lost: int
    duplicated: int
    disordered: int
    cpu_s: float

    @property
    def rate(self) -> float:
        return (self.delivered - 1) / self.seconds if self.seconds > 0 else 0.0

    @property
    def fraction(self) -> float:
        return self.rate / self.allowed

    @property
    def meets(self) -> bool:
        return self.fraction >= TARGET_FRACTION and self.lost == self.duplicated == self.flood == 0


async def main(args: argparse.Namespace) -> str:
    run = await measure(args)
    print(
        f"{run.queued} notifications to {args.chats} chats; limits ×{args.scale:g}: "
        f"{run.allowed:g}/s overall, {args.scale:g}/s per chat; {load_average()} at the end"
    )
    print(
        f"delivered {run.delivered} in {run.seconds:.1f} s = {run.rate:.1f}/s "
        f"({run.fraction:.2f} of {run.allowed:g}/s); 429s {run.flood}; lost {run.lost}; "
        f"duplicated {run.duplicated}; chats out of order {run.disordered}; frontend CPU "
        f"{run.cpu_s:.1f} s after ready = {run.cpu_s / max(1, run.delivered) * 1000:.2f} ms "
        "per message"
    )
    return (
        f"fanout: {run.fraction:.2f} of the allowed rate ({run.rate:.0f}/{run.allowed:g} per s, "
        f"target ≥ {TARGET_FRACTION}), lost {run.lost}, duplicated {run.duplicated}, 429s "
        f"{run.flood} (targets 0): {'meets' if run.meets else 'MISSES'} the targets"
    )


async def measure(args: argparse.Namespace) -> Fanout:
    scale = args.scale
    limits = FloodLimits(
        per_private_chat_per_s=1.0 * scale,
        per_group_per_min=20.0 * scale,
        global_per_s=30.0 * scale,
    )
    allowed = limits.global_per_s
    notices = max(1, args.notifications // args.chats)
    chats = list(range(FIRST_CHAT, FIRST_CHAT + args.chats))
    sandbox = BenchSandbox(limits=limits, fakes=False)
    await sandbox.start()
    assert sandbox.emulator is not None
    try:
        await sandbox.seed_users(chats, "viewer")
        queued = await fill_outbox(sandbox, chats, notices)
        clock = EmulatorClock(sandbox.emulator)
        env = {
            "TELEGRAM_GLOBAL_RATE_PER_SECOND": str(limits.global_per_s),
            "TELEGRAM_PRIVATE_CHAT_RATE_PER_SECOND": str(limits.per_private_chat_per_s),
            "TELEGRAM_GROUP_RATE_PER_MINUTE": str(limits.per_group_per_min),
        }
        if args.concurrency:
            env["NOTIFY_CONCURRENCY"] = str(args.concurrency)
        process = await sandbox.frontend(profile=args.profile, **env)
        cpu_at_ready = process.cpu_seconds()
        await clock.wait_bot_messages(queued, queued / allowed * 3 + 30)
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
        cpu = process.cpu_seconds() - cpu_at_ready
        first, last = clock.first_bot_at or 0.0, clock.last_bot_at or 0.0
        delivered = clock.bot_messages
        flood = sandbox.emulator.stats.flood_429
        lost, duplicated, disordered = check_histories(sandbox, chats, notices)
    finally:
        await sandbox.stop()
    return Fanout(
        queued, delivered, last - first, allowed, flood, lost, duplicated, disordered, cpu
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--scale", type=float, default=10.0, help="× Telegram's real limits")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the frontend here")
    parser.add_argument("--concurrency", type=int, help="NOTIFY_CONCURRENCY (default: its own)")
    return parser.parse_args()


if __name__ == "__main__":
    print(asyncio.run(main(parse_args())), flush=True)

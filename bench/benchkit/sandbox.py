"""The benchmarks' world: emulator and fakes in this process, the frontend as its own process.

Same parts as `SandboxWorld`, arranged so the frontend's CPU time and memory can be read on
their own and the bench's clock sits inside the emulator (see emulator_clock).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from telegram_frontend.core import migrator
from telegram_frontend.core.database import Database
from telegram_frontend.models import User
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.sandbox.frontend_process import FrontendProcess
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.sandbox.world import (
    SANDBOX_BALANCES,
    SANDBOX_SECRET_KEY,
    SANDBOX_TOKEN,
)

NO_FLOOD_CONTROL = FloodLimits(enabled=False)


@dataclass
class BenchSandbox:
    """`await start()`, then `await frontend(env)`; `await stop()` ends everything.

    The work directory (databases, the frontend's log) is removed at the end unless
    `keep_files` (or the environment variable BENCH_KEEP_FILES=1) asks to keep it.
    """

    limits: FloodLimits = NO_FLOOD_CONTROL
    fakes: bool = True
    database_url: str | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tf-bench-")))
    emulator: TelegramEmulator | None = None
    backends: FakeBackends | None = None
    binance: FakeBinance | None = None
    processes: list[FrontendProcess] = field(default_factory=list)
    keep_files: bool = field(default_factory=lambda: os.environ.get("BENCH_KEEP_FILES") == "1")
    _env: dict[str, str] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.workdir / 'frontend.db'}"

    @property
    def trading_db_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / 'trading.db'}"

    async def start(self) -> BenchSandbox:
        # the replicas of scale.py listen on plain localhost, as in the tests
        self.emulator = TelegramEmulator(limits=self.limits, allow_insecure_webhooks=True)
        await self.emulator.start()
        self._env = {
            "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
            "TELEGRAM_API_BASE": self.emulator.base_url,
            "DATABASE_URL": self.db_url,
            "SECRET_KEY": SANDBOX_SECRET_KEY,
        }
        if self.fakes:
            market = SimulatedMarket()
            self.backends = FakeBackends(market=market, trading_database_url=self.trading_db_url)
            await self.backends.start()
            await self.backends.step()
            self.binance = FakeBinance(market)
            await self.binance.start()
            key, secret = self.binance.new_account(SANDBOX_BALANCES)
            self._env |= self.backends.settings_overrides()
            self._env |= {
                "BINANCE_BASE_URL": self.binance.base_url,
                "BINANCE_TESTNET_HOSTS": "127.0.0.1",
                "BINANCE_API_KEY": key,
                "BINANCE_API_SECRET": secret,
            }
        return self

    def env(self, **extra: str) -> dict[str, str]:
        return {**self._env, **extra}

    async def seed_users(self, user_ids: Iterable[int], role: str) -> None:
        """Users who already have `role` (test data, written before the frontend starts)."""
        user_ids = list(user_ids)
        db = Database(self.db_url)
        try:
            await migrator.upgrade(db)
            async with db.session() as session:
                session.add_all(
                    User(id=uid, username=f"u{uid}", full_name=f"User {uid}", role=role)
                    for uid in user_ids
                )
        finally:
            await db.dispose()
        assert self.emulator is not None
        for uid in user_ids:
            self.emulator.world.register_chat(uid, "private", first_name=f"User {uid}")

    async def frontend(
        self, name: str = "frontend", *, profile: Path | None = None, **extra: str
    ) -> FrontendProcess:
        """Start `tgfront run` against this sandbox; returns once /health/ready is 200.

        With `profile`, the process runs under cProfile and writes its stats there on exit.
        """
        options = ("-m", "cProfile", "-o", str(profile)) if profile else ()
        process = FrontendProcess(
            self.env(**extra), self.workdir / f"{name}.log", python_options=options
        )
        self.processes.append(process)
        await process.start()
        return process

    async def stop(self) -> None:
        for process in self.processes:
            await process.stop()
        if self.binance is not None:
            await self.binance.stop()
        if self.backends is not None:
            await self.backends.stop()
        if self.emulator is not None:
            await self.emulator.stop()
        if self.keep_files:
            print(f"bench files kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


async def telegram_up(process: FrontendProcess, timeout_s: float = 30.0) -> None:
    """Until the frontend's /health/ready says it reached the emulator (after `getMe`)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=process.base_url) as http:
        while True:
            body = (await http.get("/health/ready")).json()
            if body["components"]["telegram"]["status"] == "up":
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the frontend never reached the emulator")
            await asyncio.sleep(0.05)

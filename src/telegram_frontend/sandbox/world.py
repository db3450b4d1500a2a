"""The offline world in one object: emulated Telegram, fake trading system, fake Binance, and
the real frontend pointed at them. `tgfront sandbox` and the end-to-end tests both use it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from telegram_frontend.app import Frontend
from telegram_frontend.clients.binance.transport import url_host
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.settings import Settings
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.services.admin.users import UserService

SANDBOX_TOKEN = "7000001:AAE2e-harness-token-0123456789abcde"
SANDBOX_SECRET_KEY = "sandbox-secret-key-not-for-production-0123456789"
SANDBOX_BALANCES = {
    "USDT": Decimal("10000"),
    "BTC": Decimal("0.25"),
    "ETH": Decimal("3"),
    "BNB": Decimal("0.001"),
}


@dataclass(frozen=True)
class SandboxUser:
    user_id: int
    name: str
    role: Role


SANDBOX_USERS = (
    SandboxUser(1, "Ada Admin", Role.ADMIN),
    SandboxUser(2, "Tom Trader", Role.TRADER),
    SandboxUser(3, "Vera Viewer", Role.VIEWER),
)
STRANGER_ID = 4


@dataclass
class WorldConfig:
    """Where everything listens and stores; port 0 picks a free port."""

    database_url: str
    trading_database_url: str
    emulator_port: int = 0
    http_port: int = 0
    http_host: str = "127.0.0.1"
    limits: FloodLimits = field(default_factory=FloodLimits)
    step_seconds: float | None = None
    seed_users: bool = False
    admin_ids: tuple[int, ...] = (1,)
    env: dict[str, Any] = field(default_factory=dict)


# One simulated minute per real second: the fake MACD trader then trades every minute or two.
DEFAULT_PACE_SECONDS = 1.0


class SandboxWorld:
    """Starts the fakes first (they own the trading database), then the frontend."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.market = SimulatedMarket()
        self.emulator = TelegramEmulator(
            port=config.emulator_port,
            limits=config.limits,
            tokens=[SANDBOX_TOKEN],
            allow_insecure_webhooks=True,  # the sandbox frontend listens on plain localhost
        )
        self.backends = FakeBackends(
            market=self.market, trading_database_url=config.trading_database_url
        )
        self.binance = FakeBinance(self.market)
        self.emulator.backend_faults = self._backend_fault
        self.frontend: Frontend | None = None
        self.settings: Settings | None = None

    async def start(self) -> SandboxWorld:
        await self.emulator.start()
        await self.backends.start()
        await self.binance.start()
        api_key, secret = self.binance.new_account(SANDBOX_BALANCES)
        values: dict[str, Any] = {
            "telegram_bot_token": SANDBOX_TOKEN,
            "telegram_api_base": self.emulator.base_url,
            "database_url": self.config.database_url,
            "http_host": self.config.http_host,
            "http_port": self.config.http_port,
            "admin_user_ids": list(self.config.admin_ids),
            "secret_key": SANDBOX_SECRET_KEY,
            "binance_base_url": self.binance.base_url,
            "binance_testnet_hosts": [url_host(self.binance.base_url)],  # the fake is our testnet
            "binance_api_key": api_key,
            "binance_api_secret": secret,
            **{k.lower(): v for k, v in self.backends.settings_overrides().items()},
            **{k.lower(): v for k, v in self.config.env.items()},
        }
        self.settings = Settings(_env_file=None, **values)
        self.frontend = Frontend(self.settings)
        await self.frontend.start()
        if self.config.seed_users:
            await self._seed_users()
        if self.config.step_seconds:
            self.backends.start_background(self.config.step_seconds)
        return self

    async def _backend_fault(
        self, service: str, fault: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.backends.apply_fault(
            service, fault, float(body.get("delay_seconds") or 3.0)
        )

    async def wait_connected(self, within_s: float = 10.0) -> None:
        assert self.frontend is not None
        async with asyncio.timeout(within_s):
            await self.frontend.state.connected.wait()

    async def _seed_users(self) -> None:
        assert self.frontend is not None
        users = await self.frontend.container.get(UserService)
        admin = Actor(role=Role.ADMIN, user_id=1, name="sandbox")
        for user in SANDBOX_USERS:
            await users.register(user.user_id, None, user.name)
            if user.role != Role.ADMIN:
                await users.set_role(admin, user.user_id, user.role)
            self.emulator.world.register_chat(user.user_id, "private", first_name=user.name)

    async def stop(self) -> None:
        if self.frontend is not None:
            await self.frontend.stop()
        await self.binance.stop()
        await self.backends.stop()
        await self.emulator.stop()


def default_config(data_dir: Path, **overrides: Any) -> WorldConfig:
    """The `tgfront sandbox` setup: files under `data_dir`, the emulator on 8081, API on 8000."""
    data_dir.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'sandbox.db'}",
        "trading_database_url": f"sqlite+aiosqlite:///{data_dir / 'sandbox_trading.db'}",
        "emulator_port": 8081,
        "http_port": 8000,
        "step_seconds": DEFAULT_PACE_SECONDS,
        "seed_users": True,
    }
    values.update(overrides)
    return WorldConfig(**values)

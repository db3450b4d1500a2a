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
    # Set: a second deployment, "mainnet" (its own fakes, trading database and Binance), beside
    # the first, "testnet"; the deployments file is written to `deployments_file`.
    mainnet_trading_database_url: str | None = None
    deployments_file: Path | None = None


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
        self.mainnet: MainnetWorld | None = None
        if config.mainnet_trading_database_url:
            self.mainnet = MainnetWorld(config.mainnet_trading_database_url)
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
        if self.mainnet is not None:
            await self.mainnet.start()
            values["deployments_file"] = str(self._write_deployments(values))
        self.settings = Settings(_env_file=None, **values)
        self.frontend = Frontend(self.settings)
        await self.frontend.start()
        if self.config.seed_users:
            await self._seed_users()
        if self.config.step_seconds:
            self.backends.start_background(self.config.step_seconds)
            if self.mainnet is not None:
                self.mainnet.backends.start_background(self.config.step_seconds)
        return self

    def _write_deployments(self, values: dict[str, Any]) -> Path:
        """The two deployments as an operator would write them (sandbox keys, not secrets)."""
        assert self.mainnet is not None
        testnet = {
            key: values[key]
            for key in (*(k.lower() for k in self.backends.settings_overrides()), "binance_api_key")
            if key in values
        }
        testnet["binance_api_secret"] = values["binance_api_secret"]
        testnet["binance_base_url"] = values["binance_base_url"]
        tables = {
            "testnet": {"label": "Testnet", "emoji": "🧪", "environment": "testnet", **testnet},
            "mainnet": {
                "label": "Mainnet",
                "emoji": "💰",
                "environment": "mainnet",
                **self.mainnet.deployment_values(),
            },
        }
        path = self.config.deployments_file or Path("data") / "sandbox-deployments.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ['default = "testnet"', ""]
        for name, table in tables.items():
            lines.append(f"[deployments.{name}]")
            lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
            lines.append("")
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    async def _backend_fault(
        self, service: str, fault: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A fault of one service; `"deployment": "mainnet"` picks the second world's."""
        backends = self.backends
        if body.get("deployment") == "mainnet":
            if self.mainnet is None:
                raise KeyError("this sandbox runs no mainnet deployment")
            backends = self.mainnet.backends
        return await backends.apply_fault(service, fault, float(body.get("delay_seconds") or 3.0))

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
        if self.mainnet is not None:
            await self.mainnet.stop()
        await self.binance.stop()
        await self.backends.stop()
        await self.emulator.stop()


class MainnetWorld:
    """The second deployment's own fakes: trading services, trading database and Binance.

    Its Binance is not a known testnet host, so the frontend's mainnet guard applies to it.
    """

    def __init__(self, trading_database_url: str) -> None:
        self.market = SimulatedMarket()
        self.backends = FakeBackends(market=self.market, trading_database_url=trading_database_url)
        self.binance = FakeBinance(self.market)
        self._keys: tuple[str, str] | None = None

    async def start(self) -> None:
        await self.backends.start()
        await self.binance.start()
        self._keys = self.binance.new_account(SANDBOX_BALANCES)

    def deployment_values(self) -> dict[str, Any]:
        assert self._keys is not None
        values: dict[str, Any] = {
            k.lower(): v for k, v in self.backends.settings_overrides().items()
        }
        values.update(
            binance_base_url=self.binance.base_url,
            binance_api_key=self._keys[0],
            binance_api_secret=self._keys[1],
        )
        return values

    async def stop(self) -> None:
        await self.binance.stop()
        await self.backends.stop()


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def default_config(data_dir: Path, **overrides: Any) -> WorldConfig:
    """The `tgfront sandbox` setup: files under `data_dir`, the emulator on 8081, API on 8000."""
    data_dir.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'sandbox.db'}",
        "trading_database_url": f"sqlite+aiosqlite:///{data_dir / 'sandbox_trading.db'}",
        "mainnet_trading_database_url": (
            f"sqlite+aiosqlite:///{data_dir / 'sandbox_mainnet_trading.db'}"
        ),
        "deployments_file": data_dir / "sandbox-deployments.toml",
        "emulator_port": 8081,
        "http_port": 8000,
        "step_seconds": DEFAULT_PACE_SECONDS,
        "seed_users": True,
    }
    values.update(overrides)
    return WorldConfig(**values)

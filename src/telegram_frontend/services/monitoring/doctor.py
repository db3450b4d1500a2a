"""`tgfront doctor`: after configuring, ask every configured backend one read-only question.

One line per check (ok / not configured / failed with the reason and the setting to fix), then
the latest executed trade exactly as its alert reads and the latest snapshot of each instance
with its position valued in USDT. Nothing here writes anywhere: the trading database connection
is read-only, Binance gets one signed GET, Telegram a `getMe`. With several deployments each
gets its own section (`FleetReport`); Telegram, shared by all, is checked once.
"""

from __future__ import annotations

import asyncio
import enum
import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading.macd import KEY_ROLE_NEEDED
from telegram_frontend.clients.trading_db.reader import PortfolioSnapshot
from telegram_frontend.core.deployments import OVERRIDABLE, DeploymentSpec
from telegram_frontend.core.errors import BackendRejected, BackendUnsupported, FrontendError
from telegram_frontend.core.formatters import money, price_text, qty, when
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.notifications.texts import trade_notice
from telegram_frontend.services.notifications.types import Audience
from telegram_frontend.services.trading.records import position_view

TelegramProbe = Callable[[str, str], Awaitable[str]]
_SETTING = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


class CheckState(enum.StrEnum):
    OK = "ok"
    NOT_CONFIGURED = "not configured"
    FAILED = "failed"


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    state: CheckState
    detail: str = ""
    setting: str | None = None  # what to fix when it failed

    def line(self) -> str:
        text = f"{self.name}: {self.state.value}"
        if self.detail:
            text += f" — {self.detail}"
        if self.state is CheckState.FAILED and self.setting:
            text += f" (check {self.setting})"
        return text


@dataclass
class DoctorReport:
    checks: list[DoctorCheck] = field(default_factory=list)
    latest_trade: str | None = None  # the trade alert's text, plain
    snapshots: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every configured part answered; an unconfigured one is not a failure."""
        return all(c.state is not CheckState.FAILED for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [_check_dict(c) for c in self.checks],
            "latest_trade": self.latest_trade,
            "snapshots": self.snapshots,
        }


@dataclass
class DeploymentSection:
    """One deployment's checks."""

    spec: DeploymentSpec
    default: bool
    report: DoctorReport

    @property
    def heading(self) -> str:
        default = ", the default" if self.default else ""
        return f"{self.spec.title} [{self.spec.name}] — {self.spec.environment.value}{default}"


def in_deployments_file(check: DoctorCheck, name: str) -> DoctorCheck:
    """A check of a deployment from `DEPLOYMENTS_FILE`: its settings are named as that file's
    keys (`macd_trader_url of [deployments.mainnet]`), since that is where to fix them."""

    def rename(text: str) -> str:
        return _SETTING.sub(
            lambda m: (
                f"{m.group(0).lower()} of [deployments.{name}]"
                if m.group(0).lower() in OVERRIDABLE
                else m.group(0)
            ),
            text,
        )

    return DoctorCheck(
        check.name,
        check.state,
        rename(check.detail),
        rename(check.setting) if check.setting else None,
    )


@dataclass
class FleetReport:
    """Every deployment's checks, and the one Telegram check they share."""

    sections: list[DeploymentSection]
    telegram: DoctorCheck

    @property
    def ok(self) -> bool:
        return self.telegram.state is not CheckState.FAILED and all(
            s.report.ok for s in self.sections
        )

    def as_dict(self) -> dict[str, Any]:
        """Keyed by deployment name, in display order."""
        return {
            "ok": self.ok,
            "deployments": {
                s.spec.name: {
                    "title": s.spec.title,
                    "environment": s.spec.environment.value,
                    "default": s.default,
                    **s.report.as_dict(),
                }
                for s in self.sections
            },
            "telegram": _check_dict(self.telegram),
        }


def _check_dict(check: DoctorCheck) -> dict[str, Any]:
    return {
        "name": check.name,
        "state": check.state.value,
        "detail": check.detail,
        "setting": check.setting,
    }


def plain_text(rendered_html: str) -> str:
    """A Telegram HTML rendering as the terminal shows it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered_html))


def snapshot_line(snap: PortfolioSnapshot) -> str:
    """`conservative-btc BTCUSDT: position 0.01 ≈ 650.00 USDT at 65,000.00; balance …`."""
    who = f"{snap.instance_id or '?'} {snap.symbol or ''}".rstrip()
    balance = money(snap.total_balance, 2, "USDT") if snap.total_balance is not None else "—"
    position = position_view(snap)
    if position is None:
        held = "no open position"
    elif position.value is None:
        held = f"position {qty(position.size)} (no market price to value it)"
    else:
        price = price_text(position.market_price)
        held = f"position {qty(position.size)} ≈ {money(position.value, 2, 'USDT')} at {price}"
    return f"{who}: {held}; balance {balance}; as of {when(snap.snapshot_time, 'UTC')}"


class _Failed(Exception):
    """A check's own verdict that the part answered but is not usable."""

    def __init__(self, detail: str, setting: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.setting = detail, setting


async def _checked(
    name: str,
    setting: str,
    ask: Callable[[], Awaitable[str]] | None,
    unset: str | None = None,
) -> DoctorCheck:
    """One check: not configured without `ask`; failed (naming `setting`, or the one the
    verdict names) when it raises; else ok with the detail it returns."""
    if ask is None:
        return DoctorCheck(name, CheckState.NOT_CONFIGURED, unset or f"{setting} is not set")
    try:
        detail = await ask()
    except _Failed as failed:
        return DoctorCheck(name, CheckState.FAILED, failed.detail, failed.setting or setting)
    except FrontendError as exc:
        return DoctorCheck(name, CheckState.FAILED, exc.user_message, setting)
    return DoctorCheck(name, CheckState.OK, detail)


class Doctor:
    def __init__(
        self,
        settings: Settings,
        clients: BackendClients,
        binance: BinanceClient | None = None,
        telegram: TelegramProbe | None = None,
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.binance = binance
        self.telegram = telegram

    async def run(self, include_telegram: bool = True) -> DoctorReport:
        """Every check; `include_telegram=False` for a deployment's section (Telegram is shared
        and checked once, see `telegram_check`)."""
        parts = [
            self._macd(),
            self._grid(),
            self._actuator("data storage", "DATA_STORAGE_URL", self.clients.storage),
            self._actuator("data collection", "DATA_COLLECTION_URL", self.clients.collection),
            self._prometheus(),
            self._trading_db(),
            self._binance(),
        ]
        if include_telegram:
            parts.append(self.telegram_check())
        report = DoctorReport(checks=list(await asyncio.gather(*parts)))
        if self.clients.trading_db is not None and self._passed(report, "trading database"):
            await self._trading_figures(report)
        return report

    @staticmethod
    def _passed(report: DoctorReport, name: str) -> bool:
        return any(c.name == name and c.state is CheckState.OK for c in report.checks)

    async def _macd(self) -> DoctorCheck:
        setting, macd = "MACD_TRADER_URL", self.clients.macd

        async def ask() -> str:
            assert macd is not None
            health = await macd.health()
            try:
                instances = await macd.instances()
            except BackendRejected as exc:
                if exc.status in (401, 403):
                    detail = f"up ({health.status}), but HTTP {exc.status}: {KEY_ROLE_NEEDED}"
                    raise _Failed(detail, "MACD_TRADER_API_KEY") from exc
                raise
            return f"{health.status}; {len(instances)} instances; the key has the ADMIN role"

        return await _checked("MACD trader", setting, ask if macd else None)

    async def _grid(self) -> DoctorCheck:
        setting, grid = "GRID_TRADER_URL", self.clients.grid

        async def ask() -> str:
            assert grid is not None
            try:
                strategies = await grid.strategies()
            except BackendUnsupported as exc:
                raise _Failed(exc.user_message, "grid.api.enabled") from exc
            return f"{len(strategies)} grid strategies"

        unset = f"not deployed ({setting} unset)"
        return await _checked("grid trader", setting, ask if grid else None, unset)

    async def _actuator(self, name: str, setting: str, client: Any) -> DoctorCheck:
        async def ask() -> str:
            health = await client.health()
            if not health.is_up:
                raise _Failed(f"its health is {health.status}")
            return str(health.status)

        return await _checked(name, setting, ask if client else None)

    async def _prometheus(self) -> DoctorCheck:
        prom, env = self.clients.prometheus, self.settings.deployment_environment

        async def ask() -> str:
            assert prom is not None
            jobs = await prom.targets_up(env)
            up = sum(1 for v in jobs.values() if v)
            scope = f'environment="{env}"' if env else "all environments"
            return f"{up} of {len(jobs)} jobs up ({scope})"

        return await _checked("Prometheus", "PROMETHEUS_URL", ask if prom else None)

    async def _trading_db(self) -> DoctorCheck:
        db = self.clients.trading_db

        async def ask() -> str:
            assert db is not None
            missing = await db.missing_columns()
            problems = [
                f"{table}: missing {', '.join(cols[:6])}" for table, cols in missing.items() if cols
            ]
            if problems:
                raise _Failed("; ".join(problems))
            return f"read-only; the {len(missing)} tables we read"

        return await _checked("trading database", "TRADING_DATABASE_URL", ask if db else None)

    async def _binance(self) -> DoctorCheck:
        binance = self.binance

        async def ask() -> str:
            assert binance is not None
            account = await binance.account()
            net = "mainnet" if binance.is_mainnet else "testnet"
            perms = ", ".join(account.permissions) or "none listed"
            trade = "can trade" if account.can_trade else "cannot trade"
            return f"{net}; the key reads the account, {trade}; {perms}"

        setting = "BINANCE_API_KEY / BINANCE_API_SECRET"
        return await _checked(
            "Binance", setting, ask if binance else None, "no system API key is set"
        )

    async def telegram_check(self) -> DoctorCheck:
        token, probe = self.settings.telegram_bot_token, self.telegram
        secret = token.get_secret_value() if token is not None else ""

        async def ask() -> str:
            assert probe is not None
            username = await probe(self.settings.telegram_api_base, secret)
            return f"the token belongs to {username}"

        configured = bool(secret) and probe is not None
        return await _checked("Telegram", "TELEGRAM_BOT_TOKEN", ask if configured else None)

    async def _trading_figures(self, report: DoctorReport) -> None:
        db = self.clients.trading_db
        assert db is not None
        try:
            trade = await db.latest_executed_trade()
            snapshots = await db.latest_snapshots()
        except FrontendError as exc:
            report.checks.append(
                DoctorCheck("trading data", CheckState.FAILED, exc.user_message, None)
            )
            return
        if trade is not None:
            report.latest_trade = plain_text(trade_notice(trade).render(Audience()))
        report.snapshots = [snapshot_line(s) for s in snapshots]

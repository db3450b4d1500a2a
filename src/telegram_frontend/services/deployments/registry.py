"""Every deployment with the services that read and act on it, looked up by name.

A screen or an endpoint asks the registry for a deployment by the name the user gave (or the one
they chose before); each deployment has its own clients, caches and circuit breakers, so one
deployment being down never slows another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from telegram_frontend.clients.binance.client import BinanceClient, BinanceClientFactory
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.deployments import DeploymentSpec
from telegram_frontend.core.errors import NotFound
from telegram_frontend.core.formatters import quoted
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.monitoring.health_report import HealthReportService
from telegram_frontend.services.monitoring.overview import StatusOverviewService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.notifications.deployment_tags import DeploymentTag
from telegram_frontend.services.reports.export import ReportExporter
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import SignalService


def deadline_of(settings: Settings) -> float:
    """How long one screen may wait for a source: one HTTP call's timeouts plus a margin."""
    return settings.http_connect_timeout + settings.http_read_timeout + 1.0


@dataclass
class Deployment:
    """One deployment: its configuration and its own services."""

    spec: DeploymentSpec
    settings: Settings
    clients: BackendClients
    binance_factory: BinanceClientFactory
    binance: BinanceClient
    monitoring: MonitoringService
    trading: TradingService
    signals: SignalService
    overview: StatusOverviewService
    health: HealthReportService
    exporter: ReportExporter
    credentials: CredentialsService
    actions: AccountActions

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def is_mainnet(self) -> bool:
        return self.spec.is_mainnet

    async def aclose(self) -> None:
        await self.clients.aclose()
        await self.binance_factory.aclose()


class UnknownDeployment(NotFound):
    """A name that is not one of the configured deployments (`given`; `known` are the names)."""

    def __init__(self, given: str, known: list[str]) -> None:
        super().__init__(
            f"There is no deployment called {quoted(given, 24)}. Known: {', '.join(known)}."
        )
        self.given = given
        self.known = known


class Deployments:
    """The configured deployments in display order; `default` when the user names none."""

    def __init__(self, items: list[Deployment], default: str, *, from_file: bool) -> None:
        self._items = {d.name: d for d in items}
        self._default = self._items[default]
        self.from_file = from_file

    def __iter__(self) -> Iterator[Deployment]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def several(self) -> bool:
        """More than one: screens then name the deployment they show."""
        return len(self._items) > 1

    @property
    def default(self) -> Deployment:
        return self._default

    def names(self) -> list[str]:
        return list(self._items)

    def tag(self, deployment: Deployment) -> DeploymentTag:
        """How notices about `deployment` name it (only when there are several)."""
        return DeploymentTag(deployment.name, deployment.title, shown=self.several)

    def find(self, name: str | None) -> Deployment | None:
        """The deployment of that name (case-insensitive), or None."""
        if name is None:
            return None
        return self._items.get(name.strip().lower())

    def get(self, name: str | None) -> Deployment:
        """The named deployment, the default when `name` is None; unknown names are refused."""
        if name is None:
            return self._default
        found = self.find(name)
        if found is None:
            raise UnknownDeployment(name, self.names())
        return found

    async def aclose(self) -> None:
        for deployment in self._items.values():
            await deployment.aclose()

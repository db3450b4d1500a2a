"""The services of the request's deployment, as endpoint parameters.

An endpoint asks for `Trading`, `Monitoring`, ... and gets the service of the deployment its path
names (`/api/v1/deployments/{deployment}/...`), or of the default one (`/api/v1/...`); the same
function thus serves both mounts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telegram_frontend.api.deps import CurrentDeployment
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import SignalService


def _trading(deployment: CurrentDeployment) -> TradingService:
    return deployment.trading


def _monitoring(deployment: CurrentDeployment) -> MonitoringService:
    return deployment.monitoring


def _clients(deployment: CurrentDeployment) -> BackendClients:
    return deployment.clients


def _credentials(deployment: CurrentDeployment) -> CredentialsService:
    return deployment.credentials


def _actions(deployment: CurrentDeployment) -> AccountActions:
    return deployment.actions


def _signals(deployment: CurrentDeployment) -> SignalService:
    return deployment.signals


Trading = Annotated[TradingService, Depends(_trading)]
Monitoring = Annotated[MonitoringService, Depends(_monitoring)]
Clients = Annotated[BackendClients, Depends(_clients)]
Credentials = Annotated[CredentialsService, Depends(_credentials)]
Actions = Annotated[AccountActions, Depends(_actions)]
Signals = Annotated[SignalService, Depends(_signals)]

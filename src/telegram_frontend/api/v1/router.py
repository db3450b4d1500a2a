"""The HTTP routers of the product beyond health and metrics (one place to add one).

Every resource is served for the default deployment under `/api/v1` and for a named one under
`/api/v1/deployments/{deployment}` (`common.mounted`); the deployments themselves are listed at
`/api/v1/deployments`.
"""

from __future__ import annotations

from fastapi import APIRouter

from telegram_frontend.api.v1 import account as v1_account
from telegram_frontend.api.v1 import admin as v1_admin
from telegram_frontend.api.v1 import alerts as v1_alerts
from telegram_frontend.api.v1 import deployments as v1_deployments
from telegram_frontend.api.v1 import events
from telegram_frontend.api.v1 import notification_routes as v1_routes
from telegram_frontend.api.v1 import signals as v1_signals
from telegram_frontend.api.v1 import system as v1_system
from telegram_frontend.api.v1 import trading as v1_trading
from telegram_frontend.api.v1.common import mounted
from telegram_frontend.core.settings import Settings


def api_routers(settings: Settings) -> list[APIRouter]:
    resources: list[APIRouter] = []
    resources += [v1_system.router, v1_trading.router, v1_account.router, v1_admin.router]
    resources += [v1_alerts.router, v1_routes.router]
    resources.append(v1_signals.router)
    resources.append(events.router)
    deployments = mounted([v1_deployments.router], per_deployment=False)
    return [*mounted(resources), *deployments]

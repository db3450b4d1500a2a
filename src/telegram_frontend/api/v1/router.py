"""The HTTP routers of the product beyond health and metrics (one place to add one)."""

from __future__ import annotations

from fastapi import APIRouter

from telegram_frontend.api.v1 import account as v1_account
from telegram_frontend.api.v1 import admin as v1_admin
from telegram_frontend.api.v1 import alerts as v1_alerts
from telegram_frontend.api.v1 import events
from telegram_frontend.api.v1 import signals as v1_signals
from telegram_frontend.api.v1 import system as v1_system
from telegram_frontend.api.v1 import trading as v1_trading
from telegram_frontend.core.settings import Settings


def api_routers(settings: Settings) -> list[APIRouter]:
    routers: list[APIRouter] = []
    routers += [v1_system.router, v1_trading.router, v1_account.router, v1_admin.router]
    routers.append(v1_alerts.router)
    routers.append(v1_signals.router)
    routers.append(events.router)
    return routers

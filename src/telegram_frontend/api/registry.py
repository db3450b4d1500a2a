"""The HTTP routers of the product beyond health and metrics (one place to add one)."""

from __future__ import annotations

from fastapi import APIRouter

from telegram_frontend.api import events, v1_account, v1_admin, v1_alerts, v1_system, v1_trading
from telegram_frontend.config.settings import Settings


def api_routers(settings: Settings) -> list[APIRouter]:
    routers: list[APIRouter] = []
    routers += [v1_system.router, v1_trading.router, v1_account.router, v1_admin.router]
    routers.append(v1_alerts.router)
    routers.append(events.router)
    return routers

"""The FastAPI application: health, metrics, the REST API and the Telegram webhook."""

from __future__ import annotations

from dishka import AsyncContainer
from dishka.integrations.fastapi import setup_dishka
from fastapi import APIRouter, FastAPI

from telegram_frontend.api import health, metrics
from telegram_frontend.api.errors import install_error_handlers


def create_app(container: AsyncContainer, extra_routers: list[APIRouter] | None = None) -> FastAPI:
    app = FastAPI(
        title="telegram-frontend",
        version="0.1.0",
        description="Monitor and control the Binance AI Traders system.",
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in extra_routers or []:
        app.include_router(router)
    setup_dishka(container, app)
    return app

"""The FastAPI application: health, metrics, the REST API and the Telegram webhook."""

from __future__ import annotations

from typing import Any

from dishka import AsyncContainer
from dishka.integrations.fastapi import setup_dishka
from fastapi import APIRouter, FastAPI

from telegram_frontend.api import docs, health, metrics
from telegram_frontend.api.body_limits import BodyLimitMiddleware, BodyLimits
from telegram_frontend.api.errors import install_error_handlers
from telegram_frontend.api.request_metrics import RequestMetricsMiddleware

DESCRIPTION = """Monitor and control the Binance AI Traders system.

`/api/v1` needs an API key (`Authorization: Bearer <key>`) made by an admin on the server with
`tgfront api-key create --role viewer|trader|admin --name NAME`. The key's role decides what it
may do, exactly as a Telegram user's role does, and its actions are audited. Every error is
`{"error": code, "detail": sentence}`. Money is a decimal string, times are UTC (ISO 8601).

Every resource acts on the default deployment under `/api/v1/...` and on a named one under
`/api/v1/deployments/{deployment}/...` (`GET /api/v1/deployments` lists them); a key made with
`--deployment NAME` may use only the deployments it names.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "system", "description": "Who am I; the trading system's status; our own health"},
    {"name": "deployments", "description": "The trading deployments served (testnet, mainnet)"},
    {"name": "trading", "description": "Strategies, positions, trades and performance"},
    {"name": "account", "description": "The Binance account: portfolio and orders"},
    {"name": "alerts", "description": "Users' alert rules and notification routes (admin keys)"},
    {"name": "events", "description": "Raise a notification (API key or signed body)"},
    {"name": "admin", "description": "Audit trail and API keys (admin keys only)"},
    {"name": "health", "description": "Liveness and readiness probes (no key)"},
    {"name": "metrics", "description": "Prometheus metrics (no key)"},
    {"name": "telegram", "description": "Telegram webhook intake (secret header, not an API key)"},
]


def create_app(
    container: AsyncContainer,
    extra_routers: list[APIRouter] | None = None,
    body_limits: BodyLimits | None = None,
) -> FastAPI:
    app = FastAPI(
        title="telegram-frontend",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,  # served by `docs.router` from local assets
    )
    install_error_handlers(app)
    app.include_router(docs.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in extra_routers or []:
        app.include_router(router)

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    async def openapi_v1() -> dict[str, Any]:
        """The same document as `/openapi.json`, under the API's own prefix."""
        return app.openapi()

    setup_dishka(container, app)
    app.add_middleware(RequestMetricsMiddleware, routes=lambda: app.routes)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits or BodyLimits())
    return app

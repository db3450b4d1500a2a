"""`GET /metrics` in Prometheus text format (scraped as job `telegram-frontend`)."""

from __future__ import annotations

from dishka.integrations.fastapi import DishkaRoute, FromDishka
from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from telegram_frontend.clients.binance.client import BinanceClientFactory
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.services.monitoring.backend_metrics import refresh_state_gauges

router = APIRouter(tags=["metrics"], route_class=DishkaRoute)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    response_model=None,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(
    clients: FromDishka[BackendClients], factory: FromDishka[BinanceClientFactory]
) -> Response:
    """States (breakers, Binance weight) are read at scrape time; counters are live."""
    refresh_state_gauges(clients, factory.state.used_weight)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

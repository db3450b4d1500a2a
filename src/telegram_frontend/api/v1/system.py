"""`/api/v1`: who am I, how is the trading system, how is this frontend.

`status` is the same snapshot `/status` shows in Telegram (`MonitoringService`); `health` is the
same check as `/health/ready` (`services.readiness`), with the backends' circuit breakers.
"""

from __future__ import annotations

from datetime import datetime

from dishka.integrations.fastapi import FromDishka
from fastapi import Request
from pydantic import Field

from telegram_frontend.api.deps import ViewerActor, caller_key
from telegram_frontend.api.v1.common import ApiModel, Money, UnavailableOut, v1_router
from telegram_frontend.api.v1.scoped import Clients, Monitoring
from telegram_frontend.core.access import Role, require
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.services.monitoring.readiness import check_readiness
from telegram_frontend.services.monitoring.service import SystemSnapshot

router = v1_router("system")


class MeOut(ApiModel):
    """The API key making the request."""

    key_id: int
    name: str
    role: str
    via: str
    deployments: list[str] | None = Field(
        None, description="The only deployments the key may use; null: every deployment"
    )


class ServiceOut(ApiModel):
    key: str
    name: str
    state: str
    latency_ms: float | None = None
    reason: str | None = None
    breaker: str | None = None


class FreshnessOut(ApiModel):
    last_event_at: datetime | None = None
    age_seconds: float | None = None
    source: str | None = None
    stale: bool | None = None


class TraderSummaryOut(ApiModel):
    total_instances: int | None = None
    active_instances: int | None = None
    best_performer: str | None = None
    total_profit: Money | None = None
    generated_at: datetime | None = None


class TraderMetricsOut(ApiModel):
    active_positions: Money | None = None
    realized_pnl: Money | None = None
    signals_total: Money | None = None
    signals_buy: Money | None = None
    signals_sell: Money | None = None


class IngestOut(ApiModel):
    active_websocket_connections: Money | None = None
    active_kline_streams: Money | None = None
    connections_failed: Money | None = None


class StorageOut(ApiModel):
    received: Money | None = None
    saved: Money | None = None
    failed: Money | None = None
    postgres_connected: bool | None = None
    elasticsearch_connected: bool | None = None


class StatusOut(ApiModel):
    """The trading system at a glance; `unavailable` names what could not be checked."""

    taken_at: datetime
    overall: str
    services: list[ServiceOut]
    freshness: FreshnessOut
    trader: TraderSummaryOut | None = None
    trader_metrics: TraderMetricsOut | None = None
    ingest: IngestOut | None = None
    storage: StorageOut | None = None
    prometheus_targets: dict[str, bool]
    unavailable: list[UnavailableOut]

    @classmethod
    def of(cls, snap: SystemSnapshot) -> StatusOut:
        return cls(
            taken_at=snap.taken_at,
            overall=snap.overall.value,
            services=[ServiceOut.view(s) for s in snap.services],
            freshness=FreshnessOut.view(snap.freshness),
            trader=TraderSummaryOut.maybe(snap.trader),
            trader_metrics=TraderMetricsOut.maybe(snap.trader_metrics),
            ingest=IngestOut.maybe(snap.websocket),
            storage=StorageOut.maybe(snap.quality),
            prometheus_targets=dict(snap.prometheus_targets),
            unavailable=[UnavailableOut.of(n) for n in snap.unavailable],
        )


class DatabaseOut(ApiModel):
    status: str
    backend: str
    revision: str | None = None
    head: str | None = None
    error: str | None = None


class CacheOut(ApiModel):
    status: str
    backend: str
    error: str | None = None


class TelegramOut(ApiModel):
    status: str
    mode: str
    error: str


class HealthOut(ApiModel):
    """This frontend's own components; `breakers` is the circuit state per backend service."""

    status: str
    uptime_s: float
    database: DatabaseOut
    cache: CacheOut
    telegram: TelegramOut
    workers: dict[str, str]
    breakers: dict[str, str]


@router.get("/me", summary="The API key making the request", response_model=MeOut)
async def me(request: Request, actor: ViewerActor) -> MeOut:
    assert actor.api_key_id is not None
    key = caller_key(request)
    return MeOut(
        key_id=actor.api_key_id,
        name=actor.name,
        role=actor.role.value,
        via=actor.via,
        deployments=key.deployments if key is not None else None,
    )


@router.get(
    "/status", summary="Trading system status (services, data freshness)", response_model=StatusOut
)
async def status(actor: ViewerActor, monitoring: Monitoring) -> StatusOut:
    require(actor, Role.VIEWER)
    return StatusOut.of(await monitoring.snapshot())


@router.get("/health", summary="This frontend's own health", response_model=HealthOut)
async def health(
    actor: ViewerActor,
    db: FromDishka[Database],
    cache: FromDishka[Cache],
    state: FromDishka[RuntimeState],
    clients: Clients,
) -> HealthOut:
    require(actor, Role.VIEWER)
    result = await check_readiness(db, cache, state)
    return HealthOut(
        status="ready" if result.ready else "not_ready",
        uptime_s=result.uptime_s,
        database=DatabaseOut.view(result.database),
        cache=CacheOut.view(result.cache),
        telegram=TelegramOut.view(result.telegram),
        workers=result.workers,
        breakers={name: state.value for name, state in clients.breaker_states().items()},
    )

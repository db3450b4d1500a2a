"""Liveness and readiness: live while the process runs; ready when our database is usable."""

from __future__ import annotations

from typing import Any

from dishka.integrations.fastapi import FromDishka, inject
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.services.monitoring.readiness import Readiness, check_readiness

router = APIRouter(tags=["health"])


@router.get("/health/live", summary="200 while the process runs")
async def live() -> dict[str, str]:
    return {"status": "alive"}


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def readiness_body(result: Readiness) -> dict[str, Any]:
    """The JSON of `/health/ready`: a status and one entry per component."""
    db, cache, telegram = result.database, result.cache, result.telegram
    return {
        "status": "ready" if result.ready else "not_ready",
        "uptime_s": result.uptime_s,
        "checked_in_ms": result.checked_in_ms,
        "components": {
            "database": _drop_empty(
                {
                    "status": db.status,
                    "backend": db.backend,
                    "revision": db.revision,
                    "head": db.head,
                    "error": db.error,
                }
            ),
            "cache": _drop_empty(
                {"status": cache.status, "backend": cache.backend, "error": cache.error}
            ),
            "telegram": {
                "status": telegram.status,
                "mode": telegram.mode,
                "error": telegram.error,
            },
            "workers": result.workers,
        },
    }


@router.get(
    "/health/ready",
    summary="200 when the database answers and is at the head migration, else 503",
    response_model=None,
    responses={503: {"description": "not ready"}},
)
@inject
async def ready(
    db: FromDishka[Database], cache: FromDishka[Cache], state: FromDishka[RuntimeState]
) -> JSONResponse:
    result = await check_readiness(db, cache, state)
    return JSONResponse(readiness_body(result), status_code=200 if result.ready else 503)

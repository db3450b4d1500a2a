"""Liveness and readiness: live while the process runs; ready when our database is usable."""

from __future__ import annotations

import time
from typing import Any

from dishka.integrations.fastapi import FromDishka, inject
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from telegram_frontend.config import migrator
from telegram_frontend.config.cache import Cache
from telegram_frontend.config.database import Database
from telegram_frontend.runtime_state import RuntimeState

router = APIRouter(tags=["health"])


@router.get("/health/live", summary="200 while the process runs")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/health/ready",
    summary="200 when the database answers and is at the head migration, else 503",
    responses={503: {"description": "not ready"}},
)
@inject
async def ready(
    db: FromDishka[Database], cache: FromDishka[Cache], state: FromDishka[RuntimeState]
) -> JSONResponse:
    components: dict[str, Any] = {}
    ok = True
    started = time.perf_counter()
    try:
        await db.ping()
        revision = await migrator.current_revision(db)
        head = migrator.head_revision()
        at_head = revision == head
        components["database"] = {
            "status": "up" if at_head else "migrating",
            "backend": db.engine.dialect.name,
            "revision": revision,
            "head": head,
        }
        ok = at_head
    except Exception as exc:
        components["database"] = {"status": "down", "error": type(exc).__name__}
        ok = False
    try:
        await cache.ping()
        components["cache"] = {"status": "up", "backend": cache.name}
    except Exception as exc:
        components["cache"] = {"status": "down", "backend": cache.name, "error": type(exc).__name__}
    components["telegram"] = {
        "status": "up" if state.telegram_connected else "down",
        "mode": state.mode,
        "error": state.telegram_error,
    }
    components["workers"] = dict(state.workers)
    body = {
        "status": "ready" if ok else "not_ready",
        "uptime_s": round(time.time() - state.started_at, 1),
        "checked_in_ms": round((time.perf_counter() - started) * 1000, 1),
        "components": components,
    }
    return JSONResponse(body, status_code=200 if ok else 503)

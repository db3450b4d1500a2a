"""The monitoring and strategy routers, in the order they are tried (one registry line)."""

from __future__ import annotations

from telegram_frontend.routers import performance_router, strategy_router, system_router

MONITORING_ROUTERS = (system_router.router, strategy_router.router, performance_router.router)

"""The account, configuration, admin and panic routers, in the order they must be tried."""

from __future__ import annotations

from aiogram import Router

from telegram_frontend.routers import (
    admin_router,
    config_router,
    config_secrets_router,
    orders_router,
    panic_router,
    portfolio_router,
)

ACCOUNT_ROUTERS: tuple[Router, ...] = (
    portfolio_router.router,
    orders_router.router,
    panic_router.router,
    config_router.router,
    config_secrets_router.router,
    admin_router.router,
)

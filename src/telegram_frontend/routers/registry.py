"""The router tree of the bot: every feature router, then the fallbacks last."""

from __future__ import annotations

from functools import cache

from aiogram import Router

from telegram_frontend.routers import access_requests, base_router


@cache
def root_router() -> Router:
    """Built once: aiogram routers can be attached to only one parent."""
    root = Router(name="root")
    root.include_routers(
        base_router.router,
        access_requests.router,
        # feature routers are added here, before the fallbacks
        base_router.fallback_router,
    )
    return root

"""The router tree of the bot: every feature router, then the fallbacks last."""

from __future__ import annotations

from functools import cache

from aiogram import Router

from telegram_frontend.routers import access_requests, base_router, error_handler, report_router
from telegram_frontend.routers.account_routers import ACCOUNT_ROUTERS
from telegram_frontend.routers.alerts_router import ALERT_ROUTERS
from telegram_frontend.routers.monitoring_routers import MONITORING_ROUTERS


@cache
def root_router() -> Router:
    """Built once: aiogram routers can be attached to only one parent."""
    root = Router(name="root")
    root.include_routers(
        base_router.router,
        access_requests.router,
        # feature routers are added here, before the fallbacks
        *ACCOUNT_ROUTERS,
        *MONITORING_ROUTERS,
        *ALERT_ROUTERS,
        report_router.router,
        base_router.fallback_router,
        error_handler.router,
    )
    return root


def attach(dispatcher: Router) -> None:
    """Attach the (module-level) router tree to `dispatcher`, detaching it from an old one.

    aiogram routers are module singletons and refuse a second parent; a process that builds a
    new dispatcher (tests, a restart of the bot part) moves the tree over instead.
    """
    root = root_router()
    previous = root.parent_router
    if previous is not None and previous is not dispatcher:
        previous.sub_routers.remove(root)
        root._parent_router = None  # aiogram offers no public detach
    if root.parent_router is None:
        dispatcher.include_router(root)

"""The router tree of the bot: every feature router, then the fallbacks last."""

from __future__ import annotations

from functools import cache

from aiogram import Router

from telegram_frontend.bot import error_handler
from telegram_frontend.bot.features.access import handlers as access
from telegram_frontend.bot.features.admin import handlers as admin
from telegram_frontend.bot.features.alert_rules import handlers as alert_rules
from telegram_frontend.bot.features.alerts import handlers as alerts
from telegram_frontend.bot.features.config import handlers as config
from telegram_frontend.bot.features.config_secrets import handlers as config_secrets
from telegram_frontend.bot.features.fallback import handlers as fallback
from telegram_frontend.bot.features.orders import handlers as orders
from telegram_frontend.bot.features.panic import handlers as panic
from telegram_frontend.bot.features.performance import handlers as performance
from telegram_frontend.bot.features.portfolio import handlers as portfolio
from telegram_frontend.bot.features.reports import handlers as reports
from telegram_frontend.bot.features.signals import handlers as signals
from telegram_frontend.bot.features.start import handlers as start
from telegram_frontend.bot.features.strategy import handlers as strategy
from telegram_frontend.bot.features.system import handlers as system

# The one list of the bot's features, in the order they are tried; the fallbacks come last.
FEATURES = (
    start,
    access,
    portfolio,
    orders,
    panic,
    config,
    config_secrets,
    admin,
    system,
    strategy,
    signals,
    performance,
    alerts,
    alert_rules,
    reports,
    fallback,
)


@cache
def root_router() -> Router:
    """Built once: aiogram routers can be attached to only one parent."""
    root = Router(name="root")
    root.include_routers(*(feature.get_router() for feature in FEATURES), error_handler.router)
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

"""The router tree of the bot: every feature router, then the fallbacks last."""

from __future__ import annotations

from functools import cache

from aiogram import Router

from telegram_frontend.bot import error_handler
from telegram_frontend.bot.command_prefilter import skip_foreign_commands
from telegram_frontend.bot.features.admin import handlers as admin
from telegram_frontend.bot.features.alerts import handlers as alerts
from telegram_frontend.bot.features.config import handlers as config
from telegram_frontend.bot.features.deployments import handlers as deployments
from telegram_frontend.bot.features.fallback import handlers as fallback
from telegram_frontend.bot.features.logs import handlers as logs
from telegram_frontend.bot.features.orders import handlers as orders
from telegram_frontend.bot.features.panic import handlers as panic
from telegram_frontend.bot.features.performance import handlers as performance
from telegram_frontend.bot.features.portfolio import handlers as portfolio
from telegram_frontend.bot.features.reports import handlers as reports
from telegram_frontend.bot.features.signals import handlers as signals
from telegram_frontend.bot.features.start import handlers as start
from telegram_frontend.bot.features.strategy import handlers as strategy
from telegram_frontend.bot.features.system import handlers as system
from telegram_frontend.bot.inline_filters import run_sync_filters_inline
from telegram_frontend.bot.ui.command_catalog import use_root

# The one list of the bot's features, in the order they are tried; the fallbacks come last.
FEATURES = (
    start,
    portfolio,
    orders,
    panic,
    config,
    admin,
    system,
    logs,
    strategy,
    signals,
    performance,
    alerts,
    reports,
    deployments,
    fallback,
)


@cache
def root_router() -> Router:
    """Built once: aiogram routers can be attached to only one parent.

    The tree is registered with the command catalog, which /help and the command menus read.
    """
    root = Router(name="root")
    features = [feature.get_router() for feature in FEATURES]
    skip_foreign_commands(features)
    root.include_routers(*features, error_handler.router)
    run_sync_filters_inline(root)
    use_root(root)
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

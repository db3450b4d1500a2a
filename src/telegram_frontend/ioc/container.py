"""The composition root: the one place that builds adapters and services.

Both doors get this container through dishka's official integrations (aiogram and FastAPI),
so a handler and an endpoint asking for `UserService` get the same instance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiogram import Bot
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container
from dishka.integrations.aiogram import AiogramProvider
from dishka.integrations.fastapi import FastapiProvider

from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.ioc.providers.api import ApiProvider
from telegram_frontend.ioc.providers.backend import BackendProvider
from telegram_frontend.ioc.providers.binance import BinanceProvider
from telegram_frontend.ioc.providers.core import CoreProvider
from telegram_frontend.ioc.providers.notifications import NotificationsProvider
from telegram_frontend.ioc.providers.services import CoreServicesProvider


class RuntimeContextProvider(Provider):
    """The aiogram Bot and the process state are created by the runtime, handed in as context."""

    bot = from_context(Bot, scope=Scope.APP)
    state = from_context(RuntimeState, scope=Scope.APP)


def default_providers() -> list[Provider]:
    """Every provider of the product, in one list (feature modules add theirs here)."""
    return [
        CoreProvider(),
        CoreServicesProvider(),
        RuntimeContextProvider(),
        BackendProvider(),
        BinanceProvider(),
        NotificationsProvider(),
        ApiProvider(),
    ]


def build_container(
    settings: Settings,
    bot: Bot,
    state: RuntimeState,
    *,
    extra_providers: Iterable[Provider] = (),
    context: dict[Any, Any] | None = None,
) -> AsyncContainer:
    return make_async_container(
        *default_providers(),
        *extra_providers,
        AiogramProvider(),
        FastapiProvider(),
        context={Settings: settings, Bot: bot, RuntimeState: state, **(context or {})},
    )

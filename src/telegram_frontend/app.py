"""One process, one event loop: the bot, the HTTP API and the workers start and stop together.

Tests, the sandbox and `tgfront run` all use this same class, so what is tested is what runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import uvicorn
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from dishka import AsyncContainer, Provider
from dishka.integrations.aiogram import setup_dishka
from fastapi import FastAPI

from telegram_frontend.api.app import create_app
from telegram_frontend.api.body_limits import BodyLimits
from telegram_frontend.api.v1.router import api_routers
from telegram_frontend.api.webhook import WEBHOOK_PATH, WebhookIntake
from telegram_frontend.bot.dispatcher import attach as attach_routers
from telegram_frontend.bot.middlewares.access_gate import AccessMiddleware
from telegram_frontend.bot.middlewares.metrics import install_with_gate
from telegram_frontend.bot.middlewares.update_slots import UpdateSlotMiddleware
from telegram_frontend.clients.telegram_json_session import JsonBodySession
from telegram_frontend.clients.telegram_session import (
    FloodRetryMiddleware,
    KeepResponseTypes,
    RepeatSafeRetryMiddleware,
    UpdateSlots,
)
from telegram_frontend.core import migrator
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.caching.fsm_storage import fsm_storage
from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig
from telegram_frontend.core.fast_paths import json_codec
from telegram_frontend.core.logging import get_logger
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.ioc.container import build_container
from telegram_frontend.ioc.workers import build_workers
from telegram_frontend.services.account.stranded_keys import keys_of_unknown_deployments
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.intake.webhook_inbox import WebhookInbox
from telegram_frontend.workers.base import Worker
from telegram_frontend.workers.webhook_takeover import WebhookTakeover

log = get_logger(__name__)

SHUTDOWN_GRACE_S = 8.0


def make_bot(settings: Settings) -> Bot:
    """A Bot pointed at Telegram or at the sandbox emulator (`TELEGRAM_API_BASE`)."""
    token = settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    dumps, loads = json_codec(settings.fast_json)
    session = JsonBodySession(
        api=TelegramAPIServer.from_base(settings.telegram_api_base),
        json_loads=loads,
        json_dumps=dumps,
    )
    session.middleware(FloodRetryMiddleware())
    session.middleware(RepeatSafeRetryMiddleware())
    session.middleware(KeepResponseTypes())
    return Bot(
        token=token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


class Frontend:
    """Builds the container, migrates, then runs polling (or webhook), uvicorn and workers."""

    def __init__(
        self,
        settings: Settings,
        *,
        extra_providers: Iterable[Provider] = (),
        context: dict[Any, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.state = RuntimeState(mode=settings.telegram_mode)
        self.bot = make_bot(settings)
        self.container: AsyncContainer = build_container(
            settings, self.bot, self.state, extra_providers=extra_providers, context=context
        )
        self.dispatcher: Dispatcher | None = None
        self.update_slots = UpdateSlots(settings.telegram_update_concurrency)
        self.app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._server_task: asyncio.Task[Any] | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopping = asyncio.Event()
        self.webhook: WebhookIntake | None = None
        self._webhook_set = False

    @property
    def http_port(self) -> int:
        """The bound HTTP port (useful when `HTTP_PORT=0` picks a free one)."""
        assert self._server is not None and self._server.servers
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    async def start(self) -> None:
        db = await self.container.get(Database)
        await migrator.upgrade(db)
        log.info("database_ready", backend=db.engine.dialect.name, revision=migrator.HEAD_REVISION)
        for user in await (await self.container.get(UserService)).follow_configured_admins():
            log.warning("admin_demoted_not_in_admin_user_ids", user_id=user.id, role=user.role)
        config = await self.container.get(DeploymentsConfig)
        for name, users in (await keys_of_unknown_deployments(db, config.names())).items():
            log.warning(
                "binance_keys_of_unknown_deployment",
                deployment=name,
                users=users,
                hint=f"name the deployment these keys were proven on {name!r} in the "
                "deployments file, or the users add their keys again",
            )
        self.dispatcher = await self._build_dispatcher()
        self.app = create_app(
            self.container,
            extra_routers=await self._api_routers(),
            body_limits=body_limits(self.settings),
        )
        await self._start_http(self.app)
        self._tasks.append(asyncio.create_task(self._run_telegram(), name="telegram"))
        for worker in await self._workers():
            self._tasks.append(asyncio.create_task(self._supervise(worker), name=worker.name))
        log.info("frontend_started", http_port=self.http_port, mode=self.settings.telegram_mode)

    async def stop(self) -> None:
        """Stop intake, let in-flight work finish (bounded), close pools."""
        self._stopping.set()
        if self.webhook is not None:
            await self._stop_webhook()
        elif self.dispatcher is not None:
            with contextlib.suppress(RuntimeError):
                await self.dispatcher.stop_polling()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=SHUTDOWN_GRACE_S)
        if self._server is not None:
            self._server.should_exit = True
            if self._server_task is not None:
                await asyncio.wait([self._server_task], timeout=SHUTDOWN_GRACE_S)
        if self.dispatcher is not None:
            with contextlib.suppress(Exception):
                await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.container.close()
        log.info("frontend_stopped")

    async def _build_dispatcher(self) -> Dispatcher:
        cache = await self.container.get(Cache)
        storage = fsm_storage(cache, self.settings.redis_key_prefix)
        dispatcher = Dispatcher(storage=storage)
        dispatcher.update.outer_middleware(UpdateSlotMiddleware(self.update_slots))
        install_with_gate(dispatcher, AccessMiddleware())
        attach_routers(dispatcher)
        setup_dishka(self.container, dispatcher, auto_inject=True)
        return dispatcher

    async def _api_routers(self) -> list[Any]:
        routers = api_routers(self.settings)
        if self.settings.telegram_mode == "webhook":
            assert self.dispatcher is not None and self.settings.telegram_webhook_secret
            secret = self.settings.telegram_webhook_secret.get_secret_value()
            inbox = WebhookInbox(
                await self.container.get(Database),
                self.bot.id,
                lease_seconds=self.settings.telegram_webhook_lease_seconds,
                seal=SecretBox(self.settings.secret_key) if self.settings.secret_key else None,
            )
            self.webhook = WebhookIntake(self.dispatcher, self.bot, secret, inbox)
            routers.append(self.webhook.router())
        return routers

    async def _workers(self) -> list[Worker]:
        workers = await build_workers(self.container, self.settings)
        if self.webhook is not None:  # part of the intake, so it runs even without the others
            lease = self.settings.telegram_webhook_lease_seconds
            workers.append(WebhookTakeover(self.webhook.inbox, self.webhook, interval=lease / 3))
        return workers

    async def _start_http(self, app: FastAPI) -> None:
        config = uvicorn.Config(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._server_task = asyncio.create_task(self._server.serve(), name="http")
        while not self._server.started:
            if self._server_task.done():
                self._server_task.result()
                raise RuntimeError(f"HTTP server did not start on port {self.settings.http_port}")
            await asyncio.sleep(0.01)

    async def _run_telegram(self) -> None:
        """Reach Telegram (retrying with backoff while it is unreachable), then poll."""
        assert self.dispatcher is not None

        async def connect() -> None:
            me = await self.bot.get_me()
            self.state.telegram_connected = True
            self.state.telegram_error = ""
            self.state.bot_username = me.username or ""
            self.state.connected.set()

        def refused(exc: Exception) -> None:
            self.state.telegram_connected = False
            self.state.telegram_error = type(exc).__name__

        await self._retry_until_stopped(connect, "telegram_unreachable", refused)
        if self._stopping.is_set():
            return
        log.info("telegram_connected", bot=self.state.bot_username)
        if self.webhook is not None:
            await self._serve_webhook()
            return
        await self.dispatcher.start_polling(
            self.bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
            # a backstop on waiting tasks; `update_slots` bounds the work (and lends out waits)
            tasks_concurrency_limit=self.settings.telegram_update_concurrency * 8,
        )

    async def _retry_until_stopped(
        self,
        attempt: Callable[[], Awaitable[None]],
        event: str,
        on_failure: Callable[[Exception], None],
    ) -> None:
        """Run `attempt` until it succeeds or we stop; pauses double from 1 s up to 30 s."""
        delay = 1.0
        while not self._stopping.is_set():
            try:
                await attempt()
                return
            except Exception as exc:
                on_failure(exc)
                log.error(event, error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _webhook_url(self) -> str:
        """TELEGRAM_WEBHOOK_URL as given; a bare origin gets our path appended."""
        url = self.settings.telegram_webhook_url or ""
        scheme, _, rest = url.partition("://")
        return url if "/" in rest.strip("/") else f"{scheme}://{rest.rstrip('/')}{WEBHOOK_PATH}"

    async def _serve_webhook(self) -> None:
        """Tell Telegram where to POST (retrying while it refuses), then serve until stopped."""
        assert self.dispatcher is not None and self.settings.telegram_webhook_secret
        await self.dispatcher.emit_startup(bot=self.bot, dispatcher=self.dispatcher)

        async def set_webhook() -> None:
            assert self.dispatcher is not None and self.settings.telegram_webhook_secret
            await self.bot.set_webhook(
                url=self._webhook_url(),
                secret_token=self.settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
            self._webhook_set = True
            log.info("telegram_webhook_set", url=self._webhook_url())

        def refused(exc: Exception) -> None:
            self.state.telegram_error = type(exc).__name__

        await self._retry_until_stopped(set_webhook, "telegram_set_webhook_failed", refused)
        await self._stopping.wait()

    async def _stop_webhook(self) -> None:
        """Remove the webhook first (Telegram keeps updates for later), then drain our work."""
        assert self.webhook is not None
        if self._webhook_set and not self.settings.telegram_webhook_keep_on_stop:
            try:
                await asyncio.wait_for(self.bot.delete_webhook(), timeout=SHUTDOWN_GRACE_S)
            except Exception as exc:
                log.warning("telegram_delete_webhook_failed", error=str(exc))
            self._webhook_set = False
        await self.webhook.drain(SHUTDOWN_GRACE_S)
        if self.dispatcher is not None:
            with contextlib.suppress(Exception):
                await self.dispatcher.emit_shutdown(bot=self.bot, dispatcher=self.dispatcher)

    async def _supervise(self, worker: Worker) -> None:
        """Keep a worker alive: log and restart it after a crash, never take the process down."""
        while not self._stopping.is_set():
            self.state.workers[worker.name] = "running"
            try:
                await worker.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.state.workers[worker.name] = f"restarting after {type(exc).__name__}"
                log.error("worker_crashed", worker=worker.name, error=str(exc))
                await asyncio.sleep(1.0)


def body_limits(settings: Settings) -> BodyLimits:
    """The default request-body limit, and the larger one of signed events and the webhook."""
    large = settings.events_max_body_bytes
    return BodyLimits(
        default=settings.http_max_body_bytes,
        by_prefix={"/api/v1/events": large, WEBHOOK_PATH: large},
    )

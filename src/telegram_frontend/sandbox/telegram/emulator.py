"""An offline Telegram Bot API: a real HTTP server that answers like api.telegram.org.

The bot under test talks to it through aiogram unchanged (`TelegramAPIServer.from_base(base_url)`),
so everything between our handlers and the wire is exercised: form encoding, uploads, error
classes, long polling, webhooks. Telegram's rules (entity parsing, lengths, keyboards, flood
control, blocked users) are enforced with Telegram's error texts. Tests and the terminal chat drive
the other side (users) through the JSON control API under /sandbox/ (see telegram_control_api).

Run standalone: python -m telegram_frontend.sandbox.telegram.emulator --port 8081
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from telegram_frontend.sandbox.telegram.bot_methods import BOT_METHODS
from telegram_frontend.sandbox.telegram.control_api import ControlApi
from telegram_frontend.sandbox.telegram.faults import DROP, CallStats, FaultInjector, FaultRule
from telegram_frontend.sandbox.telegram.flood import FloodControl, FloodLimits
from telegram_frontend.sandbox.telegram.message_methods import MESSAGE_METHODS
from telegram_frontend.sandbox.telegram.params import (
    BotApiContext,
    BotCall,
    MethodHandler,
    Params,
    Upload,
)
from telegram_frontend.sandbox.telegram.rules import BotApiError, bad_request
from telegram_frontend.sandbox.telegram.state import EmulatorWorld
from telegram_frontend.sandbox.telegram.web_chat import WebChat
from telegram_frontend.sandbox.telegram.webhook import WebhookDelivery, WebhookPolicy

if TYPE_CHECKING:
    from aiogram.client.telegram import TelegramAPIServer

__all__ = ["FloodLimits", "TelegramEmulator", "WebhookPolicy", "main"]

TOKEN_PATTERN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{35}")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UNCLAIMED = 0
"""The key of the world users act in before any bot token is known."""
METHODS: dict[str, tuple[str, MethodHandler]] = {
    name.lower(): (name, handler) for name, handler in {**BOT_METHODS, **MESSAGE_METHODS}.items()
}
log = logging.getLogger(__name__)


class TelegramEmulator:
    """The emulated Bot API server; `start()` binds it, `base_url` is where aiogram should point.

    `tokens`: the accepted bot tokens (others get 401 Unauthorized, as on Telegram); None accepts
    any well-formed `<digits>:<35 chars>` token. Each bot (the id before the colon) has its own
    world, as on Telegram: updates, chats, message ids, webhook, flood limits. The control API
    plays users of the primary bot (the first given token, else the first bot that called) unless
    a request names another with `?bot_id=`.
    `limits`: flood control rates (on by default, as on Telegram).
    `strict_html_entities`: refuse `&nbsp;`-like entities that Telegram would show literally.
    `allow_insecure_webhooks`: accept http:// webhooks on any port (the sandbox's own webhook
    tests listen on plain localhost); off by default, like Telegram.

        async with TelegramEmulator() as emulator:
            bot = Bot(TOKEN, session=AiohttpSession(api=emulator.api_server))
            users = EmulatorClient(emulator.base_url)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] | None = None,
        limits: FloodLimits | None = None,
        *,
        strict_html_entities: bool = True,
        webhook_policy: WebhookPolicy | None = None,
        allow_insecure_webhooks: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        given = None if tokens is None else list(tokens)
        self.tokens: set[str] | None = None if given is None else set(given)
        self.initial_limits = limits or FloodLimits()
        self.strict_html_entities = strict_html_entities
        self.webhook_policy = webhook_policy or WebhookPolicy()
        self.allow_insecure_webhooks = allow_insecure_webhooks
        self.faults = FaultInjector()
        self.configured_bot_id: int | None = bot_id_of(given[0]) if given else None
        self.primary_bot_id = self.configured_bot_id
        self.contexts: dict[int, BotApiContext] = {}
        self._runner: web.AppRunner | None = None

    def _new_context(self) -> BotApiContext:
        world = EmulatorWorld()
        stats = CallStats()
        webhook = WebhookDelivery(world.updates, stats, self.execute_reply, self.webhook_policy)
        return BotApiContext(
            world=world,
            flood=FloodControl(self.initial_limits),
            stats=stats,
            webhook=webhook,
            strict_html_entities=self.strict_html_entities,
            allow_insecure_webhooks=self.allow_insecure_webhooks,
        )

    def context_for(self, bot_id: int) -> BotApiContext:
        """The world of one bot, created when it is first needed."""
        context = self.contexts.get(bot_id)
        if context is None:
            context = self.contexts[bot_id] = self._new_context()
        return context

    @property
    def context(self) -> BotApiContext:
        """The primary bot's world (the one the control API and the web chat play); before any
        bot is known, a world the first bot to call will own."""
        return self.context_for(UNCLAIMED if self.primary_bot_id is None else self.primary_bot_id)

    @property
    def world(self) -> EmulatorWorld:
        return self.context.world

    @property
    def stats(self) -> CallStats:
        return self.context.stats

    @property
    def flood(self) -> FloodControl:
        return self.context.flood

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_server(self) -> TelegramAPIServer:
        """What to give aiogram's session: `AiohttpSession(api=emulator.api_server)`."""
        from aiogram.client.telegram import TelegramAPIServer  # aiogram takes seconds to import

        return TelegramAPIServer.from_base(self.base_url)

    def add_token(self, token: str) -> None:
        """Accept `token` too; switches an accept-any emulator to an explicit token list."""
        if self.tokens is None:
            self.tokens = set()
        self.tokens.add(token)
        if self.configured_bot_id is None:
            self.configured_bot_id = bot_id_of(token)
        if self.primary_bot_id is None:
            self._claim(bot_id_of(token))

    def accepts(self, token: str) -> bool:
        if self.tokens is not None:
            return token in self.tokens
        return TOKEN_PATTERN.fullmatch(token) is not None

    def bot_id(self) -> int:
        """The bot users talk to: the first configured token's, else the first that called."""
        if self.primary_bot_id is not None:
            return self.primary_bot_id
        return bot_id_of(sorted(self.tokens)[0]) if self.tokens else 1

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        ControlApi(self).register(app)
        WebChat(self).register(app)
        self._runner = web.AppRunner(
            app, shutdown_timeout=1.0, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("Telegram Bot API emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        for context in list(self.contexts.values()):
            await self._retire(context)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def reset(self) -> None:
        """Forget every chat, message, update, fault and counter; limits go back to the initial.
        Without configured tokens, the next bot to call becomes the primary one again."""
        old, self.contexts = list(self.contexts.values()), {}
        self.primary_bot_id = self.configured_bot_id
        self.faults.clear()
        for context in old:
            await self._retire(context)

    @staticmethod
    async def _retire(context: BotApiContext) -> None:
        """End a context's background work and release its long polls at once."""
        context.closing = True
        context.world.updates.signal.notify()
        context.world.changed.notify()
        context.callback_answers.notify()
        await context.webhook.clear()

    async def __aenter__(self) -> TelegramEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _resolve(self, token: str, method: str) -> tuple[str, MethodHandler]:
        """The canonical name and handler; like Telegram, the token is checked first."""
        entry = METHODS.get(method.lower())
        name = entry[0] if entry else method
        if not self.accepts(token):
            self.stats.record(name, 401)
            raise BotApiError(401, "Unauthorized")
        if entry is None:
            self.context_of(token).stats.record(name, 404)
            raise BotApiError(404, "Not Found")
        return entry

    async def call(self, token: str, method: str, params: Params) -> Any:
        """Run one Bot API method; raise BotApiError as the HTTP layer would answer it."""
        name, handler = self._resolve(token, method)
        bot_id = bot_id_of(token)
        context = self.context_of(token)
        try:
            result = await handler(context, BotCall(token, bot_id, name, params))
        except BotApiError as error:
            context.stats.record(name, error.status, flood=error.status == 429)
            raise
        context.stats.record(name, 200)
        return result

    def context_of(self, token: str) -> BotApiContext:
        """The world of the bot behind an accepted token."""
        bot_id = bot_id_of(token)
        if self.primary_bot_id is None:
            self._claim(bot_id)
        return self.context_for(bot_id)

    def _claim(self, bot_id: int) -> None:
        """The first bot to call becomes primary and owns what users did before it came."""
        self.primary_bot_id = bot_id
        unclaimed = self.contexts.pop(UNCLAIMED, None)
        if unclaimed is not None and bot_id not in self.contexts:
            self.contexts[bot_id] = unclaimed

    async def execute_reply(self, token: str, method: str, values: dict[str, Any]) -> None:
        """A method returned in a webhook response: executed, its outcome only logged."""
        try:
            await self.call(token, method, Params(values, {}))
        except BotApiError as error:
            log.info("webhook reply %s failed: %s", method, error.description)

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        entry = METHODS.get(method.lower())
        fault = self.faults.take(entry[0].lower()) if entry and self.accepts(token) else None
        if fault is not None:
            await asyncio.sleep(fault.delay_s)
            if not 200 <= fault.status < 300:
                return self._answer_fault(request, method, fault)
        try:
            params = await read_params(request)
            result = await self.call(token, method, params)
        except BotApiError as error:
            return web.json_response(error.to_json(), status=error.status)
        return web.json_response({"ok": True, "result": result})

    def _answer_fault(self, request: web.Request, method: str, fault: FaultRule) -> web.Response:
        """Answer a scripted error, or drop the connection without an answer."""
        name = METHODS[method.lower()][0]
        stats = self.context_of(request.match_info["token"]).stats
        stats.record(name, fault.status or 599, flood=fault.status == 429, fault=True)
        if fault.status == DROP:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=599)
        error = BotApiError(fault.status, fault.text, fault.retry_after)
        return web.json_response(error.to_json(), status=fault.status)

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        if not self.accepts(request.match_info["token"]):
            return web.json_response(BotApiError(401, "Unauthorized").to_json(), status=401)
        world = self.context_of(request.match_info["token"]).world
        stored = world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(BotApiError(404, "Not Found").to_json(), status=404)
        content_type = stored.mime_type or _content_type_of(stored.file_path)
        return web.Response(body=stored.data, content_type=content_type)


def bot_id_of(token: str) -> int:
    """A token starts with its bot's user id (`123456:ABC...`)."""
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else 0


def _content_type_of(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower()
    images = {"png": "image/png", "gif": "image/gif", "jpg": "image/jpeg"}
    return images.get(suffix, "application/octet-stream")


async def read_params(request: web.Request) -> Params:
    """Query string, then a JSON, urlencoded or multipart body; file parts become uploads."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        if isinstance(body, dict):
            values.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                uploads[key] = Upload(value.filename, value.content_type, data)
            else:
                values[key] = value
    return Params(values, uploads)


async def serve(
    host: str,
    port: int,
    limits: FloodLimits,
    tokens: list[str] | None,
    allow_insecure_webhooks: bool = False,
) -> None:
    """Run until cancelled (Ctrl-C)."""
    emulator = TelegramEmulator(
        host, port, tokens=tokens, limits=limits, allow_insecure_webhooks=allow_insecure_webhooks
    )
    await emulator.start()
    print(f"Telegram Bot API emulator on {emulator.base_url} (control API: /sandbox/)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Offline Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", help="accept only these tokens (repeatable)")
    parser.add_argument("--no-flood-control", action="store_true")
    parser.add_argument(
        "--allow-insecure-webhooks",
        action="store_true",
        help="accept http:// webhook URLs on any port (local testing only)",
    )
    parser.add_argument("--private-per-s", type=float, default=FloodLimits.per_private_chat_per_s)
    parser.add_argument("--group-per-min", type=float, default=FloodLimits.per_group_per_min)
    parser.add_argument("--global-per-s", type=float, default=FloodLimits.global_per_s)
    args = parser.parse_args(argv)
    limits = FloodLimits(
        per_private_chat_per_s=args.private_per_s,
        per_group_per_min=args.group_per_min,
        global_per_s=args.global_per_s,
        enabled=not args.no_flood_control,
    )
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, limits, args.token, args.allow_insecure_webhooks))


if __name__ == "__main__":
    main()

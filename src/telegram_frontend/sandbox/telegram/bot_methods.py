"""Bot API methods about the bot itself: identity, receiving updates (polling or webhook), commands.

getUpdates is real long polling: it answers as soon as an update is queued or when its timeout
passes, confirms everything below `offset`, and, like Telegram, ends an older concurrent poll with
409 so a second bot instance on the same token shows up in tests.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from telegram_frontend.sandbox.telegram.params import BotApiContext, BotCall, MethodHandler
from telegram_frontend.sandbox.telegram.rules import (
    BotApiError,
    bad_request,
    command_scope_key,
    validate_commands,
    validate_language_code,
)
from telegram_frontend.sandbox.telegram.state import bot_user
from telegram_frontend.sandbox.telegram.update_queue import wait_event
from telegram_frontend.sandbox.telegram.webhook import WebhookConfig

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
MAX_POLL_TIMEOUT_S = 50
WEBHOOK_PORTS = (80, 88, 443, 8443)
RESOLVE_FAILED = "Failed to resolve host: Name or service not known"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def get_me(ctx: BotApiContext, call: BotCall) -> Any:
    return {
        **bot_user(call.bot_id),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(ctx: BotApiContext, call: BotCall) -> Any:
    params = call.params
    queue = ctx.world.updates
    if ctx.webhook.active:
        raise BotApiError(409, WEBHOOK_CONFLICT)
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = min(max(params.integer("timeout") or 0, 0), MAX_POLL_TIMEOUT_S)
    queue.set_allowed(params.json("allowed_updates", "can't parse allowed_updates JSON object"))
    queue.confirm(params.integer("offset") or 0)
    ctx.poll_generation += 1
    generation = ctx.poll_generation
    queue.signal.notify()
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        changed = queue.signal.current()
        if generation != ctx.poll_generation:
            raise BotApiError(409, POLL_CONFLICT)
        if ctx.webhook.active:
            raise BotApiError(409, WEBHOOK_CONFLICT)
        updates = queue.first(limit)
        remaining = deadline - asyncio.get_running_loop().time()
        if updates or remaining <= 0 or ctx.closing:
            return [update.to_api() for update in updates]
        await wait_event(changed, remaining)


async def set_webhook(ctx: BotApiContext, call: BotCall) -> bool:
    params = call.params
    url = params.text("url") or ""
    if not url:
        return await delete_webhook(ctx, call)
    _check_webhook_url(url, insecure_allowed=ctx.allow_insecure_webhooks)
    secret = params.text("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.integer("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    ctx.world.updates.set_allowed(
        params.json("allowed_updates", "can't parse allowed_updates JSON object")
    )
    if params.flag("drop_pending_updates"):
        ctx.world.updates.drop_all()
    config = WebhookConfig(url, call.token, secret, max_connections)
    await ctx.webhook.configure(config)
    ctx.world.updates.signal.notify()
    return True


def _check_webhook_url(url: str, *, insecure_allowed: bool) -> None:
    """Telegram delivers only over HTTPS to ports 80, 88, 443 or 8443."""
    parts = urlsplit(url)
    schemes = ("http", "https") if insecure_allowed else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port
    except ValueError:
        raise bad_request(
            "bad webhook: Failed to resolve host: Name or service not known"
        ) from None
    if not insecure_allowed and port is not None and port not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


async def delete_webhook(ctx: BotApiContext, call: BotCall) -> bool:
    await ctx.webhook.clear()
    if call.params.flag("drop_pending_updates"):
        ctx.world.updates.drop_all()
    return True


async def get_webhook_info(ctx: BotApiContext, call: BotCall) -> Any:
    return ctx.webhook.info()


def _commands_key(ctx: BotApiContext, call: BotCall) -> Any:
    scope = command_scope_key(call.params.json("scope", "can't parse BotCommandScope JSON object"))
    _, chat_id, _ = scope
    if chat_id is not None:
        ctx.world.chat(chat_id)
    return scope, validate_language_code(call.params.text("language_code"))


async def set_my_commands(ctx: BotApiContext, call: BotCall) -> bool:
    commands = validate_commands(call.params.json("commands", "can't parse commands JSON object"))
    key = _commands_key(ctx, call)
    if commands:
        ctx.world.commands[key] = commands
    else:
        ctx.world.commands.pop(key, None)
    return True


async def get_my_commands(ctx: BotApiContext, call: BotCall) -> Any:
    return ctx.world.commands.get(_commands_key(ctx, call), [])


async def delete_my_commands(ctx: BotApiContext, call: BotCall) -> bool:
    ctx.world.commands.pop(_commands_key(ctx, call), None)
    return True


async def get_chat_menu_button(ctx: BotApiContext, call: BotCall) -> Any:
    return {"type": "commands"}


async def accept(ctx: BotApiContext, call: BotCall) -> bool:
    """Methods with no observable effect in the sandbox succeed, as they would on Telegram."""
    return True


BOT_METHODS: dict[str, MethodHandler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getChatMenuButton": get_chat_menu_button,
    "setChatMenuButton": accept,
    "setMyDescription": accept,
    "setMyShortDescription": accept,
    "setMyName": accept,
    "setMyDefaultAdministratorRights": accept,
    "close": accept,
    "logOut": accept,
}

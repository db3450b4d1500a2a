"""The /sandbox/ JSON API: plays the users' side of Telegram and lets tests inspect and steer it.

Users write messages and press buttons (becoming updates for the bot), block the bot, and read
what the bot put in their chats. Waiting endpoints (`timeout` query parameter) answer as soon as
the awaited change happens, so callers never sleep a fixed time.

    POST   /sandbox/users/{user_id}/messages   {"text", "chat_id"?, "username"?, "first_name"?,
                                                 "language_code"?, "message_thread_id"?,
                                                 "reply_to_message_id"?, "title"?}
                                                -> {"update_id", "message_id", "chat_id"}
    POST   /sandbox/users/{user_id}/callbacks  {"message_id", "data", "chat_id"?, "force"?}
                                                -> {"update_id", "callback_query_id"}
    POST   /sandbox/users/{user_id}/block      (and /unblock): also queues my_chat_member
    POST   /sandbox/chats                      {"chat_id", "type"?, "title"?, "username"?}
    GET    /sandbox/chats/{chat_id}/messages   ?include_deleted=1&after_revision=R&timeout=S
                                                -> {"chat_id", "revision", "messages": [...]}
    GET    /sandbox/callbacks/{id}             ?timeout=S -> the bot's answer (text, show_alert)
    GET|POST|DELETE /sandbox/faults            {"method", "status" (0/"drop"), "count",
                                                 "retry_after"?, "delay_s"?, "description"?}
    GET    /sandbox/stats                      calls per method, errors by code, 429s, webhook
    GET|POST /sandbox/limits                   FloodLimits fields
    POST   /sandbox/reset                      forget everything
    GET    /sandbox/files/{file_id}            the bytes of a file the bot sent
    GET    /sandbox/commands | /sandbox/updates | /sandbox/health
Every route plays the primary bot's world; `?bot_id=N` addresses the world of another bot token.
Errors come back as {"ok": false, "error": "..."} with status 400 or 404.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from telegram_frontend.sandbox.telegram.faults import FaultRule
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.sandbox.telegram.params import BotApiContext
from telegram_frontend.sandbox.telegram.state import (
    CallbackRecord,
    ChatRecord,
    EmulatorWorld,
    UserProfile,
    bot_user,
)
from telegram_frontend.sandbox.telegram.update_queue import wait_event

if TYPE_CHECKING:
    from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator

MAX_WAIT_S = 60.0


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@web.middleware
async def _control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Control API mistakes come back as {"ok": false, "error": ...} so the client can show them."""
    if not request.path.startswith("/sandbox/"):
        response: web.StreamResponse = await handler(request)
        return response
    try:
        response = await handler(request)
    except ControlError as error:
        return web.json_response({"ok": False, "error": str(error)}, status=error.status)
    except (KeyError, TypeError, ValueError) as error:
        return web.json_response({"ok": False, "error": f"bad request: {error}"}, status=400)
    return response


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ControlError(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _timeout(request: web.Request) -> float:
    return min(max(float(request.query.get("timeout", 0)), 0.0), MAX_WAIT_S)


class ControlApi:
    """Routes of /sandbox/, bound to one emulator (and whatever world it holds after a reset)."""

    def __init__(self, emulator: TelegramEmulator) -> None:
        self.emulator = emulator

    def register(self, app: web.Application) -> None:
        app.middlewares.append(_control_errors)
        router = app.router
        router.add_get("/sandbox/health", self.health)
        router.add_post("/sandbox/users/{user_id}/messages", self.user_message)
        router.add_post("/sandbox/users/{user_id}/callbacks", self.user_callback)
        router.add_post("/sandbox/users/{user_id}/block", self.block)
        router.add_post("/sandbox/users/{user_id}/unblock", self.unblock)
        router.add_post("/sandbox/chats", self.register_chat)
        router.add_get("/sandbox/chats/{chat_id}/messages", self.chat_messages)
        router.add_get("/sandbox/callbacks/{callback_id}", self.callback_answer)
        router.add_get("/sandbox/faults", self.list_faults)
        router.add_post("/sandbox/faults", self.add_fault)
        router.add_delete("/sandbox/faults", self.clear_faults)
        router.add_get("/sandbox/stats", self.stats)
        router.add_get("/sandbox/limits", self.limits)
        router.add_post("/sandbox/limits", self.set_limits)
        router.add_post("/sandbox/reset", self.reset)
        router.add_get("/sandbox/files/{file_id}", self.file)
        router.add_get("/sandbox/commands", self.commands)
        router.add_get("/sandbox/updates", self.updates)

    def _context(self, request: web.Request) -> BotApiContext:
        raw = request.query.get("bot_id")
        return self.emulator.context_for(int(raw)) if raw else self.emulator.context

    def _world(self, request: web.Request) -> EmulatorWorld:
        return self._context(request).world

    def _bot_id(self, request: web.Request) -> int:
        raw = request.query.get("bot_id")
        return int(raw) if raw else self.emulator.bot_id()

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "base_url": self.emulator.base_url})

    def _user(self, request: web.Request, body: dict[str, Any]) -> UserProfile:
        return self._world(request).user(
            int(request.match_info["user_id"]),
            first_name=body.get("first_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
        )

    @staticmethod
    def _chat_of(world: EmulatorWorld, user: UserProfile, body: dict[str, Any]) -> ChatRecord:
        chat_id = int(body.get("chat_id") or user.id)
        if chat_id == user.id:
            return world.register_chat(
                chat_id, "private", first_name=user.first_name, username=user.username
            )
        if chat_id > 0:
            raise ControlError(400, "a private chat's id is its user's id")
        return world.register_chat(chat_id, body.get("chat_type"), title=body.get("title"))

    async def user_message(self, request: web.Request) -> web.Response:
        """A user writes to the bot: the message is stored and queued as a `message` update."""
        body = await _body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise ControlError(400, "text is required")
        world = self._world(request)
        user = self._user(request, body)
        chat = self._chat_of(world, user, body)
        if chat.type == "private" and user.blocked_bot:
            self._set_blocked(request, user, False)
        message = world.add_user_message(
            user,
            chat,
            text,
            thread_id=body.get("message_thread_id"),
            reply_to=body.get("reply_to_message_id"),
        )
        update_id = world.updates.push("message", world.message_json(message))
        return web.json_response(
            {"update_id": update_id, "message_id": message.message_id, "chat_id": chat.id}
        )

    async def user_callback(self, request: web.Request) -> web.Response:
        """A user presses an inline button; only buttons really on the message can be pressed."""
        body = await _body(request)
        world = self._world(request)
        user = self._user(request, body)
        chat_id = int(body.get("chat_id") or user.id)
        message = world.message(chat_id, int(body["message_id"]))
        if message is None:
            raise ControlError(404, f"message {body['message_id']} not found in chat {chat_id}")
        data = str(body["data"])
        if not body.get("force") and data not in _callback_datas(message.reply_markup):
            raise ControlError(400, f"message {message.message_id} has no button with {data!r}")
        record = CallbackRecord(
            id=str(secrets.randbits(63)),
            user_id=user.id,
            chat_id=chat_id,
            message_id=message.message_id,
            data=data,
        )
        world.callbacks[record.id] = record
        payload = {
            "id": record.id,
            "from": user.to_api(),
            "message": world.message_json(message),
            "chat_instance": f"ci{abs(chat_id)}",
            "data": data,
        }
        update_id = world.updates.push("callback_query", payload)
        return web.json_response({"update_id": update_id, "callback_query_id": record.id})

    async def callback_answer(self, request: web.Request) -> web.Response:
        """How the bot answered a pressed button; waits up to `timeout` s for the answer."""
        callback_id = request.match_info["callback_id"]
        deadline = time.monotonic() + _timeout(request)
        context = self._context(request)
        while True:
            answered = context.callback_answers.current()
            record = context.world.callbacks.get(callback_id)
            if record is None:
                raise ControlError(404, f"callback query {callback_id} not found")
            remaining = deadline - time.monotonic()
            if record.answered or remaining <= 0:
                return web.json_response(record.to_control())
            await wait_event(answered, remaining)

    async def block(self, request: web.Request) -> web.Response:
        user = self._user(request, {})
        self._set_blocked(request, user, True)
        return web.json_response({"ok": True, "user_id": user.id, "blocked": True})

    async def unblock(self, request: web.Request) -> web.Response:
        user = self._user(request, {})
        self._set_blocked(request, user, False)
        return web.json_response({"ok": True, "user_id": user.id, "blocked": False})

    def _set_blocked(self, request: web.Request, user: UserProfile, blocked: bool) -> None:
        """Blocking changes the bot's membership; Telegram tells the bot with my_chat_member."""
        if user.blocked_bot == blocked:
            return
        user.blocked_bot = blocked
        world = self._world(request)
        chat = world.register_chat(
            user.id, "private", first_name=user.first_name, username=user.username
        )
        bot = bot_user(self._bot_id(request))
        member = {"status": "member", "user": bot}
        kicked = {"status": "kicked", "user": bot, "until_date": 0}
        old, new = (member, kicked) if blocked else (kicked, member)
        payload = {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        world.updates.push("my_chat_member", payload)

    async def register_chat(self, request: web.Request) -> web.Response:
        """Make a chat known to Telegram without anyone writing in it (a group the bot is in)."""
        body = await _body(request)
        chat_id = int(body.get("chat_id") or body["id"])
        fields = {k: body.get(k) for k in ("title", "username", "first_name")}
        world = self._world(request)
        chat = world.register_chat(chat_id, body.get("type"), **fields)
        if chat.type == "private":
            world.user(chat_id, first_name=chat.first_name, username=chat.username)
        return web.json_response(chat.to_api())

    async def chat_messages(self, request: web.Request) -> web.Response:
        """The chat's messages in order; with `after_revision`, waits for a change after it."""
        chat_id = int(request.match_info["chat_id"])
        include_deleted = request.query.get("include_deleted", "") in ("1", "true")
        after = request.query.get("after_revision")
        deadline = time.monotonic() + _timeout(request)
        world = self._world(request)
        while True:
            changed = world.changed.current()
            chat = world.chats.get(chat_id)
            revision = chat.revision if chat else 0
            remaining = deadline - time.monotonic()
            if after is None or revision > int(after) or remaining <= 0:
                break
            await wait_event(changed, remaining)
        messages = world.chat_messages(chat_id, include_deleted)
        return web.json_response(
            {
                "chat_id": chat_id,
                "revision": revision,
                "messages": [message.to_control() for message in messages],
            }
        )

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": [r.to_json() for r in self.emulator.faults.rules]})

    async def add_fault(self, request: web.Request) -> web.Response:
        rule = FaultRule.from_json(await _body(request))
        self.emulator.faults.add(rule)
        return await self.list_faults(request)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.emulator.faults.clear()
        return web.json_response({"faults": []})

    async def stats(self, request: web.Request) -> web.Response:
        context = self._context(request)
        stats = context.stats.to_json()
        stats["pending_updates"] = len(context.world.updates.pending)
        return web.json_response(stats)

    async def limits(self, request: web.Request) -> web.Response:
        return web.json_response(self._context(request).flood.limits.to_json())

    async def set_limits(self, request: web.Request) -> web.Response:
        flood = self._context(request).flood
        flood.configure(FloodLimits.from_json(await _body(request), flood.limits))
        return web.json_response(flood.limits.to_json())

    async def reset(self, request: web.Request) -> web.Response:
        await self.emulator.reset()
        return web.json_response({"ok": True})

    async def file(self, request: web.Request) -> web.Response:
        stored = self._world(request).files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "file not found")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def commands(self, request: web.Request) -> web.Response:
        listed = []
        for ((kind, chat_id, user_id), language), commands in self._world(request).commands.items():
            scope = {"type": kind, "chat_id": chat_id, "user_id": user_id}
            scope = {k: v for k, v in scope.items() if v is not None}
            listed.append({"scope": scope, "language_code": language, "commands": commands})
        return web.json_response({"command_sets": listed})

    async def updates(self, request: web.Request) -> web.Response:
        pending = [update.to_api() for update in self._world(request).updates.pending]
        return web.json_response({"pending": pending})


def _callback_datas(markup: dict[str, Any] | None) -> set[str]:
    rows = (markup or {}).get("inline_keyboard") or []
    return {str(b["callback_data"]) for row in rows for b in row if "callback_data" in b}

"""Reading Bot API parameters the way Telegram does, and the context every method handler gets.

aiogram sends a multipart/urlencoded form where scalars are strings and nested objects JSON
strings; other clients send a JSON body with real objects. Params hides that difference.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram_frontend.sandbox.telegram.faults import CallStats
from telegram_frontend.sandbox.telegram.flood import FloodControl
from telegram_frontend.sandbox.telegram.rules import (
    BotApiError,
    bad_request,
    decode_json_param,
    too_many_requests,
)
from telegram_frontend.sandbox.telegram.state import ChatRecord, EmulatorWorld
from telegram_frontend.sandbox.telegram.update_queue import ChangeSignal
from telegram_frontend.sandbox.telegram.webhook import WebhookDelivery

BLOCKED = "Forbidden: bot was blocked by the user"
_TRUE = {"true", "1", "yes", "on"}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (what `attach://<name>` points at)."""

    filename: str
    content_type: str | None
    data: bytes


class Params:
    """Typed access to one call's parameters."""

    def __init__(self, values: Mapping[str, Any], uploads: Mapping[str, Upload]) -> None:
        self.values = dict(values)
        self.uploads = dict(uploads)

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or str(value).lower() in _TRUE

    def json(self, name: str, error: str) -> Any:
        return decode_json_param(self.values.get(name), error)

    def chat_id(self) -> int:
        """Telegram's two answers: nothing given, or an id/@username that resolves to no chat."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request("chat not found") from exc

    def input_file(self, name: str) -> Upload | str | None:
        """An uploaded part (via attach:// or under the field's own name), or a file_id/URL."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            attached = self.uploads.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f'can\'t find attached file "{value}"')
            return attached
        return value or None


@dataclass
class BotCall:
    token: str
    bot_id: int
    method: str
    params: Params


@dataclass
class BotApiContext:
    """Shared services of the method handlers."""

    world: EmulatorWorld
    flood: FloodControl
    stats: CallStats
    webhook: WebhookDelivery
    strict_html_entities: bool = True
    allow_insecure_webhooks: bool = False
    poll_generation: int = 0
    closing: bool = False
    callback_answers: ChangeSignal = field(default_factory=ChangeSignal)

    def writable_chat(self, chat_id: int) -> ChatRecord:
        """The chat to send to: it must be known and, if private, its user must not block us."""
        chat = self.world.chat(chat_id)
        user = self.world.users.get(chat_id) if chat.type == "private" else None
        if user is not None and user.blocked_bot:
            raise BotApiError(403, BLOCKED)
        return chat

    def take_send_slot(self, chat_id: int) -> None:
        retry_after = self.flood.acquire(chat_id)
        if retry_after is not None:
            raise too_many_requests(retry_after)


MethodHandler = Callable[[BotApiContext, BotCall], Awaitable[Any]]

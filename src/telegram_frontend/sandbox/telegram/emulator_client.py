"""Async client of the Telegram emulator's /sandbox/ control API: the users' side of the chat.

Tests and the terminal chat use it to write to the bot, press its buttons and read its answers.
Every wait is event-driven: the server holds the request until the chat changes, so nothing here
sleeps a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

DEFAULT_TIMEOUT_S = 5.0


class EmulatorError(RuntimeError):
    """The control API refused a request (unknown message, button not on the message, ...)."""


class EmulatorTimeout(TimeoutError):
    """What was awaited did not happen in time; the message says what the chat held instead."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InjectedMessage(_Model):
    update_id: int
    message_id: int
    chat_id: int


class InjectedCallback(_Model):
    update_id: int
    callback_query_id: str


class CallbackAnswer(_Model):
    callback_query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None


class ChatMessage(_Model):
    """One message as the chat shows it: the visible text, plus what the bot sent raw."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    raw: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = []
    reply_markup: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    disable_notification: bool = False
    edited: bool = False
    edit_date: int | None = None
    deleted: bool = False
    revision: int = 0

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of the inline keyboard (empty without one)."""
        return list((self.reply_markup or {}).get("inline_keyboard") or [])

    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def button_data(self, text: str) -> str:
        """The callback_data of the button labelled `text` (exact label)."""
        for row in self.buttons:
            for button in row:
                if button.get("text") == text and "callback_data" in button:
                    return str(button["callback_data"])
        raise KeyError(f"no button {text!r} on message {self.message_id}")


class ChatHistory(_Model):
    chat_id: int
    revision: int
    messages: list[ChatMessage]


class EmulatorStats(_Model):
    calls: dict[str, int]
    total_calls: int
    errors_by_code: dict[str, int]
    errors_by_method: dict[str, int]
    flood_429: int
    faults_injected: int
    webhook_deliveries: int
    webhook_failures: int
    pending_updates: int


class EmulatorClient:
    """`EmulatorClient(emulator.base_url)`; use as `async with` or call `aclose()`."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._http.request(method, f"/sandbox{path}", **kwargs)
        if response.status_code >= 400:
            try:
                reason = response.json().get("error", response.text)
            except ValueError:
                reason = response.text
            raise EmulatorError(f"{method} {path}: {response.status_code} {reason}")
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    # --- the users' side -------------------------------------------------------------------

    async def send_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        username: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        chat_title: str | None = None,
    ) -> InjectedMessage:
        """`user_id` writes `text` (to the private chat, or to group `chat_id` < 0)."""
        body = {
            "text": text,
            "chat_id": chat_id,
            "username": username,
            "first_name": first_name,
            "language_code": language_code,
            "message_thread_id": message_thread_id,
            "reply_to_message_id": reply_to_message_id,
            "title": chat_title,
        }
        data = await self._request("POST", f"/users/{user_id}/messages", json=_present(body))
        return InjectedMessage.model_validate(data)

    async def send_photo(self, user_id: int) -> InjectedMessage:
        """`user_id` sends a photo without a caption to the private chat."""
        data = await self._request("POST", f"/users/{user_id}/messages", json={"photo": True})
        return InjectedMessage.model_validate(data)

    async def edit_message(self, user_id: int, message_id: int, text: str) -> InjectedMessage:
        """`user_id` edits their earlier message `message_id` to `text`."""
        path = f"/users/{user_id}/messages/{message_id}/edit"
        data = await self._request("POST", path, json={"text": text})
        return InjectedMessage.model_validate(data)

    async def press_button(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> InjectedCallback:
        """`user_id` presses the inline button carrying `data` on that message."""
        body = _present({"message_id": message_id, "data": data, "chat_id": chat_id})
        result = await self._request("POST", f"/users/{user_id}/callbacks", json=body)
        return InjectedCallback.model_validate(result)

    async def block(self, user_id: int) -> None:
        await self._request("POST", f"/users/{user_id}/block")

    async def unblock(self, user_id: int) -> None:
        await self._request("POST", f"/users/{user_id}/unblock")

    async def register_chat(
        self, chat_id: int, *, chat_type: str | None = None, title: str | None = None
    ) -> dict[str, Any]:
        """Make a chat known to Telegram (e.g. a group the bot was added to)."""
        body = _present({"chat_id": chat_id, "type": chat_type, "title": title})
        result: dict[str, Any] = await self._request("POST", "/chats", json=body)
        return result

    # --- reading the chat ------------------------------------------------------------------

    async def history(
        self,
        chat_id: int,
        *,
        include_deleted: bool = False,
        after_revision: int | None = None,
        wait_s: float = 0.0,
    ) -> ChatHistory:
        """The chat's messages; with `after_revision`, held up to `wait_s` for a newer change."""
        query: dict[str, Any] = {"include_deleted": "1" if include_deleted else "0"}
        if after_revision is not None:
            query |= {"after_revision": after_revision, "timeout": max(wait_s, 0.0)}
        data = await self._request(
            "GET", f"/chats/{chat_id}/messages", params=query, timeout=wait_s + 10.0
        )
        return ChatHistory.model_validate(data)

    async def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        return (await self.history(chat_id, include_deleted=include_deleted)).messages

    async def wait_until(
        self,
        chat_id: int,
        condition: Callable[[list[ChatMessage]], bool],
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - the server waits, not us
        include_deleted: bool = False,
        what: str = "the awaited change",
    ) -> list[ChatMessage]:
        """Re-check `condition` on the chat after every change until it holds or time runs out."""
        deadline = time.monotonic() + timeout
        history = await self.history(chat_id, include_deleted=include_deleted)
        while not condition(history.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeout(_describe_timeout(what, chat_id, timeout, history))
            history = await self.history(
                chat_id,
                include_deleted=include_deleted,
                after_revision=history.revision,
                wait_s=remaining,
            )
        return history.messages

    async def wait_for_bot_messages(
        self,
        chat_id: int,
        *,
        after_message_id: int = 0,
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - the server waits, not us
    ) -> list[ChatMessage]:
        """The bot's messages newer than `after_message_id`, once there are at least `count`."""

        def new_ones(messages: list[ChatMessage]) -> list[ChatMessage]:
            return [m for m in messages if m.from_bot and m.message_id > after_message_id]

        messages = await self.wait_until(
            chat_id,
            lambda ms: len(new_ones(ms)) >= count,
            timeout=timeout,
            what=f"{count} bot message(s) after #{after_message_id}",
        )
        return new_ones(messages)

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        *,
        after_revision: int,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - the server waits, not us
    ) -> ChatMessage:
        """Message `message_id` once it changed (edited or deleted) after `after_revision`."""

        def changed(messages: list[ChatMessage]) -> ChatMessage | None:
            found = [m for m in messages if m.message_id == message_id]
            return found[0] if found and found[0].revision > after_revision else None

        messages = await self.wait_until(
            chat_id,
            lambda ms: changed(ms) is not None,
            timeout=timeout,
            include_deleted=True,
            what=f"a change of message #{message_id} after revision {after_revision}",
        )
        result = changed(messages)
        assert result is not None
        return result

    async def callback_answer(
        self, callback_query_id: str, *, wait_s: float = 0.0
    ) -> CallbackAnswer:
        """How the bot answered the button press (held up to `wait_s` until it does)."""
        data = await self._request(
            "GET",
            f"/callbacks/{callback_query_id}",
            params={"timeout": wait_s},
            timeout=wait_s + 10.0,
        )
        return CallbackAnswer.model_validate(data)

    async def wait_for_callback_answer(
        self,
        callback_query_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - the server waits, not us
    ) -> CallbackAnswer:
        answer = await self.callback_answer(callback_query_id, wait_s=timeout)
        if not answer.answered:
            raise EmulatorTimeout(f"callback query {callback_query_id} not answered in {timeout}s")
        return answer

    async def download(self, file_id: str) -> bytes:
        """The bytes of a file the bot sent (photo, document)."""
        data: bytes = await self._request("GET", f"/files/{file_id}")
        return data

    async def commands(self) -> list[dict[str, Any]]:
        """Every command list the bot set: [{"scope", "language_code", "commands"}]."""
        data = await self._request("GET", "/commands")
        return list(data["command_sets"])

    async def pending_updates(self) -> list[dict[str, Any]]:
        data = await self._request("GET", "/updates")
        return list(data["pending"])

    # --- steering Telegram -----------------------------------------------------------------

    async def add_fault(
        self,
        method: str,
        status: int | str,
        *,
        count: int = 1,
        retry_after: int | None = None,
        delay_s: float = 0.0,
        description: str | None = None,
    ) -> None:
        """The next `count` calls of `method` fail with `status` (0/"drop": connection closed)."""
        body = {
            "method": method,
            "status": status,
            "count": count,
            "retry_after": retry_after,
            "delay_s": delay_s,
            "description": description,
        }
        await self._request("POST", "/faults", json=_present(body))

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/faults")

    async def stats(self) -> EmulatorStats:
        return EmulatorStats.model_validate(await self._request("GET", "/stats"))

    async def set_limits(self, **limits: float | int | bool) -> dict[str, Any]:
        """Change flood limits (FloodLimits field names); omitted fields keep their value."""
        result: dict[str, Any] = await self._request("POST", "/limits", json=limits)
        return result

    async def reset(self) -> None:
        await self._request("POST", "/reset")


def _present(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def _describe_timeout(what: str, chat_id: int, timeout: float, history: ChatHistory) -> str:
    shown = [
        f"#{m.message_id} {'bot' if m.from_bot else 'user'}: {(m.text or m.caption or '')[:80]!r}"
        for m in history.messages[-10:]
    ]
    return f"{what} did not appear in chat {chat_id} within {timeout}s; chat holds: {shown}"

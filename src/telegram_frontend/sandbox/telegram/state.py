"""The emulated Telegram world: users, chats, messages, files, callback queries, update queue.

One world per bot: each token's bot has its own chats, message ids and updates, as on Telegram.
Every change to a message bumps the world's revision and wakes waiters, so tests and the terminal
chat wait for events instead of sleeping.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from telegram_frontend.sandbox.telegram.rules import (
    bad_request,
    command_entities,
    inline_keyboard_only,
)
from telegram_frontend.sandbox.telegram.update_queue import ChangeSignal, UpdateQueue

SUPERGROUP_ID_BELOW = -1_000_000_000_000
CONTENT_FIELDS = ("text", "entities", "caption", "caption_entities", "reply_markup")
"""What "message is not modified" compares."""


def bot_user(bot_id: int) -> dict[str, Any]:
    """The bot's User object, derived from the numeric id at the start of its token."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "Sandbox Bot",
        "username": f"sandbox{bot_id}_bot",
    }


def new_file_ids(kind: str, serial: int) -> tuple[str, str]:
    """(file_id, file_unique_id), opaque like Telegram's but readable in logs."""
    return f"{kind}-{serial}-{secrets.token_hex(6)}", f"u{kind[:2]}{serial}"


@dataclass
class UserProfile:
    id: int
    first_name: str = "Test"
    username: str | None = None
    language_code: str | None = None
    blocked_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class ChatRecord:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    next_message_id: int = 1
    revision: int = 0

    def to_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Test"
        else:
            chat["title"] = self.title or f"Group {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    raw: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    disable_notification: bool = False
    edit_date: int | None = None
    deleted: bool = False
    revision: int = 0

    def content_key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CONTENT_FIELDS)

    def to_control(self) -> dict[str, Any]:
        """The sandbox view: everything a test may assert on, including what the bot sent raw."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "from_bot": self.from_bot,
            "sender_id": self.sender_id,
            "date": self.date,
            "text": self.text,
            "caption": self.caption,
            "raw": self.raw,
            "parse_mode": self.parse_mode,
            "entities": self.entities or self.caption_entities,
            "reply_markup": self.reply_markup,
            "photo": self.photo,
            "document": self.document,
            "reply_to_message_id": self.reply_to_message_id,
            "message_thread_id": self.message_thread_id,
            "disable_notification": self.disable_notification,
            "edited": self.edit_date is not None,
            "edit_date": self.edit_date,
            "deleted": self.deleted,
            "revision": self.revision,
        }


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None

    def to_control(self) -> dict[str, Any]:
        return {
            "callback_query_id": self.id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "answered": self.answered,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "cache_time": self.cache_time,
        }


class EmulatorWorld:
    """All state of the emulated Telegram; the HTTP layers only translate to and from it."""

    def __init__(self) -> None:
        self.users: dict[int, UserProfile] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[tuple[str, int | None, int | None], str], list[Any]] = {}
        self.updates = UpdateQueue()
        self.revision = 0
        self.changed = ChangeSignal()
        self._serial = 0

    def serial(self) -> int:
        self._serial += 1
        return self._serial

    def user(self, user_id: int, **profile: Any) -> UserProfile:
        """The user with that id, created on first sight; given profile fields overwrite."""
        user = self.users.setdefault(user_id, UserProfile(id=user_id))
        for name, value in profile.items():
            if value is not None:
                setattr(user, name, value)
        return user

    def register_chat(
        self, chat_id: int, chat_type: str | None = None, **fields: Any
    ) -> ChatRecord:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatRecord(id=chat_id, type=chat_type or infer_chat_type(chat_id))
            self.chats[chat_id] = chat
            self.messages[chat_id] = {}
        elif chat_type:
            chat.type = chat_type
        for name, value in fields.items():
            if value is not None:
                setattr(chat, name, value)
        return chat

    def chat(self, chat_id: int) -> ChatRecord:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def message(self, chat_id: int, message_id: int | None) -> StoredMessage | None:
        found = self.messages.get(chat_id, {}).get(message_id or 0)
        return None if found is None or found.deleted else found

    def add_message(self, chat: ChatRecord, message: StoredMessage) -> StoredMessage:
        message.message_id = chat.next_message_id
        chat.next_message_id += 1
        self.messages[chat.id][message.message_id] = message
        self.touch(message)
        return message

    def touch(self, message: StoredMessage) -> None:
        """Record a change of `message` and wake whoever waits on the chat."""
        self.revision += 1
        message.revision = self.revision
        self.chats[message.chat_id].revision = self.revision
        self.changed.notify()

    def add_user_message(
        self,
        user: UserProfile,
        chat: ChatRecord,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            chat_id=chat.id,
            message_id=0,
            sender_id=user.id,
            from_bot=False,
            date=int(time.time()),
            text=text,
            entities=command_entities(text),
            raw=text,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
        )
        return self.add_message(chat, message)

    def add_file(self, kind: str, data: bytes, extension: str, **meta: str | None) -> StoredFile:
        serial = self.serial()
        file_id, unique_id = new_file_ids(kind, serial)
        stored = StoredFile(file_id, unique_id, data, f"{kind}/file_{serial}{extension}", **meta)
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def alias_file(self, stored: StoredFile, kind: str) -> str:
        """A second file_id for the same bytes (the smaller sizes of a photo)."""
        file_id, _ = new_file_ids(kind, self.serial())
        self.files[file_id] = stored
        return file_id

    def message_json(self, message: StoredMessage, *, nested: bool = True) -> Any:
        """The Bot API Message object as aiogram parses it."""
        sender = bot_user(message.sender_id) if message.from_bot else self.user_json(message)
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": sender,
            "chat": self.chats[message.chat_id].to_api(),
            "date": message.date,
        }
        optional = {
            "message_thread_id": message.message_thread_id,
            "text": message.text,
            "entities": message.entities or None,
            "caption": message.caption,
            "caption_entities": message.caption_entities or None,
            "photo": message.photo,
            "document": message.document,
            "edit_date": message.edit_date,
            "reply_markup": inline_keyboard_only(message.reply_markup),
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        replied = self.message(message.chat_id, message.reply_to_message_id)
        if nested and replied is not None:
            data["reply_to_message"] = self.message_json(replied, nested=False)
        return data

    def user_json(self, message: StoredMessage) -> dict[str, Any]:
        return self.user(message.sender_id).to_api()

    def chat_messages(self, chat_id: int, include_deleted: bool = False) -> list[StoredMessage]:
        return [
            m for m in self.messages.get(chat_id, {}).values() if include_deleted or not m.deleted
        ]


def infer_chat_type(chat_id: int) -> str:
    """Positive ids are users' private chats; -100… ids are supergroups; other negatives groups."""
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id < SUPERGROUP_ID_BELOW else "group"

"""Where the bot may talk: private chats always; groups and forum topics only when an admin
allowed them, and there only the read-only monitoring screens.

Finding 1 of the security review: in a group every member (strangers included) saw a trader's
portfolio, the /panic code and a TOTP secret. Secrets and account values are therefore never
shown outside a private chat, whatever a handler asks for.
"""

from __future__ import annotations

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.services.admin.system_config import ConfigService

ALLOWED_CHATS_KEY = "security.allowed_chats"


def chat_ref(chat_id: int, thread_id: int | None = None) -> str:
    """How an allowed chat is written in the setting: `-100123` or `-100123:7` for a topic."""
    return f"{chat_id}:{thread_id}" if thread_id else str(chat_id)


class ChatPolicy:
    """Reads and changes the list of group chats (or topics) allowed for monitoring screens."""

    def __init__(self, config: ConfigService) -> None:
        self._config = config

    async def allowed_chats(self) -> list[str]:
        value = await self._config.get(ALLOWED_CHATS_KEY)
        return [str(v) for v in value] if isinstance(value, list) else []

    async def allows(self, chat_id: int, thread_id: int | None = None) -> bool:
        """A whole group, or the one forum topic, is on the admin's list."""
        allowed = set(await self.allowed_chats())
        return str(chat_id) in allowed or (
            thread_id is not None and chat_ref(chat_id, thread_id) in allowed
        )

    async def allow(self, actor: Actor, chat_id: int, thread_id: int | None = None) -> list[str]:
        require(actor, Role.ADMIN)
        if chat_id > 0:
            raise ValidationFailed("Private chats need no permission; this is for groups.")
        current = await self.allowed_chats()
        ref = chat_ref(chat_id, thread_id)
        if ref not in current:
            current.append(ref)
        return list(await self._config.set(actor, ALLOWED_CHATS_KEY, current))

    async def deny(self, actor: Actor, chat_id: int, thread_id: int | None = None) -> list[str]:
        require(actor, Role.ADMIN)
        ref = chat_ref(chat_id, thread_id)
        current = [c for c in await self.allowed_chats() if c not in (ref, str(chat_id))]
        return list(await self._config.set(actor, ALLOWED_CHATS_KEY, current))

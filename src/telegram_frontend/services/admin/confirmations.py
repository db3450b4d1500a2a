"""One-time confirmations for destructive actions, kept server-side with an expiry.

A button carries only a short token; the action and its arguments stay here, so a replayed,
forged or stale button cannot act. Typed codes (for /panic) are checked the same way.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.errors import ConfirmationExpired, ValidationFailed


@dataclass(frozen=True)
class Pending:
    """What a confirmation will do once accepted."""

    token: str
    action: str
    payload: dict[str, Any]
    code: str | None = None


class ConfirmationService:
    """Issues tokens bound to one user and consumes each at most once within the TTL."""

    def __init__(self, cache: Cache, ttl_seconds: float = 60.0) -> None:
        self._cache = cache
        self.ttl = ttl_seconds

    async def issue(
        self, user_key: str, action: str, payload: dict[str, Any], *, with_code: bool = False
    ) -> Pending:
        token = secrets.token_urlsafe(9)
        code = f"{secrets.randbelow(10**6):06d}" if with_code else None
        record = {"user": user_key, "action": action, "payload": payload, "code": code}
        await self._cache.set(f"confirm:{token}", json.dumps(record), ttl=self.ttl)
        return Pending(token=token, action=action, payload=payload, code=code)

    async def consume(self, user_key: str, token: str, code: str | None = None) -> Pending:
        """Return the pending action exactly once; anything stale or foreign is 'expired'.

        The owner is checked before the token is taken, so someone else's press neither uses
        nor spoils it; the atomic pop then makes sure only one of two racing presses acts.
        """
        if not await self._owned_by(user_key, token):
            raise ConfirmationExpired()
        raw = await self._cache.pop(f"confirm:{token}")
        if raw is None:
            raise ConfirmationExpired()
        record = json.loads(raw)
        expected = record.get("code")
        if expected is not None and (
            code is None or not hmac.compare_digest(expected, code.strip())
        ):
            raise ValidationFailed("The confirmation code did not match; nothing was done.")
        return Pending(token=token, action=record["action"], payload=record["payload"])

    async def cancel(self, user_key: str, token: str) -> bool:
        """Drop the owner's pending action; False (and nothing dropped) for anyone else's."""
        if not await self._owned_by(user_key, token):
            return False
        await self._cache.delete(f"confirm:{token}")
        return True

    async def _owned_by(self, user_key: str, token: str) -> bool:
        raw = await self._cache.get(f"confirm:{token}")
        return raw is not None and json.loads(raw).get("user") == user_key

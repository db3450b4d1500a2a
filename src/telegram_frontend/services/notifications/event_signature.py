"""The signature of a posted event: HMAC-SHA256 of `timestamp + "." + body`, valid for a window.

Covering the timestamp makes an old capture useless after the window; within the window a
replayed capture maps to the same idempotency key (see `EventIntake`), so it queues nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from telegram_frontend.core.errors import FrontendError

PREFIX = "sha256="


class SignatureRefused(FrontendError):
    """The signature is missing, stale or does not match; the text says which, never the secret."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex digest a sender puts in `X-Signature: sha256=<hex>`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class SignatureCheck:
    """Checks the timestamp before the body is read, and the digest once it is."""

    def __init__(
        self, secret: str, window_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self.window = window_seconds
        self._clock = clock

    def timestamp(self, raw: str | None) -> int:
        """The header's unix time in seconds, or `SignatureRefused` when absent or stale."""
        if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 12:
            raise SignatureRefused(
                "Send X-Signature-Timestamp (unix seconds) and sign `timestamp.body`."
            )
        stamp = int(raw.strip())
        if abs(self._clock() - stamp) > self.window:
            raise SignatureRefused(
                f"The signature timestamp is outside the {self.window}-second window."
            )
        return stamp

    def verify(self, presented: str, timestamp: int, body: bytes) -> str:
        """The expected digest when `presented` matches it (constant-time), else refused."""
        expected = sign(self._secret, timestamp, body)
        given = presented.strip().lower().removeprefix(PREFIX)
        if not hmac.compare_digest(expected, given):
            raise SignatureRefused("The X-Signature does not match the timestamp and body.")
        return expected

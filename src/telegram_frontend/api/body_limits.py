"""Bounded request bodies, enforced before anything reads them, and credentials before the body.

A declared `Content-Length` over the route's limit is refused at once (413) and a body sent
without one is cut off as soon as it passes the limit, so a 300 MB upload never reaches memory.
A write to `/api/v1` that carries no credentials at all is refused (401) before its body is read.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
DEFAULT_LIMIT = 64 * KIB
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CREDENTIAL_HEADERS = (b"authorization", b"x-signature")


@dataclass(frozen=True)
class BodyLimits:
    """The default limit, larger limits for some path prefixes, and which paths need credentials."""

    default: int = DEFAULT_LIMIT
    by_prefix: dict[str, int] = field(default_factory=dict)
    credentials_required: tuple[str, ...] = ("/api/v1/",)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.by_prefix.items():
            if path.startswith(prefix):
                return limit
        return self.default


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (413 in the error shape)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class BodyLimitMiddleware:
    """Pure ASGI: checks the headers first, then counts the body as it streams in."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.limits.limit_for(path)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _refuse(send, 400, "invalid", "The Content-Length header is not a number.")
                return
            if length > limit:
                await _refuse(send, 413, "too_large", BodyTooLarge(limit).detail)
                return
        has_body = declared not in (None, b"0") or b"transfer-encoding" in headers
        if (
            has_body
            and scope.get("method") in WRITE_METHODS
            and path.startswith(self.limits.credentials_required)
            and not any(headers.get(name) for name in CREDENTIAL_HEADERS)
        ):
            await _refuse(
                send,
                401,
                "unauthorized",
                "Send an API key as `Authorization: Bearer <key>`.",
                {"www-authenticate": "Bearer"},
            )
            return
        await self.app(scope, _capped(receive, limit), send)


def _capped(receive: Receive, limit: int) -> Receive:
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped


async def _refuse(
    send: Send, status: int, code: str, detail: str, extra: dict[str, str] | None = None
) -> None:
    body = json.dumps({"error": code, "detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

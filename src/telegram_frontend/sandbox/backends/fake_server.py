"""One fake backend service on its own local port, with switches to make it misbehave.

Every fake (trader, storage, collection, grid, Prometheus) runs behind a `FakeServer` so the
tests can make any one of them refuse connections, answer slowly, fail with 500 or reject our
key, exactly as the real deployment fails, while the others keep working.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ServiceFaults:
    """Switches read by the middleware on every request."""

    delay_seconds: float = 0.0
    error_status: int | None = None  # e.g. 500: every request fails with it
    reject_key: bool = False  # every request answers 403, as with a revoked API key

    def clear(self) -> None:
        self.delay_seconds = 0.0
        self.error_status = None
        self.reject_key = False


def to_json_text(value: Any) -> str:
    """JSON like Jackson writes it: Decimals as exact numbers, NaN as the bare `NaN` token."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return "NaN" if value.is_nan() else format(value, "f")
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{to_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json_text(v) for v in value) + "]"
    if isinstance(value, datetime):
        return json.dumps(java_local_time(value))
    raise TypeError(f"cannot encode {type(value).__name__}")


def json_answer(value: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=to_json_text(value), status=status, content_type="application/json", charset="utf-8"
    )


def spring_error(request: web.Request, status: int, message: str = "") -> web.Response:
    """The error body Spring Boot sends by default."""
    reasons = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    body = {
        "timestamp": java_local_time(datetime.now(UTC)),
        "status": status,
        "error": reasons.get(status, "Internal Server Error"),
        "message": message,
        "path": request.path,
    }
    return json_answer(body, status)


def java_local_time(moment: datetime) -> str:
    """How Jackson prints a `LocalDateTime`: ISO without a zone (the services run in UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def faults_middleware(faults: ServiceFaults) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if faults.delay_seconds > 0:
            await asyncio.sleep(faults.delay_seconds)
        if faults.reject_key:
            return spring_error(request, 403, "Access denied")
        if faults.error_status is not None:
            return spring_error(request, faults.error_status, "Simulated failure")
        return await handler(request)

    return middleware


class FakeServer:
    """Serves one aiohttp app on 127.0.0.1; `go_down` closes the port, `come_up` reopens it."""

    def __init__(self, name: str, build_app: Callable[[], web.Application], port: int = 0) -> None:
        self.name = name
        self._build_app = build_app
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def is_up(self) -> bool:
        return self._runner is not None

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError(f"the fake {self.name} has not started yet")
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        if self._runner is not None:
            return
        runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, shutdown_timeout=0.2)
        await site.start()
        self._runner = runner
        if not self.port:
            sockets = runner.addresses
            self.port = int(sockets[0][1])

    async def stop(self) -> None:
        """Stop listening and drop open connections: clients see "connection refused"."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def go_down(self) -> None:
        await self.stop()

    async def come_up(self) -> None:
        await self.start()

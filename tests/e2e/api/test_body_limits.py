"""Request bodies are bounded before they are read, and credentials come before the body.

Finding 4 of the security review: a 300 MB body without credentials was read whole (8 s, half a
gigabyte) before the 401. These tests talk raw HTTP so they can count what the server took.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import RunningFrontend, running_frontend

HUGE = 300 * 1024 * 1024
CHUNK = b"x" * 65536


@pytest.fixture
async def app(settings_env: dict[str, str]) -> AsyncIterator[RunningFrontend]:
    env = {**settings_env, "EVENTS_HMAC_SECRET": "body-limit-secret"}
    async with running_frontend(env) as running:
        yield running


async def _post(
    app: RunningFrontend, path: str, headers: dict[str, str], *, chunked: bool = False
) -> tuple[int, int, float]:
    """Send up to 300 MB until the server answers; (status, bytes sent, seconds)."""
    port = int(app.http_base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {HUGE}")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    started = time.monotonic()
    status_line = asyncio.ensure_future(reader.readline())
    sent = 0
    try:
        while sent < HUGE and not status_line.done():
            piece = (b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n") if chunked else CHUNK
            writer.write(piece)
            sent += len(CHUNK)
            await asyncio.wait_for(writer.drain(), 5)
            await asyncio.sleep(0)
    except (ConnectionError, TimeoutError):
        pass
    line = await asyncio.wait_for(status_line, 10)
    elapsed = time.monotonic() - started
    writer.close()
    return int(line.split()[1]), sent, elapsed


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/users/1/alert-rules"])
async def test_a_300_mb_body_without_credentials_is_refused_unread(
    app: RunningFrontend, path: str
) -> None:
    status, sent, elapsed = await _post(app, path, {})
    assert status == 413
    assert sent < 16 * 1024 * 1024 and elapsed < 2
    status, sent, elapsed = await _post(app, path, {}, chunked=True)
    assert status == 401  # no credentials: refused before the body is read
    assert sent < 16 * 1024 * 1024 and elapsed < 2


async def test_a_streamed_body_with_credentials_is_cut_at_the_limit(app: RunningFrontend) -> None:
    status, sent, _ = await _post(
        app,
        "/api/v1/events",
        {"X-Signature": "sha256=00", "X-Signature-Timestamp": str(int(time.time()))},
        chunked=True,
    )
    assert status == 413
    assert sent < 16 * 1024 * 1024
    status, sent, _ = await _post(
        app, "/api/v1/users/1/alert-rules", {"Authorization": "Bearer x"}, chunked=True
    )
    assert status == 413


async def test_the_webhook_refuses_a_huge_body_without_reading_it(
    app: RunningFrontend,
) -> None:
    status, sent, elapsed = await _post(app, "/telegram/webhook", {})
    assert status == 413 and sent < 16 * 1024 * 1024 and elapsed < 2

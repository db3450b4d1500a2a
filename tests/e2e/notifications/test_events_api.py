"""POST /api/v1/events: signed or keyed posts become notifications, once per idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from telegram_frontend.core.access import Role
from tests.e2e.api.support import bearer, issue_keys
from tests.e2e.harness import RunningFrontend, running_frontend
from tests.e2e.notifications.support import FAST_DELIVERY, bot_texts, rows, subscribe, wait_settled

SECRET = "events-shared-secret-for-tests"
USERS = [7001, 7002]


@pytest.fixture
async def app(settings_env: dict[str, str]) -> AsyncIterator[RunningFrontend]:
    env = {**settings_env, **FAST_DELIVERY, "EVENTS_HMAC_SECRET": SECRET}
    async with running_frontend(env) as running:
        await subscribe(running, USERS)
        yield running


@pytest.fixture
async def http(app: RunningFrontend) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app.http_base, timeout=10) as client:
        yield client


def signed(
    body: dict[str, object], secret: str = SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """Sign as the README tells senders to: HMAC-SHA256 of `timestamp + "." + body`."""
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return raw, {
        "X-Signature": f"sha256={digest}",
        "X-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


async def test_a_signed_event_reaches_subscribers_once_per_idempotency_key(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    body = {
        "type": "system",
        "severity": "critical",
        "title": "Kafka <lag>",
        "text": "Consumer group binance-kline is 5 min behind & growing",
        "idempotency_key": "lag-1",
    }
    raw, headers = signed(body)
    first = await http.post(
        "/api/v1/events", content=raw, headers={**headers, "Idempotency-Key": "lag-1"}
    )
    assert first.status_code == 202, first.text
    accepted = first.json()
    assert accepted["key"] == "lag-1" and accepted["duplicate"] is False
    assert len(accepted["ids"]) == 2
    again = await http.post(
        "/api/v1/events", content=raw, headers={**headers, "Idempotency-Key": "lag-1"}
    )
    assert again.status_code == 202
    assert again.json() == {**accepted, "duplicate": True}
    await wait_settled(app, 2)
    for user in USERS:
        assert await bot_texts(app, user) == [
            "🚨 Kafka <lag>\nConsumer group binance-kline is 5 min behind & growing"
        ]
    assert len(await rows(app)) == 2


async def test_an_api_key_with_the_trader_role_may_post_and_the_field_key_dedupes(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    keys = await issue_keys(app)
    body = {"text": "nightly backup done", "idempotency_key": "backup-2030-01-01"}
    viewer = await http.post("/api/v1/events", json=body, headers=bearer(keys.viewer))
    assert viewer.status_code == 403
    assert viewer.json()["detail"] == "This needs the trader role; this API key is viewer."
    posted = await http.post("/api/v1/events", json=body, headers=bearer(keys.trader))
    repeated = await http.post("/api/v1/events", json=body, headers=bearer(keys.trader))
    assert posted.status_code == repeated.status_code == 202
    assert repeated.json()["ids"] == posted.json()["ids"] and repeated.json()["duplicate"]
    await wait_settled(app, 2)
    assert await bot_texts(app, USERS[0]) == ["ℹ️ nightly backup done"]


async def test_bad_signatures_and_bad_bodies_are_refused_and_queue_nothing(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    body = {"text": "x"}
    raw, headers = signed(body, secret="wrong-secret")
    forged = await http.post("/api/v1/events", content=raw, headers=headers)
    assert forged.status_code == 401
    assert forged.json() == {
        "error": "unauthorized",
        "detail": "The X-Signature does not match the timestamp and body.",
    }
    raw, headers = signed(body)
    tampered = await http.post("/api/v1/events", content=raw + b" ", headers=headers)
    assert tampered.status_code == 401
    anonymous = await http.post("/api/v1/events", json=body)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    raw, headers = signed({"text": "", "type": "gossip"})
    invalid = await http.post("/api/v1/events", content=raw, headers=headers)
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid"
    assert await rows(app) == []


async def test_signed_events_are_refused_when_no_secret_is_configured(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend(settings_env) as app:
        await subscribe(app, USERS, Role.VIEWER)
        raw, headers = signed({"text": "hello"})
        async with httpx.AsyncClient(base_url=app.http_base) as http:
            response = await http.post("/api/v1/events", content=raw, headers=headers)
        assert response.status_code == 401
        assert "EVENTS_HMAC_SECRET" in response.json()["detail"]


async def test_a_replayed_signed_event_is_delivered_once(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    body = {"severity": "critical", "type": "risk", "text": "Drawdown 12 % on BTCUSDT"}
    raw, headers = signed(body)
    answers = [await http.post("/api/v1/events", content=raw, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert len({a.json()["key"] for a in answers}) == 1
    await wait_settled(app, 2)
    assert len(await rows(app)) == 2  # one per subscriber, not nine
    for user in USERS:
        assert len(await bot_texts(app, user)) == 1


async def test_an_unsigned_header_cannot_override_the_signed_key(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    raw, headers = signed({"text": "Drawdown 12 %"})
    for key in ("a", "b"):
        forged = await http.post(
            "/api/v1/events", content=raw, headers={**headers, "Idempotency-Key": key}
        )
        assert forged.status_code == 422, forged.text
        assert "signed body" in forged.json()["detail"]
    raw, headers = signed({"text": "Drawdown 12 %", "idempotency_key": "dd-1"})
    other = await http.post(
        "/api/v1/events", content=raw, headers={**headers, "Idempotency-Key": "dd-2"}
    )
    assert other.status_code == 422
    assert await rows(app) == []


async def test_a_stale_or_moved_timestamp_is_refused(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    body = {"text": "old news"}
    raw, headers = signed(body, at=int(time.time()) - 301)
    stale = await http.post("/api/v1/events", content=raw, headers=headers)
    assert stale.status_code == 401
    assert "300-second window" in stale.json()["detail"]
    raw, headers = signed(body, at=int(time.time()) - 10)
    moved = await http.post(
        "/api/v1/events",
        content=raw,
        headers={**headers, "X-Signature-Timestamp": str(int(time.time()))},
    )
    assert moved.status_code == 401
    no_stamp = {k: v for k, v in headers.items() if k != "X-Signature-Timestamp"}
    missing = await http.post("/api/v1/events", content=raw, headers=no_stamp)
    assert missing.status_code == 401 and "X-Signature-Timestamp" in missing.json()["detail"]
    assert await rows(app) == []


async def test_signed_posts_are_rate_limited_per_sender(settings_env: dict[str, str]) -> None:
    env = {**settings_env, "EVENTS_HMAC_SECRET": SECRET, "EVENTS_RATE_LIMIT_PER_MINUTE": "3"}
    async with running_frontend(env) as app:
        async with httpx.AsyncClient(base_url=app.http_base) as http:
            codes = []
            for n in range(5):
                raw, headers = signed({"text": f"event {n}", "idempotency_key": f"k{n}"})
                codes.append(await http.post("/api/v1/events", content=raw, headers=headers))
        assert [c.status_code for c in codes[:3]] == [202, 202, 202]
        assert {c.status_code for c in codes[3:]} == {429}
        assert codes[3].headers["retry-after"]

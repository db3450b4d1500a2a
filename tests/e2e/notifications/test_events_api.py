"""POST /api/v1/events: signed or keyed posts become notifications, once per idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json
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


def signed(body: dict[str, object], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Signature": f"sha256={digest}", "Content-Type": "application/json"}


async def test_a_signed_event_reaches_subscribers_once_per_idempotency_key(
    app: RunningFrontend, http: httpx.AsyncClient
) -> None:
    body = {
        "type": "system",
        "severity": "critical",
        "title": "Kafka <lag>",
        "text": "Consumer group binance-kline is 5 min behind & growing",
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
        "detail": "The X-Signature does not match the body.",
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

"""Every HTTP route × (no key, viewer, trader, admin, revoked key) gives the expected status.

Routes are enumerated from the running app, so a route added without an entry in `EXPECTED`
fails here: each route must say which role it needs (None: no API key at all) and what a
permitted call to it answers with the fake trading system and Binance behind the app. Every
resource is served again under `/api/v1/deployments/{deployment}` with the same expectation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.routing import APIRoute, iter_route_contexts

from telegram_frontend.api.deps import required_role
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind
from tests.e2e.api.support import KEY_ROLES, ApiKeys, bearer
from tests.e2e.harness import World

V, T, A = Role.VIEWER, Role.TRADER, Role.ADMIN


@dataclass(frozen=True)
class Expect:
    role: Role | None  # None: public, no key needed
    ok: int = 200  # what a permitted call answers (with the sample parameters below)


EXPECTED: dict[tuple[str, str], Expect] = {
    ("GET", "/openapi.json"): Expect(None),
    ("GET", "/docs"): Expect(None),
    ("GET", "/docs/oauth2-redirect"): Expect(None),
    ("GET", "/docs/swagger-ui-bundle.js"): Expect(None),
    ("GET", "/docs/swagger-ui.css"): Expect(None),
    ("GET", "/docs/favicon-32x32.png"): Expect(None),
    ("GET", "/redoc"): Expect(None),
    ("GET", "/api/v1/openapi.json"): Expect(None),
    ("GET", "/health/live"): Expect(None),
    ("GET", "/health/ready"): Expect(None),
    ("GET", "/metrics"): Expect(None),
    ("GET", "/api/v1/me"): Expect(V),
    ("GET", "/api/v1/status"): Expect(V),
    ("GET", "/api/v1/health"): Expect(V),
    ("GET", "/api/v1/strategies"): Expect(V),
    ("GET", "/api/v1/strategies/{strategy_id}"): Expect(V),
    ("GET", "/api/v1/strategies/{strategy_id}/performance"): Expect(V),
    # the sample is a MACD instance: the trader has no start/stop, so a permitted call gets 409
    # (a grid answers "already active" to every call after the first, as the real one does)
    ("POST", "/api/v1/strategies/{strategy_id}/start"): Expect(T, ok=409),
    ("POST", "/api/v1/strategies/{strategy_id}/stop"): Expect(T, ok=409),
    ("GET", "/api/v1/signals"): Expect(V),
    ("GET", "/api/v1/strategies/{strategy_id}/signals"): Expect(V),
    ("POST", "/api/v1/indicators/refresh"): Expect(A),
    ("POST", "/api/v1/strategies/{strategy_id}/indicators/refresh"): Expect(A),
    ("GET", "/api/v1/positions"): Expect(V),
    ("GET", "/api/v1/trades"): Expect(V),
    ("GET", "/api/v1/strategy-orders"): Expect(V),
    ("GET", "/api/v1/performance"): Expect(V),
    ("GET", "/api/v1/portfolio"): Expect(V),
    ("GET", "/api/v1/orders"): Expect(V),
    ("GET", "/api/v1/orders/history"): Expect(V),
    ("DELETE", "/api/v1/orders/{symbol}/{order_id}"): Expect(T, ok=404),  # no such order
    ("DELETE", "/api/v1/orders/{symbol}"): Expect(T),
    ("GET", "/api/v1/audit"): Expect(A),
    ("GET", "/api/v1/api-keys"): Expect(A),
    ("DELETE", "/api/v1/api-keys/{key_id}"): Expect(A),
    ("GET", "/api/v1/users/{user_id}/alert-rules"): Expect(A),
    ("POST", "/api/v1/users/{user_id}/alert-rules"): Expect(A, ok=201),
    ("GET", "/api/v1/users/{user_id}/alert-rules/{rule_id}"): Expect(A),
    ("PATCH", "/api/v1/users/{user_id}/alert-rules/{rule_id}"): Expect(A),
    ("DELETE", "/api/v1/users/{user_id}/alert-rules/{rule_id}"): Expect(A, ok=204),
    ("POST", "/api/v1/events"): Expect(T, ok=202),
    ("GET", "/api/v1/notification-routes"): Expect(A),
    ("PUT", "/api/v1/notification-routes/{kind}/{chat_id}"): Expect(A),
    ("DELETE", "/api/v1/notification-routes/{kind}/{chat_id}"): Expect(A, ok=204),
}
SCOPE = "/api/v1/deployments/{deployment}"
UNSCOPED = ("/api/v1/openapi.json",)
EXPECTED |= {
    (method, SCOPE + path.removeprefix("/api/v1")): expect
    for (method, path), expect in EXPECTED.items()
    if path.startswith("/api/v1/") and path not in UNSCOPED
}
EXPECTED |= {
    ("GET", "/api/v1/deployments"): Expect(V),
    ("GET", "/api/v1/deployments/{deployment}"): Expect(V),
}

QUERY = {"/api/v1/orders/history": {"symbol": "BTCUSDT"}}
BODY: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/users/{user_id}/alert-rules"): {
        "kind": "price_above",
        "target": "BTCUSDT",
        "threshold": "70000",
    },
    ("PATCH", "/api/v1/users/{user_id}/alert-rules/{rule_id}"): {"active": False},
    ("POST", "/api/v1/events"): {"text": "From the auth matrix test."},
    ("PUT", "/api/v1/notification-routes/{kind}/{chat_id}"): {"thread_id": 7},
}


def unscoped(path: str) -> str:
    """The `/api/v1` path of a route served under a deployment (the samples are the same)."""
    return "/api/v1" + path.removeprefix(SCOPE) if path.startswith(SCOPE + "/") else path


RULE_OWNER = 5000


@dataclass(frozen=True)
class Samples:
    """Path parameters that name real things, so a permitted call can succeed."""

    keys: ApiKeys
    kept_rule: int  # read and patched
    doomed_rules: tuple[int, int]  # deleted by the one permitted DELETE of each mount

    def url(self, method: str, path: str) -> str:
        rule = self.kept_rule
        if method == "DELETE":
            rule = self.doomed_rules[path.startswith(SCOPE)]
        return path.format(
            deployment="default",
            kind="trades",
            chat_id="-100123",
            strategy_id="macd:conservative-btc",
            symbol="BTCUSDT",
            order_id="424242",
            key_id=str(self.keys.spare_id),
            user_id=str(RULE_OWNER),
            rule_id=str(rule),
        )


async def samples_in(world: World, keys: ApiKeys) -> Samples:
    chat = await world.app.user_with_role(RULE_OWNER, Role.TRADER, "Owner")
    alerts = await world.app.frontend.container.get(AlertService)
    owner = Actor(role=Role.TRADER, user_id=chat.user_id, name="Owner")
    kept = await alerts.add_rule(owner, RuleKind.PRICE_BELOW, "ETHUSDT", "1000")
    doomed = [await alerts.add_rule(owner, RuleKind.SERVICE_DOWN, "any", None) for _ in "ab"]
    return Samples(keys, kept.id, (doomed[0].id, doomed[1].id))


def routes_of(world: World) -> dict[tuple[str, str], APIRoute | None]:
    """(method, path template) of every route the app serves, with its APIRoute if any."""
    app = world.app.frontend.app
    assert app is not None
    found: dict[tuple[str, str], APIRoute | None] = {}
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        for method in sorted((context.methods or set()) - {"HEAD"}):
            assert context.path_format is not None
            found[(method, context.path_format)] = (
                original if isinstance(original, APIRoute) else None
            )
    return found


async def call(
    http: httpx.AsyncClient, method: str, path: str, samples: Samples, key: str | None
) -> httpx.Response:
    headers = bearer(key) if key is not None else {}
    return await http.request(
        method,
        samples.url(method, path),
        params=QUERY.get(unscoped(path)),
        json=BODY.get((method, unscoped(path))),
        headers=headers,
    )


def assert_refused(response: httpx.Response, status: int, what: str) -> None:
    assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
    body = response.json()
    assert set(body) == {"error", "detail"}, what
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer", what


async def test_every_route_declares_its_role_and_enforces_it_for_every_kind_of_key(
    api_world: World, api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    samples = await samples_in(api_world, api_keys)
    served = routes_of(api_world)
    undeclared = sorted(set(served) - set(EXPECTED))
    assert not undeclared, f"routes without an expectation in EXPECTED: {undeclared}"
    assert not set(EXPECTED) - set(served), "EXPECTED lists routes the app does not serve"

    for (method, path), route in served.items():
        expect = EXPECTED[(method, path)]
        what = f"{method} {path}"
        assert (required_role(route) if route else None) == expect.role, what
        if expect.role is None:
            for key in (None, api_keys.revoked):
                response = await call(http, method, path, samples, key)
                assert response.status_code == expect.ok, f"{what}: {response.text[:200]}"
            continue
        assert_refused(await call(http, method, path, samples, None), 401, f"{what} no key")
        revoked = await call(http, method, path, samples, api_keys.revoked)
        assert_refused(revoked, 401, f"{what} revoked key")
        for role in KEY_ROLES:
            response = await call(http, method, path, samples, api_keys.of(role))
            if role.allows(expect.role):
                assert response.status_code == expect.ok, (
                    f"{what} as {role}: {response.status_code} {response.text[:300]}"
                )
            else:
                assert_refused(response, 403, f"{what} as {role}")
                assert response.json()["detail"] == (
                    f"This needs the {expect.role.value} role; this API key is {role.value}."
                )


async def test_a_garbled_or_non_bearer_authorization_is_401_with_the_challenge(
    api_world: World, api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    for header in (
        "Bearer",
        "Bearer not-a-key",
        f"Basic {api_keys.admin}",
        f"Bearer {api_keys.admin[:-2]}",
        api_keys.admin,
    ):
        response = await http.get("/api/v1/me", headers={"Authorization": header})
        assert_refused(response, 401, header[:20])

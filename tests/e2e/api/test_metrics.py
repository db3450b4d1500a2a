"""`/metrics` moves with what really happens: bot commands (refusals included), API requests,
backend calls, breakers and Binance weight; the Grafana dashboard charts every family.

Prometheus counters are process-wide, so each check compares a value before and after.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import Metric
from prometheus_client.parser import text_string_to_metric_families

from telegram_frontend.core import metrics as metric_module
from telegram_frontend.core.access import Role
from tests.e2e.api.support import ApiKeys, bearer, issue_keys
from tests.e2e.harness import World, running_world, text_of

USER_RATE_LIMIT = 3
DASHBOARD = Path(__file__).parents[3] / "deploy" / "grafana" / "telegram-frontend.json"


class Scrape:
    """One scrape of `/metrics`, read as Prometheus would."""

    def __init__(self, text: str) -> None:
        self.families: dict[str, Metric] = {f.name: f for f in text_string_to_metric_families(text)}

    def value(self, sample: str, **labels: str) -> float:
        """The sum of the samples called `sample` whose labels include `labels` (0 if none)."""
        total = 0.0
        for family in self.families.values():
            for s in family.samples:
                if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                    total += s.value
        return total


async def scrape(http: httpx.AsyncClient) -> Scrape:
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return Scrape(answer.text)


@pytest.fixture
async def fragile_world(
    settings_env: dict[str, str], trading_database_url: str
) -> AsyncIterator[World]:
    """The world with breakers that open at the first failure, no retries, a tight user limit."""
    extra = {
        "BREAKER_FAILURE_THRESHOLD": "1",
        "HTTP_RETRIES": "0",
        "MONITORING_CACHE_SECONDS": "0",
        "RATE_LIMIT_PER_MINUTE": str(USER_RATE_LIMIT),
    }
    async with running_world(settings_env, trading_database_url, extra_env=extra) as world:
        yield world


@pytest.fixture
async def fragile_http(fragile_world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fragile_world.app.http_base, timeout=30) as client:
        yield client


async def test_bot_commands_are_counted_by_name_and_outcome_refusals_included(
    fragile_world: World, fragile_http: httpx.AsyncClient
) -> None:
    app = fragile_world.app
    before = await scrape(fragile_http)
    stranger = app.chat(4242, "Eve")
    await stranger.send("/start")
    answered = 0
    for _ in range(USER_RATE_LIMIT + 2):  # the gate refuses once the per-minute budget is spent
        reply = text_of(await stranger.send("/help"))
        if reply.startswith("Slow down"):
            break
        answered += 1
    else:
        raise AssertionError("the rate limit never refused")
    after = await scrape(fragile_http)

    def delta(sample: str, **labels: str) -> float:
        return after.value(sample, **labels) - before.value(sample, **labels)

    assert delta("tgfront_commands_total", command="start", outcome="ok") == 1
    assert delta("tgfront_commands_total", command="help", outcome="ok") == answered
    assert delta("tgfront_commands_total", command="help", outcome="refused") == 1
    assert delta("tgfront_handler_seconds_count", kind="message") == answered + 2
    assert "tgfront_telegram_429" in after.families


async def test_api_backend_breaker_and_binance_metrics_follow_the_calls(
    fragile_world: World, fragile_http: httpx.AsyncClient
) -> None:
    keys: ApiKeys = await issue_keys(fragile_world.app)
    auth = bearer(keys.of(Role.VIEWER))
    before = await scrape(fragile_http)
    assert (
        await fragile_http.get("/api/v1/strategies/macd:conservative-btc", headers=auth)
    ).is_success
    assert (await fragile_http.get("/api/v1/portfolio", headers=auth)).is_success
    named = "/api/v1/deployments/default/strategies/macd:conservative-btc"
    assert (await fragile_http.get(named, headers=auth)).is_success
    assert (await fragile_http.get("/no/such/path/123")).status_code == 404
    await fragile_world.backends.go_down("grid_trader")
    listing = await fragile_http.get("/api/v1/strategies", headers=auth)
    assert listing.status_code == 200
    assert [n["service"] for n in listing.json()["unavailable"]] == ["grid trader"]
    after = await scrape(fragile_http)

    def delta(sample: str, **labels: str) -> float:
        return after.value(sample, **labels) - before.value(sample, **labels)

    template = "/api/v1/strategies/{strategy_id}"
    assert delta("tgfront_api_requests_total", route=template, method="GET", status="200") == 1
    per_deployment = "/api/v1/deployments/{deployment}/strategies/{strategy_id}"
    assert delta("tgfront_api_requests_total", route=per_deployment, status="200") == 1
    assert delta("tgfront_api_requests_total", route="unmatched", status="404") == 1
    assert delta("tgfront_backend_calls_total", service="MACD trader", result="ok") >= 2
    assert delta("tgfront_backend_calls_total", service="grid trader", result="unavailable") >= 1
    assert delta("tgfront_backend_call_seconds_count", service="MACD trader") >= 2
    assert after.value("tgfront_circuit_breaker_open", service="grid trader") == 1
    assert after.value("tgfront_circuit_breaker_open", service="MACD trader") == 0
    assert after.value("tgfront_binance_used_weight_1m") > 0


def test_the_grafana_dashboard_charts_every_metric_family() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "telegram-frontend"
    exprs = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    )
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["type"] == "prometheus", panel["title"]
    families = {
        collector._name  # type: ignore[attr-defined]
        for collector in vars(metric_module).values()
        if hasattr(collector, "_name") and hasattr(collector, "_type")
    }
    assert len(families) >= 10
    missing = [name for name in sorted(families) if name not in exprs]
    assert not missing, f"no dashboard panel for {missing}"

"""The shared HTTP layer: error mapping, retries, the circuit breaker and the call observer."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from telegram_frontend.clients.trading.grid import GridStrategyDraft, GridTraderClient
from telegram_frontend.clients.trading.http import (
    BreakerState,
    CallRecord,
    CircuitBreaker,
    CircuitOpen,
    HttpOptions,
    ServiceHttp,
)
from telegram_frontend.clients.trading.macd import MacdTraderClient
from telegram_frontend.core.errors import (
    BackendRejected,
    BackendUnavailable,
    BackendUnsupported,
    NotFound,
)

KEY = "btai_testnet_SECRETSECRETSECRETSECRETSECRET12"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def on_call(self, record: CallRecord) -> None:
        self.records.append(record)


def _http(
    handler: object,
    *,
    retries: int = 0,
    threshold: int = 3,
    clock: Clock | None = None,
    observer: Recorder | None = None,
) -> ServiceHttp:
    options = HttpOptions(retries=retries, backoff_base=0.001, failure_threshold=threshold)
    breaker = CircuitBreaker(threshold, 30.0, clock or Clock())
    return ServiceHttp(
        "MACD trader",
        "http://trader.test",
        options,
        headers={"X-API-Key": KEY},
        observer=observer,
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        breaker=breaker,
    )


def test_breaker_opens_after_threshold_and_half_opens_for_one_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=10, clock=clock)
    breaker.acquire("svc")
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(
        CircuitOpen, match=r"it failed on the last calls \(not asked again for 10 s\)"
    ):
        breaker.acquire("svc")
    clock.now += 10
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.acquire("svc")  # the probe
    with pytest.raises(CircuitOpen) as refused:
        breaker.acquire("svc")  # a second caller while the probe is out
    assert "not asked again for 0 s" not in refused.value.user_message
    assert refused.value.user_message.endswith("(it is being checked again right now).")
    assert "circuit" not in refused.value.user_message
    breaker.record_failure()  # probe failed: open again for a full period
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_in() == 10
    clock.now += 10
    breaker.acquire("svc")
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.consecutive_failures == 0


async def test_get_retries_5xx_then_succeeds_but_post_never_retries() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) < 3:
            return httpx.Response(503)
        return httpx.Response(200, json={"ok": True})

    http = _http(handler, retries=2)
    assert await http.get_json("/x") == {"ok": True}
    assert calls == ["GET", "GET", "GET"]
    calls.clear()
    with pytest.raises(BackendUnavailable, match="answered HTTP 503"):
        await http.post_json("/start")
    assert calls == ["POST"]


async def test_connection_refused_and_timeouts_become_unavailable_sentences() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(BackendUnavailable) as refused_error:
        await _http(refused, retries=1).get_json("/x")
    assert "MACD trader" in refused_error.value.user_message
    assert "refused" in refused_error.value.user_message
    with pytest.raises(BackendUnavailable) as slow_error:
        await _http(slow).get_json("/x")
    assert slow_error.value.user_message == (
        "The MACD trader service is unavailable: it did not answer within 5 s."
    )


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures_say_the_key_was_rejected(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": "Invalid API key"})

    with pytest.raises(BackendRejected) as error:
        await _http(handler).get_json("/api/testnet/instances")
    assert error.value.user_message == "The MACD trader service rejected our API key."
    assert KEY not in error.value.user_message


async def test_404_and_405_map_as_the_caller_says() -> None:
    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    def not_allowed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(405)

    def unprocessable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"message": "levels must be\n >= 2"})

    with pytest.raises(BackendUnsupported, match="cannot do it"):
        await _http(not_found).post_json("/start", unsupported="do it")
    with pytest.raises(BackendUnsupported):
        await _http(not_allowed).post_json("/start", unsupported="do it")
    with pytest.raises(NotFound, match="no such instance"):
        await _http(not_found).get_json("/i/x", not_found="no such instance")
    with pytest.raises(BackendRejected) as error:
        await _http(unprocessable).post_json("/grid")
    assert error.value.status == 422
    assert error.value.user_message.endswith("(HTTP 422): levels must be >= 2.")


async def test_macd_start_on_missing_endpoint_is_unsupported_in_plain_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/conservative-btc"):
            return httpx.Response(200, json={"instanceId": "conservative-btc"})
        return httpx.Response(404, json={"status": 404, "error": "Not Found"})

    client = MacdTraderClient(_http(handler))
    with pytest.raises(BackendUnsupported) as error:
        await client.start_instance("conservative-btc")
    assert "cannot start or stop a strategy instance" in error.value.user_message
    assert client.control_supported is False
    with pytest.raises(NotFound):  # an unknown instance is "not found", not "cannot"
        await client.start_instance("unknown")


async def test_breaker_opens_after_failures_and_stops_calling_the_backend() -> None:
    clock, calls = Clock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500)

    http = _http(handler, threshold=2, clock=clock)
    for _ in range(2):
        with pytest.raises(BackendUnavailable):
            await http.get_json("/x")
    assert http.breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen, match=r"it answered HTTP 500 \(not asked again for 30 s\)"):
        await http.get_json("/x")
    assert len(calls) == 2


async def test_4xx_answers_do_not_open_the_breaker() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400)

    http = _http(handler, threshold=1)
    for _ in range(3):
        with pytest.raises(BackendRejected):
            await http.get_json("/x")
    assert http.breaker.state is BreakerState.CLOSED


async def test_half_open_lets_exactly_one_probe_through() -> None:
    clock = Clock()
    gate = asyncio.Event()
    mode = {"fail": True}
    calls: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if mode["fail"]:
            return httpx.Response(500)
        await gate.wait()
        return httpx.Response(200, json=[])

    http = _http(handler, threshold=1, clock=clock)
    with pytest.raises(BackendUnavailable):
        await http.get_json("/x")
    clock.now += 30
    mode["fail"] = False
    probe = asyncio.create_task(http.get_json("/x"))
    await asyncio.sleep(0.01)
    with pytest.raises(CircuitOpen):
        await http.get_json("/x")
    gate.set()
    assert await probe == []
    assert http.breaker.state is BreakerState.CLOSED
    assert len(calls) == 2


async def test_observer_sees_every_call_and_a_broken_one_is_harmless() -> None:
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path == "/ok" else 404)

    http = _http(handler, observer=recorder)
    await http.get_json("/ok", operation="ok")
    with pytest.raises(NotFound):
        await http.get_json("/missing", not_found="gone")
    assert [(r.service, r.operation, r.result) for r in recorder.records] == [
        ("MACD trader", "ok", "ok"),
        ("MACD trader", "/missing", "not_found"),
    ]
    assert all(r.seconds >= 0 for r in recorder.records)

    class Broken:
        def on_call(self, record: CallRecord) -> None:
            raise RuntimeError("metrics down")

    http.observer = Broken()
    assert await http.get_json("/ok") is None


async def test_non_json_answer_is_a_clear_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy error</html>")

    with pytest.raises(BackendUnavailable, match="not JSON"):
        await _http(handler).get_json("/x")


async def test_the_api_key_is_sent_but_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("X-API-Key", ""))
        return httpx.Response(500)

    caplog.set_level(logging.DEBUG)
    http = _http(handler, retries=1)
    with pytest.raises(BackendUnavailable) as error:
        await http.get_json("/api/testnet/instances")
    assert seen == [KEY, KEY]
    assert KEY not in caplog.text
    assert KEY not in str(error.value)
    assert KEY not in repr(http.options)


@pytest.mark.parametrize("wanted", ["\u202eevil", "evil\u2066\u0007"])
async def test_unknown_strategy_ids_are_echoed_quoted_without_bidi_or_control_characters(
    wanted: str,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/grid/strategies":
            return httpx.Response(200, json=[])
        return httpx.Response(404, json={"status": 404, "error": "Not Found"})

    draft = {"symbol": "BTCUSDT", "lower": 1, "upper": 2, "levels": 3, "base_order_size": 1}
    draft_model = GridStrategyDraft.model_validate(draft)
    grid = GridTraderClient(_http(handler))
    macd = MacdTraderClient(_http(handler))
    calls = (
        grid.strategy(wanted),
        grid.activate(wanted),
        grid.update_strategy(wanted, draft_model),
        macd.instance(wanted),
    )
    for call in calls:
        with pytest.raises(NotFound) as error:
            await call
        text = error.value.user_message
        assert text.endswith("“evil”.") and "\\u" not in text and "'" not in text, text
        assert not any(ch in text for ch in "\u202e\u2066\u0007"), text

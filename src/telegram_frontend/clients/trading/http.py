"""The one HTTP layer every backend client goes through.

Timeouts, retries (GET only: a retried POST could start a strategy twice), a circuit breaker per
service so a dead backend costs one fast failure instead of a timeout per click, and the mapping
of every remote failure to our own exceptions. Calls are reported to an optional observer so the
metrics module can count them without this module owning Prometheus globals.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from telegram_frontend.clients.json_body import NotJson, exact_json
from telegram_frontend.core.errors import (
    BackendError,
    BackendRejected,
    BackendUnavailable,
    BackendUnsupported,
    NotFound,
)
from telegram_frontend.core.settings import Settings

log = logging.getLogger(__name__)

try:  # httpcore tries `import sniffio` for every lock it creates (several per request)
    import sniffio  # noqa: F401
except ImportError:  # absent, each try scans sys.path (~50 µs); a None entry fails at once
    sys.modules["sniffio"] = None  # type: ignore[assignment]

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_DETAIL_LIMIT = 200


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(BackendUnavailable):
    """Refused locally: the breaker is open, so the backend is not even asked."""

    def __init__(self, service: str, retry_in: float, cause: str = "") -> None:
        # The last real cause leads: "circuit open" tells a user nothing about the service.
        if retry_in > 0:
            paused = f"not asked again for {math.ceil(retry_in)} s"
        else:  # half-open: another caller's probe is asking it right now
            paused = "it is being checked again right now"
        super().__init__(service, f"{cause or 'it failed on the last calls'} ({paused})")
        self.retry_in = retry_in


class CircuitBreaker:
    """Closed → open after N consecutive failures → one half-open probe after the reset time."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self.last_cause = ""

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probing or self._clock() - self._opened_at >= self.reset_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def retry_in(self) -> float:
        """Seconds until a probe will be let through (0 when closed or half-open)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.reset_seconds - (self._clock() - self._opened_at))

    def acquire(self, service: str) -> None:
        """Let a call through, or raise `CircuitOpen`; in half-open only one probe at a time."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return
        raise CircuitOpen(service, self.retry_in(), self.last_cause)

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self, cause: str = "") -> None:
        self._failures += 1
        self.last_cause = cause or self.last_cause
        if self._probing or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        self._probing = False

    def release(self) -> None:
        """A call ended without telling us anything about the backend (e.g. cancelled)."""
        self._probing = False


@dataclass(frozen=True)
class CallRecord:
    """One finished backend call, for metrics: no URL parameters, no headers."""

    service: str
    operation: str
    method: str
    result: str  # ok | not_found | unsupported | rejected | unavailable | timeout | circuit_open
    seconds: float
    status: int | None = None


class CallObserver(Protocol):
    """Receives every call; the metrics module implements this with counters and histograms."""

    def on_call(self, record: CallRecord) -> None: ...


@dataclass(frozen=True)
class HttpOptions:
    """Per-service transport settings, usually taken from `Settings`."""

    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    retries: int = 2
    backoff_base: float = 0.2
    backoff_cap: float = 2.0
    failure_threshold: int = 5
    reset_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpOptions:
        return cls(
            connect_timeout=settings.http_connect_timeout,
            read_timeout=settings.http_read_timeout,
            retries=settings.http_retries,
            failure_threshold=settings.breaker_failure_threshold,
            reset_seconds=settings.breaker_reset_seconds,
        )


class ServiceHttp:
    """An httpx client bound to one backend service, with its own breaker."""

    def __init__(
        self,
        service: str,
        base_url: str,
        options: HttpOptions | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        observer: CallObserver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
        forbidden: str | None = None,
    ) -> None:
        self.service = service
        self.forbidden = forbidden  # what a 401/403 means for this service, and the fix
        self.base_url = base_url.rstrip("/")
        self.options = options or HttpOptions()
        self.observer = observer
        self.breaker = breaker or CircuitBreaker(
            self.options.failure_threshold, self.options.reset_seconds
        )
        opts = self.options
        timeout = httpx.Timeout(opts.read_timeout, connect=opts.connect_timeout)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            headers=dict(headers or {}),
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        return _json(self.service, await self.request("GET", path, **kwargs))

    async def get_text(self, path: str, **kwargs: Any) -> str:
        return (await self.request("GET", path, **kwargs)).text

    async def post_json(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return _json(self.service, await self.request("POST", path, json=body, **kwargs))

    async def put_json(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return _json(self.service, await self.request("PUT", path, json=body, **kwargs))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        operation: str | None = None,
        unsupported: str | None = None,
        not_found: str | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send one request; any failure leaves as a `BackendError` or `NotFound`.

        `unsupported`: the feature sentence when 404/405 means "this version cannot";
        `not_found`: the sentence when 404 means "no such thing"; `accept`: extra statuses that
        carry a useful body (the actuator answers 503 with its health document).
        """
        op = operation or path
        started = time.perf_counter()
        result, status = "unavailable", None
        try:
            self.breaker.acquire(self.service)
        except CircuitOpen:
            self._report(op, method, "circuit_open", started, None)
            raise
        try:
            response = await self._send_with_retries(method, path, params, json)
            status = response.status_code
            if status < 400 or status in accept:
                self.breaker.record_success()
                result = "ok"
                return response
            if status >= 500:
                reason = f"it answered HTTP {status}"
                self.breaker.record_failure(reason)
                raise BackendUnavailable(self.service, reason)
            self.breaker.record_success()  # a 4xx is an answer: the service itself is alive
            result = "rejected"
            raise self._client_error(response, unsupported, not_found)
        except httpx.TimeoutException as exc:
            reason = self._timeout_reason(exc)
            self.breaker.record_failure(reason)
            result = "timeout"
            raise BackendUnavailable(self.service, reason) from None
        except httpx.HTTPError as exc:
            reason = _transport_reason(exc)
            self.breaker.record_failure(reason)
            raise BackendUnavailable(self.service, reason) from None
        except BaseException as exc:
            if isinstance(exc, NotFound):
                result = "not_found"
            elif isinstance(exc, BackendUnsupported):
                result = "unsupported"
            elif not isinstance(exc, BackendError):
                self.breaker.release()
                result = "cancelled" if isinstance(exc, asyncio.CancelledError) else "error"
            raise
        finally:
            self._report(op, method, result, started, status)

    async def _send_with_retries(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> httpx.Response:
        """Retry idempotent GETs on refused connections and 5xx; never on a read timeout,
        since a slow service stays slow and retrying would only multiply the user's wait."""
        attempts = 1 + (self.options.retries if method == "GET" else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._client.request(method, path, params=params, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError):
                if last:
                    raise
            else:
                if response.status_code not in RETRYABLE_STATUSES or last:
                    return response
            await asyncio.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.options.backoff_cap, self.options.backoff_base * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)

    def _timeout_reason(self, exc: httpx.TimeoutException) -> str:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return f"could not connect within {_seconds(self.options.connect_timeout)} s"
        return f"it did not answer within {_seconds(self.options.read_timeout)} s"

    def _client_error(
        self, response: httpx.Response, unsupported: str | None, not_found: str | None
    ) -> Exception:
        status = response.status_code
        if status in (404, 405) and unsupported:
            return BackendUnsupported(self.service, unsupported)
        if status == 404 and not_found:
            return NotFound(not_found)
        return BackendRejected(self.service, status, _detail(response), self.forbidden)

    def _report(
        self, operation: str, method: str, result: str, started: float, status: int | None
    ) -> None:
        if self.observer is None:
            return
        record = CallRecord(
            service=self.service,
            operation=operation,
            method=method,
            result=result,
            seconds=time.perf_counter() - started,
            status=status,
        )
        try:
            self.observer.on_call(record)
        except Exception:  # a broken metrics hook must never break a user's request
            log.exception("call observer failed")


def _seconds(value: float) -> str:
    return f"{value:g}"


def _transport_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "the connection was refused or the host is unreachable"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "it closed the connection without answering"
    return f"the request failed ({type(exc).__name__})"


def _detail(response: httpx.Response) -> str:
    """A short, single-line reason from an error body (Spring's `message`/`error`)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:_DETAIL_LIMIT]
    return ""


def _json(service: str, response: httpx.Response) -> Any:
    try:
        return exact_json(response)
    except NotJson:
        raise BackendUnavailable(service, "it answered with something that is not JSON") from None

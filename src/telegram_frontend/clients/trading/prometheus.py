"""Client of Prometheus' HTTP API, for system-wide figures the services do not serve themselves.

Only instant queries are needed: the frontend shows "now", Grafana shows history.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field, field_validator

from telegram_frontend.clients.trading.http import CallObserver, HttpOptions, ServiceHttp
from telegram_frontend.clients.trading.payload import Payload, to_datetime, to_decimal
from telegram_frontend.core.errors import BackendRejected
from telegram_frontend.core.settings import Settings

SERVICE = "Prometheus"


class PromSample(Payload):
    """One element of an instant vector: labels, the value (None when NaN) and its time."""

    labels: dict[str, str] = Field(default_factory=dict)
    value: Decimal | None = None
    at: datetime | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: object) -> dict[str, str]:
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def parse_query_result(data: object) -> list[PromSample]:
    """The samples of a `/api/v1/query` answer (vector or scalar), tolerating odd shapes."""
    if not isinstance(data, dict):
        return []
    body = data.get("data")
    if not isinstance(body, dict):
        return []
    kind, result = body.get("resultType"), body.get("result")
    if kind in ("scalar", "string") and isinstance(result, list):
        return [_sample({}, result)]
    if not isinstance(result, list):
        return []
    samples = []
    for item in result:
        if isinstance(item, dict):
            labels = item.get("metric")
            samples.append(_sample(labels if isinstance(labels, dict) else {}, item.get("value")))
    return samples


def _sample(labels: dict[str, object], pair: object) -> PromSample:
    at, value = (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, None)
    return PromSample(labels=labels, value=to_decimal(value), at=to_datetime(at))


class PrometheusClient:
    def __init__(self, http: ServiceHttp) -> None:
        self.http = http

    @classmethod
    def create(
        cls, base_url: str, options: HttpOptions | None = None, observer: CallObserver | None = None
    ) -> PrometheusClient:
        return cls(ServiceHttp(SERVICE, base_url, options, observer=observer))

    @classmethod
    def from_settings(
        cls, settings: Settings, observer: CallObserver | None = None
    ) -> PrometheusClient | None:
        if not settings.prometheus_url:
            return None
        return cls.create(settings.prometheus_url, HttpOptions.from_settings(settings), observer)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def query(self, expr: str) -> list[PromSample]:
        """An instant query; a PromQL error (HTTP 400/422) says what Prometheus disliked."""
        data = await self.http.get_json("/api/v1/query", params={"query": expr}, operation="query")
        if isinstance(data, dict) and data.get("status") == "error":
            raise BackendRejected(SERVICE, 400, str(data.get("error", ""))[:200])
        return parse_query_result(data)

    async def scalar(self, expr: str) -> Decimal | None:
        """The single value of a query, or the sum of a vector; None when there is no data."""
        values = [s.value for s in await self.query(expr) if s.value is not None]
        return sum(values, Decimal(0)) if values else None

    async def targets_up(self, environment: str | None = None) -> dict[str, bool]:
        """Scrape health per job from the `up` series: a job is up if any target is.

        With `environment`, only the jobs labelled with it (the real config also has mainnet
        and infra jobs that never resolve on testnet); when no series carries the label at all,
        every job is shown rather than none.
        """
        samples = []
        if environment:
            label = environment.replace("\\", "").replace('"', "")
            samples = await self.query(f'up{{environment="{label}"}}')
        if not samples:
            samples = await self.query("up")
            if environment and any("environment" in s.labels for s in samples):
                samples = []  # labelled, just not with this environment
        jobs: dict[str, bool] = {}
        for sample in samples:
            job = sample.labels.get("job", "?")
            jobs[job] = jobs.get(job, False) or sample.value == 1
        return jobs

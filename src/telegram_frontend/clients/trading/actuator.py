"""Spring Boot Actuator: the health document and the Prometheus text every Java service serves.

Shared by the per-service clients because the trader, the storage and the collector all expose the
same `/actuator/health` and `/actuator/prometheus`, differing only in metric names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from pydantic import Field, field_validator

from telegram_frontend.clients.trading.http import ServiceHttp
from telegram_frontend.clients.trading.payload import (
    Payload,
    to_datetime,
    to_decimal,
    to_upper_text,
)

log = logging.getLogger(__name__)

HEALTH_PATH = "/actuator/health"
PROMETHEUS_PATH = "/actuator/prometheus"
KNOWN_STATUSES = ("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN")


class ComponentHealth(Payload):
    """One health indicator (db, diskSpace, kafka, ...), possibly with nested components."""

    status: str = "UNKNOWN"
    components: dict[str, ComponentHealth] = Field(default_factory=dict)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> str:
        text = to_upper_text(value)
        return text if text in KNOWN_STATUSES else "UNKNOWN"

    @field_validator("components", mode="before")
    @classmethod
    def _components(cls, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            return {}
        return {str(k): v if isinstance(v, dict) else {} for k, v in value.items()}

    def not_up(self, prefix: str = "") -> list[str]:
        """Dotted names of every component, at any depth, whose status is not UP."""
        names: list[str] = []
        for name, component in self.components.items():
            full = f"{prefix}{name}"
            if component.status != "UP":
                names.append(full)
            names.extend(component.not_up(f"{full}."))
        return names


class ActuatorHealth(ComponentHealth):
    """`/actuator/health`: overall status plus components when details are shown."""

    @property
    def is_up(self) -> bool:
        return self.status == "UP"


async def fetch_health(http: ServiceHttp) -> ActuatorHealth:
    """The health document; a 503 still carries it (Spring answers 503 when DOWN)."""
    response = await http.request("GET", HEALTH_PATH, operation="health", accept=frozenset({503}))
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return ActuatorHealth(status="UP" if response.status_code < 400 else "DOWN")
    return ActuatorHealth.model_validate(data)


class MetricSamples:
    """Parsed Prometheus text: look up sample values by exact sample name and labels."""

    def __init__(self, samples: list[tuple[str, dict[str, str], Decimal | None]]) -> None:
        self._samples = samples

    @classmethod
    def parse(cls, text: str) -> MetricSamples:
        """Parse the exposition text; a malformed document yields what parsed before the error."""
        samples: list[tuple[str, dict[str, str], Decimal | None]] = []
        try:
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    samples.append((sample.name, dict(sample.labels), to_decimal(sample.value)))
        except (ValueError, TypeError, IndexError) as exc:
            log.warning("malformed Prometheus text after %d samples: %s", len(samples), exc)
        return cls(samples)

    def __len__(self) -> int:
        return len(self._samples)

    def names(self) -> set[str]:
        return {name for name, _, _ in self._samples}

    def series(self, name: str) -> list[tuple[dict[str, str], Decimal | None]]:
        return [(labels, value) for n, labels, value in self._samples if n == name]

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> Decimal | None:
        """The first sample of `name` whose labels include `labels`; None when absent or NaN."""
        wanted = dict(labels or {})
        for n, sample_labels, value in self._samples:
            if n == name and all(sample_labels.get(k) == v for k, v in wanted.items()):
                return value
        return None

    def total(self, name: str) -> Decimal | None:
        """Sum over every series of `name` (counters split by instance or tag)."""
        values = [v for _, v in self.series(name) if v is not None]
        return sum(values, Decimal(0)) if values else None

    def counter(self, name: str) -> Decimal | None:
        """A counter by its base name, whether or not the exporter added `_total`."""
        found = self.total(name if name.endswith("_total") else f"{name}_total")
        return found if found is not None else self.total(name.removesuffix("_total"))

    def timestamp(self, name: str) -> datetime | None:
        """A gauge holding an epoch timestamp (seconds or milliseconds) as a UTC datetime."""
        value = self.value(name)
        return to_datetime(value) if value is not None and value > 0 else None


async def fetch_metrics(http: ServiceHttp) -> MetricSamples:
    return MetricSamples.parse(await http.get_text(PROMETHEUS_PATH, operation="prometheus"))

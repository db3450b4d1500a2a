"""Scripted failures and call counters of the emulated Bot API.

Faults let a test make Telegram misbehave on demand (a 502, a 429 with a chosen retry_after, a
dropped connection, a slow answer) for the next N calls of one method, so retry and back-off code
is proven without waiting for a real outage. Stats let a test assert how the bot talked to Telegram.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

DROP = 0
"""Status of a fault that closes the connection instead of answering."""

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class FaultRule:
    """The next `count` calls of `method` ("*" for any) fail with `status` after `delay_s`."""

    method: str
    status: int
    count: int = 1
    retry_after: int | None = None
    delay_s: float = 0.0
    description: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        status = data.get("status", 500)
        rule = cls(
            method=str(data["method"]).lower(),
            status=DROP if status in ("drop", DROP, None) else int(status),
            count=int(data.get("count", 1)),
            retry_after=None if data.get("retry_after") is None else int(data["retry_after"]),
            delay_s=float(data.get("delay_s") or 0.0),
            description=data.get("description"),
        )
        if rule.count < 1 or rule.status not in (DROP, *range(200, 600)):
            raise ValueError("count must be >= 1 and status 0/'drop' or an HTTP status")
        if rule.status == 429 and rule.retry_after is None:
            rule.retry_after = 1
        return rule

    @property
    def text(self) -> str:
        if self.description:
            return self.description
        if self.status == 429:
            return f"Too Many Requests: retry after {self.retry_after}"
        return _DEFAULT_DESCRIPTIONS.get(self.status, f"Error {self.status}")

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "status": self.status,
            "count": self.count,
            "retry_after": self.retry_after,
            "delay_s": self.delay_s,
            "description": self.text,
        }


@dataclass
class FaultInjector:
    rules: list[FaultRule] = field(default_factory=list)

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, method: str) -> FaultRule | None:
        """Consume one use of the first rule matching `method` (lower-case), oldest first."""
        for rule in self.rules:
            if rule.method in (method, "*"):
                rule.count -= 1
                if rule.count <= 0:
                    self.rules.remove(rule)
                return rule
        return None


@dataclass
class CallStats:
    """What the bot asked of the API and what it got back."""

    calls: Counter[str] = field(default_factory=Counter)
    errors_by_code: Counter[int] = field(default_factory=Counter)
    errors_by_method: Counter[str] = field(default_factory=Counter)
    flood_429: int = 0
    faults_injected: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0

    def record(self, method: str, status: int, *, flood: bool = False, fault: bool = False) -> None:
        self.calls[method] += 1
        if status != 200:
            self.errors_by_code[status] += 1
            self.errors_by_method[method] += 1
        self.flood_429 += int(flood)
        self.faults_injected += int(fault)

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "total_calls": sum(self.calls.values()),
            "errors_by_code": {str(code): n for code, n in self.errors_by_code.items()},
            "errors_by_method": dict(self.errors_by_method),
            "flood_429": self.flood_429,
            "faults_injected": self.faults_injected,
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
        }

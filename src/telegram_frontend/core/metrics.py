"""Prometheus metrics of the frontend, defined once and served at `/metrics`.

The trading system's Prometheus scrapes this as job `telegram-frontend`; names carry the
`tgfront_` prefix so they never clash with the Java services' metrics.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "tgfront_commands_total", "Bot commands and button presses handled", ["command", "outcome"]
)
HANDLER_LATENCY = Histogram(
    "tgfront_handler_seconds",
    "Time to handle one update",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
API_REQUESTS = Counter(
    "tgfront_api_requests_total", "HTTP API requests", ["route", "method", "status"]
)
OUTBOX_DEPTH = Gauge("tgfront_outbox_depth", "Notifications waiting to be delivered")
OUTBOX_OLDEST_AGE = Gauge(
    "tgfront_outbox_oldest_age_seconds", "Age of the oldest undelivered notification"
)
DELIVERIES = Counter("tgfront_deliveries_total", "Notification delivery attempts", ["result"])
TELEGRAM_429 = Counter("tgfront_telegram_429_total", "Flood-control answers from Telegram")
BACKEND_CALLS = Counter(
    "tgfront_backend_calls_total", "Calls to trading-system services", ["service", "result"]
)
BACKEND_LATENCY = Histogram(
    "tgfront_backend_call_seconds",
    "Latency of calls to trading-system services",
    ["service"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BREAKER_STATE = Gauge(
    "tgfront_circuit_breaker_open", "1 when a service's circuit breaker is open", ["service"]
)
BINANCE_WEIGHT = Gauge("tgfront_binance_used_weight_1m", "Binance request weight used (1 min)")

"""Feeds the Prometheus metrics of our calls to the trading system and to Binance.

The HTTP layer (`clients/http.py`) reports each finished call to an observer instead of owning
Prometheus globals; this is that observer. Breaker states and Binance's used weight are states,
not events, so they are read when `/metrics` is scraped (`refresh_state_gauges`).
"""

from __future__ import annotations

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading.http import BreakerState, CallRecord
from telegram_frontend.core.metrics import (
    BACKEND_CALLS,
    BACKEND_LATENCY,
    BINANCE_WEIGHT,
    BREAKER_STATE,
)

BREAKER_GAUGE_VALUE = {
    BreakerState.CLOSED: 0.0,
    BreakerState.HALF_OPEN: 0.5,
    BreakerState.OPEN: 1.0,
}


class PrometheusCallObserver:
    """Counts every backend call by service and result, and records its latency."""

    def on_call(self, record: CallRecord) -> None:
        BACKEND_CALLS.labels(service=record.service, result=record.result).inc()
        BACKEND_LATENCY.labels(service=record.service).observe(record.seconds)


CALL_OBSERVER = PrometheusCallObserver()


def refresh_state_gauges(clients: BackendClients | None, binance_weight: int | None) -> None:
    """Copy the breakers' states (1 open, 0.5 probing, 0 closed) and Binance's weight."""
    if clients is not None:
        for service, state in clients.breaker_states().items():
            BREAKER_STATE.labels(service=service).set(BREAKER_GAUGE_VALUE[state])
    if binance_weight is not None:
        BINANCE_WEIGHT.set(binance_weight)

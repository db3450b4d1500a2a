"""`/api/v1`: why a strategy is not trading (its decisions and the diagnosis), and the admin's
forced indicator refresh. Both are the `SignalService` calls the bot's /signals makes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query

from telegram_frontend.api.deps import AdminActor, ViewerActor
from telegram_frontend.api.v1.common import ApiModel, Money, v1_router
from telegram_frontend.api.v1.scoped import Signals
from telegram_frontend.services.trading.signals import SignalsReport

router = v1_router("signals", 409)

StrategyId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=120,
        description="`macd:<instance>` (grid strategies log no decisions)",
        examples=["macd:conservative-btc"],
    ),
]
Hours = Annotated[int, Query(ge=1, le=720, description="The window, in hours")]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many decisions")]


class BlockedOut(ApiModel):
    reason: str
    count: int


class DiagnosisOut(ApiModel):
    """Counts over the window; `test_order_mode_suspected` when allowed orders never filled."""

    hours: int
    decisions: int
    signals: int
    executed: int
    allowed_not_executed: int
    blocked_total: int
    blocked: list[BlockedOut]
    test_order_mode_suspected: bool


class DecisionOut(ApiModel):
    strategy_id: str
    instance_id: str | None = None
    symbol: str | None = None
    at: datetime | None = None
    signal: str | None = None
    strength: str | None = None
    price: Money | None = None
    allowed: bool | None = None
    executed: bool | None = None
    blocked_reason: str | None = None
    reason: str | None = None


class SignalsOut(ApiModel):
    strategy_id: str | None = None
    diagnosis: DiagnosisOut
    decisions: list[DecisionOut]


class RefreshOut(ApiModel):
    refreshed: str  # `SYMBOL interval`, or `all`


def _out(report: SignalsReport) -> SignalsOut:
    d = report.diagnosis
    diagnosis = DiagnosisOut(
        hours=d.hours,
        decisions=d.decisions,
        signals=d.signals,
        executed=d.executed,
        allowed_not_executed=d.allowed_not_executed,
        blocked_total=d.blocked_total,
        blocked=[BlockedOut(reason=r, count=n) for r, n in d.blocked],
        test_order_mode_suspected=d.test_order_mode_suspected,
    )
    return SignalsOut(
        strategy_id=report.strategy_id,
        diagnosis=diagnosis,
        decisions=[DecisionOut.view(x) for x in report.decisions],
    )


@router.get(
    "/signals",
    summary="Recent decisions of every strategy, diagnosed",
    response_model=SignalsOut,
)
async def all_signals(
    actor: ViewerActor,
    signals: Signals,
    hours: Hours = 24,
    limit: Limit = 10,
) -> SignalsOut:
    return _out(await signals.signals(actor, None, hours, limit))


@router.get(
    "/strategies/{strategy_id}/signals",
    summary="Why this strategy is (not) trading: its recent decisions, diagnosed",
    response_model=SignalsOut,
)
async def strategy_signals(
    actor: ViewerActor,
    strategy_id: StrategyId,
    signals: Signals,
    hours: Hours = 24,
    limit: Limit = 10,
) -> SignalsOut:
    return _out(await signals.signals(actor, strategy_id, hours, limit))


@router.post(
    "/indicators/refresh",
    summary="Force the MACD trader to recompute every monitored indicator (audited)",
    response_model=RefreshOut,
)
async def refresh_all(actor: AdminActor, signals: Signals) -> RefreshOut:
    return RefreshOut(refreshed=await signals.refresh_indicators(actor))


@router.post(
    "/strategies/{strategy_id}/indicators/refresh",
    summary="Force the MACD trader to recompute this strategy's indicator (audited)",
    response_model=RefreshOut,
)
async def refresh_one(actor: AdminActor, strategy_id: StrategyId, signals: Signals) -> RefreshOut:
    return RefreshOut(refreshed=await signals.refresh_indicators(actor, strategy_id))

"""Users' Binance keys stored for a deployment the configuration no longer names.

Migration 0008 put the keys stored before it under `default`; a deployments file that names no
deployment `default` leaves them unused, silently: the users' screens show no keys and the
system account trades for them. The operator is told at start, with what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from telegram_frontend.core.database import Database
from telegram_frontend.models.binance_keys import UserBinanceKeys


async def keys_of_unknown_deployments(db: Database, known: Iterable[str]) -> dict[str, int]:
    """Deployment name → how many users' keys are stored under it, for names not in `known`."""
    names = list(known)
    query = (
        select(UserBinanceKeys.deployment, func.count())
        .where(UserBinanceKeys.deployment.not_in(names))
        .group_by(UserBinanceKeys.deployment)
        .order_by(UserBinanceKeys.deployment)
    )
    async with db.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {str(name): int(count) for name, count in rows}

"""Keys stored under a deployment the configuration does not name are found, so the operator is
told at start instead of users silently losing their keys to the system account."""

from __future__ import annotations

from telegram_frontend.core.database import Database
from telegram_frontend.models import User
from telegram_frontend.models.binance_keys import UserBinanceKeys
from telegram_frontend.services.account.stranded_keys import keys_of_unknown_deployments


async def test_keys_under_names_no_deployment_carries_are_counted(database: Database) -> None:
    async with database.session() as session:
        for user_id in (1, 2):
            session.add(User(id=user_id, full_name=f"User {user_id}", role="trader"))
        await session.flush()
        for user_id, deployment in ((1, "default"), (2, "default"), (2, "testnet")):
            session.add(
                UserBinanceKeys(
                    user_id=user_id, deployment=deployment, api_key_enc="k", api_secret_enc="s"
                )
            )
    stranded = await keys_of_unknown_deployments(database, ["testnet", "mainnet"])
    assert stranded == {"default": 2}
    assert await keys_of_unknown_deployments(database, ["default", "testnet"]) == {}

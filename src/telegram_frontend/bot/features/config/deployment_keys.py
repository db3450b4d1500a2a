"""A user's own Binance keys on each deployment, for the /config screen.

Keys are per deployment (testnet keys never go to mainnet's Binance), so with several
deployments /config lists each one's keys with its own buttons; with one it is as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram_frontend.services.account.credentials import CredentialStatus
from telegram_frontend.services.deployments.registry import Deployments


@dataclass(frozen=True)
class DeploymentKeys:
    """The user's keys on one deployment: its name (what buttons carry), title and status."""

    name: str
    title: str
    status: CredentialStatus


async def keys_per_deployment(deployments: Deployments, user_id: int) -> list[DeploymentKeys]:
    """One entry per deployment in display order; empty when the bot serves one."""
    if not deployments.several:
        return []
    return [
        DeploymentKeys(d.name, d.title, await d.credentials.status(user_id)) for d in deployments
    ]

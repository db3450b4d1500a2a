"""The deployment picker: one button per deployment, and the command that waits for the pick.

A command sent without a deployment (and none remembered) is kept server-side for a while
under a short token the buttons carry, so the pick can run it on the chosen deployment.
"""

from __future__ import annotations

import json
import secrets

from aiogram.types import InlineKeyboardMarkup, Message

from telegram_frontend.bot.ui.callbacks import DeploymentPick
from telegram_frontend.bot.ui.deployment_texts import pick_question_text
from telegram_frontend.bot.ui.keyboards import button, markup
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.services.deployments.registry import Deployments

PICK_TTL_S = 600.0


def _key(token: str) -> str:
    return f"deployment-pick:{token}"


def picker_keyboard(
    deployments: Deployments, token: str = "", current: str | None = None
) -> InlineKeyboardMarkup | None:
    """A button per deployment (the current one marked with a dot)."""
    return markup(
        [
            [
                button(
                    ("• " if d.name == current else "") + d.title,
                    DeploymentPick(dep=d.name, token=token).pack(),
                )
            ]
            for d in deployments
        ]
    )


async def offer_picker(
    message: Message,
    cache: Cache,
    deployments: Deployments,
    user_id: int,
    command: str | None = None,
) -> None:
    """Ask which deployment; the command (`message`'s, or `command` for a button that stands
    for one) is kept for the pick."""
    token = secrets.token_urlsafe(6)
    record = {"user": user_id, "text": command if command is not None else message.text or ""}
    await cache.set(_key(token), json.dumps(record), ttl=PICK_TTL_S)
    await message.answer(pick_question_text(), reply_markup=picker_keyboard(deployments, token))


async def take_waiting_command(cache: Cache, token: str, user_id: int) -> str | None:
    """The command this user's pick was waiting for, once; None when gone or someone else's."""
    if not token:
        return None
    raw = await cache.get(_key(token))
    if raw is None or json.loads(raw).get("user") != user_id:
        return None
    raw = await cache.pop(_key(token))
    return str(json.loads(raw).get("text") or "") or None if raw else None


def with_deployment(command_text: str, name: str) -> str:
    """`/strategy macd:x` → `/strategy mainnet macd:x`: the command naming its deployment."""
    command, _, rest = command_text.strip().partition(" ")
    return f"{command} {name} {rest.strip()}".strip()

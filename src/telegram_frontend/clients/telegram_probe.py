"""One read-only question to the Bot API, `getMe`: is this token valid, and whose bot is it."""

from __future__ import annotations

import httpx

from telegram_frontend.core.errors import BackendRejected, BackendUnavailable

SERVICE = "Telegram Bot API"


async def bot_username(api_base: str, token: str, wait_seconds: float = 5.0) -> str:
    """`@name` of the bot behind `token`; a refused token is `BackendRejected` (401)."""
    url = f"{api_base.rstrip('/')}/bot{token}/getMe"
    try:
        async with httpx.AsyncClient(timeout=wait_seconds) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:  # the URL holds the token: never echo the exception text
        raise BackendUnavailable(SERVICE, f"the request failed ({type(exc).__name__})") from None
    if response.status_code in (401, 404):
        raise BackendRejected(SERVICE, 401, explanation="it does not accept this bot token")
    if response.status_code != 200:
        raise BackendUnavailable(SERVICE, f"it answered HTTP {response.status_code}")
    result = response.json().get("result") or {}
    return "@" + str(result.get("username") or "?")

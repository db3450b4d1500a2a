"""Pressing callback data that is not on the message: what a crafted or replayed client sends.

The emulator only accepts presses of real buttons unless asked with `force`; the public client
has no switch for that, so these helpers post to the control API themselves.
"""

from __future__ import annotations

from types import TracebackType

import httpx

from telegram_frontend.sandbox.telegram.emulator_client import CallbackAnswer, EmulatorClient


class CraftedPresser:
    """Forced presses through one connection (for tests that press hundreds of buttons)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._client = EmulatorClient(base_url)

    async def __aenter__(self) -> CraftedPresser:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()
        await self._client.aclose()

    async def press(self, user_id: int, message_id: int, data: str) -> CallbackAnswer:
        """`user_id` presses `data` on `message_id` (in their private chat); the bot's answer."""
        response = await self._http.post(
            f"/sandbox/users/{user_id}/callbacks",
            json={"message_id": message_id, "data": data, "force": True},
        )
        response.raise_for_status()
        query_id = response.json()["callback_query_id"]
        return await self._client.wait_for_callback_answer(query_id, timeout=self.timeout)


async def press_any(base_url: str, user_id: int, message_id: int, data: str) -> CallbackAnswer:
    async with CraftedPresser(base_url) as presser:
        return await presser.press(user_id, message_id, data)

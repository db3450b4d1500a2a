"""Pressing callback data that is not on the message: what a crafted or replayed client sends.

The emulator only accepts presses of real buttons unless asked with `force`; the public client
has no switch for that, so these helpers post to the control API themselves.
"""

from __future__ import annotations

import httpx

from telegram_frontend.sandbox.emulator_client import CallbackAnswer, EmulatorClient


async def press_any(
    base_url: str, user_id: int, message_id: int, data: str, *, timeout: float = 10.0
) -> CallbackAnswer:
    """`user_id` presses `data` on `message_id` (in their private chat) and gets the answer."""
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout) as http:
        response = await http.post(
            f"/sandbox/users/{user_id}/callbacks",
            json={"message_id": message_id, "data": data, "force": True},
        )
        response.raise_for_status()
        query_id = response.json()["callback_query_id"]
    async with EmulatorClient(base_url) as client:
        return await client.wait_for_callback_answer(query_id, timeout=timeout)

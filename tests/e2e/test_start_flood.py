"""A /start flood does not stall anyone (security review finding 3: 200 strangers sending /start
made a trader's /help take 49 s and lost a quarter of the access-request notices)."""

from __future__ import annotations

import asyncio
import re
import time

from telegram_frontend.core.access import Role
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from tests.e2e.harness import ADMIN_ID, running_frontend, wait_for

STRANGERS = range(900_000, 900_200)
TRADER = 71_301


async def test_200_strangers_starting_at_once_neither_stall_a_trader_nor_lose_requests(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend(settings_env, limits=FloodLimits()) as app:  # Telegram's limits
        await app.admin()
        trader = await app.user_with_role(TRADER, Role.TRADER)
        await asyncio.gather(
            *(
                app.client.send_message(user, "/start", first_name=f"Stranger {user}")
                for user in STRANGERS
            )
        )
        started = time.monotonic()
        [help_reply] = await trader.send("/help", timeout=10)
        assert time.monotonic() - started < 2.0
        assert "/portfolio" in (help_reply.text or "")

        async def every_request_announced() -> bool:
            texts = "\n".join(m.text or "" for m in await app.client.messages(ADMIN_ID))
            seen = {int(n) for n in re.findall(r"id (\d{6})\)", texts)}
            return seen >= set(STRANGERS)

        await wait_for(every_request_announced, timeout=60, what="every request at the admin")
        admin_messages = [m for m in await app.client.messages(ADMIN_ID) if m.from_bot]
        # Batched: one notice per round ("30 new access requests" with the list), split only at
        # Telegram's length limit; unbatched it would be one message per stranger. How many
        # rounds the 200 registrations span depends on the machine's load, hence the margin.
        assert len(admin_messages) <= len(STRANGERS) // 3
        assert any(len(re.findall(r"id (\d{6})\)", m.text or "")) > 10 for m in admin_messages)

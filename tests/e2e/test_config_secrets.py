"""/config's secret dialogs through the emulator: the Binance key dialog (messages deleted on
reading, keys proven with Binance before they are stored, stored encrypted: no plaintext anywhere
in the database or the captured logs, on SQLite and PostgreSQL) and two-factor set-up."""

from __future__ import annotations

from decimal import Decimal

import pyotp
import pytest
from sqlalchemy import MetaData, select

from telegram_frontend.core.access import Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.logging import LOG_BUFFER
from tests.e2e.account_helpers import audit_rows
from tests.e2e.harness import RunningFrontend, World, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """A roomy per-user rate limit (these tests talk a lot) and a key for secrets at rest."""
    return {
        **settings_env,
        "RATE_LIMIT_PER_MINUTE": "1000",
        "SECRET_KEY": "e2e-secret-key-0123456789-abcdefghijkl",
    }


async def dump_database(app: RunningFrontend) -> str:
    """Every value of every row of every table of our database, as text."""
    database = await app.frontend.container.get(Database)
    metadata = MetaData()
    parts = []
    async with database.engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                parts += [f"{table.name}.{col}={value!r}" for col, value in row._mapping.items()]
    return "\n".join(parts)


async def test_own_keys_are_checked_stored_encrypted_and_never_in_plain_text(
    world: World,
) -> None:
    api_key, secret = world.binance.new_account({"USDT": Decimal("777")})
    trader = await world.app.user_with_role(71301, Role.TRADER)
    await trader.send("/config")
    asked = await trader.press("🔑 Add Binance keys")
    assert "Send your Binance API key" in text_of(asked.new_messages)

    assert "does not look like a Binance API key" in text_of(await trader.send("my key!"))
    assert "Now send the API secret" in text_of(await trader.send("A" * 64))
    rejected = text_of(await trader.send("B" * 64))
    assert rejected.startswith("❌ Binance did not accept these keys, so nothing was stored:")
    assert "Send your Binance API key" in rejected  # the dialog goes on
    await trader.send(api_key)
    saved = text_of(await trader.send(secret))
    assert saved.startswith(f"✅ Keys saved (…{api_key[-4:]}) after Binance accepted them.")

    history = await world.app.client.messages(71301, include_deleted=True)
    typed = [m for m in history if not m.from_bot and m.text in (api_key, secret, "A" * 64)]
    assert len(typed) == 3 and all(m.deleted for m in typed)
    assert all(
        api_key not in (m.text or "") and secret not in (m.text or "")
        for m in history
        if m.from_bot
    )

    portfolio = text_of(await trader.send("/portfolio"))
    assert "Portfolio · your own Binance account" in portfolio
    assert "Total: 777.00 USDT" in portfolio

    dump = await dump_database(world.app)
    assert "tf_user_binance_keys.api_key_enc='v2:" in dump
    for plaintext in (api_key, secret):
        assert plaintext not in dump
        assert not any(plaintext in record[3] for record in LOG_BUFFER.records)

    await trader.send("/config")
    removed = await trader.press("🗑 Remove my keys")
    assert "Your Binance keys were removed" in text_of(removed.new_messages)
    assert "the system Binance account" in text_of(await trader.send("/portfolio"))


async def test_two_factor_is_switched_on_by_a_valid_code_only(app: RunningFrontend) -> None:
    trader = await app.user_with_role(71303, Role.TRADER)
    await trader.send("/config")
    [setup] = (await trader.press("🔐 Enable two-factor")).new_messages
    assert "The secret is shown only once" in (setup.text or "")
    secret = (setup.text or "").split("secret=")[1].split("&")[0]
    assert "That code is not valid" in text_of(await trader.send("12345"))
    assert "Two-factor is on" in text_of(await trader.send(pyotp.TOTP(secret).now()))
    history = await app.client.messages(71303, include_deleted=True)
    assert next(m for m in history if m.message_id == setup.message_id).deleted
    assert secret not in await dump_database(app)
    assert "Two-factor (TOTP): on" in text_of(await trader.send("/config"))
    assert [r.result for r in await audit_rows(app, "totp.enable")] == ["ok"]

"""A user's own Binance keys and TOTP secret: checked before storing, encrypted at rest, never in
plain text anywhere in the database, used for the user's own account, and rotated to a new
SECRET_KEY by `tgfront rotate-secret` with the keys still working afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from pydantic import SecretStr
from sqlalchemy import MetaData, select

from telegram_frontend.clients.binance.client import BinanceClientFactory
from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import PermissionDenied
from telegram_frontend.core.settings import Settings
from telegram_frontend.main import cli
from telegram_frontend.models import User, UserBinanceKeys
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.services.account.credentials import (
    CredentialsService,
    InvalidTotpCode,
    KeysRejected,
    MalformedKey,
    StoredKeysUnreadable,
    TotpSetupExpired,
    rotate_stored_secrets,
)
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from tests.conftest import Backend

from .binance_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import FrozenClock

OLD_KEY = "old-secret-key-for-tests-0123456789"
NEW_KEY = "new-secret-key-for-tests-9876543210"
ALICE = Actor(role=Role.VIEWER, user_id=71, name="alice")
PENDING = Actor(role=Role.PENDING, user_id=72, name="pending")
SYSTEM_BALANCES = {"USDT": Decimal("500")}
OWN_BALANCES = {"USDT": Decimal("123.45"), "ETH": Decimal("0.5")}


def make_service(
    database: Database,
    cache: Cache,
    fake: FakeBinance,
    clock: FrozenClock,
    secret_key: str | None,
    system_keys: tuple[str, str] | None = None,
    deployment: str = "default",
) -> tuple[CredentialsService, BinanceClientFactory]:
    values: dict[str, Any] = {
        "binance_base_url": fake.base_url,
        "binance_testnet_hosts": ["127.0.0.1"],
    }
    if system_keys:
        values |= {"binance_api_key": system_keys[0], "binance_api_secret": system_keys[1]}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    factory = BinanceClientFactory(settings, clock=clock, monotonic=clock.monotonic)
    audit = AuditService(database)
    service = CredentialsService(
        database,
        cache,
        audit,
        ConfigService(database, audit),
        factory,
        SecretStr(secret_key) if secret_key else None,
        deployment=deployment,
    )
    return service, factory


@pytest.fixture
async def system_keys(fake_binance: FakeBinance) -> tuple[str, str]:
    return fake_binance.new_account(SYSTEM_BALANCES)


@pytest.fixture
async def credentials(
    database: Database,
    cache: Cache,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    system_keys: tuple[str, str],
) -> AsyncIterator[CredentialsService]:
    users = UserService(database, AuditService(database))
    await users.register(ALICE.user_id or 0, "alice", "Alice")
    await users.register(PENDING.user_id or 0, "pending", "Pending")
    service, factory = make_service(
        database, cache, fake_binance, frozen_clock, OLD_KEY, system_keys
    )
    yield service
    await factory.aclose()


async def stored_row(database: Database, user_id: int) -> User:
    async with database.session() as session:
        user = await session.get(User, user_id)
    assert user is not None
    return user


async def stored_keys(
    database: Database, user_id: int, deployment: str = "default"
) -> UserBinanceKeys | None:
    async with database.session() as session:
        return await session.get(UserBinanceKeys, (user_id, deployment))


async def dump_database(database: Database) -> str:
    """Every value of every row of every table, as text."""
    metadata = MetaData()
    async with database.engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        parts = []
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                parts.extend(f"{table.name}.{col}={value!r}" for col, value in row._mapping.items())
    return "\n".join(parts)


async def test_keys_are_proven_with_a_signed_call_before_anything_is_stored(
    credentials: CredentialsService, database: Database, fake_binance: FakeBinance
) -> None:
    unknown_key = "A" * 64
    with pytest.raises(KeysRejected) as refused:
        await credentials.store_binance_keys(ALICE, unknown_key, "B" * 64)
    assert "Binance rejected the API key" in refused.value.user_message
    assert unknown_key not in refused.value.user_message
    assert fake_binance.calls("GET", "/api/v3/account") == 1
    assert await stored_keys(database, 71) is None

    api_key, secret = fake_binance.new_account(OWN_BALANCES)
    hint = await credentials.store_binance_keys(ALICE, f"  {api_key}\n", secret)
    assert hint == "…" + api_key[-4:]
    row = await stored_keys(database, 71)
    assert row is not None and row.api_key_enc.startswith("v2:")
    restored = await credentials.binance_credentials(71)
    assert restored is not None
    assert restored.api_key.get_secret_value() == api_key
    assert restored.api_secret.get_secret_value() == secret
    status = await credentials.status(71)
    assert (status.binance_keys, status.key_hint, status.totp_enabled) == (True, hint, False)


async def test_malformed_keys_are_refused_without_calling_binance(
    credentials: CredentialsService, fake_binance: FakeBinance
) -> None:
    with pytest.raises(MalformedKey):
        await credentials.store_binance_keys(ALICE, "not a key!", "C" * 64)
    with pytest.raises(MalformedKey):
        await credentials.store_binance_keys(ALICE, "D" * 64, "short")
    with pytest.raises(PermissionDenied):
        await credentials.store_binance_keys(PENDING, "E" * 64, "F" * 64)
    assert fake_binance.calls("GET", "/api/v3/account") == 0


async def test_the_own_account_is_used_when_keys_are_stored_else_the_system_one(
    credentials: CredentialsService, fake_binance: FakeBinance
) -> None:
    system_view = await (await credentials.portfolio_for(ALICE)).portfolio(ALICE)
    assert {h.asset for h in system_view.holdings} == {"USDT"}
    assert system_view.total_usdt == Decimal("500.00")

    api_key, secret = fake_binance.new_account(OWN_BALANCES)
    await credentials.store_binance_keys(ALICE, api_key, secret)
    account = await credentials.account_for(ALICE)
    own_view = await account.portfolio.portfolio(ALICE)
    assert account.own_keys is True
    assert {h.asset for h in own_view.holdings} == {"USDT", "ETH"}
    assert (await credentials.account_for(SYSTEM)).own_keys is False

    assert await credentials.remove_binance_keys(ALICE) is True
    assert await credentials.remove_binance_keys(ALICE) is False
    assert (await credentials.account_for(ALICE)).own_keys is False


async def test_the_dust_threshold_follows_the_configuration(
    credentials: CredentialsService, database: Database
) -> None:
    assert (await credentials.portfolio_for(ALICE)).dust_threshold_usdt == Decimal("1.0")
    await ConfigService(database, AuditService(database)).set(SYSTEM, "binance.dust_usdt", "25")
    assert (await credentials.portfolio_for(ALICE)).dust_threshold_usdt == Decimal("25.0")


async def test_no_plaintext_key_or_secret_anywhere_in_the_database(
    credentials: CredentialsService,
    database: Database,
    fake_binance: FakeBinance,
    backend: Backend,
) -> None:
    api_key, secret = fake_binance.new_account(OWN_BALANCES)
    await credentials.store_binance_keys(ALICE, api_key, secret)
    setup = await credentials.begin_totp(ALICE)
    await credentials.confirm_totp(ALICE, pyotp.TOTP(setup.secret).now())
    dump = await dump_database(database)
    assert "tf_user_binance_keys.api_key_enc='v2:" in dump  # the dump covers the secrets
    assert "tf_audit_log.action='credentials.binance.set'" in dump
    for plaintext in (api_key, secret, setup.secret, api_key.lower(), secret.upper()):
        assert plaintext not in dump, f"plaintext found on {backend.kind}"


async def test_keys_under_an_unknown_secret_key_are_refused_without_leaking(
    credentials: CredentialsService,
    database: Database,
    cache: Cache,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
) -> None:
    api_key, secret = fake_binance.new_account(OWN_BALANCES)
    await credentials.store_binance_keys(ALICE, api_key, secret)
    other, factory = make_service(database, cache, fake_binance, frozen_clock, NEW_KEY)
    try:
        with pytest.raises(StoredKeysUnreadable) as failed:
            await other.account_for(ALICE)
        assert api_key not in failed.value.user_message
        assert "SECRET_KEY" in failed.value.user_message
    finally:
        await factory.aclose()


async def test_totp_is_activated_only_by_a_valid_code_and_each_code_works_once(
    credentials: CredentialsService,
) -> None:
    with pytest.raises(TotpSetupExpired):
        await credentials.confirm_totp(ALICE, "123456")
    setup = await credentials.begin_totp(ALICE)
    assert setup.uri.startswith("otpauth://totp/")
    assert f"secret={setup.secret}" in setup.uri
    totp = pyotp.TOTP(setup.secret)
    wrong = f"{(int(totp.now()) + 1) % 10**6:06d}"
    with pytest.raises(InvalidTotpCode):
        await credentials.confirm_totp(ALICE, wrong)
    assert await credentials.totp_enabled(71) is False
    await credentials.confirm_totp(ALICE, totp.now())
    assert await credentials.totp_enabled(71) is True

    next_code = totp.at(time.time() + totp.interval)  # the next step is accepted too
    assert await credentials.verify_totp(71, next_code) is True
    assert await credentials.verify_totp(71, next_code) is False  # replayed
    with pytest.raises(InvalidTotpCode):
        await credentials.disable_totp(ALICE, "12345")
    await credentials.disable_totp(ALICE, totp.at(time.time() - totp.interval))
    assert await credentials.totp_enabled(71) is False


async def test_rotate_secret_re_encrypts_every_secret_and_the_keys_still_work(
    credentials: CredentialsService,
    database: Database,
    cache: Cache,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    clean_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api_key, secret = fake_binance.new_account(OWN_BALANCES)
    await credentials.store_binance_keys(ALICE, api_key, secret)
    setup = await credentials.begin_totp(ALICE)
    await credentials.confirm_totp(ALICE, pyotp.TOTP(setup.secret).now())
    before, keys_before = await stored_row(database, 71), await stored_keys(database, 71)
    assert keys_before is not None

    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    monkeypatch.setenv("OLD_SECRET_KEY", OLD_KEY)
    monkeypatch.setenv("NEW_SECRET_KEY", NEW_KEY)
    argv = ["rotate-secret", "--old-key-env", "OLD_SECRET_KEY", "--new-key-env", "NEW_SECRET_KEY"]
    with pytest.raises(SystemExit) as done:
        await asyncio.to_thread(cli, argv)
    assert done.value.code == 0
    assert (
        "re-encrypted 3 secret(s) of 1 user(s), 0 already under the new key"
        in capsys.readouterr().out
    )

    after, keys_after = await stored_row(database, 71), await stored_keys(database, 71)
    assert keys_after is not None
    assert keys_after.api_key_enc != keys_before.api_key_enc
    assert keys_after.api_secret_enc != keys_before.api_secret_enc
    assert after.totp_secret_enc != before.totp_secret_enc
    rotated, factory = make_service(database, cache, fake_binance, frozen_clock, NEW_KEY)
    try:
        account = await rotated.account_for(ALICE)
        assert account.own_keys is True
        assert {b.asset for b in await account.client.balances()} == {"USDT", "ETH"}
        assert await rotated.totp_enabled(71) is True
    finally:
        await factory.aclose()
    with pytest.raises(StoredKeysUnreadable):
        await credentials.account_for(ALICE)  # the old key no longer opens them

    with pytest.raises(SystemExit) as again:  # a second run finds everything already rotated
        await asyncio.to_thread(cli, argv)
    assert again.value.code == 0
    assert (
        "re-encrypted 0 secret(s) of 0 user(s), 3 already under the new key"
        in capsys.readouterr().out
    )


async def test_rotate_secret_with_the_wrong_old_key_changes_nothing(
    credentials: CredentialsService,
    database: Database,
    fake_binance: FakeBinance,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    clean_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api_key, secret = fake_binance.new_account(OWN_BALANCES)
    await credentials.store_binance_keys(ALICE, api_key, secret)
    before = await stored_keys(database, 71)
    assert before is not None
    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    monkeypatch.setenv("WRONG_KEY", "not-the-key-that-encrypted-them")
    monkeypatch.setenv("NEW_SECRET_KEY", NEW_KEY)
    argv = ["rotate-secret", "--old-key-env", "WRONG_KEY", "--new-key-env", "NEW_SECRET_KEY"]
    with pytest.raises(SystemExit) as done:
        await asyncio.to_thread(cli, argv)
    assert done.value.code == 1
    error = capsys.readouterr().err
    assert "nothing was changed" in error and "different SECRET_KEY" in error
    assert api_key not in error and secret not in error
    after = await stored_keys(database, 71)
    assert after is not None and after.api_key_enc == before.api_key_enc
    assert (await credentials.account_for(ALICE)).own_keys is True


async def test_keys_are_per_deployment_and_rotation_re_encrypts_every_deployments_keys(
    database: Database,
    cache: Cache,
    fake_binance: FakeBinance,
    frozen_clock: FrozenClock,
    credentials: CredentialsService,
) -> None:
    """Two deployments' services on one database: each stores and reads its own pair only, and
    `rotate_stored_secrets` re-encrypts the pairs of both (the keys still open afterwards)."""
    other, factory = make_service(
        database, cache, fake_binance, frozen_clock, OLD_KEY, deployment="mainnet"
    )
    try:
        first, first_secret = fake_binance.new_account(OWN_BALANCES)
        second, second_secret = fake_binance.new_account(OWN_BALANCES)
        await credentials.store_binance_keys(ALICE, first, first_secret)
        assert await other.binance_credentials(71) is None
        await other.store_binance_keys(ALICE, second, second_secret)
        mine = await credentials.binance_credentials(71)
        theirs = await other.binance_credentials(71)
        assert mine is not None and mine.api_key.get_secret_value() == first
        assert theirs is not None and theirs.api_key.get_secret_value() == second
        assert await other.remove_binance_keys(ALICE) is True
        assert await credentials.binance_credentials(71) is not None  # the other one stays
        await other.store_binance_keys(ALICE, second, second_secret)

        report = await rotate_stored_secrets(database, OLD_KEY, NEW_KEY)
        assert (report.users, report.rotated, report.already_current) == (1, 4, 0)
        for deployment, key in (("default", first), ("mainnet", second)):
            row = await stored_keys(database, 71, deployment)
            assert row is not None
            assert SecretBox(NEW_KEY).decrypt(row.api_key_enc) == key
    finally:
        await factory.aclose()

"""API keys on both backends: shown once, stored only as a hash, revocable at once, audited.

The CLI test runs the real `tgfront api-key` command in a subprocess and then searches a full
dump of the database for the key it printed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import PermissionDenied, ValidationFailed
from telegram_frontend.models import ApiKey, AuditLog
from telegram_frontend.services.admin.api_keys import ApiKeyService, hash_key, key_actor
from telegram_frontend.services.admin.audit import AuditService
from tests.conftest import Backend

TGFRONT = str(Path(sys.executable).with_name("tgfront"))


@pytest.fixture
def keys(database: Database) -> ApiKeyService:
    return ApiKeyService(database, AuditService(database))


async def dump_database(db: Database) -> str:
    """Every row of every table as text: what an attacker with a backup would see."""
    lines: list[str] = []
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            rows = await conn.execute(text(f'SELECT * FROM "{table}"'))
            lines += [f"{table}: {tuple(row)}" for row in rows]
    return "\n".join(lines)


async def test_a_created_key_authenticates_as_its_role_and_is_stored_only_hashed(
    keys: ApiKeyService, database: Database
) -> None:
    created = await keys.create(SYSTEM, "grafana", Role.VIEWER)
    assert created.key.startswith(created.row.prefix + "_")
    row = await keys.authenticate(created.key)
    assert row is not None and row.id == created.row.id
    actor = key_actor(row)
    assert (actor.role, actor.via, actor.api_key_id, actor.name) == (
        Role.VIEWER,
        "api",
        row.id,
        "grafana",
    )
    assert row.last_used_at is not None
    async with database.session() as session:
        stored = await session.get(ApiKey, created.row.id)
    assert stored is not None and stored.key_hash == hash_key(created.key)
    assert created.key not in await dump_database(database)


async def test_wrong_malformed_and_revoked_keys_do_not_authenticate(keys: ApiKeyService) -> None:
    created = await keys.create(SYSTEM, "script", "trader")
    tampered = created.key[:-1] + ("A" if created.key[-1] != "A" else "B")
    assert await keys.authenticate(tampered) is None
    assert await keys.authenticate("") is None
    assert await keys.authenticate(created.key + "x") is None
    assert await keys.authenticate("Bearer " + created.key) is None
    await keys.revoke(SYSTEM, created.row.id)
    assert await keys.authenticate(created.key) is None


async def test_revoking_twice_keeps_the_first_revocation(keys: ApiKeyService) -> None:
    created = await keys.create(SYSTEM, "twice", Role.ADMIN)
    first = await keys.revoke(SYSTEM, created.row.id)
    second = await keys.revoke(SYSTEM, created.row.id)
    assert first.revoked_at is not None and second.revoked_at == first.revoked_at


async def test_only_admins_manage_keys_and_every_change_is_audited(
    keys: ApiKeyService, database: Database
) -> None:
    trader = Actor(role=Role.TRADER, user_id=7, name="t")
    with pytest.raises(PermissionDenied):
        await keys.create(trader, "sneaky", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        await keys.list_keys(trader)
    created = await keys.create(SYSTEM, "ops", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        await keys.revoke(trader, created.row.id)
    await keys.revoke(SYSTEM, created.row.id)
    async with database.session() as session:
        rows = list(await session.scalars(select(AuditLog).order_by(AuditLog.id)))
    assert [(r.action, r.target, r.actor) for r in rows] == [
        ("api_key.create", f"api-key:{created.row.id}", "system:frontend"),
        ("api_key.revoke", f"api-key:{created.row.id}", "system:frontend"),
    ]
    assert created.key not in str([r.details for r in rows])


@pytest.mark.parametrize("role", ["pending", "blocked", "root"])
async def test_a_key_gets_only_a_real_role(keys: ApiKeyService, role: str) -> None:
    with pytest.raises(ValidationFailed):
        await keys.create(SYSTEM, "odd", role)


async def test_a_key_needs_a_printable_name(keys: ApiKeyService) -> None:
    with pytest.raises(ValidationFailed):
        await keys.create(SYSTEM, "  ", Role.VIEWER)
    with pytest.raises(ValidationFailed):
        await keys.create(SYSTEM, "x" * 129, Role.VIEWER)


async def _tgfront(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        TGFRONT,
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_shows_the_key_once_and_the_database_keeps_only_its_hash(
    backend: Backend, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": backend.database_url,
        "LOG_LEVEL": "WARNING",
    }
    code, out, err = await _tgfront(env, "api-key", "create", "--role", "trader", "--name", "bot")
    assert code == 0, err
    key = out.strip()
    assert len(out.splitlines()) == 1 and key.startswith("tgf_")
    assert "shown only this once" in err and key not in err
    shown = make_url(backend.database_url).render_as_string(hide_password=True)
    assert f"Database: {shown} (the app must use the same one)." in err
    password = make_url(backend.database_url).password
    assert not password or str(password) not in err

    code, listing, _ = await _tgfront(env, "api-key", "list")
    assert code == 0
    assert "bot" in listing and "trader" in listing and "active" in listing
    assert key not in listing and key[:12] in listing

    db = Database(backend.database_url)
    try:
        dump = await dump_database(db)
        assert key not in dump
        assert hash_key(key) in dump
        keys = ApiKeyService(db, AuditService(db))
        row = await keys.authenticate(key)
        assert row is not None and row.role == "trader" and row.created_by.startswith("system:cli:")

        code, out, _ = await _tgfront(env, "api-key", "revoke", str(row.id))
        assert code == 0 and "revoked" in out
        assert await keys.authenticate(key) is None
    finally:
        await db.dispose()

    code, _, err = await _tgfront(env, "api-key", "revoke", "999")
    assert code == 1 and "There is no API key with id 999." in err

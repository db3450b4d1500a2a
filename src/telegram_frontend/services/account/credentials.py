"""A user's own secrets: their Binance API keys and their TOTP second factor, encrypted at rest.

Keys are proven with a signed call before they are stored, kept only as `SecretBox` tokens, and
turned back into a client per request, so the account services act on the user's own account
(or on the system account when the user has none). Plaintext never reaches the database, a log
line or an error text: decrypted values are handed to the log redactor as soon as they exist.

Keys belong to one deployment: each deployment has its own `CredentialsService`, which proves a
pair against that deployment's Binance, stores it under that deployment's name and uses only the
pairs stored under it, so testnet keys never reach mainnet's Binance (see migration 0008 for
where keys stored before deployments went). TOTP is the user's, on every deployment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pyotp
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from telegram_frontend.clients.binance.client import BinanceClient, BinanceClientFactory
from telegram_frontend.clients.binance.transport import BinanceCredentials
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.caching.shared_memo import SharedMemo
from telegram_frontend.core.crypto import DecryptionFailed, SecretBox
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.errors import (
    ExchangeError,
    FrontendError,
    NotFound,
    ValidationFailed,
)
from telegram_frontend.core.logging import REDACTOR
from telegram_frontend.core.text_safety import clean_name
from telegram_frontend.models import User, UserBinanceKeys
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.account.limits import AccountLimits
from telegram_frontend.services.account.orders import OrderService
from telegram_frontend.services.account.portfolio import PortfolioService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import totp_locked_notice

TOTP_ISSUER = "Binance AI Traders"
TOTP_SETUP_TTL_S = 600.0
TOTP_REPLAY_TTL_S = 120.0
TOTP_MAX_FAILURES = 5
TOTP_LOCK_SECONDS = 900
_KEY_FORMAT = re.compile(r"[A-Za-z0-9]{16,128}")
_CODE_FORMAT = re.compile(r"\d{6}")
ENCRYPTED_COLUMNS: dict[type[User] | type[UserBinanceKeys], tuple[str, ...]] = {
    User: ("totp_secret_enc",),
    UserBinanceKeys: ("api_key_enc", "api_secret_enc"),
}
"""Every stored secret, by table: what `rotate_stored_secrets` re-encrypts."""
KEYLESS_SECONDS = 30.0


class MalformedKey(ValidationFailed):
    """The text cannot be a Binance API key or secret (checked before calling Binance)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"That does not look like a Binance API {what} (letters and digits).")
        self.what = what


class KeysRejected(ValidationFailed):
    """Binance refused a signed call with the keys the user gave; nothing was stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Binance did not accept these keys: {reason} Nothing was stored.")
        self.reason = reason


class InvalidTotpCode(ValidationFailed):
    """A TOTP code that is malformed, wrong, or already used."""

    def __init__(self) -> None:
        super().__init__("That code is not valid. Check your authenticator app and try again.")


class TotpLocked(ValidationFailed):
    """Too many wrong codes in a row: every code, right or wrong, is refused for a while."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Too many wrong two-factor codes: two-factor is locked for {minutes} minutes. "
            "Nothing was done."
        )
        self.minutes = minutes


class TotpRequired(ValidationFailed):
    """This action needs the user's TOTP code (or two-factor must be set up first)."""

    def __init__(self, setup: bool) -> None:
        super().__init__(
            "This action needs two-factor: set it up in /config first."
            if setup
            else "This action needs your two-factor code."
        )
        self.setup = setup


class TotpSetupExpired(ValidationFailed):
    """The secret shown at set-up was not confirmed in time."""

    def __init__(self) -> None:
        super().__init__("The two-factor set-up expired. Start it again from /config.")


class StoredKeysUnreadable(FrontendError):
    """Stored keys exist but cannot be decrypted (SECRET_KEY changed without a rotation)."""

    def __init__(self) -> None:
        super().__init__(
            "Your stored Binance keys cannot be decrypted (the server's SECRET_KEY changed). "
            "Remove them and add them again in /config."
        )


@dataclass(frozen=True)
class CredentialStatus:
    """What a user has set up, without revealing any secret (the key's last four characters)."""

    binance_keys: bool
    key_hint: str | None
    totp_enabled: bool
    encryption_available: bool


@dataclass(frozen=True)
class TotpSetup:
    """Shown once: the secret and the otpauth URI an authenticator app imports."""

    secret: str
    uri: str


@dataclass(frozen=True)
class BinanceAccount:
    """The Binance account an actor acts on, with the services bound to it."""

    client: BinanceClient
    own_keys: bool
    portfolio: PortfolioService
    orders: OrderService


@dataclass(frozen=True)
class RotationReport:
    """What `rotate_stored_secrets` did: users touched, tokens re-encrypted, tokens already new
    (a user's keys on every deployment and their TOTP secret)."""

    users: int
    rotated: int
    already_current: int


class CredentialsService:
    """Stores, checks and uses a Telegram user's own Binance keys and TOTP secret."""

    def __init__(
        self,
        db: Database,
        cache: Cache,
        audit: AuditService,
        config: ConfigService,
        factory: BinanceClientFactory,
        secret_key: SecretStr | None,
        notifications: NotificationService | None = None,
        clock: Callable[[], datetime] = utcnow,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        # The deployment whose Binance this service proves, stores and uses keys for
        self.deployment = deployment
        self._notifications = notifications
        self._clock = clock
        self._db = db
        self._cache = cache
        self._audit = audit
        self._config = config
        self._factory = factory
        self._secret_key = secret_key
        self._limits = AccountLimits(config)
        # "This user stored no keys of their own": the common answer, asked on every screen.
        self._keyless = SharedMemo(cache, f"keyless:{deployment}", KEYLESS_SECONDS)

    # -- the account an actor acts on ---------------------------------------------------------

    async def client_for(self, actor: Actor) -> tuple[BinanceClient, bool]:
        """The actor's own client when they stored keys, else the system client; and which."""
        credentials = await self.binance_credentials(actor.user_id) if _is_user(actor) else None
        if credentials is not None:
            return self._factory.for_credentials(credentials), True
        return self._factory.system(), False

    async def account_for(self, actor: Actor) -> BinanceAccount:
        client, own = await self.client_for(actor)
        return BinanceAccount(
            client=client,
            own_keys=own,
            portfolio=PortfolioService(client, dust_threshold_usdt=await self.dust_threshold()),
            orders=OrderService(client, self._limits.risk_limits),
        )

    async def portfolio_for(self, actor: Actor) -> PortfolioService:
        return (await self.account_for(actor)).portfolio

    async def orders_for(self, actor: Actor) -> OrderService:
        return (await self.account_for(actor)).orders

    async def dust_threshold(self) -> Decimal:
        """`binance.dust_usdt` from the versioned configuration, read fresh each time."""
        return await self._limits.dust_threshold()

    # -- Binance keys --------------------------------------------------------------------------

    async def status(self, user_id: int) -> CredentialStatus:
        """What the user set up: their keys on this deployment, their TOTP (everywhere)."""
        user = await self._user(user_id)
        sealed_key, sealed_secret = await self._sealed_keys(user_id)
        hint = None
        if sealed_key:
            try:
                hint = "…" + self._open(sealed_key)[-4:]
            except FrontendError:
                hint = "?"
        return CredentialStatus(
            binance_keys=bool(sealed_key and sealed_secret),
            key_hint=hint,
            totp_enabled=bool(user.totp_secret_enc),
            encryption_available=bool(self._secret_key and self._secret_key.get_secret_value()),
        )

    async def store_binance_keys(self, actor: Actor, api_key: str, api_secret: str) -> str:
        """Check the pair with a signed call to this deployment's Binance, then store both
        encrypted under this deployment; returns the key hint."""
        user_id = self._own_user(actor)
        api_key, api_secret = check_key_format(api_key, "key"), check_key_format(api_secret)
        box = self._box()
        client = self._factory.for_credentials(BinanceCredentials.of(api_key, api_secret))
        try:
            await client.account()
        except ExchangeError as exc:
            await self._record_keys(actor, "credentials.binance.set", user_id, "failed")
            raise KeysRejected(exc.user_message) from None
        finally:
            await client.aclose()
        REDACTOR.add([api_key, api_secret])
        async with self._db.session() as session:
            if await session.get(User, user_id) is None:
                raise NotFound(f"No user with id {user_id}.")
            row = await session.get(UserBinanceKeys, (user_id, self.deployment))
            if row is None:
                row = UserBinanceKeys(user_id=user_id, deployment=self.deployment)
                session.add(row)
            row.api_key_enc = box.encrypt(api_key)
            row.api_secret_enc = box.encrypt(api_secret)
            await self._record_keys(actor, "credentials.binance.set", user_id, "ok", session)
        await self._keyless.forget(user_id)
        return "…" + api_key[-4:]

    async def remove_binance_keys(self, actor: Actor) -> bool:
        """Forget the user's keys on this deployment; False when there were none."""
        user_id = self._own_user(actor)
        table = UserBinanceKeys
        async with self._db.session() as session:
            result = await session.execute(
                delete(table).where(table.user_id == user_id, table.deployment == self.deployment)
            )
            if not getattr(result, "rowcount", 0):
                return False
            await self._record_keys(actor, "credentials.binance.remove", user_id, "ok", session)
        await self._keyless.forget(user_id)
        return True

    async def _record_keys(
        self,
        actor: Actor,
        action: str,
        user_id: int,
        result: str,
        session: AsyncSession | None = None,
    ) -> None:
        await self._audit.record(
            actor, action, f"user:{user_id}", result, session=session, deployment=self.deployment
        )

    async def binance_credentials(self, user_id: int | None) -> BinanceCredentials | None:
        """The user's decrypted key pair, or None when they stored none."""
        if user_id is None or await self._keyless.get(user_id) is not None:
            return None
        sealed_key, sealed_secret = await self._sealed_keys(user_id)
        if not (sealed_key and sealed_secret):
            await self._keyless.put(user_id, "1")
            return None
        try:
            key = self._open(sealed_key)
            secret = self._open(sealed_secret)
        except FrontendError:
            raise StoredKeysUnreadable() from None
        return BinanceCredentials.of(key, secret)

    async def _sealed_keys(self, user_id: int) -> tuple[str | None, str | None]:
        """The user's two encrypted values on this deployment, without an ORM session: a
        caller's first screen of the account must not build ORM objects to learn it has none."""
        table = UserBinanceKeys.__table__
        query = select(table.c.api_key_enc, table.c.api_secret_enc).where(
            table.c.user_id == user_id, table.c.deployment == self.deployment
        )
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return (None, None) if row is None else (row[0], row[1])

    def seal(self, plaintext: str) -> str:
        """Encrypt a secret that must wait somewhere (e.g. a dialog's state) before it is used."""
        return self._box().encrypt(plaintext)

    def unseal(self, token: str) -> str:
        return self._open(token)

    # -- TOTP ----------------------------------------------------------------------------------

    async def begin_totp(self, actor: Actor) -> TotpSetup:
        """A new secret, kept (encrypted, in the cache) until a valid code confirms it."""
        user_id = self._own_user(actor)
        secret = pyotp.random_base32()
        await self._cache.set(_setup_key(user_id), self.seal(secret), ttl=TOTP_SETUP_TTL_S)
        uri = pyotp.TOTP(secret).provisioning_uri(
            name=f"telegram:{user_id}", issuer_name=TOTP_ISSUER
        )
        return TotpSetup(secret=secret, uri=uri)

    async def confirm_totp(self, actor: Actor, code: str) -> None:
        """Activate the pending secret once the user proves their app produces its codes."""
        user_id = self._own_user(actor)
        token = await self._cache.get(_setup_key(user_id))
        if token is None:
            raise TotpSetupExpired()
        secret = self._open(token)
        if not await self._accept_code(user_id, secret, code):
            raise InvalidTotpCode()
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            user.totp_secret_enc = self.seal(secret)
            await self._audit.record(actor, "totp.enable", f"user:{user_id}", "ok", session=session)
        await self._cache.delete(_setup_key(user_id))

    async def disable_totp(self, actor: Actor, code: str) -> None:
        user_id = self._own_user(actor)
        if not await self.verify_totp(user_id, code, actor):
            await self._audit.record(actor, "totp.disable", f"user:{user_id}", "denied")
            raise InvalidTotpCode()
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is not None:
                user.totp_secret_enc = None
            await self._audit.record(
                actor, "totp.disable", f"user:{user_id}", "ok", session=session
            )

    async def totp_enabled(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        async with self._db.session() as session:
            token = await session.scalar(select(User.totp_secret_enc).where(User.id == user_id))
        return bool(token)

    async def verify_totp(self, user_id: int, code: str, actor: Actor | None = None) -> bool:
        """True for a current code of the user's app; each code is accepted only once.

        After `TOTP_MAX_FAILURES` wrong codes in a row every code is refused with `TotpLocked`
        for `TOTP_LOCK_SECONDS` (audited, admins told), so the factor cannot be guessed.
        """
        if await self._cache.get(_lock_key(user_id)) is not None:
            raise TotpLocked(TOTP_LOCK_SECONDS // 60)
        async with self._db.session() as session:
            token = await session.scalar(select(User.totp_secret_enc).where(User.id == user_id))
        if not token:
            return False
        if await self._accept_code(user_id, self._open(token), code):
            await self._cache.delete(_failures_key(user_id))
            return True
        failures = await self._cache.incr(_failures_key(user_id), ttl=TOTP_LOCK_SECONDS)
        if failures >= TOTP_MAX_FAILURES:
            await self._lock_totp(user_id, actor)
            raise TotpLocked(TOTP_LOCK_SECONDS // 60)
        return False

    async def totp_locked(self, user_id: int) -> bool:
        return await self._cache.get(_lock_key(user_id)) is not None

    async def _lock_totp(self, user_id: int, actor: Actor | None) -> None:
        await self._cache.set(_lock_key(user_id), "1", ttl=TOTP_LOCK_SECONDS)
        await self._cache.delete(_failures_key(user_id))
        who = actor or Actor(role=Role.VIEWER, user_id=user_id, via="telegram")
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            await self._audit.record(
                who,
                "totp.locked",
                f"user:{user_id}",
                "denied",
                {"failures": TOTP_MAX_FAILURES, "seconds": TOTP_LOCK_SECONDS},
                session=session,
            )
            if self._notifications is not None:
                name = ""
                if user is not None:
                    name = "@" + user.username if user.username else user.full_name
                notice = totp_locked_notice(
                    user_id, clean_name(name), TOTP_LOCK_SECONDS // 60, self._clock()
                )
                await self._notifications.notify(notice, session=session)

    # -- second factor for actions -------------------------------------------------------------

    async def totp_required_for_actions(self, actor: Actor) -> bool:
        """True when this Telegram user must type a TOTP code to trade, stop or change roles.

        The system default (`security.totp_for_actions`) or the user's own choice switches it
        on; a user cannot switch off what the system requires. API keys have no second factor.
        """
        if not _is_user(actor) or actor.user_id is None:
            return False
        if bool(await self._config.get("security.totp_for_actions")):
            return True
        async with self._db.session() as session:
            own = await session.scalar(
                select(User.totp_for_actions).where(User.id == actor.user_id)
            )
        return bool(own)

    async def set_totp_for_actions(self, actor: Actor, enabled: bool, code: str = "") -> None:
        """The user's own switch; switching it off takes a valid code (it is a protection)."""
        user_id = self._own_user(actor)
        if enabled and not await self.totp_enabled(user_id):
            raise TotpRequired(setup=True)
        if not enabled and not await self.verify_totp(user_id, code, actor):
            raise InvalidTotpCode()
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            user.totp_for_actions = enabled
            await self._audit.record(
                actor,
                "totp.for_actions",
                f"user:{user_id}",
                "ok",
                {"enabled": enabled},
                session=session,
            )

    async def check_second_factor(
        self, actor: Actor, code: str | None, action: str, deployment: str | None = None
    ) -> None:
        """Pass when no code is required or `code` is valid; else `TotpRequired`/invalid/locked.

        `deployment`: the one the action would act on, named in the audit row of a refusal."""
        if not await self.totp_required_for_actions(actor):
            return
        assert actor.user_id is not None
        if not await self.totp_enabled(actor.user_id):
            raise TotpRequired(setup=True)
        if not code:
            raise TotpRequired(setup=False)
        if not await self.verify_totp(actor.user_id, code, actor):
            await self._audit.record(
                actor,
                action,
                "second-factor",
                "denied",
                {"reason": "TOTP"},
                deployment=deployment,
            )
            raise InvalidTotpCode()

    async def _accept_code(self, user_id: int, secret: str, code: str) -> bool:
        typed = re.sub(r"\s+", "", code or "")
        if not _CODE_FORMAT.fullmatch(typed) or not pyotp.TOTP(secret).verify(
            typed, valid_window=1
        ):
            return False
        return await self._cache.add(f"totp-used:{user_id}:{typed}", "1", ttl=TOTP_REPLAY_TTL_S)

    # -- plumbing ------------------------------------------------------------------------------

    def _box(self) -> SecretBox:
        return SecretBox.from_secret(self._secret_key)

    def _open(self, token: str) -> str:
        plaintext = self._box().decrypt(token)
        REDACTOR.add([plaintext])
        return plaintext

    def _own_user(self, actor: Actor) -> int:
        require(actor, Role.VIEWER)
        if not _is_user(actor) or actor.user_id is None:
            raise ValidationFailed("Only a Telegram user can keep their own keys here.")
        return actor.user_id

    async def _user(self, user_id: int) -> User:
        async with self._db.session() as session:
            user = await session.get(User, user_id)
        if user is None:
            raise NotFound(f"No user with id {user_id}.")
        return user


def check_key_format(raw: str, what: str = "secret") -> str:
    """The key or secret without surrounding blanks, or `MalformedKey` (before any network call)."""
    text = (raw or "").strip()
    if not _KEY_FORMAT.fullmatch(text):
        raise MalformedKey(what)
    return text


def _is_user(actor: Actor) -> bool:
    return actor.via == "telegram" and actor.user_id is not None


def _setup_key(user_id: int) -> str:
    return f"totp-setup:{user_id}"


def _lock_key(user_id: int) -> str:
    return f"totp-lock:{user_id}"


def _failures_key(user_id: int) -> str:
    return f"totp-fail:{user_id}"


async def rotate_stored_secrets(
    db: Database, old_key: str | SecretStr, new_key: str | SecretStr
) -> RotationReport:
    """Re-encrypt every stored secret under `new_key` in one transaction (all or nothing).

    Tokens already under the new key are left alone, so an interrupted rotation can be re-run;
    a token neither key opens stops the whole rotation with `DecryptionFailed`.
    """
    new_box = SecretBox(new_key)
    touched: set[int] = set()
    rotated = current = 0
    async with db.session() as session:
        for model, columns in ENCRYPTED_COLUMNS.items():
            rows = await session.scalars(select(model))
            for row in rows:
                user_id = row.id if isinstance(row, User) else getattr(row, "user_id", 0)
                for column in columns:
                    token = getattr(row, column)
                    if not token:
                        continue
                    if new_box.is_current(token):
                        current += 1
                        continue
                    try:
                        setattr(row, column, SecretBox.rotate(old_key, new_key, token))
                    except DecryptionFailed as exc:
                        where = f"user {user_id}, {model.__tablename__}.{column}"
                        raise DecryptionFailed(f"{exc.reason} ({where})") from None
                    rotated += 1
                    touched.add(user_id)
    return RotationReport(users=len(touched), rotated=rotated, already_current=current)

"""Secrets at rest (users' Binance keys, TOTP): Fernet with a key derived from SECRET_KEY by scrypt.

Fernet gives authenticated encryption (AES-128-CBC + HMAC-SHA256) with a timestamped token, so a
tampered or foreign token is refused instead of decrypting to garbage. scrypt (memory-hard, slow)
turns SECRET_KEY into the key, so a stolen database cannot be opened by guessing a weak key
quickly; a short key id is derived from it. Tokens are stored as `v2:<key id>:<fernet token>`.
Tokens of the former fast HKDF derivation (`v1:`) still decrypt; `tgfront rotate-secret`
re-encrypts them as v2 (with the same or a new key), and `is_current` tells which are done.
"""

from __future__ import annotations

import base64
import hmac
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import SecretStr

from telegram_frontend.core.errors import FrontendError

if TYPE_CHECKING:  # the OpenSSL bindings (~7 MB resident) load with the first key, not at start
    from cryptography.fernet import Fernet

VERSION = "v2"
LEGACY_VERSION = "v1"
MIN_SECRET_KEY_BYTES = 32
_SALT = b"telegram-frontend/secret-box"
_INFO_KEY = b"fernet-key/"
_INFO_ID = b"key-id/"
_KEY_ID_BYTES = 4
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # ~32 MiB and ~0.1 s per derivation


def weak_key_reason(secret_key: str) -> str | None:
    """Why a SECRET_KEY is too weak to protect stored secrets, or None when it is long enough."""
    size = len(secret_key.encode("utf-8"))
    if size < MIN_SECRET_KEY_BYTES:
        return (
            f"must be at least {MIN_SECRET_KEY_BYTES} bytes of random text (got {size}); "
            'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    if len(set(secret_key)) < 8:
        return "is not random enough (too few distinct characters)"
    return None


class SecretKeyMissing(FrontendError):
    """SECRET_KEY is not configured, so nothing can be stored encrypted."""

    def __init__(self) -> None:
        super().__init__("SECRET_KEY is not set, so secrets cannot be stored encrypted.")


class DecryptionFailed(FrontendError):
    """A stored secret could not be decrypted; the message never contains the token or key."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The stored secret could not be decrypted: {reason}.")
        self.reason = reason


def _hkdf(material: bytes, info: bytes, length: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info)
    return hkdf.derive(material)


@lru_cache(maxsize=8)
def _keys(secret_key: str, version: str) -> tuple[Fernet, str]:
    """The Fernet and the key id of one key and format version (scrypt runs once per key)."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if version == LEGACY_VERSION:
        material = secret_key.encode("utf-8")
    else:
        scrypt = Scrypt(salt=_SALT, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
        material = scrypt.derive(secret_key.encode("utf-8"))
    info = version.encode()
    fernet = Fernet(base64.urlsafe_b64encode(_hkdf(material, _INFO_KEY + info, 32)))
    return fernet, _hkdf(material, _INFO_ID + info, _KEY_ID_BYTES).hex()


class SecretBox:
    """Encrypts and decrypts short strings with a key derived from one SECRET_KEY."""

    __slots__ = ("_fernet", "_raw", "key_id")

    def __init__(self, secret_key: str | SecretStr) -> None:
        raw = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
        if not raw:
            raise SecretKeyMissing()
        self._raw = raw
        self._fernet, self.key_id = _keys(raw, VERSION)

    @classmethod
    def from_secret(cls, secret_key: SecretStr | None) -> SecretBox:
        """Build from `Settings.secret_key`, with a clear error when it is not configured."""
        if secret_key is None:
            raise SecretKeyMissing()
        return cls(secret_key)

    def __repr__(self) -> str:
        return f"SecretBox(version={VERSION!r}, key_id={self.key_id!r})"

    def encrypt(self, plaintext: str) -> str:
        """Encrypt `plaintext` into a printable token safe to store in a text column."""
        token = self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")
        return f"{VERSION}:{self.key_id}:{token}"

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by `encrypt` with the same SECRET_KEY."""
        version, key_id, body = _split(token)
        if version not in (VERSION, LEGACY_VERSION):
            raise DecryptionFailed(f"unknown format version {version!r}")
        from cryptography.fernet import InvalidToken

        fernet, expected_id = _keys(self._raw, version)
        if not hmac.compare_digest(key_id, expected_id):
            raise DecryptionFailed("it was encrypted with a different SECRET_KEY")
        try:
            return fernet.decrypt(body.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise DecryptionFailed("the token is damaged or was tampered with") from None

    def is_current(self, token: str) -> bool:
        """True when `token` was made with this box's key and format (so rotation can skip it)."""
        try:
            version, key_id, _ = _split(token)
        except DecryptionFailed:
            return False
        return version == VERSION and hmac.compare_digest(key_id, self.key_id)

    @staticmethod
    def rotate(old_key: str | SecretStr, new_key: str | SecretStr, token: str) -> str:
        """Re-encrypt `token` under `new_key` (v2); a current token comes back as is.

        With `old_key == new_key` this upgrades legacy v1 tokens to the slow derivation.
        """
        new_box = SecretBox(new_key)
        if new_box.is_current(token):
            return token
        return new_box.encrypt(SecretBox(old_key).decrypt(token))


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2) if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts):
        raise DecryptionFailed("it is not a token made by this application")
    return parts[0], parts[1], parts[2]


def encrypt(plaintext: str, secret_key: str | SecretStr) -> str:
    """Shortcut for `SecretBox(secret_key).encrypt(plaintext)`."""
    return SecretBox(secret_key).encrypt(plaintext)


def decrypt(token: str, secret_key: str | SecretStr) -> str:
    """Shortcut for `SecretBox(secret_key).decrypt(token)`."""
    return SecretBox(secret_key).decrypt(token)

"""Secrets at rest (users' Binance keys): Fernet with a key derived from SECRET_KEY by HKDF-SHA256.

Fernet gives authenticated encryption (AES-128-CBC + HMAC-SHA256) with a timestamped token, so a
tampered or foreign token is refused instead of decrypting to garbage. HKDF turns whatever string
the operator put in SECRET_KEY into a uniform key and into a short key id; each token is stored as
`v1:<key id>:<fernet token>` so `SecretBox.rotate` can tell tokens made with the new SECRET_KEY
from old ones without trying to decrypt them.
"""

from __future__ import annotations

import base64
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from telegram_frontend.core.errors import FrontendError

VERSION = "v1"
_SALT = b"telegram-frontend/secret-box"
_INFO_KEY = b"fernet-key/" + VERSION.encode()
_INFO_ID = b"key-id/" + VERSION.encode()
_KEY_ID_BYTES = 4


class SecretKeyMissing(FrontendError):
    """SECRET_KEY is not configured, so nothing can be stored encrypted."""

    def __init__(self) -> None:
        super().__init__("SECRET_KEY is not set, so secrets cannot be stored encrypted.")


class DecryptionFailed(FrontendError):
    """A stored secret could not be decrypted; the message never contains the token or key."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The stored secret could not be decrypted: {reason}.")
        self.reason = reason


def _derive(secret_key: str, info: bytes, length: int) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info)
    return hkdf.derive(secret_key.encode("utf-8"))


class SecretBox:
    """Encrypts and decrypts short strings with a key derived from one SECRET_KEY."""

    __slots__ = ("_fernet", "key_id")

    def __init__(self, secret_key: str | SecretStr) -> None:
        raw = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
        if not raw:
            raise SecretKeyMissing()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, _INFO_KEY, 32)))
        self.key_id = _derive(raw, _INFO_ID, _KEY_ID_BYTES).hex()

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
        if version != VERSION:
            raise DecryptionFailed(f"unknown format version {version!r}")
        if not hmac.compare_digest(key_id, self.key_id):
            raise DecryptionFailed("it was encrypted with a different SECRET_KEY")
        try:
            return self._fernet.decrypt(body.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise DecryptionFailed("the token is damaged or was tampered with") from None

    def is_current(self, token: str) -> bool:
        """True when `token` was made with this box's key (so rotation can skip it)."""
        try:
            version, key_id, _ = _split(token)
        except DecryptionFailed:
            return False
        return version == VERSION and hmac.compare_digest(key_id, self.key_id)

    @staticmethod
    def rotate(old_key: str | SecretStr, new_key: str | SecretStr, token: str) -> str:
        """Re-encrypt `token` under `new_key`; a token already under `new_key` comes back as is."""
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

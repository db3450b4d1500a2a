"""Secrets at rest: round trip, refusal of foreign or damaged tokens, key rotation, no leaks."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr, ValidationError

from telegram_frontend.core import crypto
from telegram_frontend.core.crypto import (
    DecryptionFailed,
    SecretBox,
    SecretKeyMissing,
    decrypt,
    encrypt,
    weak_key_reason,
)
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.settings import Settings

OLD_KEY = "old-secret-key-for-tests-0123456789"
NEW_KEY = "new-secret-key-for-tests-9876543210"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def test_round_trip_gives_back_the_plaintext() -> None:
    box = SecretBox(OLD_KEY)
    for text in (API_SECRET, "", "ключ 🔑 with unicode"):
        assert box.decrypt(box.encrypt(text)) == text


def test_token_is_versioned_and_names_its_key_but_hides_the_plaintext() -> None:
    box = SecretBox(OLD_KEY)
    token = box.encrypt(API_SECRET)

    version, key_id, body = token.split(":", 2)
    assert (version, key_id) == ("v2", box.key_id)
    assert len(key_id) == 8
    assert API_SECRET not in token
    assert OLD_KEY not in token
    assert box.encrypt(API_SECRET) != token, "each encryption uses a fresh IV"
    assert body.startswith("gAAAA"), "the body is a Fernet token"


def test_key_id_is_stable_per_key_and_differs_between_keys() -> None:
    assert SecretBox(OLD_KEY).key_id == SecretBox(SecretStr(OLD_KEY)).key_id
    assert SecretBox(OLD_KEY).key_id != SecretBox(NEW_KEY).key_id


def test_module_shortcuts_match_the_box() -> None:
    assert decrypt(encrypt(API_SECRET, OLD_KEY), SecretStr(OLD_KEY)) == API_SECRET


def test_token_from_another_key_is_refused_clearly() -> None:
    token = SecretBox(OLD_KEY).encrypt(API_SECRET)

    with pytest.raises(DecryptionFailed) as err:
        SecretBox(NEW_KEY).decrypt(token)

    assert "different SECRET_KEY" in err.value.message
    assert isinstance(err.value, FrontendError)


def test_tampered_token_is_refused_without_leaking() -> None:
    box = SecretBox(OLD_KEY)
    token = box.encrypt(API_SECRET)
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(DecryptionFailed) as err:
        box.decrypt(flipped)

    text = str(err.value) + repr(err.value)
    assert "damaged or was tampered with" in text
    assert API_SECRET not in text
    assert token not in text
    assert err.value.__cause__ is None
    assert err.value.__suppress_context__


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("plain text", "not a token made by this application"),
        ("", "not a token made by this application"),
        ("v1::abc", "not a token made by this application"),
        ("v9:deadbeef:gAAAAA", "unknown format version"),
    ],
)
def test_malformed_tokens_are_refused(token: str, reason: str) -> None:
    with pytest.raises(DecryptionFailed, match=reason):
        SecretBox(OLD_KEY).decrypt(token)


def test_rotate_re_encrypts_old_tokens_under_the_new_key() -> None:
    old_token = SecretBox(OLD_KEY).encrypt(API_SECRET)

    new_token = SecretBox.rotate(OLD_KEY, NEW_KEY, old_token)

    assert SecretBox(NEW_KEY).decrypt(new_token) == API_SECRET
    assert SecretBox(NEW_KEY).is_current(new_token)
    assert not SecretBox(NEW_KEY).is_current(old_token)
    with pytest.raises(DecryptionFailed):
        SecretBox(OLD_KEY).decrypt(new_token)


def test_rotate_leaves_already_rotated_tokens_alone() -> None:
    token = SecretBox(NEW_KEY).encrypt(API_SECRET)

    assert SecretBox.rotate(OLD_KEY, NEW_KEY, token) == token
    assert SecretBox.rotate("some-unrelated-old-key", NEW_KEY, token) == token


def test_rotate_with_the_wrong_old_key_fails_clearly() -> None:
    token = SecretBox(OLD_KEY).encrypt(API_SECRET)

    with pytest.raises(DecryptionFailed, match="different SECRET_KEY"):
        SecretBox.rotate("not-the-old-key", NEW_KEY, token)


def test_missing_secret_key_is_a_clear_error() -> None:
    with pytest.raises(SecretKeyMissing, match="SECRET_KEY is not set"):
        SecretBox("")
    with pytest.raises(SecretKeyMissing):
        SecretBox.from_secret(None)
    assert SecretBox.from_secret(SecretStr(OLD_KEY)).key_id == SecretBox(OLD_KEY).key_id


def test_repr_shows_no_key_material() -> None:
    box = SecretBox(OLD_KEY)
    assert OLD_KEY not in repr(box)
    assert repr(box) == f"SecretBox(version='v2', key_id='{box.key_id}')"


def _legacy_v1_token(secret_key: str, plaintext: str) -> str:
    """A token exactly as the former release stored it (HKDF-SHA256 straight from SECRET_KEY)."""

    def hkdf(info: bytes, length: int) -> bytes:
        kdf = HKDF(hashes.SHA256(), length, b"telegram-frontend/secret-box", info)
        return kdf.derive(secret_key.encode())

    fernet = Fernet(base64.urlsafe_b64encode(hkdf(b"fernet-key/v1", 32)))
    token = fernet.encrypt(plaintext.encode()).decode()
    return f"v1:{hkdf(b'key-id/v1', 4).hex()}:{token}"


def test_legacy_tokens_still_decrypt_and_rotation_upgrades_them_with_the_same_key() -> None:
    legacy = _legacy_v1_token(OLD_KEY, API_SECRET)
    box = SecretBox(OLD_KEY)
    assert box.decrypt(legacy) == API_SECRET
    assert not box.is_current(legacy)
    upgraded = SecretBox.rotate(OLD_KEY, OLD_KEY, legacy)
    assert upgraded.startswith("v2:") and box.is_current(upgraded)
    assert box.decrypt(upgraded) == API_SECRET


def test_the_key_is_derived_with_scrypt_not_a_fast_hash() -> None:
    crypto._keys.cache_clear()
    started = time.perf_counter()
    SecretBox("a-fresh-key-never-derived-before-0123456789")
    assert time.perf_counter() - started > 0.02  # HKDF alone takes microseconds
    assert (crypto.SCRYPT_N, crypto.SCRYPT_R) == (2**15, 8)


@pytest.mark.parametrize(
    "weak", ["secret", "tgfront", "e2e-secret-key-0123", "a" * 40, "0123456789" * 2]
)
def test_a_weak_secret_key_is_refused_with_a_clear_message(weak: str) -> None:
    assert weak_key_reason(weak) is not None
    with pytest.raises(ValidationError):
        Settings(_env_file=None, secret_key=weak)  # type: ignore[call-arg]
    assert weak_key_reason(OLD_KEY) is None

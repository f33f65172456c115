"""The one Fernet and the one keyed hash (HMAC-SHA256) of the portal (DESIGN §5).

Every encrypted field and stored upload goes through encrypt/decrypt; every lookup hash of
an identifier (the ID number today, feed matching later) through keyed_hash.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet_for(key: str) -> Fernet:
    return Fernet(key.encode())


def fernet() -> Fernet:
    # Keyed by the setting so that tests overriding the key get a matching Fernet.
    return _fernet_for(settings.FIELD_ENCRYPTION_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # A key rotated without re-encrypting; show nothing rather than fail the page.
        return ""


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return fernet().decrypt(token)


def keyed_hash(text: str) -> str:
    """HMAC-SHA256 under ID_HASH_KEY: equal inputs match, the hash reveals nothing."""
    return hmac.new(settings.ID_HASH_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def valid_fernet_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True

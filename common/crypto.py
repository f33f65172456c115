"""The one Fernet and the one keyed hash (HMAC-SHA256) of the portal (DESIGN §5).

Every encrypted field and stored upload goes through encrypt/decrypt; every lookup hash of
an identifier (the ID number today, feed matching later) through keyed_hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import IO

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


@lru_cache(maxsize=4)
def _hmac_states(key: str) -> tuple:
    """HMAC's two keyed SHA-256 states (RFC 2104: the key padded to the block, XORed with
    ipad and opad), prepared once per key."""
    block = key.encode()
    if len(block) > 64:
        block = hashlib.sha256(block).digest()
    block = block.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


def keyed_digester() -> Callable[[str], bytes]:
    """HMAC-SHA256 under ID_HASH_KEY, as bytes, for many values: the keyed states are
    prepared once per key and copied for each value, a third cheaper than copying an hmac
    object (a feed hashes some 850,000 numbers a night); test_crypto checks it against
    hmac.new."""
    inner, outer = _hmac_states(settings.ID_HASH_KEY)

    def digest(text: str) -> bytes:
        first = inner.copy()
        first.update(text.encode())
        second = outer.copy()
        second.update(first.digest())
        return second.digest()

    return digest


def keyed_digest(text: str) -> bytes:
    return keyed_digester()(text)


def keyed_hash(text: str) -> str:
    """The keyed hash as stored (hex): equal inputs match, the hash reveals nothing."""
    return keyed_digest(text).hex()


def valid_fernet_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


# --- Files too large to hold in memory (exports) ----------------------------------------
# A sequence of Fernet tokens, each sealing one chunk and preceded by its length (4 bytes,
# big-endian): encrypting and decrypting need one chunk in memory, not the whole file.
STREAM_CHUNK = 1 << 20


def seal_chunk(block: bytes, target: IO[bytes]) -> int:
    """Append one chunk to a file of this format; returns the bytes written."""
    token = fernet().encrypt(block)
    target.write(len(token).to_bytes(4, "big"))
    target.write(token)
    return 4 + len(token)


def encrypt_stream(source: IO[bytes], target: IO[bytes], chunk: int = STREAM_CHUNK) -> int:
    """Encrypt source into target chunk by chunk; returns the bytes written."""
    written = 0
    while block := source.read(chunk):
        written += seal_chunk(block, target)
    return written


def decrypt_stream(source: IO[bytes]) -> Iterator[bytes]:
    """The plain chunks of a file written by encrypt_stream (InvalidToken if tampered)."""
    while header := source.read(4):
        token = source.read(int.from_bytes(header, "big"))
        yield fernet().decrypt(token)

"""Keys of the portal's cached fragments: a prefix and a digest of what the fragment
depends on (scope, filters, language, freshness token), short enough for any backend."""

from __future__ import annotations

import hashlib


def cache_key(prefix: str, *parts: object) -> str:
    return f"{prefix}:" + hashlib.sha256(repr(parts).encode()).hexdigest()

"""A counter per client and purpose in the cache, for the public pages' limits.

The client is kept only as a keyed hash of its address (common.proxy.client_key_ip
behind the configured proxies), so the cache holds no address; the counter expires with its
window. With the local-memory cache (the embedded default) each worker process counts
on its own; production sets CACHE_URL to Redis, where the workers share the count.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from common.crypto import keyed_hash
from common.proxy import client_key_ip


def client_key(request: HttpRequest) -> str:
    """The client as the limits know it: a keyed hash of its address (an IPv6 client's
    /64)."""
    return keyed_hash("client:" + (client_key_ip(request) or "-"))[:32]


def exceeded(purpose: str, who: str, *, limit: int, window: int, count: bool = True) -> bool:
    """Whether `who` has used up `limit` for `purpose` in the current window (of
    `window` seconds from its first use). Counts this use unless `count` is False."""
    key = f"ratelimit:{purpose}:{who}"
    if not count:
        return (cache.get(key) or 0) >= limit
    if cache.add(key, 1, timeout=window):
        return limit < 1
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        used = 1
    return used > limit


DAY = 24 * 3600


def daily_limited(request: HttpRequest, purpose: str, household: object, *,
                  per_connection: int, per_household: int) -> bool:  # fmt: skip
    """A public form's day: whether this post from the connection or for the household
    goes over its limit (a post counts against both)."""
    return exceeded(
        f"{purpose}-client", client_key(request), limit=per_connection, window=DAY
    ) or exceeded(f"{purpose}-household", str(household), limit=per_household, window=DAY)

"""A counter per client and purpose in the cache, for the public pages' limits.

The client is kept only as a keyed hash of its address (common.proxy.client_key_ip
behind the configured proxies), so the cache holds no address; the counter expires with its
window. With the local-memory cache (the embedded default) each worker process counts
on its own; production sets CACHE_URL to Redis, where the workers share the count.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from common.crypto import keyed_hash
from common.proxy import client_key_ip


def client_key(request: HttpRequest) -> str:
    """The client as the limits know it: a keyed hash of its address (an IPv6 client's
    /64)."""
    return keyed_hash("client:" + (client_key_ip(request) or "-"))[:32]


def limit_key(purpose: str, who: str) -> str:
    """The cache key of `who`'s uses for `purpose` (a page that reads it together with
    other keys in one round trip compares its value with the limit itself)."""
    return f"ratelimit:{purpose}:{who}"


def exceeded(purpose: str, who: str, *, limit: int, window: int, count: bool = True) -> bool:
    """Whether `who` has used up `limit` for `purpose` in the current window (of
    `window` seconds from its first use). Counts this use unless `count` is False."""
    key = limit_key(purpose, who)
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
#: posts one connection may make for one household in a day, whatever the form's limits:
#: a stranger cannot use up a household's day alone
PER_SENDER_AND_HOUSEHOLD = 3


def daily_limited(
    request: HttpRequest,
    purpose: str,
    household: object,
    *,
    per_connection: int,
    per_household: int,
) -> bool:
    """A public form's day: whether this post goes over the connection's limit, the
    connection's limit for this household, or the household's. A refused post counts
    against no later limit, so a refused stranger uses up nothing of the household's.

    No stored key names the household (decision 50): a message sent anonymously from a
    household's plaque would otherwise leave, in Redis, a counter named after the
    household and started at the second it was sent. The household's counters are keyed
    by a keyed hash of (purpose, household, day), which changes every day."""
    sender = client_key(request)
    day = timezone.localdate().isoformat()
    place = keyed_hash(f"limit:{purpose}:{household}:{day}")[:32]
    pair = keyed_hash(f"limit:{purpose}:{sender}:{household}:{day}")[:32]
    return (
        exceeded(f"{purpose}-client", sender, limit=per_connection, window=DAY)
        or exceeded(f"{purpose}-pair", pair, limit=PER_SENDER_AND_HOUSEHOLD, window=DAY)
        or exceeded(f"{purpose}-place", place, limit=per_household, window=DAY)
    )

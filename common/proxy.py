"""The client's address behind the documented reverse proxy (README: nginx in front).

The lockout (django-axes) counts failed logins per user and address. Behind nginx every
request comes from nginx's address, so that count would lock a user out for everyone;
trusting X-Forwarded-For as a whole would let a client write its own address and never be
locked. Each trusted proxy appends the address it saw to the right of X-Forwarded-For, so
with TRUSTED_PROXY_COUNT proxies the client is the entry that many places from the right;
whatever the client wrote further left is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return remote  # not through the proxies: a direct request
    candidate = forwarded[-count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate

"""The client's address behind the reverse proxies the deployment names (nginx in the
compose file), and the key the limits count it under.

X-Forwarded-For is written by whoever sends the request: believed from anyone, it lets a
client pick the address the lockout and the limits count, and so never be locked out.
So it is read only when the request comes from a configured proxy network
(TRUSTED_PROXIES, CIDRs), and then from the right: each proxy appends the address it
saw, and the client is the first address, walking leftwards, that is not itself one of
the proxies. Whatever a client wrote further left is never reached. A request that does
not come through a proxy is its own REMOTE_ADDR, whatever its headers say.

An IPv6 client holds a whole /64 (its router hands any address of it to each device and
changes it at will), so the limits and the lockout count the /64, not the address.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=4)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def _address(text: str | None) -> Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    peer = _address(remote)
    if peer is None or not _trusted(peer, networks):
        return remote  # not through a proxy: its headers are its own words
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return remote  # a proxy writes addresses: this part is not a proxy's
        if not _trusted(address, networks):
            return str(address)
    return remote


def client_key_ip(request: HttpRequest) -> str | None:
    """The client as the lockout and the limits count it: its IPv4 address, or its
    IPv6 /64."""
    ip = client_ip(request)
    address = _address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return ip

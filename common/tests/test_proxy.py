"""X-Forwarded-For is read only from a configured proxy, from the right; an IPv6 client
is counted by its /64 (issue 21: the header was believed from anyone)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from common.proxy import client_ip, client_key_ip


def _request(remote: str, forwarded: str = ""):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.fixture(autouse=True)
def _proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/64"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("203.0.113.7", "1.2.3.4", "203.0.113.7"),  # not a proxy: its header is its own
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the left part is the client's
        ("10.0.0.2", "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # two proxies
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.1.2", "203.0.113.7", "10.0.1.2"),  # just outside the proxies' network
        ("fd00::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_is_the_first_untrusted_address_from_the_right(remote, forwarded, client):
    assert client_ip(_request(remote, forwarded)) == client


def test_without_configured_proxies_no_header_is_believed(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("10.0.0.2", "203.0.113.7")) == "10.0.0.2"


def test_an_ipv6_client_is_counted_by_its_64():
    one = client_key_ip(_request("2001:db8:1:2:aaaa::1"))
    assert one == client_key_ip(_request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert client_key_ip(_request("2001:db8:1:3::1")) != one
    assert client_key_ip(_request("203.0.113.7")) == "203.0.113.7"

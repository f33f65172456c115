"""The edge: a body past its path's limit is a 413 and a NUL byte is a 400, each with a
sentence in the user's language, before any view reads the request (issue 21)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _post_of(client, path: str, size: int):
    """A urlencoded POST whose body is exactly `size` bytes."""
    body = "x=" + "a" * (size - 2)
    return client.post(path, body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize(("size", "status"), [(100, 200), (101, 413)])
def test_an_anonymous_body_past_its_limit_is_413(client, settings, size, status):
    settings.REQUEST_MAX_BYTES_ANONYMOUS = 100
    response = _post_of(client, "/login/", size)
    assert response.status_code == status
    if status == 413:
        assert "文件过大" in response.content.decode()


@pytest.mark.parametrize(("size", "status"), [(1000, 302), (1001, 413)])
def test_a_staff_body_past_its_limit_is_413(cadre_client, settings, size, status):
    settings.REQUEST_MAX_BYTES = 1000
    settings.REQUEST_MAX_BYTES_PATHS = {"/monitoring/feeds/": 5000}
    assert _post_of(cadre_client, "/inbox/read/", size).status_code == status


def test_the_feeds_page_takes_a_larger_body(client, county_officer, settings):
    settings.REQUEST_MAX_BYTES = 1000
    settings.REQUEST_MAX_BYTES_PATHS = {"/monitoring/feeds/": 5000}
    client.force_login(county_officer)
    assert _post_of(client, "/monitoring/feeds/", 5000).status_code == 200  # form errors
    assert _post_of(client, "/monitoring/feeds/", 5001).status_code == 413


def test_a_declared_length_past_the_limit_is_refused_unread(client):
    response = client.post("/login/", "", content_type="text/plain", CONTENT_LENGTH="10737418240")
    assert response.status_code == 413
    assert response["Connection"] == "close"


@pytest.mark.parametrize(
    "path",
    ["/staff/?q=a%00b", "/households/?q=%00", "/h/abc%00/", "/v/360121104201/?page=1%00"],
)
def test_a_nul_byte_in_the_address_is_400(cadre_client, path):
    response = cadre_client.get(path)
    assert response.status_code == 400
    assert "无法读取" in response.content.decode()


def test_a_nul_byte_in_a_form_field_is_400(cadre_client):
    response = cadre_client.post("/inbox/text/", {"phone": "139\x0007911111"})
    assert response.status_code == 400


def test_english_users_read_the_refusal_in_english(cadre_client):
    cadre_client.cookies["django_language"] = "en"
    response = cadre_client.get("/households/?q=%00")
    assert "could not be read" in response.content.decode()

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default_even_for_english_browsers(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert "乡村治理平台" in body
    assert "用户名" in body
    assert '<html lang="zh-hans">' in body


def test_english_works_after_switching(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    body = response.content.decode()
    assert "Village governance portal" in body
    assert "User name" in body


def test_anonymous_is_sent_to_login_and_health_check_is_public(client):
    response = client.get("/households/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/households/"
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_login_and_logout(client, village_cadre):
    response = client.post(
        "/login/", {"username": village_cadre.username, "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_chinese_message(client, village_cadre):
    response = client.post("/login/", {"username": village_cadre.username, "password": "wrong"})
    assert "用户名或密码错误" in response.content.decode()


def test_lockout_after_five_failures_even_with_the_right_password(client, village_cadre):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": village_cadre.username, "password": "wrong"})
    response = client.post(
        "/login/", {"username": village_cadre.username, "password": "secret-pass-123"}
    )
    assert response.status_code in (403, 429)
    assert "账号已锁定" in response.content.decode()
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(db, settings):
    """With the portal's hashers (the test settings use a fast one)."""
    from config.settings import base
    from tests.factories import UserFactory

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = UserFactory()
    user.set_password("a-long-pass-phrase")
    assert user.password.startswith("argon2$")


def test_times_show_in_asia_shanghai(cadre_client, village_cadre, village):
    """16:30 UTC is half past midnight the next day in 渡头村."""
    import datetime

    from households.models import AccessEvent
    from households.services import access_record

    access_record(user=village_cadre, kind="export_masked", region=village, detail="户籍")
    AccessEvent.objects.update(
        created_at=datetime.datetime(2026, 11, 23, 16, 30, tzinfo=datetime.UTC)
    )
    assert "2026-11-24 00:30" in cadre_client.get("/access-log/").content.decode()

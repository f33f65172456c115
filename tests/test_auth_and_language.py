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


def test_argon2_is_the_production_hasher():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_times_are_asia_shanghai():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"

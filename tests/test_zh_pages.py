"""Every page of every role reads in Chinese (issue 22): rendered in zh-hans, no page
shows a run of English words: not a message ("Reply saved."), not Django's password
rules, not a third-party app's admin. Public pages and the admin are read too."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.test_permission_matrix import MATRIX, PERSONAS

# two English words in a row (a code such as YB01, a unit such as kg, a format such as
# PDF stands alone and is no sentence)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ \t,'’-]+[A-Za-z][a-z]+)+\b")
# names that are names in Chinese text too
ALLOWED = {"Lighthouse", "WeChat"}
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "value"}


class _Text(HTMLParser):
    """What a reader sees: text outside <script> and <style>, the attributes a browser
    shows, the button captions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg", "code"):
            self._hidden += 1
        attributes = dict(attrs)
        for name, value in attributes.items():
            if name in SHOWN_ATTRIBUTES and value:
                if name == "value" and attributes.get("type") not in ("submit", "button"):
                    continue
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg", "code") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def english_runs(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    runs = []
    for part in parser.parts:
        runs += [m for m in ENGLISH_RUN.findall(part) if m not in ALLOWED]
    return runs


def test_the_scan_finds_english():
    assert english_runs("<p>回复已保存</p><p>Reply saved.</p>") == ["Reply saved"]
    assert english_runs('<input placeholder="Search households">') == ["Search households"]
    assert english_runs("<script>var a = 'two words'</script><p>YB01 PDF 户</p>") == []


GET_ROWS = [(url, expected) for url, expected in MATRIX if " " not in url]


@pytest.mark.parametrize("persona", range(1, len(PERSONAS)), ids=PERSONAS[1:])
def test_every_staff_page_reads_in_chinese(request, client, objects, persona):
    client.force_login(request.getfixturevalue(PERSONAS[persona]))
    found = {}
    for url, expected in GET_ROWS:
        if expected[persona] != 200:
            continue
        path = url.format(**objects)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = response["Content-Type"].startswith("text/html")
        if html and (runs := english_runs(response.content.decode())):
            found[path] = runs
    assert found == {}


@pytest.mark.django_db
def test_every_public_page_reads_in_chinese(client, household):
    token, code = household.public_token, household.village.code
    found = {}
    for path in [
        f"/h/{token}/",
        f"/h/{token}/voice/",
        f"/h/{token}/produce/",
        f"/h/{token}/hardship/",
        f"/v/{code}/",
        f"/v/{code}/points/",
        f"/v/{code}/market/",
        "/login/",
        "/no-such-page/",
    ]:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if runs := english_runs(response.content.decode()):
            found[path] = runs
    assert found == {}


@pytest.mark.django_db
def test_the_admin_reads_in_chinese(admin_client):
    found = {}
    for path in [
        "/admin/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accessfailurelog/",
        "/admin/axes/accesslog/",
        "/admin/auth/user/",
    ]:
        response = admin_client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, path
        if runs := english_runs(response.content.decode()):
            found[path] = runs
    assert found == {}


@pytest.mark.django_db
def test_refused_passwords_are_explained_in_chinese(client, county_officer):
    """Django's password rules, as a member of staff meets them changing their own."""
    client.force_login(county_officer)
    for new in ["abc", "12345678901", "password123", county_officer.username + "1"]:
        response = client.post(
            "/account/password/",
            {"old_password": "secret-pass-123", "new_password1": new, "new_password2": new},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 200
        assert english_runs(response.content.decode()) == [], new


@pytest.mark.django_db
def test_a_reply_to_a_message_is_confirmed_in_chinese(client, village_cadre, household):
    from notices.services import feedback_receive

    feedback = feedback_receive(
        household=household,
        topic="question",
        text="医保怎么交？",
        anonymous=False,
        name="王五",
        phone="13907912345",
    )
    client.force_login(village_cadre)
    client.post(f"/voice/{feedback.pk}/action/", {"action": "take"})
    response = client.post(
        f"/voice/{feedback.pk}/action/",
        {"action": "reply", "reply": "本月起可在村委会代缴"},
        follow=True,
    )
    page = response.content.decode()
    assert "回复已保存" in page
    assert english_runs(page) == []

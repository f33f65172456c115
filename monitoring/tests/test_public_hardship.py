"""The hardship self-report from the public household page (issues 8 and 9): named,
limited, an alert of source "self-report" through the one service, and an ID number
typed into it kept masked only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.models import Alert, AlertEvent, Source
from tests.factories import HouseholdFactory, ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village, number="0031")
    ResidentFactory(household=household, relation="head", name="张三力")
    return household


def _url(household) -> str:
    return reverse("monitoring:hardship", args=[household.public_token])


def test_the_household_page_links_the_report_and_a_report_raises_an_alert(client, home):
    page = client.get(reverse("households:public", args=[home.public_token])).content.decode()
    assert f'href="{_url(home)}"' in page
    form = client.get(_url(home))
    assert form.status_code == 200
    assert "张*力" in form.content.decode()
    number = make_id_number()
    response = client.post(
        _url(home),
        {"name": "张小红", "causes": ["illness"], "text": f"父亲住院，身份证 {number}，花了三万"},
    )
    assert response.status_code == 200
    assert "申报已收到" in response.content.decode()
    alert = Alert.objects.get(household=home)
    assert alert.source == Source.SELF_REPORT
    assert alert.causes == ["illness"]
    label = alert.reasons[0]["label"]
    assert "张小红" in label
    assert number not in label
    assert number[:4] in label  # masked, not dropped


def test_a_report_needs_a_name_and_some_words(client, home):
    response = client.post(_url(home), {"name": "", "text": "难"})
    assert response.status_code == 200
    assert not Alert.objects.exists()


def test_reports_are_limited_per_household_and_day(client, home):
    for n in range(3):
        data = {"name": f"邻居{n}", "text": "他家房子漏雨，老人生病了"}
        assert client.post(_url(home), data, REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    refused = client.post(
        _url(home), {"name": "邻居9", "text": "他家房子漏雨，老人生病了"}, REMOTE_ADDR="10.0.0.9"
    )
    assert refused.status_code == 429
    assert Alert.objects.filter(household=home).count() == 1  # one open alert a household
    signals = AlertEvent.objects.filter(alert__household=home).count()
    assert signals == 3  # raised, then two more signals; the fourth report kept out


def test_an_unknown_code_has_no_report_page(client):
    assert client.get("/h/abcdefghijklmnopqrstuvwxyz012345/hardship/").status_code == 404

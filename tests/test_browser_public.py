"""A neighbour scans a door plaque inside WeChat (issue 9): the QR code's address opens
the household's public page on a phone, the points are there, the entries page through,
and the village leaderboard is one tap away. Screenshots: test-artifacts/public-*.png."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from points.models import Category, EntryStatus, Honour, PointEntry, PointRule
from tests.factories import HouseholdFactory, ResidentFactory
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from tests.test_phone import phone  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


def test_a_plaque_scan_opens_the_household_page_and_its_entries(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    settings,
    village,
    group,
    village_cadre,
):
    settings.PUBLIC_BASE_URL = live_server.url
    household = HouseholdFactory(
        village=village, group=group, number="0008", motto="耕读传家，勤俭持家"
    )
    head = ResidentFactory(household=household, relation="head", name="欧阳建国")
    rule = PointRule.objects.create(
        village=village, category=Category.VOLUNTEERING, name="义务劳动", points=5
    )
    PointEntry.objects.bulk_create(
        PointEntry(
            household=household,
            resident=head if n % 2 else None,
            rule=rule,
            points=5,
            occurred_on=datetime.date(2026, 11, 20) - datetime.timedelta(days=3 * n),
            place="村文化礼堂",
            description=f"清扫村道第{n + 1}次",
            status=EntryStatus.APPROVED,
            recorded_by=village_cadre,
            approved_by=village_cadre,
        )
        for n in range(23)
    )
    Honour.objects.create(
        household=household, kind="star_family", stars=5, year=2025, awarded_by=village_cadre
    )

    # the address the plaque's QR code holds (households/tests/test_public.py decodes the
    # image itself)
    url = household.public_url()
    assert url == live_server.url + reverse("households:public", args=[household.public_token])

    phone.goto(url)
    assert phone.locator("h1").inner_text() == "欧**国家"
    figures = phone.locator("#points .pub-figures")
    assert "本月" in figures.inner_text()
    assert "本年" in figures.inner_text()
    assert "★★★★★" in phone.locator("#points").inner_text()
    entries = phone.locator("#points .pub-list").last.locator("li")
    assert entries.count() == 10
    assert "清扫村道第1次" in entries.first.inner_text()
    assert "欧阳建国" not in phone.content()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "public-household.png"), full_page=True)

    phone.get_by_role("link", name="较早 ›").click()
    assert "第 2 / 3 页" in phone.locator("#points").inner_text()
    assert "清扫村道第11次" in phone.locator("#points .pub-list").last.inner_text()
    phone.get_by_role("link", name="较早 ›").click()
    assert phone.locator("#points .pub-list").last.locator("li").count() == 3
    phone.screenshot(path=str(ARTIFACTS / "public-household-page3.png"), full_page=True)

    phone.get_by_role("link", name="全村积分比一比").or_(
        phone.get_by_role("link", name="与全村 1 户比一比")
    ).first.click()
    assert "欧**国家" in phone.locator("main").inner_text()
    phone.screenshot(path=str(ARTIFACTS / "public-leaderboard.png"), full_page=True)
    assert phone.console_errors == []

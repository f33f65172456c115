"""The trust round as people meet it, on a phone (390 px, WeChat): a cadre corrects a
published financial disclosure (the old one stays readable, marked), a county officer
finds their own account read-only and changes their password, and a refusal reads as a
sentence. Screenshots: test-artifacts/trust-*.png."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from notices.models import Notice, NoticeStatus
from notices.services import finance_line_add, notice_publish, notice_save
from tests.factories import UserFactory
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from tests.test_browser_grid import _login
from tests.test_phone import _fits, phone  # noqa: F401 (the fixture)
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser


def test_a_cadre_corrects_a_published_disclosure_on_a_phone(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    cadre = UserFactory(username="cadre", first_name="渡头村村干部")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    notice = notice_save(
        Notice(region=village, category="finance", title="十月财务公开"), user=cadre
    )
    finance_line_add(
        notice,
        month=datetime.date(2026, 10, 1),
        direction="income",
        item="集体资产租金",
        amount=Decimal("1200"),
        by=None,
    )
    notice_publish(notice, user=cadre)
    _login(phone, live_server.url, "cadre")

    phone.goto(f"{live_server.url}/notices/{notice.pk}/")
    assert phone.get_by_role("link", name="修改", exact=True).count() == 0  # published: fixed
    phone.get_by_role("button", name="写更正").click()
    phone.wait_for_url(f"{live_server.url}/notices/*/")
    draft = Notice.objects.get(replaces=notice)
    assert phone.locator("#corrects").is_visible()
    _fits(phone, "trust-correction-draft")
    phone.get_by_role("link", name="修改", exact=True).click()
    phone.get_by_label("标题").fill("十月财务公开（更正）")
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url(f"{live_server.url}/notices/{draft.pk}/")
    with phone.expect_navigation():  # publishing answers with the draft's page again
        phone.get_by_role("button", name="发布").click()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REPLACED

    phone.goto(f"{live_server.url}/v/{village.code}/notices/{notice.pk}/")
    assert phone.locator("#replaced").is_visible()
    phone.screenshot(path=str(ARTIFACTS / "trust-replaced-public.png"), full_page=True)
    phone.get_by_role("link", name="查看更正后的版本").click()
    phone.wait_for_url(f"{live_server.url}/v/{village.code}/notices/{draft.pk}/")
    assert "十月财务公开（更正）" in phone.content()
    assert phone.console_errors == []


def test_a_county_officer_finds_their_own_account_read_only_and_changes_the_password(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    county,
):
    officer = UserFactory(username="county", first_name="南昌县干部")
    StaffAssignment.objects.create(user=officer, region=county, role=Role.COUNTY_OFFICER)
    _login(phone, live_server.url, "county")
    phone.goto(f"{live_server.url}/staff/{officer.pk}/")
    note = phone.locator("#read-only")
    assert "自己的账号" in note.inner_text()
    assert phone.locator("form input[name=action]").count() == 0
    _fits(phone, "trust-own-account")
    note.get_by_role("link", name="修改我的密码").click()
    phone.get_by_label("旧密码").fill("secret-pass-123")
    phone.locator("#id_new_password1").fill("Another-pass-2026")  # its label is 新密码 *
    phone.get_by_label("新密码确认").fill("Another-pass-2026")
    _fits(phone, "trust-password")
    phone.get_by_role("button", name="修改密码").click()
    phone.wait_for_url(f"{live_server.url}/")
    assert "您的密码已修改" in phone.content()
    officer.refresh_from_db()
    assert officer.check_password("Another-pass-2026")
    assert phone.console_errors == []

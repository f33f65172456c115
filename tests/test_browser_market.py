"""On a phone (issue 11): a resident scans the plaque, posts produce for sale from the
household page; a village cadre approves it in the market queue; it appears on the
village market page and the household page, and a buyer finds the sellers of the same
product. Then a resident writes to the village anonymously. Screenshots:
test-artifacts/market-*.png."""

from __future__ import annotations

import pytest

from households.models import Listing, ListingStatus
from notices.models import Feedback
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from tests.test_browser_grid import _login
from tests.test_phone import phone  # noqa: F401 (the fixture)
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser


def test_a_resident_posts_produce_a_cadre_approves_it_and_it_shows_on_the_market(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    cadre = UserFactory(username="cunganbu", first_name="村干部老李")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    household = HouseholdFactory(village=village, number="0023")
    ResidentFactory(household=household, relation="head", name="欧阳建国")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    home = f"{live_server.url}/h/{household.public_token}/"

    # the resident, not logged in, on the household page
    phone.goto(home)
    phone.locator("#produce").get_by_role("link", name="发布我家的农货或求购").click()
    phone.get_by_label("出售").check()
    phone.get_by_label("产品").fill("赣南脐橙")
    phone.get_by_label("数量").fill("500")
    phone.get_by_label("单位").fill("斤")
    phone.get_by_label("单价（元）").fill("3.5")
    phone.get_by_label("说明").fill("自家果园，现摘现发")
    phone.screenshot(path=str(ARTIFACTS / "market-post.png"), full_page=True)
    phone.get_by_role("button", name="发布").click()
    phone.wait_for_load_state("load")  # the stylesheet too, before the width is measured
    assert "信息已提交" in phone.content()
    assert phone.locator("#close-link").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert Listing.objects.get().status == ListingStatus.PENDING
    phone.goto(f"{live_server.url}/v/{village.code}/market/")
    assert "赣南脐橙" not in phone.content()  # not before a cadre approved it

    # the cadre approves it in the queue, on a phone too
    _login(phone, live_server.url, "cunganbu")
    phone.goto(f"{live_server.url}/market/")
    row = phone.locator("#listings tbody tr", has_text="赣南脐橙")
    phone.screenshot(path=str(ARTIFACTS / "market-queue.png"), full_page=True)
    row.get_by_role("button", name="审核通过").click()
    phone.wait_for_load_state()  # the answer, not the page it left
    assert "已审核通过" in phone.content()
    assert Listing.objects.get().status == ListingStatus.PUBLISHED

    # anyone: the market page and the household page show it, masked name and number
    phone.context.clear_cookies()
    phone.goto(f"{live_server.url}/v/{village.code}/market/")
    listings = phone.locator("#market-listings")
    assert "赣南脐橙" in listings.inner_text()
    assert "欧**国" in listings.inner_text()
    assert "欧阳建国" not in phone.content()
    assert "¥3.50/斤" in listings.inner_text()
    phone.screenshot(path=str(ARTIFACTS / "market-page.png"), full_page=True)
    listings.get_by_role("link", name="同类产品").click()
    phone.wait_for_load_state()  # the answer, not the page it left
    assert "谁在卖、谁在买赣南脐橙" in phone.content()
    phone.goto(home)
    assert "赣南脐橙" in phone.locator("#produce").inner_text()
    phone.screenshot(path=str(ARTIFACTS / "market-household.png"), full_page=True)

    # and a message to the village, anonymously: a receipt, no name kept
    phone.locator("#voice").get_by_role("link", name="给村里留言").click()
    phone.get_by_label("类型").select_option("complaint")
    phone.get_by_label("您想说的话").fill("村东头的垃圾桶经常满出来，清运不及时。")
    phone.get_by_label("匿名提交").check()
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_load_state()  # the answer, not the page it left
    assert "留言已提交" in phone.content()
    assert phone.locator("#receipt").count() == 1
    feedback = Feedback.objects.get()
    assert feedback.anonymous
    assert feedback.household_id is None
    phone.screenshot(path=str(ARTIFACTS / "voice-done.png"), full_page=True)
    assert phone.console_errors == []

"""On a phone (issue 10): a grid worker records a visit that raises a matter; a village
cadre finds it in the queue and resolves it; the reply shows on the household's page.
Screenshots: test-artifacts/grid-*.png."""

from __future__ import annotations

import pytest

from grid.models import Matter
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from tests.test_phone import phone  # noqa: F401 (the fixture)
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser


def _login(page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("secret-pass-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")


def test_a_visit_raises_a_matter_that_the_cadre_resolves(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    worker = UserFactory(username="wangge", first_name="网格员小王")
    StaffAssignment.objects.create(user=worker, region=village, role=Role.GRID_WORKER)
    cadre = UserFactory(username="cunganbu", first_name="村干部老李")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    household = HouseholdFactory(village=village, number="0015")
    ResidentFactory(household=household, relation="head", name="欧阳建国")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    _login(phone, live_server.url, "wangge")
    phone.goto(f"{live_server.url}/households/{household.pk}/")
    phone.get_by_role("link", name="登记走访").click()
    phone.get_by_label("走访情况").fill("老人需要办理养老金资格认证，腿脚不便")
    phone.get_by_label("需上报诉求").check()
    phone.screenshot(path=str(ARTIFACTS / "grid-visit.png"), full_page=True)
    phone.get_by_role("button", name="保存走访").click()
    phone.get_by_label("诉求类别").select_option("pension")
    phone.locator("#id_title").fill("养老金资格认证代办")
    phone.get_by_label("群众希望收到答复").check()
    phone.get_by_role("button", name="受理", exact=True).click()
    phone.wait_for_load_state()  # the answer, not the page it left
    assert "诉求已受理" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    _login(phone, live_server.url, "cunganbu")
    phone.goto(f"{live_server.url}/matters/")
    phone.get_by_role("link", name="养老金资格认证代办").click()
    phone.get_by_label("给群众的答复").fill("已上门代办认证，本月养老金照常发放")
    phone.screenshot(path=str(ARTIFACTS / "grid-matter.png"), full_page=True)
    phone.get_by_role("button", name="办结").click()
    phone.wait_for_load_state()  # the answer, not the page it left
    assert "诉求已办结" in phone.content()
    matter = Matter.objects.get()
    assert matter.resolved_at is not None

    phone.context.clear_cookies()
    phone.goto(f"{live_server.url}/h/{household.public_token}/")
    replies = phone.locator("#replies")
    assert "已上门代办认证" in replies.inner_text()
    phone.screenshot(path=str(ARTIFACTS / "grid-reply.png"), full_page=True)
    assert phone.console_errors == []

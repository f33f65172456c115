"""The alert journey in a real browser: a township officer filters the queue, opens an
alert, reads its evidence and assigns it; the village cadre records the verification."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import HouseholdFactory, ResidentFactory, UserFactory, make_id_number
from tests.test_browser import _shot, browser, page  # noqa: F401 (the fixtures)
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser


def _login(tab, url: str, username: str) -> None:
    tab.context.clear_cookies()
    tab.goto(f"{url}/login/")
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码").fill("secret-pass-123")
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(f"{url}/")


def test_township_assigns_an_alert_and_the_cadre_verifies_it(
    page,  # noqa: F811 (the fixture)
    live_server,
    monitoring_catalogue,
    village,
    group,
    tmp_path,
):
    township = UserFactory(username="township", first_name="幽兰镇干部")
    StaffAssignment.objects.create(user=township, region=village.parent, role=Role.TOWNSHIP_OFFICER)
    cadre = UserFactory(username="cadre", first_name="李村委")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    sick = HouseholdFactory(village=village, group=group, number="0007")
    number = make_id_number()
    ResidentFactory(household=sick, id_number=number, name="王堃喆")
    accident = HouseholdFactory(village=village, group=group, number="0008")
    other = make_id_number()
    ResidentFactory(household=accident, id_number=other, name="陈建国")
    feed = tmp_path / "YB_2026-10.csv"
    feed.write_text(f"id_number,item_code,value,period\n{number},YB02,48200,2026-10\n")
    call_command("ingest_feed", str(feed), department="YB", period="2026-10", stdout=io.StringIO())
    feed = tmp_path / "YJ_2026-10.csv"
    feed.write_text(
        f"id_number,item_code,value,period\n{other},YJ01,60000,2026-10\n{other},YJ02,1,2026-10\n"
    )
    call_command("ingest_feed", str(feed), department="YJ", period="2026-10", stdout=io.StringIO())
    call_command("run_screening", period="2026-10", stdout=io.StringIO())

    _login(page, live_server.url, "township")
    page.get_by_role("link", name="防返贫预警").first.click()
    rows = page.locator("#alerts tbody tr")
    assert rows.count() == 2
    page.get_by_label("风险类型").select_option(label="因病")
    page.get_by_role("button", name="筛选", exact=True).click()
    assert rows.count() == 1
    assert "近12个月住院自付 48,200 元" in rows.first.inner_text()
    _shot(page, "alert-queue-filtered")

    rows.first.get_by_role("link", name="0007").click()
    evidence = page.locator("table.data").first
    evidence.wait_for()
    assert "个人自付费用" in evidence.inner_text()
    assert "48,200 元" in evidence.inner_text()
    assert "医保" in evidence.inner_text()
    assert number not in page.content()
    assert page.locator("#step-verify").count() == 0  # not the township's step
    _shot(page, "alert-evidence")

    page.go_back()
    rows.first.get_by_role("checkbox").check()
    page.get_by_label("分派给").select_option(label="李村委（渡头村 村干部）")  # name, region, role
    page.get_by_role("button", name="分派勾选的预警").click()
    assert "已分派 1 条预警" in page.locator(".messages").inner_text()
    assert "李村委" in page.locator("#alerts tbody tr").first.inner_text()

    _login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/monitoring/")
    page.get_by_role("link", name="0007").click()
    form = page.locator("#step-verify")
    form.get_by_label("走访日期").fill("2026-11-20")
    form.get_by_label("核实情况").fill("妻子住院，家中缺少劳动力")
    form.get_by_label("估算人均纯收入（元/年）").fill("5200")
    form.get_by_label("存在风险：提交民主评议").check()
    _shot(page, "alert-verification")
    form.get_by_role("button", name="保存").click()
    assert "已记录" in page.locator(".messages").inner_text()
    assert "民主评议" in page.locator(".page-head").inner_text()
    assert "入户核实" in page.locator("ol.log").inner_text()
    assert page.locator("#step-appraise").count() == 1
    assert page.console_errors == []

"""The monitoring method as counties practise it (issue 24), one journey per part, each as
the person who does it, on the device they use. Screenshots: test-artifacts/phone-*.png
and test-artifacts/method-*.png."""

from __future__ import annotations

import datetime

import pytest

from conftest import _staff
from monitoring import services
from monitoring.models import Alert, AssistanceMeasure, MeasureStatus, Monitored, Source, Stage
from tests.factories import HouseholdFactory, ResidentFactory
from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 (the fixtures)
from tests.test_browser_grid import _login
from tests.test_phone import _fits, phone  # noqa: F401 (the fixture)
from villages.models import Role

pytestmark = pytest.mark.browser


def test_a_village_cadre_fixes_measures_at_the_appraisal_on_a_phone(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
):
    """Item 1. The cadre verified the household a week and a day ago (time is pinned at
    2026-11-23): the alert is flagged, she proposes an employment measure from her phone,
    the flag goes, and she reports it under way."""
    village_cadre.username = "cadre"
    village_cadre.save()
    alert, _created = services.alert_raise(
        household=HouseholdFactory(village=village), source=Source.SELF_REPORT, level="high"
    )
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=datetime.date(2026, 11, 15),
        findings="户主住院，儿子待业",
        income_estimate=None,
        recommendation="enrol",
    )
    _login(phone, live_server.url, "cadre")
    phone.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    assert phone.locator("#measures-overdue").is_visible()
    form = phone.locator("#measure-new")
    form.get_by_label("类别").select_option("employment")
    form.get_by_label("内容").fill("介绍儿子到县工业园务工")
    form.get_by_label("责任人").fill("王村干部")
    form.get_by_label("预期效果").fill("每月增收2400元")
    _fits(phone, "method-measure-propose")
    with phone.expect_navigation():
        form.get_by_role("button", name="添加措施").click()
    assert phone.locator("#measures-overdue").count() == 0
    measure = AssistanceMeasure.objects.get(alert=alert)
    report = phone.locator(f"#measure-{measure.pk}")
    report.locator("summary").click()
    report.get_by_label("状态").select_option("ongoing")
    with phone.expect_navigation():
        report.get_by_role("button", name="登记进展").click()
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ONGOING
    assert "实施中" in phone.locator(f"#measure-{measure.pk}").inner_text()
    _fits(phone, "method-measure-ongoing")
    assert phone.console_errors == []


def test_a_county_officer_enrols_a_household_meeting_its_category_and_names_its_members(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    county_officer,
):
    """Item 3. At the county's step the officer chooses 突发严重困难户 without its amount
    and is told so in a sentence, keeping what was chosen; with the amount, and one
    member unticked, the household is enrolled with the two members named, and the list
    of monitored households counts them."""
    county_officer.username = "county"
    county_officer.save()
    home = HouseholdFactory(village=village, number="0042")
    head = ResidentFactory(household=home, relation="head", name="张大山")
    ResidentFactory(household=home, relation="spouse", name="李小梅")
    away = ResidentFactory(household=home, relation="son", name="张小川")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    Alert.objects.filter(pk=alert.pk).update(stage=Stage.COUNTY)
    _login(page, live_server.url, "county")
    page.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    step = page.locator("#step-decide")
    step.get_by_label("纳入监测对象").check()
    step.get_by_label("监测类型").select_option("sudden")
    step.get_by_label("因病").check()
    with page.expect_navigation():
        step.get_by_role("button", name="保存").click()
    assert "请填写突发事件造成的支出或损失" in page.locator("#step-decide").inner_text()
    step = page.locator("#step-decide")
    assert step.get_by_label("因病").is_checked()  # nothing chosen is lost
    step.get_by_label("突发支出或损失（元）").fill("48200")
    step.get_by_label("张小川（子）").uncheck()
    page.screenshot(path=str(ARTIFACTS / "method-enrol-members.png"), full_page=True)
    with page.expect_navigation():
        step.get_by_role("button", name="保存").click()
    monitored = Monitored.objects.get(alert=alert)
    assert set(monitored.members.all()) == {head, home.residents.get(relation="spouse")}
    assert away not in monitored.members.all()
    page.goto(f"{live_server.url}/monitoring/monitored/")
    assert page.locator("#monitored-totals").inner_text() == "1户 2人"
    assert page.console_errors == []


def test_the_township_pairs_a_cadre_who_finds_the_household_at_home(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
    township_officer,
):
    """Item 4. The township officer, at a desk, pairs a verified household with the
    village's cadre; the cadre, on her phone, finds it on her home with this month's visit
    due."""
    township_officer.username = "township"
    township_officer.save()
    village_cadre.username = "cadre"
    village_cadre.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=datetime.date(2026, 11, 20),
        findings="情况属实",
        income_estimate=None,
        recommendation="enrol",
    )
    _login(page, live_server.url, "township")
    page.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    pairing = page.locator("#pairing")
    assert "该户尚未安排结对帮扶" in pairing.inner_text()
    pairing.get_by_label("结对帮扶责任人").select_option(str(village_cadre.pk))
    with page.expect_navigation():
        pairing.get_by_role("button", name="结对").click()
    assert "cadre" in page.locator("#pairing").inner_text()
    page.locator("#pairing").screenshot(path=str(ARTIFACTS / "method-pairing.png"))
    _login(phone, live_server.url, "cadre")
    panel = phone.locator("#paired")
    assert "渡头村 0042 号户" in panel.inner_text() or "0042" in panel.inner_text()
    assert "本月待走访" in panel.inner_text()
    _fits(phone, "method-paired-home")
    assert page.console_errors == []
    assert phone.console_errors == []


def test_the_county_hall_shows_the_wall_screen_readable_from_across_the_room(
    browser,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    county_officer,
):
    """Item 9. The county officer opens the wall screen from the portraits page on the
    hall's 1920×1080 display: it fits without scrolling sideways, its figures are large,
    and it refreshes itself."""
    county_officer.username = "county"
    county_officer.save()
    for _n in range(3):
        home = HouseholdFactory(village=village)
        ResidentFactory(household=home, relation="head")
        services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    hall = context.new_page()
    _login(hall, live_server.url, "county")
    hall.goto(f"{live_server.url}/monitoring/portrait/")
    with hall.expect_navigation():
        hall.locator("#wall-link").click()
    hall.screenshot(path=str(ARTIFACTS / "method-wall.png"))
    assert hall.evaluate("document.documentElement.scrollWidth") <= 1920
    value = hall.locator(".wall-figure .value").first
    assert value.inner_text() == "3"
    assert float(value.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 60
    assert hall.locator('meta[http-equiv="refresh"]').get_attribute("content") == "300"
    context.close()


def test_the_first_secretary_verifies_on_a_phone_and_the_board_posts_the_team(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    """Item 8. The first secretary sent to the village logs in on her phone, finds the
    village's open alert from her home, verifies it on site; the village board (public)
    posts her as the work team."""
    secretary = _staff(Role.FIRST_SECRETARY, village, username="secretary")
    secretary.first_name = "李书记"
    secretary.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    _login(phone, live_server.url, "secretary")
    phone.get_by_role("link", name="未办结预警").first.click()
    phone.wait_for_load_state()
    phone.locator(f'a[href="/monitoring/alerts/{alert.pk}/"]').click()
    phone.wait_for_url(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    step = phone.locator("#step-verify")
    step.get_by_label("核实情况").fill("第一书记入户核实：户主住院")
    step.get_by_label("存在风险：提交民主评议").check()
    step.get_by_label("走访日期").fill("2026-11-20")
    _fits(phone, "method-secretary-verify")
    with phone.expect_navigation():
        step.get_by_role("button", name="保存").click()
    alert.refresh_from_db()
    assert alert.stage == Stage.APPRAISE
    phone.goto(f"{live_server.url}/v/{village.code}/")
    assert "李书记" in phone.locator("#work-team").inner_text()
    phone.screenshot(path=str(ARTIFACTS / "phone-method-board-team.png"), full_page=True)
    assert phone.console_errors == []


def test_the_wall_screen_fits_a_phone_too(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    county_officer,
):
    """Item 9. The wall is a staff page like any other: opened on a phone, its figures
    stack inside 390 px."""
    county_officer.username = "county"
    county_officer.save()
    _login(phone, live_server.url, "county")
    phone.goto(f"{live_server.url}/monitoring/wall/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "phone-method-wall.png"), full_page=True)

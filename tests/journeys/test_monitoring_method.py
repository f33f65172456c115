"""The monitoring method as counties practise it (issue 24), one journey per part, each as
the person who does it, on the device they use. Screenshots: test-artifacts/phone-*.png
and test-artifacts/method-*.png."""

from __future__ import annotations

import datetime

import pytest

from monitoring import services
from monitoring.models import Alert, AssistanceMeasure, MeasureStatus, Monitored, Source, Stage
from tests.factories import HouseholdFactory, ResidentFactory
from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 (the fixtures)
from tests.test_browser_grid import _login
from tests.test_phone import _fits, phone  # noqa: F401 (the fixture)

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

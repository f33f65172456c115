"""The monitoring method as counties practise it (issue 24), one journey per part, each as
the person who does it, on the device they use. Screenshots: test-artifacts/phone-*.png
and test-artifacts/method-*.png."""

from __future__ import annotations

import datetime

import pytest

from monitoring import services
from monitoring.models import AssistanceMeasure, MeasureStatus, Source
from tests.factories import HouseholdFactory
from tests.test_browser import browser  # noqa: F401 (the fixture)
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

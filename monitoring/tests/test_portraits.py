"""Area and work portraits: the figures of each village and township, the colours by the
rules the page states, the chart as SVG and the workbook."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from households.models import Household
from monitoring import portraits, services
from monitoring.models import Alert, Source
from tests.factories import ResidentFactory
from villages.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(village, sibling_village, village_cadre, township_officer, county_officer):
    """渡头村: three alerts, one verified on time and enrolled, one overdue; 前湖村: none."""
    today = timezone.localdate()
    alerts = []
    for n in range(3):
        household = Household.objects.create(village=village, number=f"000{n}")
        ResidentFactory(household=household, relation="head")
        alert, _new = services.alert_raise(household=household, source=Source.VISIT)
        alerts.append(alert)
    first = alerts[0]
    services.assign(alerts=alerts, user=township_officer, assignee=village_cadre)
    services.verify(
        alert=first,
        user=village_cadre,
        visit_date=today,
        findings="住院",
        income_estimate=None,
        recommendation="enrol",
    )
    services.appraise(alert=first, user=village_cadre, date=today, attendees=9, outcome="agree")
    Alert.objects.filter(pk=first.pk).update(due_date=today - datetime.timedelta(days=1))
    services.end_notice(alert=first, user=village_cadre)  # late: the notice was due yesterday
    services.review(alert=first, user=township_officer, decision="approve")
    services.decide(
        alert=first,
        user=county_officer,
        decision="enrol",
        category="sudden",
        causes=["illness"],
        sudden_amount=Decimal("30000"),
    )
    Alert.objects.filter(pk=alerts[1].pk).update(due_date=today - datetime.timedelta(days=2))
    return alerts


def test_the_area_portrait_counts_and_colours(worked, village, sibling_village):
    villages = Region.objects.filter(pk__in=[village.pk, sibling_village.pk])
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    rows = {r.region.name: r for r in township.villages}
    dutou = rows["渡头村"]
    assert (dutou.pushed, dutou.verified, dutou.verified_on_time) == (3, 1, 1)
    assert (dutou.enrolled, dutou.monitored, dutou.overdue, dutou.conversion) == (1, 1, 1, 33)
    assert dutou.colour == "yellow"  # one overdue alert
    assert rows["前湖村"].colour == "yellow"  # no monitored household
    assert (township.pushed, township.enrolled) == (3, 1)


def test_the_work_portrait_counts_steps_on_time(worked, village):
    work = portraits.work_portrait(Region.objects.filter(pk=village.pk), timezone.localdate().year)
    by_name = {w.name: w for w in work}
    cadre = next(w for w in work if w.assigned_open)
    assert (cadre.steps, cadre.on_time) == (3, 2)  # verified, appraised on time; notice late
    assert (cadre.assigned_open, cadre.assigned_overdue) == (2, 1)
    assert len(by_name) == 3  # the cadre, the township officer, the county officer


def test_the_portrait_pages(client, worked, township_officer):
    client.force_login(township_officer)
    page = client.get("/monitoring/portrait/").content.decode()
    assert "渡头村" in page
    assert "红：逾期预警 3 条及以上" in page
    svg = client.get("/monitoring/portrait/chart.svg")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "渡头村" in svg.content.decode()  # one township: its villages are the bars
    workbook = client.get("/monitoring/portrait/export/").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_index(0).to_python()
    assert rows[1][:3] == ["幽兰镇", "", 3]
    assert rows[2][1] == "渡头村"

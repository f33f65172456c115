"""The alert page guides (issue 22, item 8): the step, who acts next by role and name
(less anyone whose earlier hand bars them), by when, what each button does; an enrolled
alert leads to the monitored household's record, and that record to the household."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from households.models import Household
from monitoring import services
from monitoring.models import Alert, Monitored, Source
from villages import people
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(village, group):
    household = Household.objects.create(village=village, group=group, number="0001")
    alert, _created = services.alert_raise(household=household, source=Source.SCREENING)
    return alert


def _guide(client, alert) -> str:
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    return re.search(r'<section class="card guide" id="guide">(.*?)</section>', page, re.S)[1]


def test_a_new_alert_says_the_village_verifies_it_who_and_by_when(
    client, alert, village_cadre, plain_cadre, township_officer
):
    client.force_login(township_officer)
    guide = _guide(client, alert)
    assert "第 1 步，共 5 步：入户核实" in guide
    assert people.label(village_cadre) in guide
    assert people.label(plain_cadre) in guide
    assert people.label(township_officer) not in guide  # not a village step
    assert f"{alert.due_date:%Y-%m-%d}" in guide


def test_who_verified_is_not_named_for_the_review(
    client, alert, county_officer, village, township, township_officer
):
    StaffAssignment.objects.create(user=county_officer, region=township, role=Role.TOWNSHIP_OFFICER)
    StaffAssignment.objects.create(user=county_officer, region=village, role=Role.VILLAGE_CADRE)
    today = timezone.localdate()
    services.verify(
        alert=alert,
        user=county_officer,
        visit_date=today,
        findings="住院",
        income_estimate=Decimal("5200"),
        recommendation="enrol",
    )
    services.appraise(alert=alert, user=county_officer, date=today, attendees=9, outcome="agree")
    Alert.objects.filter(pk=alert.pk).update(due_date=today - datetime.timedelta(days=1))
    services.end_notice(alert=alert, user=county_officer)
    alert.refresh_from_db()
    client.force_login(township_officer)
    guide = _guide(client, alert)
    assert "第 4 步，共 5 步：乡镇审核" in guide
    assert people.label(township_officer) in guide
    assert people.label(county_officer) not in guide  # verified it: may not review it
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "“退回”则退回村里重新核实" in page  # what the review's button does


def test_an_enrolled_alert_leads_to_the_record_and_the_record_to_the_household(
    client, alert, village_cadre, county_officer
):
    Alert.objects.filter(pk=alert.pk).update(stage="enrolled", closed_at=timezone.now())
    monitored = Monitored.objects.create(
        household=alert.household,
        alert=alert,
        category="sudden",
        causes=["illness"],
        enrolled_on=timezone.localdate(),
        approved_by=county_officer,
    )
    client.force_login(village_cadre)
    guide = _guide(client, alert)
    assert f'href="/monitoring/monitored/{monitored.pk}/"' in guide
    record = client.get(f"/monitoring/monitored/{monitored.pk}/").content.decode()
    assert f'href="/households/{alert.household_id}/"' in record
    assert f'href="/monitoring/alerts/{alert.pk}/"' in record

"""明白卡 income on the household page, the monitored households and their measures, and
risk elimination proposed by the village and confirmed by the township."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from households.models import Household
from monitoring import services
from monitoring.models import (
    Alert,
    AssistanceMeasure,
    HouseholdIncome,
    Monitored,
    MonitoringLine,
    Source,
)
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(village, group):
    """A household of two living members (an enrolment names its members)."""
    home = Household.objects.create(village=village, group=group, number="0001")
    ResidentFactory(household=home, relation="head")
    ResidentFactory(household=home, relation="spouse")
    return home


@pytest.fixture
def monitored(household, village_cadre, county_officer):
    alert, _new = services.alert_raise(household=household, source=Source.VISIT)
    Alert.objects.filter(pk=alert.pk).update(stage="county")
    alert.refresh_from_db()
    # a marginal household: its income (明白卡) under 1.5 times the line
    MonitoringLine.objects.update_or_create(year=2026, defaults={"amount": Decimal("6000")})
    HouseholdIncome.objects.create(household=household, year=2026, wages=8000, members=2)
    services.decide(
        alert=alert,
        user=county_officer,
        decision="enrol",
        category="marginal",
        causes=["illness", "debt"],
    )
    return Monitored.objects.get()


def test_a_cadre_enters_the_income_and_the_household_page_shows_it_against_the_line(
    client, household, village_cadre, township_officer
):
    client.force_login(village_cadre)
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert f"/monitoring/households/{household.pk}/income/" in page
    response = client.post(
        f"/monitoring/households/{household.pk}/income/",
        {
            "year": "2026",
            "wages": "6000",
            "business": "1200",
            "property_income": "0",
            "transfers": "3000",
            "medical": "4000",
            "education": "0",
            "disaster": "0",
            "members": "2",
        },
    )
    assert response.status_code == 302
    income = HouseholdIncome.objects.get()
    assert income.per_capita_net == Decimal("3100.00")
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "3,100" in page
    assert "低于监测标准 7,800" in page
    bad = client.post(
        f"/monitoring/households/{household.pk}/income/",
        {"year": "2026", "wages": "-5", "members": "0"},
    )
    assert bad.status_code == 200
    assert HouseholdIncome.objects.get().wages == 6000
    client.force_login(township_officer)
    assert client.get(f"/monitoring/households/{household.pk}/income/").status_code == 403


def test_measures_and_risk_elimination(
    client, monitored, village_cadre, township_officer, household
):
    url = f"/monitoring/monitored/{monitored.pk}/"
    client.force_login(village_cadre)
    page = client.get("/monitoring/monitored/").content.decode()
    assert url in page
    client.post(
        url,
        {
            "action": "measure",
            "kind": "health",
            "description": "申请医疗救助",
            "responsible": "李主任",
            "start": "2026-11-20",
        },
    )
    assert AssistanceMeasure.objects.get().description == "申请医疗救助"
    assert client.post(url, {"action": "confirm"}).status_code == 403  # not the cadre's step
    client.post(url, {"action": "propose", "note": "已康复，外出务工"})
    monitored.refresh_from_db()
    assert monitored.elimination_proposed_on == timezone.localdate()
    client.force_login(township_officer)
    assert "确认" in client.get(url).content.decode()
    client.post(url, {"action": "confirm"})
    monitored.refresh_from_db()
    household.refresh_from_db()
    assert monitored.eliminated_at is not None
    assert household.monitoring_category == ""
    assert url not in client.get("/monitoring/monitored/").content.decode()


def test_a_recheck_campaign_from_its_page(client, monitored, county_officer, township_officer):
    """Households whose risk was eliminated this quarter go back to their village."""
    Monitored.objects.filter(pk=monitored.pk).update(eliminated_at=timezone.now())
    client.force_login(county_officer)
    quarter = f"{timezone.localdate().year}-Q{(timezone.localdate().month - 1) // 3 + 1}"
    form = {"name": "第四季度回头看", "pick": "eliminated", "quarter": quarter}
    response = client.post("/monitoring/campaigns/", form, follow=True)
    assert "1 户已发回所在村核实" in response.content.decode()
    alert = Alert.objects.get(source=Source.RECHECK)
    assert (alert.household, alert.stage) == (monitored.household, "verify")
    client.force_login(township_officer)
    assert client.get("/monitoring/campaigns/").status_code == 403

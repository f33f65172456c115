"""Three-level checks (issue 24, item 6): the village checks every household, the
township its key list, the county a reproducible random sample of the high-risk ones;
progress per level and region; a risk found raises an alert."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monitoring import checks, services
from monitoring.models import (
    Alert,
    Assessment,
    CheckLevel,
    CheckResult,
    CheckTarget,
    HouseholdIncome,
    MonitoringLine,
    RiskLevel,
    Source,
)
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Region

START, END = datetime.date(2026, 11, 20), datetime.date(2026, 11, 30)


@pytest.fixture
def county_households(village, sibling_village, other_village):
    """Households in three villages of two townships: 渡头村 (4), 前湖村 (2), 塔城 (2)."""
    found = {}
    for place, n in ((village, 4), (sibling_village, 2), (other_village, 2)):
        for i in range(n):
            household = HouseholdFactory(village=place, number=f"{place.code[-3:]}{i}")
            ResidentFactory(household=household, relation="head")
            found.setdefault(place.name, []).append(household)
    return found


def _start(county_officer, county, share=50):
    return checks.start(
        user=county_officer,
        county=county,
        name="冬季排查",
        starts_on=START,
        ends_on=END,
        sample_share=share,
    )


def test_the_township_key_list_holds_alerts_and_households_near_the_line(
    county, county_households, county_officer
):
    dutou = county_households["渡头村"]
    services.alert_raise(household=dutou[0], source=Source.VISIT)
    MonitoringLine.objects.update_or_create(year=2025, defaults={"amount": Decimal("6000")})
    # the county's factor is 1.5: 9,000.00 a person is near the line, 9,000.01 is not
    for household, wages in ((dutou[1], "18000.00"), (dutou[2], "18000.02")):
        HouseholdIncome.objects.create(household=household, year=2025, wages=wages, members=2)
    campaign = _start(county_officer, county)
    key = dict(
        CheckTarget.objects.filter(campaign=campaign, level=CheckLevel.TOWNSHIP).values_list(
            "household_id", "why"
        )
    )
    assert key == {dutou[0].pk: "alert", dutou[1].pk: "near_line"}


def test_the_county_sample_is_drawn_again_from_its_seed(county, county_households, county_officer):
    everyone = [h for households in county_households.values() for h in households]
    for household in everyone[:6]:
        Assessment.objects.create(
            household=household,
            period="2026-10",
            score=80,
            level=RiskLevel.HIGH,
            computed_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        )
    campaign = _start(county_officer, county, share=50)
    drawn = sorted(
        CheckTarget.objects.filter(campaign=campaign, level=CheckLevel.COUNTY).values_list(
            "household_id", flat=True
        )
    )
    assert len(drawn) == 3  # half of six
    assert drawn == checks.draw_sample(checks.high_risk(county), 50, campaign.seed)
    assert set(drawn) <= {h.pk for h in everyone[:6]}
    # another seed, another draw is possible; the same seed never differs
    assert checks.draw_sample(list(range(100)), 10, "a") == checks.draw_sample(
        list(range(100)), 10, "a"
    )


@pytest.mark.parametrize(("population", "share", "size"), [(10, 10, 1), (10, 11, 2), (3, 1, 1)])
def test_the_sample_size_rounds_up_and_is_at_least_one(population, share, size):
    assert len(checks.draw_sample(list(range(population)), share, "seed")) == size


def test_a_village_checks_its_households_and_a_risk_raises_an_alert(
    county, village, county_households, county_officer, village_cadre, township_officer
):
    campaign = _start(county_officer, county)
    dutou = county_households["渡头村"]
    checks.mark(
        campaign=campaign,
        level=CheckLevel.VILLAGE,
        household=dutou[0],
        user=village_cadre,
        result=CheckResult.FINE,
    )
    found = checks.mark(
        campaign=campaign,
        level=CheckLevel.VILLAGE,
        household=dutou[1],
        user=village_cadre,
        result=CheckResult.CONCERN,
        note="户主住院，家中无劳力",
    )
    alert = Alert.objects.get(pk=found.alert_id)
    assert alert.source == Source.CHECK
    assert alert.village_id == dutou[1].village_id
    with pytest.raises(ValidationError):  # once a level
        checks.mark(
            campaign=campaign,
            level=CheckLevel.VILLAGE,
            household=dutou[0],
            user=village_cadre,
            result=CheckResult.FINE,
        )
    with pytest.raises(ValidationError):  # a risk needs its sentence
        checks.mark(
            campaign=campaign,
            level=CheckLevel.VILLAGE,
            household=dutou[2],
            user=village_cadre,
            result=CheckResult.CONCERN,
        )
    with pytest.raises(PermissionDenied):  # the township does not check at the village level
        checks.mark(
            campaign=campaign,
            level=CheckLevel.VILLAGE,
            household=dutou[2],
            user=township_officer,
            result=CheckResult.FINE,
        )
    with pytest.raises(PermissionDenied):  # nor a cadre another village's household
        checks.mark(
            campaign=campaign,
            level=CheckLevel.VILLAGE,
            household=county_households["前湖村"][0],
            user=village_cadre,
            result=CheckResult.FINE,
        )
    villages = Region.objects.filter(level="village", code__startswith=county.code)
    township = next(p for p in checks.progress(campaign, villages) if p.region == village.parent)
    village_row = next(v for v in township.villages if v.region.name == "渡头村")
    cell = village_row.cells[0]
    assert (cell.total, cell.done, cell.concerns) == (4, 2, 1)
    assert township.cells[0].total == 6  # 渡头村 and 前湖村


@pytest.mark.parametrize("day", [START, END])
def test_a_campaign_takes_checks_on_its_first_and_last_day(
    county, county_households, county_officer, village_cadre, day
):
    campaign = _start(county_officer, county)
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(2, tzinfo=datetime.UTC))):
        checks.mark(
            campaign=campaign,
            level=CheckLevel.VILLAGE,
            household=county_households["渡头村"][0],
            user=village_cadre,
            result=CheckResult.FINE,
        )


@pytest.mark.parametrize(
    "day", [START - datetime.timedelta(days=1), END + datetime.timedelta(days=1)]
)
def test_a_campaign_refuses_checks_outside_its_days(
    county, county_households, county_officer, village_cadre, day
):
    campaign = _start(county_officer, county)
    with (
        time_machine.travel(datetime.datetime.combine(day, datetime.time(2, tzinfo=datetime.UTC))),
        pytest.raises(ValidationError),
    ):
        checks.mark(
            campaign=campaign,
            level=CheckLevel.VILLAGE,
            household=county_households["渡头村"][0],
            user=village_cadre,
            result=CheckResult.FINE,
        )


def test_only_the_county_starts_a_campaign(county, township_officer):
    with pytest.raises(PermissionDenied):
        _start(township_officer, county)


def test_the_check_page_lists_the_villages_households_and_records_a_check(
    client, county, county_households, county_officer, village_cadre
):
    campaign = _start(county_officer, county)
    client.force_login(village_cadre)
    url = reverse("monitoring:check", args=[campaign.pk])
    page = client.get(url).content.decode()
    dutou = county_households["渡头村"]
    assert f'id="h{dutou[0].pk}"' in page
    assert f'id="h{county_households["前湖村"][0].pk}"' not in page  # the sibling's
    response = client.post(
        url,
        {"level": "village", "household": dutou[0].pk, f"h{dutou[0].pk}-result": "fine"},
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "已排查：未发现风险" in page
    # a risk without its sentence is refused with one, nothing recorded
    client.post(
        url,
        {"level": "village", "household": dutou[1].pk, f"h{dutou[1].pk}-result": "concern"},
    )
    assert not campaign.marks.filter(household=dutou[1]).exists()


def test_the_county_starts_a_campaign_on_the_page(client, county, county_officer, village_cadre):
    client.force_login(village_cadre)
    page = client.get(reverse("monitoring:checks")).content.decode()
    assert 'id="start-check"' not in page
    assert client.post(reverse("monitoring:checks"), {"name": "x"}).status_code == 403
    client.force_login(county_officer)
    response = client.post(
        reverse("monitoring:checks"),
        {
            "name": "冬季排查",
            "starts_on": "2026-11-23",
            "ends_on": "2026-11-22",
            "sample_share": 10,
        },
    )
    assert "排查结束日期不能早于开始日期" in response.content.decode()
    response = client.post(
        reverse("monitoring:checks"),
        {
            "name": "冬季排查",
            "starts_on": "2026-11-23",
            "ends_on": "2026-12-20",
            "sample_share": 10,
        },
    )
    assert response.status_code == 302

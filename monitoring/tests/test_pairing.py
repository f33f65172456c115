"""Paired cadres (结对帮扶, issue 24 item 4): the township pairs a household at risk with
one of its village's or township's staff; the cadre's home lists their households with
this month's visit and the measures to report on; the household page shows the pairing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import _staff
from grid.models import Visit
from monitoring import services
from monitoring.models import Alert, MeasureKind, Pairing, Source, Stage
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role


@pytest.fixture
def verified(village, village_cadre):
    household = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=household, relation="head")
    alert, _ = services.alert_raise(household=household, source=Source.SELF_REPORT, level="high")
    return services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=datetime.date(2026, 11, 20),
        findings="情况属实",
        income_estimate=None,
        recommendation="enrol",
    )


def test_the_township_pairs_a_household_at_risk_and_a_new_pairing_ends_the_old(
    verified, township_officer, village_cadre, grid_worker
):
    first = services.pair(household=verified.household, cadre=village_cadre, user=township_officer)
    with pytest.raises(ValidationError):  # the same person again
        services.pair(household=verified.household, cadre=village_cadre, user=township_officer)
    services.pair(household=verified.household, cadre=grid_worker, user=township_officer)
    first.refresh_from_db()
    assert first.ended_on == datetime.date(2026, 11, 23)
    current = Pairing.objects.filter(household=verified.household).current().get()
    assert current.cadre == grid_worker
    assert village_cadre.notifications.filter(title__contains="0042").exists()


def test_only_the_township_pairs_and_only_with_its_own_staff(
    village, verified, township_officer, village_cadre, sibling_village
):
    with pytest.raises(PermissionDenied):  # a village cadre does not pair
        services.pair(household=verified.household, cadre=village_cadre, user=village_cadre)
    stranger = _staff(Role.VILLAGE_CADRE, sibling_village)
    with pytest.raises(ValidationError):  # the sibling village's cadre is no candidate
        services.pair(household=verified.household, cadre=stranger, user=township_officer)


def test_a_household_not_at_risk_is_not_paired(village, township_officer, village_cadre):
    household = HouseholdFactory(village=village)
    alert, _ = services.alert_raise(household=household, source=Source.SELF_REPORT, level="high")
    with pytest.raises(ValidationError):  # raised, not yet verified
        services.pair(household=household, cadre=village_cadre, user=township_officer)
    Alert.objects.filter(pk=alert.pk).update(stage=Stage.DISMISSED, measures_due="2026-11-20")
    with pytest.raises(ValidationError):  # dismissed
        services.pair(household=household, cadre=village_cadre, user=township_officer)


def test_the_cadres_home_lists_visits_due_and_measures_to_report(
    client, verified, township_officer, village_cadre
):
    services.pair(household=verified.household, cadre=village_cadre, user=township_officer)
    services.measure_propose(
        alert=verified,
        user=village_cadre,
        kind=MeasureKind.HEALTH,
        description="申请医疗救助",
        responsible="村医",
        start=datetime.date(2026, 11, 23),
    )
    client.force_login(village_cadre)
    home = client.get("/").content.decode()
    panel = home[home.index('id="paired"') :]
    assert "本月待走访" in panel
    assert "1项措施待更新" in panel
    Visit.objects.create(
        household=verified.household,
        visited_on=datetime.date(2026, 11, 1),  # the month's first day counts
        kind="routine",
        findings="走访",
        recorded_by=village_cadre,
    )
    home = client.get("/").content.decode()
    assert "本月已走访" in home[home.index('id="paired"') :]
    page = client.get(f"/households/{verified.household.pk}/").content.decode()
    assert 'id="household-pairing"' in page


def test_a_visit_last_month_leaves_this_months_due(
    client, verified, township_officer, village_cadre
):
    services.pair(household=verified.household, cadre=village_cadre, user=township_officer)
    Visit.objects.create(
        household=verified.household,
        visited_on=datetime.date(2026, 10, 31),
        kind="routine",
        findings="走访",
        recorded_by=village_cadre,
    )
    client.force_login(village_cadre)
    home = client.get("/").content.decode()
    assert "本月待走访" in home[home.index('id="paired"') :]


def test_the_paired_cadre_reports_on_the_households_measures(
    verified, township_officer, village_cadre, grid_worker
):
    measure = services.measure_propose(
        alert=verified,
        user=village_cadre,
        kind=MeasureKind.EMPLOYMENT,
        description="推荐务工",
        responsible="网格员",
        start=datetime.date(2026, 11, 23),
    )
    with pytest.raises(PermissionDenied):  # a grid worker not paired with it
        services.measure_update(
            measure=measure, user=grid_worker, status="ongoing", on=datetime.date(2026, 11, 23)
        )
    services.pair(household=verified.household, cadre=grid_worker, user=township_officer)
    services.measure_update(
        measure=measure, user=grid_worker, status="ongoing", on=datetime.date(2026, 11, 23)
    )
    measure.refresh_from_db()
    assert measure.status == "ongoing"

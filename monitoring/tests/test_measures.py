"""Measures from the appraisal (issue 24, item 1): proposed by the village once the
verification has confirmed the risk, fixed within measure_days (7 by default) of the
visit, flagged overdue the day after; states reported by the responsible person and
kept as a record; carried on after enrolment."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import _staff
from monitoring import services
from monitoring.models import (
    Alert,
    AssistanceMeasure,
    MeasureKind,
    MeasureStatus,
    ScreeningSettings,
    Source,
    Stage,
)
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role

VISIT = datetime.date(2026, 11, 20)


@pytest.fixture
def confirmed(village, village_cadre):
    """An alert whose risk the village verified on 2026-11-20 (now at the appraisal)."""
    household = HouseholdFactory(village=village)
    ResidentFactory(household=household, relation="head")
    alert, _created = services.alert_raise(
        household=household, source=Source.SELF_REPORT, level="high", reasons=[]
    )
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=VISIT,
        findings="住院自付较多",
        income_estimate=None,
        recommendation="enrol",
    )
    alert.refresh_from_db()
    return alert


def _propose(alert, user, **fields):
    return services.measure_propose(
        alert=alert,
        user=user,
        kind=fields.get("kind", MeasureKind.EMPLOYMENT),
        description=fields.get("description", "介绍儿子到县工业园务工"),
        responsible=fields.get("responsible", "王村干部"),
        start=fields.get("start", datetime.date(2026, 11, 23)),
        expected_effect=fields.get("expected_effect", "每月增收2400元"),
    )


def test_verification_sets_the_measures_due_a_week_after_the_visit(confirmed):
    assert confirmed.stage == Stage.APPRAISE
    assert confirmed.measures_due == VISIT + datetime.timedelta(days=7)


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(datetime.date(2026, 11, 27), False), (datetime.date(2026, 11, 28), True)],
)
def test_a_confirmed_risk_without_a_measure_is_overdue_the_day_after_the_week(
    confirmed, today, overdue
):
    with time_machine.travel(datetime.datetime(*today.timetuple()[:3], 10, tzinfo=datetime.UTC)):
        late = Alert.objects.measures_overdue(timezone.localdate())
        assert (confirmed in late) is overdue


def test_the_county_sets_the_number_of_days(village, village_cadre):
    settings = ScreeningSettings.current()
    settings.measure_days = 3
    settings.save()
    household = HouseholdFactory(village=village)
    alert, _ = services.alert_raise(
        household=household, source=Source.SELF_REPORT, level="high", reasons=[]
    )
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=VISIT,
        findings="因灾",
        income_estimate=None,
        recommendation="enrol",
    )
    alert.refresh_from_db()
    assert alert.measures_due == datetime.date(2026, 11, 23)


def test_a_measure_fixed_in_time_clears_the_flag_and_is_logged(confirmed, village_cadre):
    measure = _propose(confirmed, village_cadre)
    assert measure.status == MeasureStatus.PLANNED
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)):
        assert not Alert.objects.measures_overdue(timezone.localdate()).exists()
    assert confirmed.events.filter(action="measure").exists()


def test_only_the_villages_steps_propose_and_only_after_verification(
    village, confirmed, sibling_village, grid_worker
):
    for outsider in (_staff(Role.VILLAGE_CADRE, sibling_village), grid_worker):
        with pytest.raises(PermissionDenied):
            _propose(confirmed, outsider)
    cadre = _staff(Role.VILLAGE_CADRE, village)
    unverified, _ = services.alert_raise(
        household=HouseholdFactory(village=village),
        source=Source.SELF_REPORT,
        level="high",
        reasons=[],
    )
    with pytest.raises(ValidationError):
        _propose(unverified, cadre)


def test_states_are_reported_with_a_date_and_kept_and_the_end_is_final(confirmed, village_cadre):
    measure = _propose(confirmed, village_cadre)
    services.measure_update(
        measure=measure, user=village_cadre, status=MeasureStatus.ONGOING, on=VISIT
    )
    with pytest.raises(ValidationError):  # done needs its outcome
        services.measure_update(
            measure=measure, user=village_cadre, status=MeasureStatus.DONE, on=VISIT
        )
    with pytest.raises(ValidationError):  # not in the future
        services.measure_update(
            measure=measure,
            user=village_cadre,
            status=MeasureStatus.ONGOING,
            on=timezone.localdate() + datetime.timedelta(days=1),
        )
    services.measure_update(
        measure=measure,
        user=village_cadre,
        status=MeasureStatus.DONE,
        on=VISIT,
        outcome="已在园区务工，月薪2600元",
    )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE
    assert [u.status for u in measure.updates.all()] == ["ongoing", "done"]
    with pytest.raises(ValidationError):
        services.measure_update(
            measure=measure, user=village_cadre, status=MeasureStatus.ONGOING, on=VISIT
        )


def test_the_measures_carry_on_after_enrolment(confirmed, village_cadre, county_officer):
    measure = _propose(confirmed, village_cadre)
    # (the appraisal, notice and township review are other tests'): at the county's step
    Alert.objects.filter(pk=confirmed.pk).update(stage=Stage.COUNTY)
    confirmed.refresh_from_db()
    services.decide(
        alert=confirmed,
        user=county_officer,
        decision="enrol",
        category="sudden",
        causes=["illness"],
        sudden_amount=Decimal("30000"),
    )
    measure.refresh_from_db()
    assert measure.monitored is not None
    assert measure.monitored.alert_id == confirmed.pk


def test_the_cadre_proposes_on_the_alert_page_and_the_queue_flags_the_late_ones(
    client, confirmed, village_cadre, township_officer
):
    url = reverse("monitoring:alert", args=[confirmed.pk])
    with time_machine.travel(datetime.datetime(2026, 11, 28, 10, tzinfo=datetime.UTC)):
        client.force_login(township_officer)
        queue = client.get(reverse("monitoring:queue")).content.decode()
        badge = '<span class="badge red">措施逾期</span>'
        assert badge in queue
        client.force_login(village_cadre)
        page = client.get(url).content.decode()
        assert 'id="measures-overdue"' in page
        response = client.post(
            url,
            {
                "action": "measure",
                "kind": "employment",
                "description": "介绍到县工业园务工",
                "responsible": "王村干部",
                "start": "2026-11-28",
                "expected_effect": "",
            },
        )
        assert response.status_code == 302
        page = client.get(url).content.decode()
        assert "介绍到县工业园务工" in page
        assert 'id="measures-overdue"' not in page
        client.force_login(township_officer)
        assert badge not in client.get(reverse("monitoring:queue")).content.decode()
    assert AssistanceMeasure.objects.get().proposed_by == village_cadre

"""The alert workflow: each role takes exactly its steps, only in its scope; a whole
journey from verification to enrolment and risk elimination; every step logged."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import _staff
from households.models import Household
from monitoring import services
from monitoring.models import Alert, Monitored, Source, Stage
from tests.factories import ResidentFactory
from villages.models import Role

pytestmark = pytest.mark.django_db

STEP_OF_STAGE = {
    Stage.VERIFY: "verify",
    Stage.APPRAISE: "appraise",
    Stage.NOTICE: "end_notice",
    Stage.TOWNSHIP: "review",
    Stage.COUNTY: "decide",
}


@pytest.fixture
def household(village, group):
    """A household of two living members (an enrolment names its members)."""
    home = Household.objects.create(village=village, group=group, number="0001")
    ResidentFactory(household=home, relation="head")
    ResidentFactory(household=home, relation="spouse")
    return home


@pytest.fixture
def alert(household):
    alert, _created = services.alert_raise(household=household, source=Source.SCREENING)
    return alert


@pytest.fixture
def personas(
    county_officer,
    township_officer,
    village_cadre,
    other_village_cadre,
    grid_worker,
    coop_clerk,
    other_township,
):
    return {
        "county": county_officer,
        "township": township_officer,
        "other_township": _staff(Role.TOWNSHIP_OFFICER, other_township),
        "cadre": village_cadre,
        "other_cadre": other_village_cadre,
        "grid": grid_worker,
        "clerk": coop_clerk,
    }


EXPECTED = {
    # persona → the steps they may take at each stage, besides "assign"
    "county": {"decide"},
    "township": {"review"},
    "other_township": set(),
    "cadre": {"verify", "appraise", "end_notice"},
    "other_cadre": set(),
    "grid": set(),
    "clerk": set(),
}
ASSIGNERS = {"county", "township"}


@pytest.mark.parametrize("stage", list(STEP_OF_STAGE))
@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_takes_exactly_its_steps_in_its_scope(alert, personas, who, stage):
    Alert.objects.filter(pk=alert.pk).update(stage=stage)
    alert.refresh_from_db()
    allowed = set(services.allowed_actions(personas[who], alert))
    expected = {STEP_OF_STAGE[stage]} & EXPECTED[who]
    if who in ASSIGNERS:
        expected.add("assign")
    assert allowed == expected


def test_a_step_out_of_turn_or_scope_is_refused(alert, personas):
    with pytest.raises(PermissionDenied):
        services.review(alert=alert, user=personas["township"], decision="approve")
    with pytest.raises(PermissionDenied):
        services.verify(
            alert=alert,
            user=personas["other_cadre"],
            visit_date=timezone.localdate(),
            findings="x",
            income_estimate=None,
            recommendation="enrol",
        )
    alert.refresh_from_db()
    assert alert.stage == Stage.VERIFY
    assert list(alert.events.values_list("action", flat=True)) == ["raised"]


def test_from_verification_to_enrolment_and_risk_elimination(alert, personas, household):
    today = timezone.localdate()
    services.assign(alerts=[alert], user=personas["township"], assignee=personas["cadre"])
    services.verify(
        alert=alert,
        user=personas["cadre"],
        visit_date=today,
        findings="妻子住院，家中无劳动力",
        income_estimate=Decimal("5200"),
        recommendation="enrol",
    )
    services.appraise(
        alert=alert, user=personas["cadre"], date=today, attendees=12, outcome="agree"
    )
    alert.refresh_from_db()
    assert alert.stage == Stage.NOTICE
    with pytest.raises(ValidationError):  # the notice runs its days first
        services.end_notice(alert=alert, user=personas["cadre"])
    Alert.objects.filter(pk=alert.pk).update(due_date=today - datetime.timedelta(days=1))
    services.end_notice(alert=alert, user=personas["cadre"], objections="无异议")
    services.review(alert=alert, user=personas["township"], decision="approve")
    with pytest.raises(ValidationError):
        services.decide(
            alert=alert,
            user=personas["county"],
            decision="enrol",
            category="sudden",
            sudden_amount=Decimal("30000"),
        )
    services.decide(
        alert=alert,
        user=personas["county"],
        decision="enrol",
        category="sudden",
        causes=["illness"],
        sudden_amount=Decimal("30000"),
    )
    alert.refresh_from_db()
    assert alert.stage == Stage.ENROLLED
    assert alert.closed_at is not None
    assert [e.action for e in alert.events.all()] == [
        "raised",
        "assigned",
        "verified",
        "appraised",
        "notice_ended",
        "review_approve",
        "decide_enrol",
    ]
    assert alert.events.get(action="verified").data["income_estimate"] == "5200"
    household.refresh_from_db()
    assert household.monitoring_category == "sudden"
    monitored = Monitored.objects.get()
    services.measure_add(
        monitored=monitored,
        user=personas["cadre"],
        kind="health",
        description="大病救助",
        responsible="李主任",
        start=today,
    )
    services.elimination_propose(monitored=monitored, user=personas["cadre"], note="已康复务工")
    with pytest.raises(PermissionDenied):
        services.elimination_review(monitored=monitored, user=personas["cadre"], confirm=True)
    services.elimination_review(monitored=monitored, user=personas["township"], confirm=True)
    household.refresh_from_db()
    assert household.monitoring_category == ""


def test_every_way_in_goes_through_one_open_alert(household, personas):
    first, created = services.visit_flag(
        household=household, user=personas["grid"], note="房屋漏雨", causes=["housing"]
    )
    assert created
    again, created = services.self_report(household=household, name="张三", text="家人住院")
    assert (again.pk, created) == (first.pk, False)
    again.refresh_from_db()
    assert again.causes == ["housing"]
    assert len(again.reasons) == 2
    assert [e.action for e in again.events.all()] == ["raised", "signal"]
    with pytest.raises(PermissionDenied):
        services.visit_flag(household=household, user=personas["clerk"], note="x")


def test_a_recheck_campaign_makes_verification_tasks(county, household, personas):
    campaign, created = services.recheck_campaign(
        user=personas["county"],
        county=county,
        name="2026年第四季度回头看",
        criteria="本季度风险消除户",
        households=Household.objects.all(),
    )
    assert created == 1
    alert = Alert.objects.get()
    assert (alert.source, alert.stage, alert.campaign) == (Source.RECHECK, Stage.VERIFY, campaign)
    with pytest.raises(PermissionDenied):
        services.recheck_campaign(
            user=personas["township"],
            county=county,
            name="x",
            criteria="x",
            households=Household.objects.all(),
        )


def test_an_id_number_typed_into_a_report_or_note_is_masked(household, personas):
    alert, _new = services.self_report(
        household=household, name="张三", text="我的身份证11010519491231002X，家人住院"
    )
    assert "11010519491231002X" not in str(alert.reasons)
    assert "1101**********002X" in str(alert.reasons)
    assert "11010519491231002X" not in alert.events.get().note

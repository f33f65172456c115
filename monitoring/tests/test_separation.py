"""Separation of duties on an alert (issue 21): one person took an alert through
verification, appraisal, township review and county approval alone. Whoever verified,
appraised or ended the notice does not review it; whoever took any earlier step does
not decide it; whoever proposed ending a household's risk does not confirm it. Each
refusal says why, and the alert page offers no form it would refuse."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from households.models import Household
from monitoring import services
from monitoring.models import Alert, Monitored, Source, Stage
from tests.factories import ResidentFactory
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


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
def all_hands(county_officer, village, township):
    """A county officer who was also given (by someone else) a township and a village
    role: the account of the finding."""
    for region, role in ((township, Role.TOWNSHIP_OFFICER), (village, Role.VILLAGE_CADRE)):
        StaffAssignment.objects.create(user=county_officer, region=region, role=role)
    return county_officer


def _to_township(alert, user):
    today = timezone.localdate()
    services.verify(
        alert=alert,
        user=user,
        visit_date=today,
        findings="住院",
        income_estimate=Decimal("5200"),
        recommendation="enrol",
    )
    services.appraise(alert=alert, user=user, date=today, attendees=9, outcome="agree")
    Alert.objects.filter(pk=alert.pk).update(due_date=today - datetime.timedelta(days=1))
    services.end_notice(alert=alert, user=user)
    alert.refresh_from_db()


def test_one_person_cannot_take_an_alert_through_every_step(alert, all_hands, township_officer):
    _to_township(alert, all_hands)
    assert "review" not in services.allowed_actions(all_hands, alert)
    with pytest.raises(PermissionDenied) as refused:
        services.review(alert=alert, user=all_hands, decision="approve")
    assert "核实或评议" in str(refused.value)
    services.review(alert=alert, user=township_officer, decision="approve")  # another hand
    alert.refresh_from_db()
    assert "decide" not in services.allowed_actions(all_hands, alert)
    with pytest.raises(PermissionDenied):
        services.decide(
            alert=alert,
            user=all_hands,
            decision="enrol",
            category="sudden",
            causes=["illness"],
            sudden_amount=Decimal("30000"),
        )
    alert.refresh_from_db()
    assert alert.stage == Stage.COUNTY


def test_the_reviewer_does_not_decide(
    alert, village_cadre, township_officer, county_officer, county
):
    _to_township(alert, village_cadre)
    StaffAssignment.objects.create(user=township_officer, region=county, role=Role.COUNTY_OFFICER)
    services.review(alert=alert, user=township_officer, decision="approve")
    alert.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.decide(
            alert=alert,
            user=township_officer,
            decision="enrol",
            category="sudden",
            causes=["illness"],
            sudden_amount=Decimal("30000"),
        )
    services.decide(
        alert=alert,
        user=county_officer,
        decision="enrol",
        category="sudden",
        causes=["illness"],
        sudden_amount=Decimal("30000"),
    )
    alert.refresh_from_db()
    assert alert.stage == Stage.ENROLLED


def test_a_reviewer_who_returned_an_alert_reviews_it_again(alert, village_cadre, township_officer):
    _to_township(alert, village_cadre)
    services.review(alert=alert, user=township_officer, decision="return", note="补充材料")
    alert.refresh_from_db()
    _to_township(alert, village_cadre)
    assert "review" in services.allowed_actions(township_officer, alert)


def test_the_alert_page_says_why_no_form_is_offered(client, alert, all_hands):
    _to_township(alert, all_hands)
    client.force_login(all_hands)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'id="held-back"' in page
    assert 'id="step-review"' not in page
    refused = client.post(
        f"/monitoring/alerts/{alert.pk}/", {"action": "review", "decision": "approve"}
    )
    assert refused.status_code == 403
    assert "核实或评议" in refused.content.decode()


def test_the_proposer_of_an_elimination_does_not_confirm_it(
    alert, household, village_cadre, township, township_officer
):
    StaffAssignment.objects.create(user=village_cadre, region=township, role=Role.TOWNSHIP_OFFICER)
    monitored = Monitored.objects.create(
        household=household,
        alert=alert,
        category="sudden",
        causes=["illness"],
        enrolled_on=timezone.localdate(),
        approved_by=township_officer,
    )
    services.elimination_propose(monitored=monitored, user=village_cadre, note="已务工")
    with pytest.raises(PermissionDenied):
        services.elimination_review(monitored=monitored, user=village_cadre, confirm=True)
    services.elimination_review(monitored=monitored, user=township_officer, confirm=True)
    monitored.refresh_from_db()
    assert monitored.eliminated_by == township_officer

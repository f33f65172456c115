"""Monitoring tells the village's cadres of new alerts through the notices app's
notification service (issue 11): an alert raised by hand tells them once (the
screening's: monitoring/tests/test_screening.py)."""

from __future__ import annotations

import pytest

from monitoring.services import alert_raise, tell_new_alerts
from notices import services as notices_services
from notices.models import Kind, Notification
from tests.factories import HouseholdFactory, UserFactory
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


def inbox_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


@pytest.fixture
def people(village, sibling_village, other_village, village_cadre):
    def staff(region):
        user = UserFactory()
        StaffAssignment.objects.create(user=user, region=region, role=Role.VILLAGE_CADRE)
        return user

    return {
        "cadre": village_cadre,
        "sibling_cadre": staff(sibling_village),
        "far_cadre": staff(other_village),
    }


def test_a_new_alert_tells_the_villages_cadres(people, village, group, monitoring_catalogue):
    household = HouseholdFactory(village=village, group=group)
    _alert, created = alert_raise(household=household, source="visit", user=people["cadre"])
    assert created
    assert Notification.objects.filter(recipient=people["cadre"], kind=Kind.ALERT).count() == 1
    assert inbox_of(people["far_cadre"]) == []
    assert inbox_of(people["sibling_cadre"]) == []
    alert_raise(household=household, source="visit", user=people["cadre"])  # the same alert
    assert Notification.objects.filter(recipient=people["cadre"], kind=Kind.ALERT).count() == 1


@pytest.mark.parametrize(("level", "texted"), [("high", True), ("medium", False)])
def test_a_high_risk_alert_is_texted_at_once_without_personal_data(
    people, village, group, monitoring_catalogue, django_capture_on_commit_callbacks, level, texted
):
    """Issue 25: anomalies reach the managers by text at once; the text names the village
    and the counts, not the household."""
    from notices import sms

    sms.MemoryBackend.outbox.clear()
    notices_services.text_contact_set(people["cadre"], "13907915678")
    household = HouseholdFactory(village=village, group=group, address="渡头村张家巷3号")
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(household=household, source="visit", user=None, level=level)
    sent = [m.text for m in sms.MemoryBackend.outbox if m.to == "13907915678"]
    assert bool(sent) is texted
    assert all("张家巷" not in text and household.number not in text for text in sent)


def test_the_screenings_villages_are_told_in_one_write_each_its_own_cadres(
    people,
    village,
    sibling_village,
    township,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    """Issue 26: a night's alerts in many villages are told in one write (not three
    round trips a village); each village's message reaches its own cadres and the
    township's work team over both, whose unread count moves by both."""
    over_both = UserFactory()
    StaffAssignment.objects.create(user=over_both, region=township, role=Role.WORK_TEAM)
    gone = UserFactory(is_active=False)
    StaffAssignment.objects.create(user=gone, region=village, role=Role.VILLAGE_CADRE)
    assert notices_services.unread_count(over_both) == 0  # kept from here on
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(4):
        told = tell_new_alerts(
            {village.pk: 2, sibling_village.pk: 1}, link="/monitoring/", high={village.pk: 1}
        )
    assert told == 4  # the two cadres, and the work team member twice
    [own] = inbox_of(people["cadre"])
    [sibling] = inbox_of(people["sibling_cadre"])
    assert village.name in own
    assert "2" in own
    assert sibling_village.name not in own
    assert sibling_village.name in sibling
    assert "1" in sibling
    assert inbox_of(people["far_cadre"]) == []
    assert inbox_of(gone) == []
    assert sorted(inbox_of(over_both)) == sorted(
        inbox_of(people["cadre"]) + inbox_of(people["sibling_cadre"])
    )
    assert notices_services.unread_count(over_both) == 2

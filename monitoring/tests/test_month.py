"""The village's month (issue 24, item 7): one review meeting a month on a prepared agenda,
its minutes read by the township; the monthly look-back over the households monitored
now. Frozen-time tests for the rhythm: the last day of a month and the first of the next."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monitoring import month, services
from monitoring.models import LookBack, Monitored, ReviewMeeting, Source
from tests.factories import HouseholdFactory, ResidentFactory


def _at(day: datetime.date):
    """10:00 in Shanghai on that day."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(2, tzinfo=datetime.UTC)), tick=False
    )


@pytest.fixture
def monitored(village, village_cadre):
    household = HouseholdFactory(village=village)
    ResidentFactory(household=household, relation="head")
    alert, _new = services.alert_raise(household=household, source=Source.VISIT)
    return Monitored.objects.create(
        household=household,
        alert=alert,
        category="sudden",
        causes=["illness"],
        enrolled_on=datetime.date(2026, 10, 1),
        approved_by=village_cadre,
    )


def test_the_agenda_lists_the_months_new_alerts_and_self_reports(village):
    reported = HouseholdFactory(village=village, number="0101")
    ResidentFactory(household=reported, relation="head")
    services.self_report(household=reported, name="张三", text="家里有人住院")
    agenda = month.agenda(village, "2026-11")
    assert [(i["kind"], i["number"]) for i in agenda] == [("self_report", "0101")]
    # a month before, the alert was not raised yet
    assert month.agenda(village, "2026-12") == []


def test_a_meeting_is_recorded_once_a_month_and_the_township_is_told(
    village, village_cadre, township_officer, monitored
):
    meeting = month.record_meeting(
        village=village,
        user=village_cadre,
        held_on=datetime.date(2026, 11, 20),
        attendees="第一书记、村支书、村委委员",
        minutes="研判新增预警一户，决定入户核实。",
        decisions=[
            {"text": "三日内入户核实", "alert": monitored.alert_id},
            {"text": ""},  # a blank row is left out
            {"text": "关注收入接近监测线的农户", "household": 0},  # a bad link: no link
        ],
    )
    assert meeting.month == "2026-11"
    decisions = list(meeting.decisions.all())
    assert [d.text for d in decisions] == ["三日内入户核实", "关注收入接近监测线的农户"]
    assert decisions[0].household == monitored.household  # linked through its alert
    assert decisions[1].household is None
    assert township_officer.notifications.filter(link__contains="/meetings/").exists()
    with pytest.raises(ValidationError):
        month.record_meeting(
            village=village,
            user=village_cadre,
            held_on=datetime.date(2026, 11, 22),
            attendees="x",
            minutes="x",
            decisions=[],
        )


def test_a_meeting_in_the_future_or_by_the_township_is_refused(
    village, township_officer, village_cadre
):
    with pytest.raises(PermissionDenied):
        month.record_meeting(
            village=village,
            user=township_officer,
            held_on=datetime.date(2026, 11, 20),
            attendees="x",
            minutes="x",
            decisions=[],
        )
    with pytest.raises(ValidationError):
        month.record_meeting(
            village=village,
            user=village_cadre,
            held_on=datetime.date(2026, 11, 24),  # tomorrow
            attendees="x",
            minutes="x",
            decisions=[],
        )


@pytest.mark.parametrize(
    ("day", "due"),
    [(datetime.date(2026, 11, 30), False), (datetime.date(2026, 12, 1), True)],
)
def test_the_meeting_falls_due_again_on_the_first_of_the_month(village, village_cadre, day, due):
    ReviewMeeting.objects.create(
        village=village,
        month="2026-11",
        held_on=datetime.date(2026, 11, 20),
        attendees="x",
        minutes="x",
        recorded_by=village_cadre,
    )
    with _at(day):
        figures = month.village_month(village)
    assert (figures["meeting"] is None) is due


@pytest.mark.parametrize(
    ("day", "looked"),
    [(datetime.date(2026, 11, 30), 1), (datetime.date(2026, 12, 1), 0)],
)
def test_the_look_back_is_monthly(village, village_cadre, monitored, day, looked):
    with _at(datetime.date(2026, 11, 1)):
        month.look_back(
            monitored=monitored,
            user=village_cadre,
            still_at_risk=True,
            measures_working=True,
            ready=False,
        )
    with _at(day):
        figures = month.village_month(village)
        assert (figures["monitored"], figures["looked"]) == (1, looked)
        if looked == 0:  # a new month: looked at again
            month.look_back(
                monitored=monitored,
                user=village_cadre,
                still_at_risk=False,
                measures_working=True,
                ready=True,
            )
        else:
            with pytest.raises(ValidationError):
                month.look_back(
                    monitored=monitored,
                    user=village_cadre,
                    still_at_risk=False,
                    measures_working=True,
                    ready=True,
                )
    assert LookBack.objects.filter(monitored=monitored).count() == 1 + (looked == 0)


def test_a_household_still_at_risk_is_not_ready(monitored, village_cadre, township_officer):
    with pytest.raises(ValidationError):
        month.look_back(
            monitored=monitored,
            user=village_cadre,
            still_at_risk=True,
            measures_working=True,
            ready=True,
        )
    with pytest.raises(PermissionDenied):
        month.look_back(
            monitored=monitored,
            user=township_officer,
            still_at_risk=False,
            measures_working=True,
            ready=False,
        )


def test_the_meeting_pages(client, village, village_cadre, township_officer, monitored):
    client.force_login(village_cadre)
    page = client.get(reverse("monitoring:meeting_new")).content.decode()
    assert 'id="agenda"' in page
    response = client.post(
        reverse("monitoring:meeting_new"),
        {
            "held_on": "2026-11-20",
            "attendees": "第一书记、村支书",
            "minutes": "研判一户",
            "decision-0": "入户核实",
            "link-0": f"a:{monitored.alert_id}",
        },
    )
    assert response.status_code == 302
    meeting = ReviewMeeting.objects.get()
    assert meeting.decisions.get().alert_id == monitored.alert_id
    # the township reads the minutes
    client.force_login(township_officer)
    page = client.get(reverse("monitoring:meeting", args=[meeting.pk])).content.decode()
    assert "研判一户" in page
    assert "入户核实" in page


def test_the_look_back_page(client, village_cadre, township_officer, monitored):
    client.force_login(township_officer)
    page = client.get(reverse("monitoring:lookback")).content.decode()
    assert "lookback-form" not in page  # the township reads; the village answers
    client.force_login(village_cadre)
    url = reverse("monitoring:lookback")
    response = client.post(
        url,
        {
            "monitored": monitored.pk,
            f"m{monitored.pk}-still_at_risk": "no",
            f"m{monitored.pk}-measures_working": "yes",
            f"m{monitored.pk}-ready": "yes",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "可以消除风险" in page
    assert "本月已回头看 1 / 1 户监测户" in page

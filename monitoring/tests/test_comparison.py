"""Department comparison before enrolment (issue 24, item 2): the appraisal and review
pages set each department's latest file next to what the visit found, mark where they
differ, and the township's review cannot pass while a difference has no explanation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import _staff
from monitoring import comparison, services
from monitoring.models import (
    Alert,
    BatchStatus,
    DataItem,
    Department,
    FeedBatch,
    FeedValue,
    Source,
    Stage,
)
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role

VISIT = datetime.date(2026, 11, 20)


def _batch(county, department: str, period: str) -> FeedBatch:
    return FeedBatch.objects.create(
        county=county,
        department=Department.objects.get(code=department),
        period=period,
        sha256=f"{department}{period}".ljust(64, "0"),
        original_name=f"{department}.csv",
        expires_at=timezone.now(),
        status=BatchStatus.LOADED,
    )


def _value(batch, resident, code: str, value) -> None:
    FeedValue.objects.create(
        batch=batch,
        line=FeedValue.objects.count() + 2,
        item=DataItem.objects.get(code=code),
        resident=resident,
        household=resident.household,
        value=Decimal(str(value)),
    )


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village)
    head = ResidentFactory(household=household, relation="head")
    spouse = ResidentFactory(household=household, relation="spouse")
    return household, head, spouse


@pytest.fixture
def alert(home):
    alert, _created = services.alert_raise(
        household=home[0], source=Source.SELF_REPORT, level="high", reasons=[]
    )
    return alert


def _verify(alert, cadre, **found):
    found.setdefault("income_estimate", None)
    services.verify(
        alert=alert,
        user=cadre,
        visit_date=VISIT,
        findings="入户核实",
        recommendation="enrol",
        **found,
    )
    alert.refresh_from_db()
    return alert


def _rows(alert) -> dict[str, comparison.Row]:
    return {row.topic: row for row in comparison.compare(Alert.objects.get(pk=alert.pk))}


def test_each_topic_reads_the_departments_latest_file(county, home, alert, village_cadre):
    _household, head, spouse = home
    old = _batch(county, "MZ", "2026-09")
    _value(old, head, "MZ01", 1)  # on the 低保 roll in September …
    _batch(county, "MZ", "2026-10")  # … and no longer in October's roll
    medical = _batch(county, "YB", "2026-10")
    _value(medical, head, "YB02", 30000)
    _value(medical, spouse, "YB02", 12000)  # the household's cost is the members' sum
    disabled = _batch(county, "CL", "2026-10")
    _value(disabled, spouse, "CL01", 2)
    _verify(
        alert,
        village_cadre,
        medical_costs=Decimal("42000"),
        dibao="yes",
        disability="yes",
        employed="no",
    )
    rows = _rows(alert)
    assert rows["dibao"].department_value is False
    assert rows["dibao"].found is True
    assert rows["dibao"].differs
    assert rows["medical"].department_value == Decimal("42000")
    assert not rows["medical"].differs
    assert rows["disability"].department_value is True
    assert not rows["disability"].differs
    # no income survey and no employment data delivered: nothing to compare, nothing marked
    assert rows["income"].department == ""
    assert not rows["income"].differs
    assert rows["employment"].department_value is None
    assert not rows["employment"].differs
    assert [r.topic for r in comparison.unexplained(alert)] == ["dibao"]


@pytest.mark.parametrize(("found", "differs"), [("8000", False), ("7999.99", True)])
def test_amounts_are_marked_more_than_a_fifth_apart(
    county, home, alert, village_cadre, found, differs
):
    survey = _batch(county, "NY", "2026-10")
    _value(survey, home[1], "NY03", 10000)
    _verify(alert, village_cadre, income_estimate=Decimal(found))
    assert _rows(alert)["income"].differs is differs


def test_the_review_waits_for_the_villages_explanation(
    county, township, home, alert, village_cadre, township_officer
):
    _value(_batch(county, "MZ", "2026-10"), home[1], "MZ01", 1)
    _verify(alert, village_cadre, dibao="no")
    services.appraise(alert=alert, user=village_cadre, date=VISIT, attendees=9, outcome="agree")
    alert.refresh_from_db()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)):
        services.end_notice(alert=alert, user=village_cadre)
        alert.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            services.review(alert=alert, user=township_officer, decision="approve")
        assert "低保" in str(refused.value)
        # returning it does not need the explanation
        assert Alert.objects.get(pk=alert.pk).stage == Stage.TOWNSHIP
        # the township may not explain for the village
        with pytest.raises(PermissionDenied):
            services.explain_difference(alert=alert, user=township_officer, topic="dibao", text="x")
        services.explain_difference(
            alert=alert, user=village_cadre, topic="dibao", text="十月起已停保，民政名单未更新"
        )
        services.review(alert=alert, user=township_officer, decision="approve")
    assert Alert.objects.get(pk=alert.pk).stage == Stage.COUNTY


def test_only_a_marked_difference_is_explained(county, home, alert, village_cadre):
    _verify(alert, village_cadre, dibao="no")
    with pytest.raises(ValidationError):
        services.explain_difference(alert=alert, user=village_cadre, topic="dibao", text="x")
    _value(_batch(county, "MZ", "2026-10"), home[1], "MZ01", 1)
    with pytest.raises(ValidationError):
        services.explain_difference(alert=alert, user=village_cadre, topic="dibao", text=" ")


def test_a_new_verification_asks_for_the_explanation_again(
    county, home, alert, village_cadre, township_officer
):
    _value(_batch(county, "MZ", "2026-10"), home[1], "MZ01", 1)
    _verify(alert, village_cadre, dibao="no")
    services.explain_difference(alert=alert, user=village_cadre, topic="dibao", text="已停保")
    assert not comparison.unexplained(alert)
    alert.events.filter(action="explained").update(at=timezone.now() - datetime.timedelta(days=1))
    assert [r.topic for r in comparison.unexplained(alert)] == ["dibao"]


def test_the_appraisal_page_marks_the_difference_and_takes_the_explanation(
    client, county, home, alert, village_cadre
):
    _value(_batch(county, "MZ", "2026-10"), home[1], "MZ01", 1)
    _verify(alert, village_cadre, dibao="no")
    client.force_login(village_cadre)
    url = reverse("monitoring:alert", args=[alert.pk])
    page = client.get(url).content.decode()
    assert "差异未说明" in page
    assert 'id="explain-dibao"' in page
    # an empty explanation is refused with a sentence
    page = client.post(url, {"action": "explain", "topic": "dibao", "text": ""})
    assert page.status_code == 200
    response = client.post(url, {"action": "explain", "topic": "dibao", "text": "已停保"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "已说明" in page
    assert "已停保" in page
    assert 'id="explain-dibao"' not in page


def test_a_reader_outside_the_village_steps_cannot_explain(
    client, county, home, alert, village_cadre, township
):
    _value(_batch(county, "MZ", "2026-10"), home[1], "MZ01", 1)
    _verify(alert, village_cadre, dibao="no")
    officer = _staff(Role.TOWNSHIP_OFFICER, township)
    client.force_login(officer)
    url = reverse("monitoring:alert", args=[alert.pk])
    assert 'id="explain-dibao"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "explain", "topic": "dibao", "text": "x"}).status_code == 403

"""Area and work portraits: the figures of each village and township, the colours by the
rules the page states, the chart as SVG and the workbook."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from households.models import Household
from monitoring import portraits, reminders, services
from monitoring.models import (
    Alert,
    HouseholdIncome,
    Monitored,
    PortraitKind,
    PortraitRule,
    Source,
)
from notices.models import Notification
from tests.factories import ResidentFactory
from villages.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(village, sibling_village, village_cadre, township_officer, county_officer):
    """渡头村: three alerts, one verified on time and enrolled, one overdue; 前湖村: none."""
    today = timezone.localdate()
    alerts = []
    for n in range(3):
        household = Household.objects.create(village=village, number=f"000{n}")
        ResidentFactory(household=household, relation="head")
        alert, _new = services.alert_raise(household=household, source=Source.VISIT)
        alerts.append(alert)
    first = alerts[0]
    services.assign(alerts=alerts, user=township_officer, assignee=village_cadre)
    services.verify(
        alert=first,
        user=village_cadre,
        visit_date=today,
        findings="住院",
        income_estimate=None,
        recommendation="enrol",
    )
    services.appraise(alert=first, user=village_cadre, date=today, attendees=9, outcome="agree")
    Alert.objects.filter(pk=first.pk).update(due_date=today - datetime.timedelta(days=1))
    services.end_notice(alert=first, user=village_cadre)  # late: the notice was due yesterday
    services.review(alert=first, user=township_officer, decision="approve")
    services.decide(
        alert=first,
        user=county_officer,
        decision="enrol",
        category="sudden",
        causes=["illness"],
        sudden_amount=Decimal("30000"),
    )
    Alert.objects.filter(pk=alerts[1].pk).update(due_date=today - datetime.timedelta(days=2))
    return alerts


def test_the_area_portrait_counts_and_colours(worked, village, sibling_village):
    villages = Region.objects.filter(pk__in=[village.pk, sibling_village.pk])
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    rows = {r.region.name: r for r in township.villages}
    dutou = rows["渡头村"]
    assert (dutou.pushed, dutou.verified, dutou.verified_on_time) == (3, 1, 1)
    assert (dutou.enrolled, dutou.monitored, dutou.overdue, dutou.conversion) == (1, 1, 1, 33)
    assert dutou.colour == "yellow"  # one overdue alert
    assert rows["前湖村"].colour == "yellow"  # no monitored household
    assert (township.pushed, township.enrolled) == (3, 1)


def test_the_work_portrait_counts_steps_on_time(worked, village):
    work = portraits.work_portrait(Region.objects.filter(pk=village.pk), timezone.localdate().year)
    by_name = {w.name: w for w in work}
    cadre = next(w for w in work if w.assigned_open)
    assert (cadre.steps, cadre.on_time) == (3, 2)  # verified, appraised on time; notice late
    assert (cadre.assigned_open, cadre.assigned_overdue) == (2, 1)
    assert len(by_name) == 3  # the cadre, the township officer, the county officer


def test_the_portrait_pages(client, worked, township_officer):
    client.force_login(township_officer)
    page = client.get("/monitoring/portrait/").content.decode()
    assert "渡头村" in page
    assert "红：办结预警 10 条及以上且纳入率低于 5%；逾期未办结预警 3 条及以上。" in page
    assert 'id="cause-structure"' in page
    svg = client.get("/monitoring/portrait/chart.svg")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "渡头村" in svg.content.decode()  # one township: its villages are the bars
    workbook = client.get("/monitoring/portrait/export/").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_index(0).to_python()
    assert rows[1][:3] == ["幽兰镇", "", 3]
    assert rows[2][1] == "渡头村"


# --- Rules the county edits, reminders and revisits, structures (issue 24, item 5) -------


def test_the_colours_follow_the_countys_rules(worked, village, sibling_village):
    villages = Region.objects.filter(pk__in=[village.pk, sibling_village.pk])
    # one overdue alert: yellow; the county raises its yellow bar to two, then it is green
    rule = PortraitRule.objects.get(kind=PortraitKind.OVERDUE, colour="yellow")
    rule.threshold = 2
    rule.save()
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    dutou = next(r for r in township.villages if r.region == village)
    assert dutou.overdue == 1
    assert dutou.work_colour == "green"
    # a red rule at one overdue alert makes it red, on the work portrait and overall
    PortraitRule.objects.create(kind=PortraitKind.OVERDUE, colour="red", threshold=1)
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    dutou = next(r for r in township.villages if r.region == village)
    assert (dutou.work_colour, dutou.area_colour, dutou.colour) == ("red", "green", "red")
    assert township.colour == "red"  # the township by its villages' sums


def test_a_rule_switched_off_colours_nothing(worked, village, sibling_village):
    villages = Region.objects.filter(pk__in=[village.pk, sibling_village.pk])
    PortraitRule.objects.filter(kind=PortraitKind.NO_MONITORED).update(active=False)
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    qianhu = next(r for r in township.villages if r.region == sibling_village)
    assert qianhu.monitored == 0
    assert qianhu.colour == "green"


@pytest.mark.parametrize(("share", "colour"), [(33, "green"), (34, "red")])
def test_many_alerts_few_enrolled_on_each_side_of_the_share(worked, village, share, colour):
    """渡头村 enrolled 1 of its 3 decided alerts (33 %): red only when the share is above
    it. Alerts still open do not count: before the two are dismissed nothing is red."""
    PortraitRule.objects.filter(kind=PortraitKind.FEW_ENROLLED).update(threshold=3, share=share)
    PortraitRule.objects.filter(colour="yellow").update(active=False)
    PortraitRule.objects.filter(kind=PortraitKind.OVERDUE, colour="red").update(active=False)
    villages = Region.objects.filter(pk=village.pk)
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    assert township.villages[0].area_colour == "green"  # one decided of three pushed
    Alert.objects.filter(village=village, closed_at__isnull=True).update(
        stage="dismissed", closed_at=timezone.now()
    )
    [township] = portraits.area_portrait(villages, timezone.localdate().year)
    assert township.villages[0].decided == 3
    assert township.villages[0].area_colour == colour


def test_the_county_edits_the_rules_on_a_page(client, county_officer, township_officer):
    client.force_login(township_officer)
    assert client.get(reverse("monitoring:portrait_rules")).status_code == 403
    client.force_login(county_officer)
    page = client.get(reverse("monitoring:portrait_rules"))
    formset = page.context["formset"]
    data = {
        "form-TOTAL_FORMS": str(len(formset.forms)),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "30",
    }
    for i, form in enumerate(formset.forms):
        rule = form.instance
        data.update(
            {
                f"form-{i}-id": str(rule.pk or ""),
                f"form-{i}-kind": rule.kind or "",
                f"form-{i}-colour": rule.colour or "",
                f"form-{i}-threshold": str(rule.threshold if rule.pk else ""),
                f"form-{i}-share": str(rule.share if rule.pk else ""),
                f"form-{i}-active": "on" if rule.active else "",
            }
        )
    last = len(formset.forms) - 1
    data.update(
        {
            f"form-{last}-kind": "measures_late",
            f"form-{last}-colour": "red",
            f"form-{last}-threshold": "3",
            f"form-{last}-share": "5",
            f"form-{last}-active": "on",
        }
    )
    assert client.post(reverse("monitoring:portrait_rules"), data).status_code == 302
    assert PortraitRule.objects.filter(kind="measures_late", colour="red", threshold=3).exists()
    page = client.get(reverse("monitoring:portrait")).content.decode()
    assert "核实有风险满一周仍未落实措施 3 户及以上" in page


def test_a_yellow_village_is_reminded_with_its_revisits(
    worked, village, sibling_village, county_officer, village_cadre, township_officer
):
    sent = reminders.remind(user=county_officer, county=village.parent.parent, year=2026)
    by_village = {r.village: r for r in sent}
    dutou = by_village[village]
    assert dutou.colour == "yellow"
    assert PortraitKind.OVERDUE in dutou.kinds
    overdue = Alert.objects.open().filter(village=village, due_date__lt=timezone.localdate())
    assert {r.household_id for r in dutou.revisits.all()} >= set(
        overdue.values_list("household_id", flat=True)
    )
    # 前湖村 has no monitored household: yellow too, and without a screening nobody to list
    assert by_village[sibling_village].kinds == [PortraitKind.NO_MONITORED]
    # its staff and the township are told; a second reminder this month sends nothing
    assert Notification.objects.filter(
        recipient=village_cadre, link__contains="/reminders/"
    ).exists()
    assert Notification.objects.filter(recipient=township_officer).exists()
    assert reminders.remind(user=county_officer, county=village.parent.parent, year=2026) == []
    with pytest.raises(PermissionDenied):
        reminders.remind(user=township_officer, county=village.parent.parent, year=2026)


def test_a_revisit_is_recorded_with_one_click_and_the_county_sees_it(
    client, worked, village, county_officer, village_cadre, other_village_cadre
):
    [reminder, *_rest] = [
        r
        for r in reminders.remind(user=county_officer, county=village.parent.parent, year=2026)
        if r.village == village
    ]
    revisit = reminder.revisits.first()
    url = reverse("monitoring:reminder", args=[reminder.pk])
    client.force_login(other_village_cadre)
    assert client.get(url).status_code == 404
    client.force_login(village_cadre)
    response = client.post(url, {"revisit": revisit.pk, f"r{revisit.pk}-note": "已入户，情况属实"})
    assert response.status_code == 302
    revisit.refresh_from_db()
    assert revisit.visited_by == village_cadre
    assert revisit.visited_on == timezone.localdate()
    with pytest.raises(ValidationError):
        reminders.revisit_done(revisit=revisit, user=village_cadre)
    client.force_login(county_officer)
    page = client.get(reverse("monitoring:reminders")).content.decode()
    total = reminder.revisits.count()
    assert f"1/{total}" in page


def test_village_cadres_read_their_own_villages_portraits(client, worked, village_cadre):
    client.force_login(village_cadre)
    page = client.get(reverse("monitoring:portrait")).content.decode()
    assert "渡头村" in page
    assert "前湖村" not in page  # the sibling village is not theirs
    assert 'id="remind"' not in page  # reminding is the county's


def test_cause_and_income_structure_of_monitored_households(worked, village):
    monitored = Monitored.objects.get()
    HouseholdIncome.objects.create(
        household=monitored.household,
        year=2025,
        wages=Decimal("6000"),
        business=Decimal("2000"),
        transfers=Decimal("2000"),
        members=2,
    )
    villages = Region.objects.filter(pk=village.pk)
    causes, columns = portraits.cause_structure(villages, by_village=True)
    assert columns == [("illness", "Illness")] or columns[0][0] == "illness"
    assert causes[0].region == village
    assert causes[0].cells == [1]
    incomes, year = portraits.income_structure(villages, by_village=True)
    assert year == 2025
    assert incomes[0].cells == [60, 20, 0, 20]


@pytest.mark.parametrize(
    ("kind", "threshold", "row", "met"),
    [
        (PortraitKind.OVERDUE, 3, {"overdue": 2}, False),
        (PortraitKind.OVERDUE, 3, {"overdue": 3}, True),
        (PortraitKind.MEASURES_LATE, 2, {"measures_late": 1}, False),
        (PortraitKind.MEASURES_LATE, 2, {"measures_late": 2}, True),
        # verifications on time below the threshold %: 80 % is not below 80
        (PortraitKind.LATE_VERIFICATION, 80, {"verified": 5, "verified_on_time": 4}, False),
        (PortraitKind.LATE_VERIFICATION, 80, {"verified": 100, "verified_on_time": 79}, True),
        (PortraitKind.LATE_VERIFICATION, 80, {"verified": 0}, False),  # nothing to judge
        (PortraitKind.NO_MONITORED, 1, {"monitored": 1}, False),
        (PortraitKind.NO_MONITORED, 1, {"monitored": 0}, True),
        # fewer than 10 decided alerts: not "many", whatever the share
        (PortraitKind.FEW_ENROLLED, 10, {"decided": 9, "enrolled": 0}, False),
        (PortraitKind.FEW_ENROLLED, 10, {"decided": 10, "enrolled": 0}, True),
    ],
)
def test_each_rule_on_each_side_of_its_threshold(village, kind, threshold, row, met):
    rule = PortraitRule(kind=kind, colour="yellow", threshold=threshold, share=5)
    assert rule.matches(portraits.Row(region=village, **row)) is met


def test_the_portrait_shows_registered_beside_living_here(
    client, village, sibling_village, group, township_officer, village_cadre
):
    """Issue 25: 户籍 vs 现住 per village, with the people registered elsewhere."""
    from households import services as registry
    from tests.factories import HouseholdFactory, ResidentFactory

    here = HouseholdFactory(village=village, group=group)
    ResidentFactory(household=here)
    away = ResidentFactory(household=HouseholdFactory(village=village, group=group))
    registry.presence_set(
        resident=away, user=village_cadre, presence="away", away_reason="work", away_place="东莞"
    )
    HouseholdFactory(village=sibling_village)
    client.force_login(township_officer)
    response = client.get("/monitoring/portrait/")
    rows = {r["name"]: r for r in response.context["residing"]["rows"]}
    assert (rows["渡头村"]["households"], rows["渡头村"]["residing"]) == (2, 1)
    assert (rows["渡头村"]["residents"], rows["渡头村"]["present"]) == (2, 1)
    assert rows["前湖村"]["households"] == 1
    assert 'id="residing"' in response.content.decode()

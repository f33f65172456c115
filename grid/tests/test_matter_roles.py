"""Grid workers finish their matters (issue 25, item 2): whoever a matter is assigned to
takes it on, notes, resolves or sends it up; the grid's supervisor sees its matters,
overdue first, comments and reopens a resolution; sending up keeps the deadline of the
report."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import _staff
from grid import services
from grid.models import GridRole, MatterLevel
from tests.factories import HouseholdFactory
from villages.models import Role

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 11, 23, 1, 0, tzinfo=datetime.UTC)  # before the pinned hour


@pytest.fixture
def informant(village):
    return _staff(Role.GRID_WORKER, village, username="informant")


@pytest.fixture
def supervisor(village):
    return _staff(Role.GRID_WORKER, village, username="supervisor")


@pytest.fixture
def grid(village, supervisor):
    grid = services.grid_create(village=village, name="第一网格", by=None)
    services.grid_member_add(
        grid=grid, role=GridRole.SUPERVISOR, name="老党员李", user=supervisor, by=None
    )
    return grid


@pytest.fixture
def matter(village, village_cadre, grid):
    household = HouseholdFactory(village=village)
    services.households_assign(grid=grid, households=[household], by=None)
    with time_machine.travel(START, tick=False):
        return services.matter_create(
            village=village,
            user=village_cadre,
            source="walk_in",
            category="problem",
            urgency="normal",
            title="路灯坏了",
            household=household,
        )


def test_the_informant_assigned_a_matter_finishes_it(matter, village_cadre, informant, grid_worker):
    # before it is assigned to them, a grid worker cannot resolve it
    with pytest.raises(PermissionDenied):
        services.matter_resolve(matter=matter, user=informant, reply="已修好")
    services.matter_assign(matter=matter, user=village_cadre, to=informant)
    assert informant.notifications.filter(title__contains="路灯坏了").exists()
    services.matter_take(matter=matter, user=informant)
    services.matter_note(matter=matter, user=informant, note="已联系电工")
    with pytest.raises(PermissionDenied):  # another grid worker, not assigned
        services.matter_resolve(matter=matter, user=grid_worker, reply="x")
    services.matter_resolve(matter=matter, user=informant, reply="已修好")
    actions = list(matter.events.values_list("action", flat=True))
    assert actions == ["created", "assigned", "taken", "noted", "resolved"]


def test_the_assignee_hands_it_up_and_the_deadline_keeps_running_from_the_report(
    matter, village_cadre, informant
):
    services.matter_assign(matter=matter, user=village_cadre, to=informant)
    due = matter.due_at
    with time_machine.travel(START + datetime.timedelta(hours=2), tick=False):
        services.matter_escalate(matter=matter, user=informant, note="需要镇里协调")
    matter.refresh_from_db()
    assert matter.level == MatterLevel.TOWNSHIP
    assert matter.due_at == due  # 24 h from the report, not from the escalation
    assert matter.escalate_at == START + datetime.timedelta(hours=26)
    assert matter.assigned_to is None
    # no longer assigned, no longer theirs to act on
    with pytest.raises(PermissionDenied):
        services.matter_resolve(matter=matter, user=informant, reply="x")


@pytest.mark.parametrize(("hours", "on_time"), [(24, True), (24.01, False)])
def test_on_time_is_judged_from_the_report_after_sending_up(
    matter, village_cadre, township_officer, hours, on_time
):
    with time_machine.travel(START + datetime.timedelta(hours=1), tick=False):
        services.matter_escalate(matter=matter, user=village_cadre)
    with time_machine.travel(START + datetime.timedelta(hours=hours), tick=False):
        services.matter_resolve(matter=matter, user=township_officer, reply="已协调")
    matter.refresh_from_db()
    assert matter.resolved_on_time is on_time


def test_the_supervisor_sees_overdue_first_comments_and_reopens(
    client, village, village_cadre, supervisor, matter, grid
):
    household = HouseholdFactory(village=village)
    services.households_assign(grid=grid, households=[household], by=None)
    with time_machine.travel(START + datetime.timedelta(hours=30), tick=False):
        fresh = services.matter_create(
            village=village,
            user=village_cadre,
            source="walk_in",
            category="problem",
            urgency="normal",
            title="沟渠堵塞",
            household=household,
        )
    with time_machine.travel(START + datetime.timedelta(hours=31), tick=False):
        client.force_login(supervisor)  # sessions last eight hours
        page = client.get(reverse("grid:matters_supervised")).content.decode()
    assert page.index("路灯坏了") < page.index("沟渠堵塞")  # the overdue one first
    services.matter_note(matter=fresh, user=supervisor, note="请尽快处理")
    services.matter_resolve(matter=matter, user=village_cadre, reply="已修好")
    with pytest.raises(ValidationError):
        services.matter_reopen(matter=matter, user=supervisor, note=" ")
    services.matter_reopen(matter=matter, user=supervisor, note="现场查看仍未修好")
    matter.refresh_from_db()
    assert matter.resolved_at is None
    assert matter.reply == ""
    assert list(matter.events.values_list("action", flat=True))[-2:] == ["resolved", "reopened"]
    assert matter.events.get(action="resolved").note == "已修好"  # the reply stays on record


def test_only_the_grids_supervisor_reopens(matter, village_cadre, informant, other_village):
    services.matter_resolve(matter=matter, user=village_cadre, reply="已修好")
    with pytest.raises(PermissionDenied):
        services.matter_reopen(matter=matter, user=informant, note="x")
    with pytest.raises(PermissionDenied):
        services.matter_reopen(matter=matter, user=village_cadre, note="x")


def test_the_matter_page_offers_the_assignee_its_steps(client, matter, village_cadre, informant):
    client.force_login(informant)
    url = reverse("grid:matter", args=[matter.pk])
    page = client.get(url).content.decode()
    assert 'id="resolve"' not in page
    assert (
        client.post(
            reverse("grid:matter_action", args=[matter.pk]), {"action": "resolve", "reply": "x"}
        ).status_code
        == 403
    )
    services.matter_assign(matter=matter, user=village_cadre, to=informant)
    page = client.get(url).content.decode()
    assert 'id="resolve"' in page
    assert 'id="take"' in page
    response = client.post(
        reverse("grid:matter_action", args=[matter.pk]), {"action": "resolve", "reply": "已修好"}
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.resolved_at is not None

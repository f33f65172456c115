"""The village work team (驻村第一书记, 驻村工作队; issue 24 item 8): roles with the
village's scope that see the whole village, visit, verify and appraise; their names on
the village board."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conftest import _staff
from grid import services as grid
from households import services as registry
from monitoring import services
from monitoring.models import Source, Stage
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role


@pytest.fixture
def secretary(village):
    user = _staff(Role.FIRST_SECRETARY, village)
    user.first_name = "李书记"
    user.save()
    return user


def test_the_first_secretary_sees_the_village_visits_and_verifies(client, village, secretary):
    home = HouseholdFactory(village=village)
    ResidentFactory(household=home, relation="head")
    alert, _ = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    client.force_login(secretary)
    assert client.get(reverse("households:list")).status_code == 200
    assert client.get(reverse("monitoring:queue")).status_code == 200
    assert client.get(reverse("monitoring:alert", args=[alert.pk])).status_code == 200
    verified = services.verify(
        alert=alert,
        user=secretary,
        visit_date=datetime.date(2026, 11, 20),
        findings="第一书记入户核实",
        income_estimate=None,
        recommendation="enrol",
    )
    assert verified.stage == Stage.APPRAISE
    visit = grid.visit_record(
        household=home,
        user=secretary,
        visited_on=datetime.date(2026, 11, 21),
        kind="routine",
        findings="走访",
    )
    assert visit.recorded_by == secretary
    with pytest.raises(PermissionDenied):  # the registry is kept by the village's cadres
        registry.household_update(household=home, user=secretary, motto="改家训")


def test_the_sibling_villages_team_does_not_see_this_village(client, village, sibling_village):
    other = _staff(Role.WORK_TEAM, sibling_village)
    home = HouseholdFactory(village=village)
    alert, _ = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    client.force_login(other)
    assert client.get(reverse("monitoring:alert", args=[alert.pk])).status_code == 404


def test_the_village_board_posts_the_work_team_first_secretary_first(
    client, village, sibling_village, secretary
):
    member = _staff(Role.WORK_TEAM, village)
    member.first_name = "王队员"
    member.save()
    stranger = _staff(Role.WORK_TEAM, sibling_village)
    stranger.first_name = "邻村队员"
    stranger.save()
    page = client.get(reverse("notices:board", args=[village.code])).content.decode()
    team = page[page.index('id="work-team"') :]
    assert team.index("李书记") < team.index("王队员")
    assert "邻村队员" not in page
    assert "驻村工作队公示" in page
    sibling = client.get(reverse("notices:board", args=[sibling_village.code])).content.decode()
    assert "李书记" not in sibling


def test_a_village_without_a_team_shows_no_team_panel(client, village):
    page = client.get(reverse("notices:board", args=[village.code])).content.decode()
    assert 'id="work-team"' not in page

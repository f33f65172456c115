"""Red grids as the practice draws them (issue 25, item 3): 30 to 50 households (the
county's setting), one party-member central household head a grid, whom every household
of the grid finds on its door page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from grid import services
from grid.models import GridRole
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("households", "flagged"), [(29, True), (30, False), (50, False), (51, True)]
)
def test_a_grid_outside_30_to_50_households_is_flagged(households, flagged):
    problems = services.grid_problems(households=households, party_heads=1)
    assert bool(problems) is flagged
    if flagged:
        assert f"{households} 户" in problems[0] or str(households) in problems[0]


@override_settings(GRID_HOUSEHOLDS=(10, 20))
def test_the_range_is_the_countys_setting():
    assert services.grid_problems(households=20, party_heads=1) == []
    assert services.grid_problems(households=21, party_heads=1)


def test_a_grid_without_its_party_head_is_flagged():
    assert services.grid_problems(households=40, party_heads=0)


def test_a_grid_has_one_party_head(village):
    grid = services.grid_create(village=village, name="第一网格", by=None)
    services.grid_member_add(grid=grid, role=GridRole.PARTY_HEAD, name="李党员", by=None)
    with pytest.raises(ValidationError):
        services.grid_member_add(grid=grid, role=GridRole.PARTY_HEAD, name="王党员", by=None)


def test_the_grid_pages_say_what_keeps_a_grid_from_the_rule(client, village, village_cadre):
    grid = services.grid_create(village=village, name="第一网格", by=None)
    services.households_assign(
        grid=grid, households=[HouseholdFactory(village=village) for _n in range(3)], by=None
    )
    client.force_login(village_cadre)
    page = client.get(reverse("grid:detail", args=[grid.pk])).content.decode()
    assert "3 户" in page
    assert "尚无党员中心户长" in page
    listing = client.get(reverse("grid:list")).content.decode()
    assert "尚无党员中心户长" in listing


def test_the_household_finds_its_party_head_on_its_door_page(
    client, village, django_capture_on_commit_callbacks
):
    grid = services.grid_create(village=village, name="第一网格", by=None)
    home = HouseholdFactory(village=village)
    services.households_assign(grid=grid, households=[home], by=None)
    page = client.get(f"/h/{home.public_token}/").content.decode()
    assert 'id="grid-head"' in page
    assert "李明华" not in page
    # named after the page was first shown: the door page shows the head at once
    with django_capture_on_commit_callbacks(execute=True):
        services.grid_member_add(
            grid=grid, role=GridRole.PARTY_HEAD, name="李明华", phone="13907911234", by=None
        )
    page = client.get(f"/h/{home.public_token}/").content.decode()
    assert "李明华" in page

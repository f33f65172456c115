"""Grids and their people (issue 10, part 1): a cadre cuts the village into grids, names
their people and puts households in, by villager group or by number; every reader of the
village sees them; nobody outside it does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grid import services
from grid.models import Grid, GridHousehold, GridRole
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(village):
    return services.grid_create(village=village, name="第一网格", by=None)


def test_one_chief_a_grid_and_any_number_of_informants(grid, village_cadre):
    services.grid_member_add(grid=grid, role=GridRole.CHIEF, user=village_cadre, by=None)
    with pytest.raises(ValidationError):
        services.grid_member_add(
            grid=grid, role=GridRole.CHIEF, name="李四", phone="13800001111", by=None
        )
    for name in ("王五", "赵六"):
        services.grid_member_add(
            grid=grid, role=GridRole.INFORMANT, name=name, phone="13800002222", by=None
        )
    assert grid.members.count() == 3
    with pytest.raises(ValidationError):
        services.grid_member_add(
            grid=grid, role=GridRole.INFORMANT, name="钱七", phone="123", by=None
        )


def test_households_go_in_by_group_or_number_and_only_of_the_village(
    grid, village, group, other_village
):
    in_group = [HouseholdFactory(village=village, group=group) for _ in range(3)]
    loose = HouseholdFactory(village=village, number="0901")
    assert services.households_assign(grid=grid, households=in_group, by=None) == 3
    numbered = services.households_by_numbers(village, ["0901"])
    assert services.households_assign(grid=grid, households=numbered, by=None) == 1
    assert services.households_assign(grid=grid, households=in_group, by=None) == 0  # already there
    both = services.households_assign(
        grid=services.grid_create(village=village, name="三", by=None),
        households=[*in_group, in_group[0]],
        by=None,
    )
    assert both == 3  # a household named twice (its group and its number) goes in once
    services.households_assign(grid=grid, households=in_group, by=None)
    with pytest.raises(ValidationError, match="9999"):
        services.households_by_numbers(village, ["0901", "9999"])
    with pytest.raises(ValidationError):
        services.households_assign(
            grid=grid, households=[HouseholdFactory(village=other_village)], by=None
        )
    second = services.grid_create(village=village, name="第二网格", by=None)
    assert services.households_assign(grid=second, households=[loose], by=None) == 1  # moved
    assert GridHousehold.objects.get(household=loose).grid == second


def test_a_cadre_builds_a_grid_on_its_pages(client, village, group, village_cadre):
    households = [HouseholdFactory(village=village, group=group) for _ in range(4)]
    ResidentFactory(household=households[0], relation="head", name="张三力")
    client.force_login(village_cadre)
    page = client.get(reverse("grid:list")).content.decode()
    assert "4 户尚未划入网格" in page
    response = client.post(reverse("grid:list"), {"village": village.pk, "name": "第一网格"})
    grid = Grid.objects.get()
    assert response["Location"] == reverse("grid:detail", args=[grid.pk])
    client.post(
        reverse("grid:member_add", args=[grid.pk]),
        {"role": "chief", "name": "王网格", "phone": "13900001234"},
    )
    client.post(reverse("grid:assign", args=[grid.pk]), {"group": group.pk})
    page = client.get(reverse("grid:detail", args=[grid.pk])).content.decode()
    assert "王网格" in page
    assert 'href="tel:13900001234"' in page
    assert "张三力" in page
    assert GridHousehold.objects.filter(grid=grid).count() == 4
    household_page = client.get(reverse("households:detail", args=[households[0].pk]))
    assert "第一网格" in household_page.content.decode()


def test_a_wrong_phone_is_said_and_nothing_is_added(client, grid, village_cadre):
    client.force_login(village_cadre)
    data = {"role": "informant", "name": "王五", "phone": "12"}
    response = client.post(reverse("grid:member_add", args=[grid.pk]), data, follow=True)
    assert "请输入11位手机号" in response.content.decode()
    assert not grid.members.exists()


def test_grids_are_read_in_scope_and_written_by_the_villages_cadres(
    client, grid, grid_worker, township_officer, other_village_cadre
):
    client.force_login(grid_worker)
    assert client.get(reverse("grid:detail", args=[grid.pk])).status_code == 200
    assert (
        client.post(
            reverse("grid:member_add", args=[grid.pk]), {"role": "informant", "name": "x"}
        ).status_code
        == 403
    )
    client.force_login(township_officer)
    assert client.get(reverse("grid:detail", args=[grid.pk])).status_code == 200
    client.force_login(other_village_cadre)
    assert client.get(reverse("grid:detail", args=[grid.pk])).status_code == 404


def test_the_grid_pages_do_not_grow_with_the_households(
    client, grid, village, village_cadre, django_assert_max_num_queries
):
    client.force_login(village_cadre)
    for count in (3, 40):
        households = [HouseholdFactory(village=village) for _ in range(count)]
        for household in households:
            ResidentFactory(household=household, relation="head")
        services.households_assign(grid=grid, households=households, by=None)
        services.grid_create(village=village, name=f"网格{count}", by=None)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("grid:detail", args=[grid.pk])).status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get(reverse("grid:list")).status_code == 200


def test_a_batch_assignment_says_which_households_and_why(cadre_client, grid, village):
    """Issue 22: a batch with one wrong number placed nothing and said nothing useful."""
    other = services.grid_create(village=village, name="第二网格", by=None)
    _h1, h2, h3 = (HouseholdFactory(village=village, number=n) for n in ("0001", "0002", "0003"))
    services.households_assign(grid=other, households=[h2], by=None)
    services.households_assign(grid=grid, households=[h3], by=None)
    response = cadre_client.post(
        reverse("grid:assign", args=[grid.pk]),
        {"numbers": "０００１，0002 0003 9999 8888"},  # one typed full-width
        follow=True,
    )
    page = response.content.decode()
    assert "未放入：9999、8888：渡头村没有此编号的户。" in page
    assert "已将 1 户划入网格。" in page
    assert "从其他网格调入：0002 ← 第二网格。" in page
    assert "已在本网格：0003。" in page
    assert set(
        GridHousehold.objects.filter(grid=grid).values_list("household__number", flat=True)
    ) == {"0001", "0002", "0003"}

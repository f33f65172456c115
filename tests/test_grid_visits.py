"""Visits (issue 10, part 2): recorded on a phone, counted in the monthly coverage report,
and a suspected hardship becomes a monitoring alert of source "visit" through the
registry's announcement (grid may not import monitoring)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grid import selectors, services
from grid.models import Grid, Visit
from monitoring.models import Alert, Source
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)  # the suite's pinned day


def _visit(household, user, day, **extra):
    return services.visit_record(
        household=household, user=user, visited_on=day, kind="routine", findings="一切正常", **extra
    )


def test_the_coverage_report_equals_a_hand_counted_month(village, grid_worker):
    a = services.grid_create(village=village, name="一网格", by=None)
    b = services.grid_create(village=village, name="二网格", by=None)
    a_homes = [HouseholdFactory(village=village) for _ in range(3)]
    b_homes = [HouseholdFactory(village=village) for _ in range(2)]
    services.households_assign(grid=a, households=a_homes, by=None)
    services.households_assign(grid=b, households=b_homes, by=None)
    _visit(a_homes[0], grid_worker, datetime.date(2026, 10, 3))
    _visit(a_homes[0], grid_worker, datetime.date(2026, 10, 20))  # twice: one household
    _visit(a_homes[1], grid_worker, datetime.date(2026, 10, 31))
    _visit(a_homes[2], grid_worker, datetime.date(2026, 11, 2))  # November, not October
    _visit(b_homes[0], grid_worker, datetime.date(2026, 9, 30))  # September
    grids = Grid.objects.order_by("name")
    october = {
        c.grid.name: (c.due, c.visited, c.overdue)
        for c in selectors.coverage(grids, 2026, 10, TODAY)
    }
    assert october == {"一网格": (3, 2, 1), "二网格": (2, 0, 2)}
    november = {
        c.grid.name: (c.due, c.visited, c.overdue, c.not_yet)
        for c in selectors.coverage(grids, 2026, 11, TODAY)
    }
    assert november == {"一网格": (3, 1, 0, 2), "二网格": (2, 0, 0, 2)}  # not ended yet


def test_the_coverage_page_shows_the_figures_and_a_chart(client, village, village_cadre):
    grid = services.grid_create(village=village, name="一网格", by=None)
    homes = [HouseholdFactory(village=village) for _ in range(2)]
    services.households_assign(grid=grid, households=homes, by=None)
    _visit(homes[0], village_cadre, datetime.date(2026, 10, 5))
    client.force_login(village_cadre)
    page = client.get(reverse("grid:coverage"), {"month": "2026-10"}).content.decode()
    assert "只有一个类别：渡头村 一网格，1。" in page  # one grid: said in words, not one bar
    assert '<span class="badge red">1</span>' in page  # one overdue
    assert ">50<" in page  # percent visited
    assert client.get(reverse("grid:coverage"), {"month": "2026-13"}).status_code == 200


def test_a_grid_worker_records_a_visit_on_the_household_page(client, village, grid_worker):
    household = HouseholdFactory(village=village)
    ResidentFactory(household=household, relation="head")
    client.force_login(grid_worker)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert reverse("grid:visit_new", args=[household.pk]) in page
    form = client.get(reverse("grid:visit_new", args=[household.pk])).content.decode()
    assert 'value="2026-11-23"' in form
    url = reverse("grid:visit_new", args=[household.pk])
    data = {"visited_on": "2026-11-22", "kind": "routine", "findings": "房屋漏雨"}
    response = client.post(url, data)
    assert response.status_code == 302
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "房屋漏雨" in page
    future = client.post(url, {**data, "visited_on": "2026-12-01"})
    assert "日期不能晚于今天" in future.content.decode()
    assert Visit.objects.count() == 1


def test_a_suspected_hardship_raises_a_visit_alert(village, grid_worker):
    household = HouseholdFactory(village=village)
    visit = services.visit_record(
        household=household,
        user=grid_worker,
        visited_on=TODAY,
        kind="routine",
        findings="户主住院，家中无劳动力",
        hardship_suspected=True,
    )
    alert = Alert.objects.get(household=household)
    assert alert.source == Source.VISIT
    assert "户主住院" in alert.reasons[0]["label"]
    assert visit.hardship_suspected


def test_visits_are_the_villages_cadres_and_grid_workers(
    client, village, township_officer, other_village_cadre
):
    household = HouseholdFactory(village=village)
    url = reverse("grid:visit_new", args=[household.pk])
    client.force_login(township_officer)
    assert client.get(url).status_code == 403
    client.force_login(other_village_cadre)
    assert client.get(url).status_code == 404


def test_the_coverage_and_visit_pages_do_not_grow_with_grids_and_visits(
    client, village, village_cadre, django_assert_max_num_queries
):
    client.force_login(village_cadre)
    household = HouseholdFactory(village=village)
    for count in (2, 15):
        for n in range(count):
            grid = services.grid_create(village=village, name=f"网格{count}-{n}", by=None)
            homes = [HouseholdFactory(village=village) for _ in range(3)]
            services.households_assign(grid=grid, households=homes, by=None)
            for home in homes:
                _visit(home, village_cadre, datetime.date(2026, 11, 2))
        with django_assert_max_num_queries(10):
            assert client.get(reverse("grid:coverage")).status_code == 200
        with django_assert_max_num_queries(8):
            assert client.get(reverse("grid:visit_new", args=[household.pk])).status_code == 200

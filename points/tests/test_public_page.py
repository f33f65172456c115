"""The public household page with its points part (issue 9): a query count that does
not grow with the entries, entries page by page, the household's place, and the public
leaderboard (比一比). The canary test of every sensitive field is in
tests/test_public_canary.py (it plants data of the apps above this one too)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from points.models import Category, EntryStatus, Honour, PointEntry, PointRule
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(village):
    return PointRule.objects.create(
        village=village, category=Category.VOLUNTEERING, name="志愿服务", points=3
    )


def _entries(household, rule, user, count: int, resident=None) -> None:
    PointEntry.objects.bulk_create(
        PointEntry(
            household=household,
            resident=resident,
            rule=rule,
            points=rule.points,
            occurred_on=datetime.date(2026, 11, 1) - datetime.timedelta(days=n % 300),
            place="村广场",
            description=f"义务劳动{n}",
            status=EntryStatus.APPROVED,
            recorded_by=user,
            approved_by=user,
        )
        for n in range(count)
    )


def _public(client, household, **params):
    return client.get(reverse("households:public", args=[household.public_token]), params)


@pytest.mark.parametrize("count", [1, 1000])
def test_the_public_page_runs_the_same_queries_for_1_and_1000_entries(
    client, village, rule, village_cadre, count, django_assert_num_queries
):
    household = HouseholdFactory(village=village)
    member = ResidentFactory(household=household, relation="head", name="张三力")
    _entries(household, rule, village_cadre, count, resident=member)
    Honour.objects.create(
        household=household, kind="star_family", stars=4, year=2026, awarded_by=village_cadre
    )
    # the household with its village's public information (1), then the points part:
    # totals, members, honours, the entries' count and page, the place on the
    # leaderboard (2), the replies to the family's requests (1), the village's notices
    # (1), the family's produce listings (1) and the village's public replies to it (1),
    # the family's grid with its head (1 when in no grid, issue 25) and its listings the
    # co-op bought (1, issue 25), the village's broadcasts for the household (1, issue
    # 25): 15
    with django_assert_num_queries(15):
        response = _public(client, household)
    assert response.status_code == 200
    assert "★★★★" in response.content.decode()
    # kept: the next scan is the household's one query
    with django_assert_num_queries(1):
        assert _public(client, household).content == response.content


def test_entries_are_paged_newest_first_with_when_where_and_what(
    client, village, rule, village_cadre
):
    household = HouseholdFactory(village=village)
    ResidentFactory(household=household, relation="head", name="张三力")
    _entries(household, rule, village_cadre, 25)
    first = _public(client, household).content.decode()
    assert "义务劳动0" in first  # the newest (2026-11-01)
    assert "2026-11-01" in first
    assert "村广场" in first
    assert "第 1 / 3 页" in first
    third = _public(client, household, page=3).content.decode()
    assert "义务劳动24" in third
    assert "义务劳动0<" not in third
    assert _public(client, household, page="x").status_code == 200  # a bad page: the first


def test_the_leaderboard_shows_masked_households_and_ranks(client, village, rule, village_cadre):
    for number, name, count in (("0001", "张三力", 2), ("0002", "李四梅", 5)):
        household = HouseholdFactory(village=village, number=number)
        ResidentFactory(household=household, relation="head", name=name)
        _entries(household, rule, village_cadre, count)
    page = client.get(reverse("points:leaderboard", args=[village.code])).content.decode()
    assert page.index("李*梅") < page.index("张*力")
    assert "15" in page
    assert "张三力" not in page
    assert client.get(reverse("points:leaderboard", args=["999999999999"])).status_code == 404


def test_the_household_place_shows_on_its_page(client, village, rule, village_cadre):
    leader = HouseholdFactory(village=village)
    _entries(leader, rule, village_cadre, 5)
    second = HouseholdFactory(village=village)
    _entries(second, rule, village_cadre, 2)
    page = _public(client, second).content.decode()
    assert "第 2 名" in page
    assert "与全村 2 户比一比" in page


def test_the_kept_page_shows_each_change_at_once(
    client, village, group, rule, village_cadre, plain_cadre, django_capture_on_commit_callbacks
):
    from households.models import PublicInfo
    from households.services import household_update
    from points.services import entry_approve, entry_record

    household = HouseholdFactory(village=village, group=group, motto="旧家训")
    ResidentFactory(household=household, relation="head", name="张三力")
    board = reverse("points:leaderboard", args=[village.code])
    assert "张*力" not in client.get(board).content.decode()  # no points yet
    assert "旧家训" in _public(client, household).content.decode()
    household_update(household=household, user=village_cadre, motto="新家训")
    assert "新家训" in _public(client, household).content.decode()
    PublicInfo.objects.create(region=village, slogan="崇德向善")
    assert "崇德向善" in _public(client, household).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_record(
            household=household,
            rule=rule,
            occurred_on=datetime.date(2026, 11, 2),
            place="村委会",
            description="帮扶邻居",
            user=village_cadre,
        )
        entry_approve(entry=entry, user=plain_cadre)
    assert "帮扶邻居" in _public(client, household).content.decode()
    assert "张*力" in client.get(board).content.decode()


def test_a_kept_door_page_costs_one_query_and_one_cache_round_trip(
    client, village, rule, village_cadre, django_assert_num_queries
):
    """Issue 26: the guessing guard, every panel's version and the kept page are read in
    one get_many; a change to one panel's data is seen at once."""
    from django.core.cache import caches

    household = HouseholdFactory(village=village)
    ResidentFactory(household=household, relation="head", name="张三力")
    first = _public(client, household).content
    backend = type(caches["default"])
    calls = []
    originals = {}
    inside = []  # the local-memory backend's get_many calls its get: count the outer call
    for name in ("get", "get_many", "get_or_set", "set", "set_many", "add", "incr"):
        originals[name] = getattr(backend, name)

        def spy(self, *args, _name=name, **kwargs):
            if not inside:
                calls.append(_name)
            inside.append(_name)
            try:
                return originals[_name](self, *args, **kwargs)
            finally:
                inside.pop()

        setattr(backend, name, spy)
    try:
        with django_assert_num_queries(1):
            again = _public(client, household).content
    finally:
        for name, original in originals.items():
            setattr(backend, name, original)
    assert again == first
    assert calls == ["get_many"]
    # new entries, and the points version the approving service moves (after its
    # commit): the next scan shows them
    from django.core.cache import cache

    from points.services import public_key

    _entries(household, rule, village_cadre, 1)
    cache.set(f"version:{public_key(village.pk)}", 1, None)
    assert "义务劳动0" in _public(client, household).content.decode()

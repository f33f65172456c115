"""What issue 7 changed in the lists, the search and the home page, at fixture size: the
same rows and figures as before, from cheaper queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection

from conftest import _staff
from households import services
from households.models import Household, Resident, VillageStats
from households.selectors import residents_matching_text
from households.stats import stats_refresh
from tests.factories import HouseholdFactory, RegionFactory, ResidentFactory
from villages.models import Level, Role, StaffAssignment

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


@pytest.fixture
def second_village_groups(sibling_village):
    return [
        RegionFactory(
            code=f"{sibling_village.code}00{i}",
            name=f"{i}组",
            level=Level.GROUP,
            parent=sibling_village,
        )
        for i in range(1, 4)
    ]


def test_the_group_choices_are_exactly_the_chosen_villages_groups(
    client, county_officer, village, group, sibling_village, second_village_groups
):
    client.force_login(county_officer)
    # no village chosen: no group offered (a county has some 1,500), and a hint
    page = client.get("/households/").content.decode()
    assert [v for v, _l in _options(page, "group")] == [""]
    assert "先选村" in page
    # a village chosen: its groups and no other
    page = client.get(f"/households/?village={sibling_village.pk}").content.decode()
    offered = {int(v) for v, _l in _options(page, "group") if v}
    assert offered == {g.pk for g in second_village_groups}
    page = client.get(f"/residents/?village={village.pk}").content.decode()
    assert {int(v) for v, _l in _options(page, "group") if v} == {group.pk}
    # the endpoint portal.js asks when the village changes
    html = client.get(f"/households/groups/?village={sibling_village.pk}").content.decode()
    assert re.findall(r'value="(\d+)"', html) == [str(g.pk) for g in second_village_groups]


def test_a_cadre_sees_the_groups_of_their_one_village_at_once(cadre_client, group):
    page = cadre_client.get("/households/").content.decode()
    assert [v for v, _l in _options(page, "group") if v] == [str(group.pk)]


def test_the_group_endpoint_is_scoped(cadre_client, other_village):
    assert cadre_client.get(f"/households/groups/?village={other_village.pk}").status_code == 404
    assert cadre_client.get("/households/groups/?village=x").status_code == 404
    assert cadre_client.get("/households/groups/").content.strip() == b""


@pytest.fixture
def three_villages(village, group, sibling_village, other_village):
    """130 households over three villages, numbers not in insertion order, 0-3 members."""
    households = []
    for index in range(130):
        home = (village, sibling_village, other_village)[index % 3]
        household = HouseholdFactory(
            village=home,
            group=group if home == village else None,
            number=f"{(index * 37) % 500:04d}",
        )
        for member in range(index % 4):
            ResidentFactory(household=household, relation="head" if member == 0 else "son")
        households.append(household)
    return households


@pytest.mark.parametrize("page", [1, 2, 3])
def test_a_page_shows_the_rows_offset_pagination_showed(
    client, county_officer, three_villages, page
):
    """Ids first (then the rows of those ids): the same households, heads and member
    counts, in the same order, as slicing the annotated queryset (the old pagination)."""
    client.force_login(county_officer)
    html = client.get(f"/households/?page={page}").content.decode()
    shown = re.findall(
        r'<td><a href="/households/(\d+)/">([^<]*)</a></td>\s*'
        r'<td><a href="/households/\d+/">([^<]*)</a></td>\s*<td class="num minor">(\d+)</td>',
        html,
    )
    old = list(
        Household.objects.visible_to(county_officer)
        .with_head()
        .order_by("village__code", "number")[(page - 1) * 50 : page * 50]
    )
    assert shown == [
        (str(h.pk), h.number, h.head_name or "（未登记户主）", str(h.member_count)) for h in old
    ]
    assert len(shown) == (50 if page < 3 else 30)
    assert "共 130" in html


def test_the_home_figures_follow_a_registry_write_and_say_when_they_were_computed(
    cadre_client, village, group, village_cadre
):
    household = services.household_create(user=village_cadre, village=village, number="0001")
    services.resident_register(
        household=household,
        user=village_cadre,
        id_number="11010519491231002X",
        name="李四",
        relation="head",
        labour_ability="normal",
        employment="migrant",
    )
    page = cadre_client.get("/").content.decode()
    assert re.search(r'<div class="value">1</div><div class="label">户数</div>', page)
    assert "数据统计于 2026-11-23 10:00" in page
    assert VillageStats.objects.get(village=village).stale is False

    # a write through the services marks the village's figures stale; the page recounts
    services.household_create(user=village_cadre, village=village, number="0002")
    assert VillageStats.objects.get(village=village).stale is True
    page = cadre_client.get("/").content.decode()
    assert re.search(r'<div class="value">2</div><div class="label">户数</div>', page)
    assert VillageStats.objects.get(village=village).stale is False


def test_the_village_figures_equal_a_direct_count(village, group, sibling_village):
    """The sum of the kept figures is what counting the registry gives."""
    for index in range(12):
        household = HouseholdFactory(
            village=(village, sibling_village)[index % 2], is_dibao=index % 5 == 0
        )
        ResidentFactory(household=household, employment="migrant" if index % 3 else "farming")
        ResidentFactory(
            household=household,
            relation="son",
            disability_grade=2,
            disability_kind="physical",
            labour_ability="lost",
        )
    assert stats_refresh() == 2
    total: dict[str, int] = {}
    for row in VillageStats.objects.all():
        for key, value in row.counts.items():
            total[key] = total.get(key, 0) + value
    living = Resident.objects.filter(status="living")
    assert total["households"] == Household.objects.count() == 12
    assert total["dibao"] == Household.objects.filter(is_dibao=True).count()
    assert total["residents"] == living.count() == 24
    assert total["migrant"] == living.filter(employment="migrant").count()
    assert total["disabled"] == total["disability_grade:2"] == 12
    assert total["labour_ability:lost"] == 12


@pytest.mark.parametrize("term", ["张", "三力", "张三", "力", "张四力", "李"])
def test_name_search_finds_what_contains_finds(resident, household, term):
    for name in ["张三力", "李张", "王力", "欧阳三力"]:
        ResidentFactory(household=household, name=name, relation="son")
    found = set(
        residents_matching_text(Resident.objects.all(), term).values_list("name", flat=True)
    )
    assert found == {r.name for r in Resident.objects.all() if term in r.name}


def test_on_postgresql_a_two_character_search_reads_the_name_index(resident):
    """The query's expression is the index's: the planner can use it (seq scans off)."""
    if connection.vendor != "postgresql":
        pytest.skip("the name index exists on PostgreSQL only (the PostgreSQL pass runs this)")
    qs = residents_matching_text(Resident.objects.all(), "三力")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "resident_name_grams_idx" in plan


def test_the_cached_list_shows_a_registry_write_at_once(
    cadre_client, village_cadre, village, group
):
    """The rendered table is kept under a token of the village figures' freshness: a write
    through the services changes the token, so the next page is rendered anew."""
    services.household_create(user=village_cadre, village=village, number="0001")

    def page() -> str:  # the form's CSRF token changes with each response
        html = cadre_client.get("/households/").content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    first = page()
    assert "共 1" in first
    assert page() == first  # the kept table
    services.household_create(user=village_cadre, village=village, number="0002", group=group)
    second = page()
    assert "共 2" in second
    assert ">0002</a>" in second


def test_a_kept_household_page_shows_each_write_to_the_household(
    cadre_client, village_cadre, village, group
):
    """The registry's parts of a household's page are kept under the village figures'
    token; every service that changes what the page shows moves the token."""
    household = services.household_create(user=village_cadre, village=village, number="0001")
    person = services.resident_register(
        household=household,
        user=village_cadre,
        id_number="11010519491231002X",
        name="李四",
        relation="head",
        labour_ability="normal",
        employment="migrant",
    )
    url = f"/households/{household.pk}/"

    def page() -> str:
        stats_refresh()  # what the home page, the lists or the periodic task do meanwhile
        html = cadre_client.get(url).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    first = page()
    assert page() == first  # kept
    services.life_event_record(
        resident=person, user=village_cadre, kind="marriage", date=datetime.date(2026, 5, 1)
    )
    assert "2026-05-01" in page()
    services.household_update(household=household, user=village_cadre, address="新住址")
    assert "新住址" in page()
    services.resident_update(resident=person, user=village_cadre, skills="电工", employment="local")
    assert "县内务工" in page()


def test_the_kept_filter_fields_show_each_querys_values(client, county_officer, village, group):
    """The filter fields are kept per query: a second search shows its own text and
    village, not the first one's, and a bad value still says what is wrong."""
    client.force_login(county_officer)
    first = client.get(f"/households/?q=张三&village={village.pk}").content.decode()
    assert 'value="张三"' in first
    assert [v for v, _l in _options(first, "group") if v] == [str(group.pk)]
    second = client.get("/households/?q=李四").content.decode()
    assert 'value="李四"' in second
    assert 'value="张三"' not in second
    assert [v for v, _l in _options(second, "group")] == [""]
    again = client.get(f"/households/?q=张三&village={village.pk}").content.decode()
    assert 'value="张三"' in again
    bad = client.get("/households/?labour_ability=nonsense").content.decode()
    assert "选择一个有效的选项" in bad
    assert "nonsense" in bad


def test_a_role_outside_the_registry_adds_no_village_to_the_list(client, village, other_village):
    """A township officer who is also a co-op clerk elsewhere reads the registry of the
    township only: the other village is neither offered nor counted."""
    officer = _staff(Role.TOWNSHIP_OFFICER, village.parent)
    StaffAssignment.objects.create(user=officer, region=other_village, role=Role.COOP_CLERK)
    HouseholdFactory(village=village, number="0001")
    HouseholdFactory(village=other_village, number="0002")
    stats_refresh()
    client.force_login(officer)
    page = client.get("/households/").content.decode()
    assert str(other_village.pk) not in {v for v, _l in _options(page, "village")}
    assert str(village.pk) in {v for v, _l in _options(page, "village")}
    assert "共 1" in page
    assert client.get(f"/households/groups/?village={other_village.pk}").status_code == 404

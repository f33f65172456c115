"""Who lives here (现住, issue 25 item 6): registered residents here or away (why,
where, since when), people living here registered elsewhere (no ID number), 户籍 vs 现住
on the home page, list filters, the flows by month, and the registry charts (household
size, land, living conditions, skills, religion: counts only)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from households import services
from households.models import Inflow, Presence
from households.selectors import village_counts
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)  # the tests' pinned day


def _staff(role, region):
    from tests.factories import UserFactory

    user = UserFactory()
    StaffAssignment.objects.create(user=user, region=region, role=role)
    return user


def _away(resident, user, reason="work", place="广东东莞", since=datetime.date(2026, 11, 2)):
    return services.presence_set(
        resident=resident,
        user=user,
        presence=Presence.AWAY,
        away_reason=reason,
        away_place=place,
        since=since,
    )


# --- Recording -------------------------------------------------------------------------------


def test_a_grid_worker_records_a_resident_away_for_work(resident, grid_worker):
    assert _away(resident, grid_worker)
    resident.refresh_from_db()
    assert (resident.presence, resident.away_reason, resident.away_place) == (
        "away",
        "work",
        "广东东莞",
    )
    assert resident.history.first().history_user == grid_worker


def test_away_needs_a_reason(resident, village_cadre):
    with pytest.raises(ValidationError):
        _away(resident, village_cadre, reason="")


def test_back_home_clears_where_and_why(resident, village_cadre):
    _away(resident, village_cadre)
    services.presence_set(
        resident=resident, user=village_cadre, presence=Presence.HERE, since=TODAY
    )
    resident.refresh_from_db()
    assert (resident.presence, resident.away_reason, resident.away_place) == ("here", "", "")


@pytest.mark.parametrize(
    ("since", "ok"), [(TODAY, True), (TODAY + datetime.timedelta(days=1), False)]
)
def test_the_date_is_today_at_the_latest(resident, village_cadre, since, ok):
    if ok:
        assert _away(resident, village_cadre, since=since)
    else:
        with pytest.raises(ValidationError):
            _away(resident, village_cadre, since=since)


def test_only_the_villages_cadres_and_grid_workers_record_it(
    resident, sibling_village, township_officer
):
    with pytest.raises(PermissionDenied):
        _away(resident, _staff(Role.GRID_WORKER, sibling_village))
    with pytest.raises(PermissionDenied):
        _away(resident, township_officer)


def _inflow(user, village, **changes):
    fields = {
        "user": user,
        "village": village,
        "name": "赵六",
        "sex": "M",
        "from_place": "湖南衡阳",
        "reason": "work",
        "arrived_on": datetime.date(2026, 11, 5),
    }
    fields.update(changes)
    return services.inflow_add(**fields)


def test_an_inflow_is_recorded_without_an_id_number(village_cadre, village, household):
    person = _inflow(village_cadre, village, household=household, phone="139 0791 2345")
    assert person.phone_masked == "139****2345"
    assert "13907912345" not in person.phone_cipher
    with pytest.raises(ValidationError):
        _inflow(village_cadre, village, name="赵六 360121199001011234")


def test_a_household_of_another_village_is_refused(village_cadre, village, other_household):
    with pytest.raises(ValidationError):
        _inflow(village_cadre, village, household=other_household)


@pytest.mark.parametrize(
    ("left", "ok"),
    [
        (datetime.date(2026, 11, 4), False),  # before arriving
        (datetime.date(2026, 11, 5), True),  # the day they came
        (TODAY, True),
        (TODAY + datetime.timedelta(days=1), False),  # tomorrow
    ],
)
def test_leaving_lies_between_arriving_and_today(village_cadre, village, left, ok):
    person = _inflow(village_cadre, village)
    if ok:
        assert services.inflow_leave(person, user=village_cadre, left_on=left).left_on == left
    else:
        with pytest.raises(ValidationError):
            services.inflow_leave(person, user=village_cadre, left_on=left)


# --- Counting ----------------------------------------------------------------------------------


@pytest.fixture
def village_of_five(village, group, village_cadre):
    """Five households: a family of two here; one whose only member is away for work; one
    of six (here); one whose member is away but with a tenant registered elsewhere; one
    empty (no living member). Land and living conditions on each side of the bands."""
    here = HouseholdFactory(village=village, group=group, land_area_mu=Decimal("1.99"))
    ResidentFactory(household=here, skills="电工、木工", religion="佛教")
    ResidentFactory(household=here, skills="电工")
    gone = HouseholdFactory(village=village, group=group, land_area_mu=Decimal(2))
    _away(ResidentFactory(household=gone), village_cadre)
    big = HouseholdFactory(
        village=village, group=group, land_area_mu=Decimal(10), living_environment="poor"
    )
    for _ in range(6):
        ResidentFactory(household=big)
    rented = HouseholdFactory(village=village, group=group, land_area_mu=Decimal("0.01"))
    _away(ResidentFactory(household=rented), village_cadre, reason="study", place="南昌")
    _inflow(village_cadre, village, household=rented)
    HouseholdFactory(village=village, group=group)  # land not recorded, nobody living
    return {"here": here, "gone": gone, "big": big, "rented": rented}


def test_registered_and_residing_households_and_people_are_counted(village, village_of_five):
    figures = village_counts([village.pk])[village.pk]
    assert figures["households"] == 5
    assert figures["residing"] == 3  # here, big, and rented (its tenant)
    assert figures["residents"] == 10
    assert figures["present"] == 8
    assert (figures["away:work"], figures["away:study"], figures["away:elsewhere"]) == (1, 1, 0)
    assert figures["inflow"] == 1


def test_household_sizes_land_and_living_conditions(village, village_of_five):
    figures = village_counts([village.pk])[village.pk]
    assert (figures.get("size:1"), figures.get("size:2"), figures.get("size:6")) == (2, 1, 1)
    # land bands: 1.99 and 0.01 under 2 mu; 2 in 2–5; 10 in 10 or more; none recorded
    assert figures["land:0-2"] == 2
    assert figures["land:2-5"] == 1
    assert figures["land:5-10"] == 0
    assert figures["land:10+"] == 1
    assert figures["land:0"] == 1
    assert figures["living_environment:poor"] == 1


def test_skills_are_counted_once_a_person_and_religion_by_name(village, village_of_five):
    figures = village_counts([village.pk])[village.pk]
    assert figures["skill:电工"] == 2
    assert figures["skill:木工"] == 1
    assert figures["religion:佛教"] == 1
    assert figures["religious"] == 1


def test_the_home_page_shows_registered_and_residing_figures(cadre_client, village_of_five):
    page = cadre_client.get("/").content.decode()
    assert 'id="residing-households"' in page
    assert "Household size" in page or "户规模" in page or "家庭人口" in page


# --- Lists ------------------------------------------------------------------------------------


def test_the_household_list_filters_by_residing_size_land_and_skill(cadre_client, village_of_five):
    def numbers(query: str) -> set[str]:
        page = cadre_client.get(f"/households/?{query}").content.decode()
        return {h.number for h in village_of_five.values() if f">{h.number}<" in page}

    five = village_of_five
    assert numbers("residing=yes") == {
        five["here"].number,
        five["big"].number,
        five["rented"].number,
    }
    assert numbers("residing=no") == {five["gone"].number}
    assert numbers("size=6") == {five["big"].number}
    assert numbers("size=2") == {five["here"].number}
    assert numbers("land=2-5") == {five["gone"].number}
    assert numbers("skill=木工") == {five["here"].number}
    assert numbers("living_environment=poor") == {five["big"].number}


def test_the_resident_list_filters_by_presence(cadre_client, village_of_five):
    rows = cadre_client.get("/residents/?presence=away").context["page"].paginator.count
    assert rows == 2
    study = cadre_client.get("/residents/?presence=away:study").context["page"].paginator.count
    assert study == 1


# --- Flows by month ----------------------------------------------------------------------------


def test_the_flows_count_arrivals_and_departures_by_month(
    cadre_client, village, village_cadre, resident
):
    _inflow(village_cadre, village, arrived_on=datetime.date(2026, 10, 30))
    _inflow(village_cadre, village, arrived_on=datetime.date(2026, 11, 1))
    _away(resident, village_cadre, since=datetime.date(2026, 11, 20))
    response = cadre_client.get(reverse("households:inflows"))
    flows = {row["month"]: (row["in"], row["out"]) for row in response.context["flows"]}
    assert flows[datetime.date(2026, 10, 1)] == (1, 0)
    assert flows[datetime.date(2026, 11, 1)] == (1, 1)
    assert len(flows) == 12
    assert min(flows) == datetime.date(2025, 12, 1)


def test_the_flows_and_inflows_of_another_village_stay_out(
    client, other_village_cadre, village_cadre, village
):
    _inflow(village_cadre, village)
    client.force_login(other_village_cadre)
    response = client.get(reverse("households:inflows"))
    assert response.context["flows_in"] == 0
    assert "赵*" not in response.content.decode()


def test_a_grid_worker_records_an_inflow_on_the_page(client, grid_worker, village, household):
    client.force_login(grid_worker)
    response = client.post(
        reverse("households:inflows"),
        {
            "village": village.pk,
            "name": "钱七",
            "sex": "F",
            "from_place": "湖南衡阳",
            "reason": "family",
            "household": household.number,
            "arrived_on": "2026-11-10",
        },
    )
    assert response.status_code == 302
    assert Inflow.objects.get().household == household


def test_an_unknown_household_number_keeps_what_was_typed(client, grid_worker, village):
    client.force_login(grid_worker)
    response = client.post(
        reverse("households:inflows"),
        {
            "village": village.pk,
            "name": "钱七",
            "sex": "F",
            "from_place": "湖南衡阳",
            "reason": "family",
            "household": "9999",
            "arrived_on": "2026-11-10",
        },
    )
    assert response.status_code == 200
    assert "钱七" in response.content.decode()
    assert not Inflow.objects.exists()

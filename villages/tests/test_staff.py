from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from villages.models import StaffAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_client(client, county_officer):
    client.force_login(county_officer)
    return client


def test_county_officer_creates_a_cadre_account(county_client, village):
    response = county_client.post(
        "/staff/new/",
        {
            "username": "wang",
            "full_name": "王建国 村支书",
            "password1": "Dutou-2026-cun",
            "password2": "Dutou-2026-cun",
            "role": "village_cadre",
            "region": village.pk,
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="wang")
    assert user.assignments.get().region == village
    county_client.logout()
    response = county_client.post("/login/", {"username": "wang", "password": "Dutou-2026-cun"})
    assert response.status_code == 302  # logged in


def test_role_must_match_the_level_of_the_region(county_client, township):
    response = county_client.post(
        "/staff/new/",
        {
            "username": "li",
            "full_name": "李",
            "password1": "Dutou-2026-cun",
            "password2": "Dutou-2026-cun",
            "role": "village_cadre",
            "region": township.pk,
        },
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="li").exists()
    assert "村" in response.content.decode()


def test_weak_password_and_taken_name_are_refused(county_client, village, village_cadre):
    response = county_client.post(
        "/staff/new/",
        {
            "username": village_cadre.username,
            "full_name": "x",
            "password1": "123",
            "password2": "123",
            "role": "village_cadre",
            "region": village.pk,
        },
    )
    errors = response.context["form"].errors
    assert "username" in errors
    assert "password1" in errors


def test_list_shows_only_staff_of_the_county(
    county_client, village_cadre, other_village_cadre, django_user_model
):
    from tests.factories import RegionFactory

    elsewhere = RegionFactory(code="430923", name="安化县", level="county", parent=None)
    outsider = django_user_model.objects.create_user("outsider", password="x")
    StaffAssignment.objects.create(user=outsider, region=elsewhere, role="county_officer")
    names = [u.username for u in county_client.get("/staff/").context["page"].object_list]
    assert village_cadre.username in names
    assert other_village_cadre.username in names
    assert "outsider" not in names
    assert county_client.get(f"/staff/{outsider.pk}/").status_code == 404


def test_deactivate_grant_identity_and_reset_password(county_client, plain_cadre):
    url = f"/staff/{plain_cadre.pk}/"
    county_client.post(url, {"action": "edit", "full_name": "张三", "can_see_identity": "on"})
    plain_cadre.refresh_from_db()
    assert not plain_cadre.is_active
    # (has_perm is False for any inactive account, so look at the grant itself)
    assert plain_cadre.user_permissions.filter(codename="view_full_identity").exists()
    county_client.post(
        url,
        {
            "action": "password",
            "new_password1": "Fresh-pass-2026",
            "new_password2": "Fresh-pass-2026",
        },
    )
    plain_cadre.refresh_from_db()
    assert plain_cadre.check_password("Fresh-pass-2026")


def test_last_assignment_cannot_be_removed(county_client, village_cadre, sibling_village):
    url = f"/staff/{village_cadre.pk}/"
    only = village_cadre.assignments.get()
    response = county_client.post(url, {"action": "remove", "assignment": only.pk}, follow=True)
    assert village_cadre.assignments.count() == 1
    assert "停用" in response.content.decode()
    county_client.post(
        url, {"action": "assign", "role": "village_cadre", "region": sibling_village.pk}
    )
    assert village_cadre.assignments.count() == 2
    county_client.post(url, {"action": "remove", "assignment": only.pk})
    assert list(village_cadre.assignments.values_list("region", flat=True)) == [sibling_village.pk]


def test_staff_list_queries_do_not_grow(county_client, village, django_assert_max_num_queries):
    from tests.factories import UserFactory

    for _ in range(30):
        StaffAssignment.objects.create(user=UserFactory(), region=village, role="grid_worker")
    with django_assert_max_num_queries(8):
        county_client.get("/staff/")

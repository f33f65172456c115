from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from villages.models import StaffAction, StaffAssignment, StaffAuditEvent

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


def test_deactivate_grant_identity_and_reset_password(county_client, county_officer, plain_cadre):
    url = f"/staff/{plain_cadre.pk}/"
    assignment = plain_cadre.assignments.get()
    county_client.post(url, {"action": "grant", "assignment": assignment.pk})
    county_client.post(url, {"action": "edit", "full_name": "张三"})
    plain_cadre.refresh_from_db()
    assert not plain_cadre.is_active
    assignment.refresh_from_db()
    assert assignment.sees_identity
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
    # every change is recorded (who, whom, when) and listed on the staff pages
    recorded = list(
        StaffAuditEvent.objects.filter(target=plain_cadre)
        .order_by("pk")
        .values_list("actor", "action")
    )
    assert recorded == [
        (county_officer.pk, StaffAction.IDENTITY_GRANTED),
        (county_officer.pk, StaffAction.RENAMED),
        (county_officer.pk, StaffAction.DEACTIVATED),
        (county_officer.pk, StaffAction.PASSWORD_SET),
    ]
    listed = county_client.get("/staff/").content.decode()
    assert "密码已重置" in listed
    detail = county_client.get(url).content.decode()
    assert detail.count(county_officer.username) >= 4


def test_revoking_identity_is_recorded(county_client, village_cadre):
    assignment = village_cadre.assignments.get()
    assert assignment.sees_identity
    county_client.post(
        f"/staff/{village_cadre.pk}/", {"action": "revoke", "assignment": assignment.pk}
    )
    assignment.refresh_from_db()
    assert not assignment.sees_identity
    assert StaffAuditEvent.objects.filter(
        target=village_cadre, action=StaffAction.IDENTITY_REVOKED, region=assignment.region
    ).exists()


@pytest.mark.parametrize(
    "action",
    [
        {"action": "edit", "full_name": "x"},
        {
            "action": "password",
            "new_password1": "Take-over-2026",
            "new_password2": "Take-over-2026",
        },
        {"action": "grant", "assignment": "{assignment}"},
        {"action": "assign", "role": "grid_worker", "region": "{village}"},
        {"action": "remove", "assignment": "{assignment}"},
        {"action": "unlock"},
    ],
    ids=lambda a: a["action"],
)
def test_account_reaching_another_county_cannot_be_changed(
    county_client, two_county_account, village, action
):
    """Fails on the old code: the officer reset the password of, and granted full-identity
    viewing to, an account also working in 集宁区."""
    assignment = two_county_account.assignments.get(region=village)
    data = {k: v.format(assignment=assignment.pk, village=village.pk) for k, v in action.items()}
    before = two_county_account.password
    response = county_client.post(f"/staff/{two_county_account.pk}/", data)
    assert response.status_code == 403
    two_county_account.refresh_from_db()
    assignment.refresh_from_db()
    assert two_county_account.password == before
    assert not assignment.sees_identity
    assert two_county_account.assignments.count() == 2
    assert not StaffAuditEvent.objects.filter(target=two_county_account).exists()


def test_account_reaching_another_county_is_shown_read_only(county_client, two_county_account):
    response = county_client.get(f"/staff/{two_county_account.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="read-only"' in page
    assert 'name="new_password1"' not in page
    assert 'value="grant"' not in page
    # only the assignment in the officer's county is listed, not the one in 集宁区
    assert "新体路街道" not in page
    listing = county_client.get("/staff/").content.decode()
    assert "two_counties" in listing


def test_identity_right_reaches_only_its_assignment(
    client, two_county_account, far_township, village, resident
):
    """Granted on the 集宁区 assignment, the right does not open 渡头村's numbers."""
    two_county_account.assignments.filter(region=far_township).update(sees_identity=True)
    client.force_login(two_county_account)
    assert client.get(f"/residents/{resident.pk}/reveal/id/").status_code == 403
    two_county_account.assignments.filter(region=village).update(sees_identity=True)
    assert client.get(f"/residents/{resident.pk}/reveal/id/").status_code == 200


def test_officer_lifts_a_login_lockout(county_client, plain_cadre, settings):
    from django.test import Client

    client = Client()  # the locked-out person's browser, not the officer's
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": plain_cadre.username, "password": "wrong"})
    page = county_client.get(f"/staff/{plain_cadre.pk}/").content.decode()
    assert 'id="locked"' in page
    plain_cadre.set_password("Right-pass-2026")
    plain_cadre.save()
    refused = client.post(
        "/login/", {"username": plain_cadre.username, "password": "Right-pass-2026"}
    )
    assert refused.status_code != 302
    county_client.post(f"/staff/{plain_cadre.pk}/", {"action": "unlock"})
    assert StaffAuditEvent.objects.filter(target=plain_cadre, action=StaffAction.UNLOCKED).exists()
    allowed = client.post(
        "/login/", {"username": plain_cadre.username, "password": "Right-pass-2026"}
    )
    assert allowed.status_code == 302


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
    # session, user, assignments, count, the page of accounts, their visible assignments
    # (one prefetch), the recent changes: 7, whatever the number of accounts
    with django_assert_max_num_queries(7):
        county_client.get("/staff/")

"""Separation of duties in staff management (issue 21): nobody manages their own account
or assignments, whatever page or service they use; each refusal is a sentence. Changing
one's own password is not managing the account and is recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from villages import services
from villages.models import Role, StaffAction, StaffAssignment, StaffAuditEvent

pytestmark = pytest.mark.django_db


def test_a_county_officer_cannot_give_themselves_an_assignment(county_officer, village):
    with pytest.raises(PermissionDenied) as refused:
        services.assignment_create(
            actor=county_officer, user=county_officer, region=village, role=Role.VILLAGE_CADRE
        )
    assert "自己的账号" in str(refused.value)  # a sentence, in the user's language
    assert county_officer.assignments.count() == 1


@pytest.mark.parametrize("action", ["edit", "assign", "remove", "grant", "password", "unlock"])
def test_every_action_on_one_s_own_staff_page_is_refused_with_a_sentence(
    client, county_officer, village, action
):
    client.force_login(county_officer)
    own = county_officer.assignments.get()
    data = {
        "action": action,
        "assignment": own.pk,
        "full_name": "自己",
        "is_active": "on",
        "role": Role.VILLAGE_CADRE,
        "region": village.pk,
        "new_password1": "Another-pass-2026",
        "new_password2": "Another-pass-2026",
    }
    response = client.post(f"/staff/{county_officer.pk}/", data)
    assert response.status_code == 403
    assert "自己的账号" in response.content.decode()
    assert list(county_officer.assignments.all()) == [own]
    assert not StaffAuditEvent.objects.exists()


def test_one_s_own_staff_page_says_who_manages_it(client, county_officer):
    client.force_login(county_officer)
    page = client.get(f"/staff/{county_officer.pk}/").content.decode()
    assert 'id="read-only"' in page
    assert 'name="action"' not in page  # no form on one's own account


def test_another_officer_manages_the_account(county_officer, county, village):
    other = StaffAssignment.objects.create(
        user=type(county_officer).objects.create_user("second"),
        region=county,
        role=Role.COUNTY_OFFICER,
    ).user
    assert services.staff_manageable(manager=other, account=county_officer)
    assert not services.staff_manageable(manager=county_officer, account=county_officer)
    services.assignment_create(
        actor=other, user=county_officer, region=village, role=Role.VILLAGE_CADRE
    )
    assert county_officer.assignments.count() == 2


def test_anyone_changes_their_own_password_with_the_old_one_and_it_is_recorded(client, grid_worker):
    grid_worker.set_password("Old-pass-2026-x")
    grid_worker.save()
    client.force_login(grid_worker)
    new = {"new_password1": "New-pass-2026-y", "new_password2": "New-pass-2026-y"}
    wrong = client.post("/account/password/", {"old_password": "nope", **new})
    assert wrong.status_code == 200
    response = client.post("/account/password/", {"old_password": "Old-pass-2026-x", **new})
    assert response.status_code == 302
    grid_worker.refresh_from_db()
    assert grid_worker.check_password("New-pass-2026-y")
    assert client.get("/").status_code == 200  # still logged in
    event = StaffAuditEvent.objects.get()
    assert (event.actor, event.target, event.action) == (
        grid_worker,
        grid_worker,
        StaffAction.PASSWORD_CHANGED,
    )


def test_an_assignment_added_or_removed_in_the_admin_is_recorded(
    client, django_user_model, village_cadre, village, township
):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    response = client.post(
        "/admin/villages/staffassignment/add/",
        {"user": village_cadre.pk, "role": Role.TOWNSHIP_OFFICER, "region": township.pk},
    )
    assert response.status_code == 302
    added = village_cadre.assignments.get(role=Role.TOWNSHIP_OFFICER)
    event = StaffAuditEvent.objects.get()
    assert (event.actor, event.target, event.action, event.region) == (
        root,
        village_cadre,
        StaffAction.ASSIGNED,
        township,
    )
    client.post(f"/admin/villages/staffassignment/{added.pk}/delete/", {"post": "yes"})
    assert not village_cadre.assignments.filter(pk=added.pk).exists()
    assert StaffAuditEvent.objects.filter(action=StaffAction.UNASSIGNED, actor=root).exists()


def test_an_administrator_cannot_give_themselves_an_assignment_in_the_admin(
    client, django_user_model, village
):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    response = client.post(
        "/admin/villages/staffassignment/add/",
        {"user": root.pk, "role": Role.COUNTY_OFFICER, "region": village.parent.parent.pk},
    )
    assert response.status_code == 403
    assert not root.assignments.exists()

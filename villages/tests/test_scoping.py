"""The one scoping mechanism, function by function (villages.scoping): what each answers
for anonymous, inactive, superuser and staff accounts, on each side of every prefix.
(The permission matrix checks it through every page; these make its mutants fail fast.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from tests.factories import UserFactory
from villages import scoping
from villages.models import Region, Role, StaffAssignment

pytestmark = pytest.mark.django_db


def _holding(*pairs, sees=False):
    user = UserFactory()
    for region, role in pairs:
        StaffAssignment.objects.create(user=user, region=region, role=role, sees_identity=sees)
    return user


def test_assignments_are_read_once_per_user_object(django_assert_num_queries, village):
    user = _holding((village, Role.VILLAGE_CADRE))
    with django_assert_num_queries(1):
        scoping.region_codes(user)
        scoping.region_codes(user, [Role.VILLAGE_CADRE])
        scoping.identity_codes(user)
        scoping.region_names(user)
        scoping.has_role_at(user, [Role.VILLAGE_CADRE], village.code)


def test_region_codes_keep_the_outermost_of_the_roles_asked(village, township, other_village):
    user = _holding(
        (village, Role.VILLAGE_CADRE),
        (township, Role.TOWNSHIP_OFFICER),
        (other_village, Role.GRID_WORKER),
    )
    assert scoping.region_codes(user) == [township.code, other_village.code]
    assert scoping.region_codes(user, [Role.VILLAGE_CADRE]) == [village.code]
    assert scoping.region_codes(user, [Role.COOP_CLERK]) == []
    assert scoping.region_codes(AnonymousUser()) == []


@pytest.mark.parametrize(
    ("codes", "common"),
    [
        ([], ""),
        (["360121104201"], "360121104201"),
        (["360121104201", "360121104202"], "360121104"),
        (["360121104201", "360121202001"], "360121"),
        (["360121104201", "150902001001"], ""),
        (["360121104201001", "360121104201002"], "360121104201"),
        (["360121104201001"], "360121104201001"),
        (["36012", "36013"], ""),  # shorter than a county: no region
    ],
)
def test_the_common_region_is_a_whole_division_code(codes, common):
    assert scoping.common_region_code(codes) == common


def test_the_identity_right_reaches_its_own_regions_only(village, sibling_village, township):
    user = UserFactory()
    StaffAssignment.objects.create(
        user=user, region=village, role=Role.VILLAGE_CADRE, sees_identity=True
    )
    StaffAssignment.objects.create(user=user, region=township, role=Role.GRID_WORKER)
    assert scoping.identity_codes(user) == [village.code]
    assert scoping.may_see_identity(user)
    assert scoping.may_see_identity(user, village.code)
    assert scoping.may_see_identity(user, village.code + "001")
    assert not scoping.may_see_identity(user, sibling_village.code)
    assert not scoping.may_see_identity(user, township.code)
    # reading the township as a grid worker, the right does not cover all of it
    assert not scoping.may_see_identity_everywhere(user, [Role.GRID_WORKER])
    assert scoping.may_see_identity_everywhere(user, [Role.VILLAGE_CADRE])
    assert not scoping.may_see_identity_everywhere(user, [Role.COOP_CLERK])  # reads nothing


def test_without_the_right_nobody_sees_identity(village):
    user = _holding((village, Role.VILLAGE_CADRE))
    assert scoping.identity_codes(user) == []
    assert not scoping.may_see_identity(user)
    assert not scoping.may_see_identity(user, village.code)


def test_anonymous_and_inactive_accounts_hold_nothing(village):
    user = _holding((village, Role.VILLAGE_CADRE), sees=True)
    user.is_active = False
    for who in (AnonymousUser(), user):
        assert scoping.identity_codes(who) == []
        assert not scoping.may_see_identity(who)
        assert not scoping.may_see_identity(who, village.code)
        assert not Region.objects.visible_to(who).exists()
    assert not scoping.holds_role(AnonymousUser(), [Role.VILLAGE_CADRE])


def test_a_superuser_holds_every_role_everywhere(village, other_village):
    root = UserFactory(is_superuser=True)
    assert scoping.may_see_identity(root)
    assert scoping.may_see_identity(root, other_village.code)
    assert scoping.may_see_identity_everywhere(root, [Role.VILLAGE_CADRE])
    assert scoping.holds_role(root, [Role.COOP_CLERK])
    assert scoping.has_role_at(root, [Role.COOP_CLERK], other_village.code)
    assert set(Region.objects.visible_to(root)) == {*Region.objects.all()}
    root.is_active = False
    assert not scoping.may_see_identity(root)
    assert not scoping.may_see_identity_everywhere(root, [Role.VILLAGE_CADRE])


def test_roles_are_held_at_a_region_and_below_it(village, sibling_village, township):
    user = _holding((village, Role.VILLAGE_CADRE))
    assert scoping.holds_role(user, [Role.VILLAGE_CADRE])
    assert not scoping.holds_role(user, [Role.TOWNSHIP_OFFICER])
    scoping.require_role(user, [Role.VILLAGE_CADRE])
    with pytest.raises(PermissionDenied):
        scoping.require_role(user, [Role.TOWNSHIP_OFFICER])
    assert scoping.has_role_at(user, [Role.VILLAGE_CADRE], village.code)
    assert scoping.has_role_at(user, [Role.VILLAGE_CADRE], village.code + "001")
    assert not scoping.has_role_at(user, [Role.VILLAGE_CADRE], sibling_village.code)
    assert not scoping.has_role_at(user, [Role.VILLAGE_CADRE], township.code)
    assert not scoping.has_role_at(user, [Role.GRID_WORKER], village.code)


def test_visible_to_reads_each_code_the_roles_reach_and_no_other(
    village, sibling_village, other_village, township
):
    user = _holding((village, Role.VILLAGE_CADRE), (other_village, Role.GRID_WORKER))
    every_role = set(Region.objects.visible_to(user).values_list("code", flat=True))
    assert every_role == {village.code, other_village.code}
    cadre_only = Region.objects.visible_to(user, roles=[Role.VILLAGE_CADRE])
    assert set(cadre_only.values_list("code", flat=True)) == {village.code}
    assert not Region.objects.visible_to(user, roles=[Role.COOP_CLERK]).exists()
    officer = _holding((township, Role.TOWNSHIP_OFFICER))
    seen = set(Region.objects.visible_to(officer).values_list("code", flat=True))
    assert seen == {township.code, village.code, sibling_village.code}  # not the other township


def test_no_user_at_all_holds_nothing(village):
    """A request without a user (a context processor's getattr(request, "user", None))."""
    assert scoping.region_codes(None) == []
    assert scoping.region_names(None) == []
    assert scoping.identity_codes(None) == []
    assert not scoping.may_see_identity(None)
    assert not scoping.may_see_identity(None, village.code)
    assert not scoping.holds_role(None, [Role.VILLAGE_CADRE])
    assert not scoping.has_role_at(None, [Role.VILLAGE_CADRE], village.code)
    assert not scoping.may_see_identity_everywhere(None, [Role.VILLAGE_CADRE])
    assert not Region.objects.filter(scoping.scope_q(None, "code", [Role.VILLAGE_CADRE])).exists()


def test_enclosing_regions_records_reach_the_staff_inside_them(
    village, township, county, other_township
):
    """A county's record (scope_enclosing) reaches its township's officer; a sibling
    township's does not, nor an inactive or anonymous account."""
    officer = _holding((township, Role.TOWNSHIP_OFFICER))
    q = scoping.enclosing_q(officer, "code", [Role.TOWNSHIP_OFFICER])
    assert set(Region.objects.filter(q).values_list("code", flat=True)) == {county.code}
    cadre = _holding((village, Role.VILLAGE_CADRE))
    q = scoping.enclosing_q(cadre, "code", None)
    assert set(Region.objects.filter(q).values_list("code", flat=True)) == {
        county.code,
        township.code,
    }
    assert not Region.objects.filter(scoping.enclosing_q(officer, "code", [Role.GRID_WORKER]))
    officer.is_active = False
    for nobody in (officer, AnonymousUser(), None):
        assert not Region.objects.filter(scoping.enclosing_q(nobody, "code", None)).exists()
    sibling = _holding((other_township, Role.TOWNSHIP_OFFICER))
    q = scoping.enclosing_q(sibling, "code", None)
    assert set(Region.objects.filter(q).values_list("code", flat=True)) == {county.code}

"""How a member of staff is named wherever a person is shown or chosen (issue 22: two
accounts both read "渡头村村干部"): their name, then each role with its region, so two
people with one title are told apart and a name tells where its holder works."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from villages.models import StaffAssignment


def roles_of(user) -> str:
    """ "渡头村 村干部, 集宁区 网格员" (from prefetched assignments where a list has them)."""
    parts = [
        f"{a.region.name} {a.get_role_display()}"
        for a in sorted(user.assignments.all(), key=lambda a: (a.region_id, a.role))
    ]
    return _(", ").join(parts)


def label(user) -> str:
    """ "王建国（渡头村 村干部）"; the name alone for an account with no assignment."""
    if user is None:
        return ""
    name = user.first_name or user.username
    roles = roles_of(user)
    return _("%(name)s (%(roles)s)") % {"name": name, "roles": roles} if roles else name


def prefetch(path: str):
    """For a list that names people at `path` ("user", "assignee"): their assignments
    and regions in one query, whatever the list's length."""
    return Prefetch(
        f"{path}__assignments", queryset=StaffAssignment.objects.select_related("region")
    )

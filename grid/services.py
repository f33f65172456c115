"""The one way into grids: pages, the demo and later imports call these."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import SINGLE_ROLES, Grid, GridHousehold, GridMember, Visit
from households.models import Household
from households.phones import clean_phone
from villages.models import Level, Region
from villages.registry import portal


def grid_create(*, village: Region, name: str) -> Grid:
    name = name.strip()
    if village.level != Level.VILLAGE:
        raise ValidationError(_("A grid belongs to a village."))
    if not name:
        raise ValidationError({"name": _("Give the grid a name.")})
    if Grid.objects.filter(village=village, name=name).exists():
        raise ValidationError({"name": _("This village has a grid of that name already.")})
    return Grid.objects.create(village=village, name=name)


def grid_member_add(
    *, grid: Grid, role: str, name: str = "", phone: str = "", user=None
) -> GridMember:
    """A person in a role of the grid: a portal user (named by their account), or a
    named person with a phone. The single roles (chief, instructor, administrator,
    supervisor) are held by one person at a time."""
    name = (name or (user.get_full_name() or user.username if user else "")).strip()
    if not name:
        raise ValidationError({"name": _("Give the person's name.")})
    phone = clean_phone(phone)
    if role in SINGLE_ROLES and grid.members.filter(role=role).exists():
        raise ValidationError(
            {"role": _("The grid has its %(role)s already; remove them first.")
             % {"role": GridMember(role=role).get_role_display()}}
        )  # fmt: skip
    try:
        with transaction.atomic():
            return GridMember.objects.create(grid=grid, role=role, name=name, phone=phone,
                                             user=user)  # fmt: skip
    except IntegrityError as exc:  # another cadre named one a moment ago
        raise ValidationError({"role": _("The grid has this role filled already.")}) from exc


def grid_member_remove(*, member: GridMember) -> None:
    member.delete()


def households_assign(*, grid: Grid, households: Iterable[Household]) -> int:
    """Put households into the grid (moving them from another grid of the village);
    returns how many changed. A household of another village is refused."""
    households = list(households)
    if any(h.village_id != grid.village_id for h in households):
        raise ValidationError(_("A grid takes households of its own village only."))
    ids = [h.pk for h in households]
    current = dict(
        GridHousehold.objects.filter(household_id__in=ids).values_list("household_id", "grid_id")
    )
    new = [pk for pk in ids if pk not in current]
    moved = [pk for pk in ids if pk in current and current[pk] != grid.pk]
    with transaction.atomic():
        GridHousehold.objects.bulk_create([GridHousehold(household_id=pk, grid=grid) for pk in new])
        GridHousehold.objects.filter(household_id__in=moved).update(grid=grid)
    return len(new) + len(moved)


def households_unassign(*, grid: Grid, households: Iterable[Household]) -> int:
    return GridHousehold.objects.filter(grid=grid, household__in=list(households)).delete()[0]


def households_by_numbers(village: Region, numbers: list[str]) -> list[Household]:
    """The village's households of these numbers; ValidationError naming unknown ones."""
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    found = {h.number: h for h in Household.objects.filter(village=village, number__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise ValidationError(
            _("No household with the number %(numbers)s in this village.")
            % {"numbers": "、".join(missing[:20])}
        )
    return [found[n] for n in wanted]


#: announced when a visit suspects hardship: monitoring raises an alert (its "visit" way in)
HARDSHIP_SUSPECTED = "grid.hardship_suspected"


def visit_record(
    *,
    household: Household,
    user,
    visited_on,
    kind: str,
    findings: str,
    hardship_suspected: bool = False,
    matter_to_raise: bool = False,
) -> Visit:
    """Record a visit (under the household's grid). A suspected hardship is announced to
    the apps above (monitoring raises an alert of source "visit", in this transaction)."""
    findings = findings.strip()
    if not findings:
        raise ValidationError({"findings": _("Say what you found.")})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("The date is in the future.")})
    grid_id = (
        GridHousehold.objects.filter(household=household).values_list("grid_id", flat=True).first()
    )
    with transaction.atomic():
        visit = Visit.objects.create(
            household=household, grid_id=grid_id, visited_on=visited_on, kind=kind,
            findings=findings, hardship_suspected=hardship_suspected,
            matter_to_raise=matter_to_raise, recorded_by=user,
        )  # fmt: skip
        if hardship_suspected:
            portal.announce(HARDSHIP_SUSPECTED, household=household, user=user, note=findings)
    return visit

"""The one way into grids: pages, the demo and later imports call these."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.caching import bump_after_commit, bump_many_after_commit
from common.images import clean_photo
from common.masking import has_mobile_number, mask_id_numbers
from grid import versions
from grid.models import (
    SINGLE_ROLES,
    DailyLog,
    Grid,
    GridHousehold,
    GridMember,
    GridRole,
    Hazard,
    HazardKind,
    Matter,
    MatterEvent,
    MatterLevel,
    MatterSource,
    Urgency,
    Visit,
    VisitKind,
)
from grid.roles import (
    GRID_KEEPERS,
    GRID_READERS,
    LOG_WRITERS,
    MATTER_HANDLERS,
    MATTER_TAKERS,
    VISITORS,
)
from households.models import Household
from households.phones import clean_phone
from households.services import MAX_DOCUMENT_BYTES
from villages import people
from villages.models import Level, Region, Role
from villages.notifications import Kind, notify, users_over
from villages.registry import portal
from villages.scoping import has_role_at, require_role_at


def grid_create(*, village: Region, name: str, by) -> Grid:
    """A grid of the village, made by `by` (who keeps the village's grids)."""
    require_role_at(by, GRID_KEEPERS, village.code)
    name = name.strip()
    if village.level != Level.VILLAGE:
        raise ValidationError(_("A grid belongs to a village."))
    if not name:
        raise ValidationError({"name": _("Give the grid a name.")})
    if Grid.objects.filter(village=village, name=name).exists():
        raise ValidationError({"name": _("This village has a grid of that name already.")})
    return Grid.objects.create(village=village, name=name)


def grid_problems(*, households: int, party_heads: int) -> list[str]:
    """What keeps a grid from being a red grid as the practice draws it, as sentences:
    its size outside the county's range, no party-member central household head."""
    low, high = settings.GRID_HOUSEHOLDS
    problems = []
    if not low <= households <= high:
        problems.append(
            _("%(n)d households: a grid holds %(low)d to %(high)d.")
            % {"n": households, "low": low, "high": high}
        )
    if not party_heads:
        problems.append(_("No party-member central household head."))
    return problems


def grid_member_add(
    *, grid: Grid, role: str, name: str = "", phone: str = "", user=None, by
) -> GridMember:
    """A person in a role of the grid: a portal user (named by their account), or a
    named person with a phone, added by `by`. The single roles (chief, instructor,
    administrator, supervisor, party-member central household head) are held by one
    person at a time."""
    require_role_at(by, GRID_KEEPERS, grid.village.code)
    bump_after_commit(f"grid-public:{grid.village_id}")  # the door pages' grid panel
    name = (name or (user.get_full_name() or user.username if user else "")).strip()
    if not name:
        raise ValidationError({"name": _("Give the person's name.")})
    phone = clean_phone(phone)
    if role in SINGLE_ROLES and grid.members.filter(role=role).exists():
        raise ValidationError(
            {
                "role": _("The grid has its %(role)s already; remove them first.")
                % {"role": GridMember(role=role).get_role_display()}
            }
        )
    try:
        with transaction.atomic():
            return GridMember.objects.create(
                grid=grid, role=role, name=name, phone=phone, user=user
            )
    except IntegrityError as exc:  # another cadre named one a moment ago
        raise ValidationError({"role": _("The grid has this role filled already.")}) from exc


def grid_member_remove(*, member: GridMember, by) -> None:
    require_role_at(by, GRID_KEEPERS, member.grid.village.code)
    bump_after_commit(f"grid-public:{member.grid.village_id}")  # the door pages' grid panel
    member.delete()


def households_assign(*, grid: Grid, households: Iterable[Household], by) -> int:
    """Put households into the grid (moving them from another grid of the village);
    returns how many changed. A household of another village is refused."""
    require_role_at(by, GRID_KEEPERS, grid.village.code)
    bump_after_commit(f"grid-public:{grid.village_id}")  # the door pages' grid panel
    households = list(households)
    if any(h.village_id != grid.village_id for h in households):
        raise ValidationError(_("A grid takes households of its own village only."))
    ids = list(dict.fromkeys(h.pk for h in households))  # a group and typed numbers may overlap
    current = dict(
        GridHousehold.objects.filter(household_id__in=ids).values_list("household_id", "grid_id")
    )
    new = [pk for pk in ids if pk not in current]
    moved = [pk for pk in ids if pk in current and current[pk] != grid.pk]
    with transaction.atomic():
        # another cadre placing the same household a moment ago keeps it where they put it
        GridHousehold.objects.bulk_create(
            [GridHousehold(household_id=pk, grid=grid) for pk in new], ignore_conflicts=True
        )
        GridHousehold.objects.filter(household_id__in=moved).update(grid=grid)
        # their staff pages' grid panel (bulk_create and UPDATE send no signal)
        bump_many_after_commit(versions.household_key(pk) for pk in [*new, *moved])
    return len(new) + len(moved)


def households_unassign(*, grid: Grid, households: Iterable[Household], by) -> int:
    require_role_at(by, GRID_KEEPERS, grid.village.code)
    bump_after_commit(f"grid-public:{grid.village_id}")  # the door pages' grid panel
    return GridHousehold.objects.filter(grid=grid, household__in=list(households)).delete()[0]


def households_by_numbers(village: Region, numbers: list[str]) -> list[Household]:
    """The village's households of these numbers; ValidationError naming unknown ones."""
    found, missing = households_found(village, numbers)
    if missing:
        raise ValidationError(
            _("No household with the number %(numbers)s in this village.")
            % {"numbers": "、".join(missing[:20])}
        )
    return found


def households_found(village: Region, numbers: list[str]) -> tuple[list[Household], list[str]]:
    """The village's households of these numbers (typed full-width too), and the numbers
    that are none of its households."""
    wanted = list(dict.fromkeys(unicodedata.normalize("NFKC", n).strip() for n in numbers))
    wanted = [n for n in wanted if n]
    found = {h.number: h for h in Household.objects.filter(village=village, number__in=wanted)}
    return [found[n] for n in wanted if n in found], [n for n in wanted if n not in found]


@dataclass
class AssignReport:
    """What a batch assignment did, household by household where it did not simply
    add one (issue 22: a batch that failed said nothing)."""

    added: int = 0
    moved: list[tuple[str, str]] = field(default_factory=list)  # (number, the grid it left)
    already: list[str] = field(default_factory=list)  # numbers already in this grid
    unknown: list[str] = field(default_factory=list)  # typed numbers of no household here


def households_assign_report(
    *, grid: Grid, households: list[Household], unknown: list[str], by
) -> AssignReport:
    """households_assign, saying which households moved from another grid, which were
    already in this one, and which typed numbers are no household of the village."""
    ids = list(dict.fromkeys(h.pk for h in households))
    numbers = {h.pk: h.number for h in households}
    before = dict(
        GridHousehold.objects.filter(household_id__in=ids)
        .select_related("grid")
        .values_list("household_id", "grid__name")
    )
    inside = set(
        GridHousehold.objects.filter(household_id__in=ids, grid=grid).values_list(
            "household_id", flat=True
        )
    )
    households_assign(grid=grid, households=households, by=by)
    report = AssignReport(unknown=unknown)
    for pk in ids:
        if pk in inside:
            report.already.append(numbers[pk])
        elif pk in before:
            report.moved.append((numbers[pk], before[pk]))
        else:
            report.added += 1
    return report


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
    require_role_at(user, VISITORS, household.village.code)
    findings = mask_id_numbers(findings.strip())  # free text: an ID number stays masked
    if not findings:
        raise ValidationError({"findings": _("Say what you found.")})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("The date is in the future.")})
    grid_id = (
        GridHousehold.objects.filter(household=household).values_list("grid_id", flat=True).first()
    )
    with transaction.atomic():
        visit = Visit.objects.create(
            household=household,
            grid_id=grid_id,
            visited_on=visited_on,
            kind=kind,
            findings=findings,
            hardship_suspected=hardship_suspected,
            matter_to_raise=matter_to_raise,
            recorded_by=user,
        )
        if hardship_suspected:
            portal.announce(HARDSHIP_SUSPECTED, household=household, user=user, note=findings)
    return visit


# --- Matters (诉求) and proxy services (代办) ---------------------------------------------

NEXT_LEVEL = {MatterLevel.VILLAGE: MatterLevel.TOWNSHIP, MatterLevel.TOWNSHIP: MatterLevel.COUNTY}


def _deadline(urgency: str, start: datetime.datetime) -> datetime.datetime:
    return start + datetime.timedelta(hours=settings.GRID_MATTER_HOURS[urgency])


def _log(matter: Matter, action: str, user=None, note: str = "") -> None:
    MatterEvent.objects.create(
        matter=matter,
        action=action,
        level=matter.level,
        user=user,
        at=timezone.now(),
        note=note[:500],
    )


def matter_create(
    *,
    village: Region,
    user,
    source: str,
    category: str,
    urgency: str,
    title: str,
    description: str = "",
    household: Household | None = None,
    visit: Visit | None = None,
    notify_resident: bool = False,
) -> Matter:
    """Take a matter in: handled in the village first, due by its urgency's hours."""
    require_role_at(user, MATTER_TAKERS, village.code)
    if household is not None and household.village_id != village.pk:
        raise ValidationError(_("The household belongs to another village."))
    if not title.strip():
        raise ValidationError({"title": _("Say what the matter is.")})
    now = timezone.now()
    with transaction.atomic():
        matter = Matter.objects.create(
            village=village,
            household=household,
            visit=visit,
            source=source,
            category=category,
            urgency=urgency,
            title=mask_id_numbers(title.strip()),
            description=mask_id_numbers(description.strip()),
            notify_resident=notify_resident,
            due_at=_deadline(urgency, now),
            escalate_at=_deadline(urgency, now),
            created_by=user,
            created_at=now,
        )
        _log(matter, "created", user)
        if urgency == Urgency.URGENT:
            _tell_urgent(matter, village, exclude=user)
    return matter


def _tell_urgent(matter: Matter, village: Region, *, exclude=None) -> int:
    """An urgent matter: the village's cadres are texted at once (issue 25). The text
    holds no one's data: the village, the hours and where to look."""
    users = users_over(village.code, MATTER_HANDLERS[MatterLevel.VILLAGE])
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return notify(
        users,
        kind=Kind.MATTER,
        title=_("%(village)s: an urgent matter to handle within %(hours)d hours")
        % {"village": village.name, "hours": settings.GRID_MATTER_HOURS[Urgency.URGENT]},
        link=reverse("grid:matter", args=[matter.pk]),
        by_text=True,
    )


def _require_handler(user, matter: Matter) -> None:
    """Who may assign a matter: the handlers of the level it stands at (a village's
    cadres, then the township's or the county's officers)."""
    require_role_at(user, MATTER_HANDLERS[matter.level], matter.village.code)


def may_act(user, matter: Matter) -> bool:
    """Who may take, note, resolve and send up a matter: the handlers of its level, and
    whoever it is assigned to while they still read its village (一长多员: the grid chief
    gives it, the administrator or informant finishes it)."""
    if user is None:
        return False
    if has_role_at(user, MATTER_HANDLERS[matter.level], matter.village.code):
        return True
    return matter.assigned_to_id == user.pk and has_role_at(user, GRID_READERS, matter.village.code)


def _require_actor(user, matter: Matter) -> None:
    if not may_act(user, matter):
        raise PermissionDenied


def supervised_grids(user):
    """The grids this user supervises (监督员: a grid member of that role with their
    account)."""
    return Grid.objects.filter(members__role=GridRole.SUPERVISOR, members__user=user).values("pk")


def supervises(user, matter: Matter) -> bool:
    """Is the user the supervisor of the grid the matter's household belongs to?"""
    if user is None or matter.household_id is None:
        return False
    return GridHousehold.objects.filter(
        household_id=matter.household_id, grid__in=supervised_grids(user)
    ).exists()


def matter_assign(*, matter: Matter, user, to) -> Matter:
    _require_handler(user, matter)
    if matter.resolved_at is not None:
        raise ValidationError(_("The matter is resolved."))
    with transaction.atomic():
        Matter.objects.filter(pk=matter.pk).update(assigned_to=to)
        matter.assigned_to = to
        _log(matter, "assigned", user, note=people.label(to))
    if to != user:
        notify(
            get_user_model().objects.filter(pk=to.pk),
            kind=Kind.MATTER,
            title=_("A matter was assigned to you: %(title)s") % {"title": matter.title[:40]},
            link=reverse("grid:matter", args=[matter.pk]),
        )
    return matter


def matter_take(*, matter: Matter, user) -> Matter:
    """The person it is assigned to takes it on (接单); a handler of its level or a
    village taker takes an unassigned one for themselves."""
    if matter.resolved_at is not None:
        raise ValidationError(_("The matter is resolved."))
    if matter.assigned_to_id is None:
        takers: set[str] = set(MATTER_HANDLERS[matter.level])
        if matter.level == MatterLevel.VILLAGE:
            takers |= MATTER_TAKERS
        require_role_at(user, takers, matter.village.code)
        with transaction.atomic():
            if not Matter.objects.filter(pk=matter.pk, assigned_to__isnull=True).update(
                assigned_to=user
            ):
                raise ValidationError(_("Someone took the matter meanwhile."))
            matter.assigned_to = user
            _log(matter, "taken", user)
        return matter
    _require_actor(user, matter)
    if matter.assigned_to_id != user.pk:
        raise ValidationError(_("The matter is assigned to someone else."))
    _log(matter, "taken", user)
    return matter


def matter_note(*, matter: Matter, user, note: str) -> Matter:
    """A note on the matter's progress, by whoever may act on it or by its grid's
    supervisor (a comment on how it is handled)."""
    if not (may_act(user, matter) or supervises(user, matter)):
        raise PermissionDenied
    note = mask_id_numbers(note.strip())
    if not note:
        raise ValidationError({"note": _("Write the note.")})
    _log(matter, "noted", user, note)
    return matter


def matter_reopen(*, matter: Matter, user, note: str) -> Matter:
    """The grid's supervisor finds a resolution wanting and reopens it: the reply is
    kept in the log, the matter is open again at its level with the urgency's hours
    before it is sent up; its deadline still runs from the report."""
    if not supervises(user, matter):
        raise PermissionDenied
    note = mask_id_numbers(note.strip())
    if not note:
        raise ValidationError({"note": _("Say what is wanting in the resolution.")})
    now = timezone.now()
    with transaction.atomic():
        if not Matter.objects.filter(pk=matter.pk, resolved_at__isnull=False).update(
            resolved_at=None,
            resolved_on_time=None,
            reply="",
            escalate_at=_deadline(matter.urgency, now),
        ):
            raise ValidationError(_("The matter is open."))
        matter.refresh_from_db()
        _log(matter, "reopened", user, note)
        bump_after_commit(f"grid-public:{matter.village_id}")
    if matter.assigned_to_id:
        notify(
            get_user_model().objects.filter(pk=matter.assigned_to_id),
            kind=Kind.MATTER,
            title=_("The supervisor reopened a matter: %(title)s") % {"title": matter.title[:40]},
            link=reverse("grid:matter", args=[matter.pk]),
        )
    return matter


#: announced when a matter is resolved with its reply
MATTER_RESOLVED = "grid.matter_resolved"


def matter_escalate(*, matter: Matter, user=None, note: str = "") -> Matter:
    """One level up (village → township → county). The deadline still runs from the
    report (issue 25: sending up does not restart the clock); the new level has the
    urgency's hours before the task sends it further. The update is conditional on the
    level it was read at: a hand and the task escalating at once move it one level, not
    two. `user` None: the deadline task."""
    if user is not None:
        _require_actor(user, matter)
    if matter.resolved_at is not None:
        raise ValidationError(_("The matter is resolved."))
    target = NEXT_LEVEL.get(MatterLevel(matter.level))
    if target is None:
        raise ValidationError(_("The county is the last level."))
    now = timezone.now()
    with transaction.atomic():
        moved = Matter.objects.filter(
            pk=matter.pk, level=matter.level, resolved_at__isnull=True
        ).update(level=target, escalate_at=_deadline(matter.urgency, now), assigned_to=None)
        if not moved:
            raise ValidationError(_("The matter has moved on meanwhile."))
        matter.refresh_from_db()
        _log(matter, "escalated" if user else "escalated_overdue", user, mask_id_numbers(note))
        _tell_escalated(matter)
    return matter


LEVEL_ROLES: dict[str, set[Role]] = {
    MatterLevel.TOWNSHIP: {Role.TOWNSHIP_OFFICER},
    MatterLevel.COUNTY: {Role.COUNTY_OFFICER},
}


def _tell_escalated(matter: Matter) -> int:
    """The officers of the level a matter was sent up to."""
    roles = LEVEL_ROLES.get(matter.level)
    if not roles:
        return 0
    if matter.urgency == Urgency.URGENT:
        # texted at once, in words that hold no one's data (the page has the rest)
        return notify(
            users_over(matter.village.code, roles),
            kind=Kind.MATTER,
            title=_("%(village)s: an urgent matter was sent up to you")
            % {"village": matter.village.name},
            link=reverse("grid:matter", args=[matter.pk]),
            by_text=True,
        )
    return notify(
        users_over(matter.village.code, roles),
        kind=Kind.MATTER,
        title=_("A matter from %(village)s was sent up to you: %(title)s")
        % {"village": matter.village.name, "title": matter.title[:40]},
        link=reverse("grid:matter", args=[matter.pk]),
    )


def public_key(village_id: int) -> str:
    """The cache key of the version of what the village's public pages show of the grid
    (its head, the replies to matters): changed after each such write, once committed."""
    return f"grid-public:{village_id}"


def matter_resolve(*, matter: Matter, user, reply: str) -> Matter:
    """Resolve with a reply (the resident reads it on the household page if they asked),
    by a handler of its level or the person it is assigned to."""
    _require_actor(user, matter)
    reply = mask_id_numbers(reply.strip())
    if not reply:
        raise ValidationError({"reply": _("Write the reply to the resident.")})
    now = timezone.now()
    with transaction.atomic():
        done = Matter.objects.filter(pk=matter.pk, resolved_at__isnull=True).update(
            reply=reply, resolved_at=now, resolved_on_time=now <= matter.due_at
        )
        if not done:
            raise ValidationError(_("The matter is resolved already."))
        matter.refresh_from_db()
        _log(matter, "resolved", user, reply)
        bump_after_commit(f"grid-public:{matter.village_id}")
        # the apps above (notices: a message that became this matter gets its reply)
        portal.announce(MATTER_RESOLVED, matter=matter)
    return matter


def escalate_overdue(now: datetime.datetime | None = None) -> dict[str, int]:
    """Every open matter past its deadline one level up (the periodic task and
    `manage.py escalate_overdue`). Run again at once, it finds nothing more: each
    escalated matter has the urgency's hours at its new level (`escalate_at`)."""
    now = now or timezone.now()
    counts = {MatterLevel.TOWNSHIP: 0, MatterLevel.COUNTY: 0}
    late = Matter.objects.open().filter(
        escalate_at__lt=now, level__in=[MatterLevel.VILLAGE, MatterLevel.TOWNSHIP]
    )
    for matter in late.order_by("escalate_at"):
        try:
            matter = matter_escalate(matter=matter, note=_("The deadline passed."))
        except ValidationError:
            continue  # resolved or moved by hand meanwhile
        counts[MatterLevel(matter.level)] += 1
    return {"to_township": counts[MatterLevel.TOWNSHIP], "to_county": counts[MatterLevel.COUNTY]}


# --- Safety patrols (安全隐患排查) --------------------------------------------------------


def hazard_record(
    *, visit: Visit, kind: str, description: str, deadline: datetime.date, photo=None, by
) -> Hazard:
    """A hazard found on a safety patrol; its photo re-encoded without EXIF, GPS, XMP or
    comment (common.images.clean_photo, as the registry's documents)."""
    require_role_at(by, VISITORS, visit.household.village.code)
    if visit.kind != VisitKind.SAFETY:
        raise ValidationError(_("Hazards are recorded on a safety patrol."))
    if deadline < visit.visited_on:
        raise ValidationError({"deadline": _("The deadline is before the patrol.")})
    description = mask_id_numbers(description.strip())
    hazard = Hazard(
        village_id=visit.household.village_id,
        visit=visit,
        household=visit.household,
        grid=visit.grid,
        kind=kind,
        description=description,
        deadline=deadline,
        found_on=visit.visited_on,
        reported_by=by,
    )
    _photo(hazard.photo, photo)
    hazard.full_clean()
    hazard.save()
    return hazard


def _photo(field, upload) -> None:
    """A photo re-encoded as JPEG without EXIF, GPS, XMP or comment, stored in `field`
    (unsaved); none: nothing."""
    if upload is None:
        return
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."))
    field.save("photo.jpg", ContentFile(clean_photo(upload.read())), save=False)


#: hazards a village-wide patrol finds at a place, not at a household
PLACE_KINDS = (
    HazardKind.ROAD,
    HazardKind.SLOPE,
    HazardKind.WATER_SOURCE,
    HazardKind.RIVER,
    HazardKind.BRIDGE,
    HazardKind.PUBLIC_BUILDING,
    HazardKind.GEOLOGICAL,
    HazardKind.WATER,
)


def patrol_hazard(
    *,
    village: Region,
    kind: str,
    place: str,
    description: str,
    deadline: datetime.date,
    by,
    found_on: datetime.date | None = None,
    latitude=None,
    longitude=None,
    photo=None,
) -> Hazard:
    """A hazard a village-wide patrol found at a place of the village (a road, a slope, a
    drinking-water source, a river, a bridge, a public building), with its name and, if
    known, its coordinates (the phone's GPS, typed or filled in)."""
    require_role_at(by, VISITORS, village.code)
    found_on = found_on or timezone.localdate()
    if found_on > timezone.localdate():
        raise ValidationError({"found_on": _("The date is in the future.")})
    if deadline < found_on:
        raise ValidationError({"deadline": _("The deadline is before the patrol.")})
    place = mask_id_numbers(place.strip())
    if not place:
        raise ValidationError({"place": _("Name the place.")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"longitude": _("Give both coordinates, or neither.")})
    hazard = Hazard(
        village=village,
        kind=kind,
        place=place[:100],
        latitude=latitude,
        longitude=longitude,
        description=mask_id_numbers(description.strip()),
        deadline=deadline,
        found_on=found_on,
        reported_by=by,
    )
    _photo(hazard.photo, photo)
    hazard.full_clean()
    hazard.save()
    return hazard


def hazard_close(*, hazard: Hazard, user, note: str, photo=None) -> Hazard:
    """Closed with how it was put right and, when taken, the photo of it put right."""
    require_role_at(user, VISITORS, hazard.village.code)
    note = mask_id_numbers(note.strip())
    if not note:
        raise ValidationError({"closing_note": _("Say how it was put right.")})
    closing = Hazard(village_id=hazard.village_id)
    _photo(closing.closing_photo, photo)
    done = Hazard.objects.filter(pk=hazard.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(),
        closed_by=user,
        closing_note=note[:300],
        closing_photo=closing.closing_photo.name or "",
    )
    if not done:
        if closing.closing_photo:
            closing.closing_photo.delete(save=False)
        raise ValidationError(_("The hazard is closed already."))
    hazard.refresh_from_db()
    return hazard


# --- 民情日志 (issue 25, item 5) -------------------------------------------------------------


def log_write(
    *,
    village: Region,
    user,
    on: datetime.date,
    place: str,
    people: str,
    raised: str,
    follow_up: str = "",
    household: Household | None = None,
    summary: str = "",
) -> DailyLog:
    """An entry of the village's daily log (free text: an ID number typed into it is kept
    masked)."""
    require_role_at(user, LOG_WRITERS, village.code)
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    if household is not None and household.village_id != village.pk:
        raise ValidationError(_("The household belongs to another village."))
    raised = mask_id_numbers(raised.strip())
    if not raised:
        raise ValidationError({"raised": _("Say what the people raised.")})
    return DailyLog.objects.create(
        village=village,
        on=on,
        place=mask_id_numbers(place.strip())[:100],
        people=mask_id_numbers(people.strip())[:200],
        raised=raised[:1000],
        follow_up=mask_id_numbers(follow_up.strip())[:500],
        household=household,
        summary=_public_summary(summary),
        author=user,
    )


def _public_summary(summary: str) -> str:
    """A summary fit for the village board: no ID number, no phone number."""
    summary = summary.strip()
    if has_mobile_number(summary) or mask_id_numbers(summary) != summary:
        raise ValidationError(
            {"summary": _("The public summary names no one's ID or phone number.")}
        )
    return summary[:300]


def log_publish(*, entry: DailyLog, user, summary: str) -> DailyLog:
    """Publish the entry's summary on the village board (the summary is written for the
    public: the board shows it as written)."""
    require_role_at(user, LOG_WRITERS, entry.village.code)
    summary = _public_summary(summary)
    if not summary:
        raise ValidationError({"summary": _("Write the summary the board shows.")})
    DailyLog.objects.filter(pk=entry.pk).update(summary=summary, published_at=timezone.now())
    entry.refresh_from_db()
    bump_after_commit(f"grid-public:{entry.village_id}")
    return entry


def log_to_matter(*, entry: DailyLog, user) -> Matter:
    """The entry becomes a matter of its household (taken in from the log)."""
    if entry.household is None:
        raise ValidationError(_("Name the household concerned first."))
    if entry.matter_id:
        raise ValidationError(_("This entry is a matter already."))
    with transaction.atomic():
        matter = matter_create(
            village=entry.village,
            user=user,
            source=MatterSource.LOG,
            category="problem",
            urgency="normal",
            title=entry.raised[:100],
            description=entry.follow_up,
            household=entry.household,
        )
        DailyLog.objects.filter(pk=entry.pk).update(matter=matter)
    return matter


def log_to_visit(*, entry: DailyLog, user) -> Visit:
    """The entry is recorded as a visit to its household on the entry's day."""
    if entry.household is None:
        raise ValidationError(_("Name the household concerned first."))
    if entry.visit_id:
        raise ValidationError(_("This entry is a visit already."))
    with transaction.atomic():
        visit = visit_record(
            household=entry.household,
            user=user,
            visited_on=entry.on,
            kind=VisitKind.ROUTINE,
            findings=entry.raised,
        )
        DailyLog.objects.filter(pk=entry.pk).update(visit=visit)
    return visit


def log_to_hardship(*, entry: DailyLog, user) -> DailyLog:
    """The entry reports a hardship of its household for verification (announced to the
    apps above, as a visit that suspects hardship is: monitoring raises an alert)."""
    require_role_at(user, LOG_WRITERS, entry.village.code)
    if entry.household is None:
        raise ValidationError(_("Name the household concerned first."))
    if entry.flagged_at:
        raise ValidationError(_("This entry reported the hardship already."))
    with transaction.atomic():
        portal.announce(HARDSHIP_SUSPECTED, household=entry.household, user=user, note=entry.raised)
        DailyLog.objects.filter(pk=entry.pk).update(flagged_at=timezone.now())
    entry.refresh_from_db()
    return entry

"""The grid pages: a village's grids with their figures, and a grid's people and
households (phone-first: a grid worker opens them on a visit). Scoped like every staff
page: outside the user's region 404, inside without the right 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.charts import bar_chart
from common.downloads import file_response
from grid import selectors, services
from grid.forms import (
    AssignForm,
    ClosingPhotoForm,
    GridForm,
    HazardFilterForm,
    HazardForm,
    MemberForm,
    MonthForm,
    PatrolHazardForm,
    VisitForm,
)
from grid.models import (
    Grid,
    GridHousehold,
    GridMember,
    GridRole,
    Hazard,
    HazardKind,
    Visit,
    VisitKind,
)
from grid.roles import GRID_KEEPERS, GRID_READERS, VISITORS
from households.models import Household
from villages.models import Level, Region
from villages.scoping import has_role_at, require_role

PAGE = 50


def villages_for(user, roles) -> list[Region]:
    """The villages where the user holds one of these roles, in code order."""
    return list(
        Region.objects.visible_to(user, roles=roles).filter(level=Level.VILLAGE).order_by("code")
    )


def _keeper_villages(user) -> list[Region]:
    return villages_for(user, GRID_KEEPERS)


@require_http_methods(["GET", "POST"])
def grid_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, GRID_READERS)
    villages = _keeper_villages(request.user)
    form = GridForm(request.POST or None, villages=villages) if villages else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                grid = services.grid_create(
                    village=form.cleaned_data["village"],
                    name=form.cleaned_data["name"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Grid created."))
                return redirect("grid:detail", pk=grid.pk)
    grids = (
        Grid.objects.visible_to(request.user)
        .select_related("village")
        .annotate(
            household_count=Count("households", distinct=True),
            member_count=Count("members", distinct=True),
            party_heads=Count(
                "members", filter=Q(members__role=GridRole.PARTY_HEAD), distinct=True
            ),
        )
        .order_by("village__code", "name")
    )
    page = Paginator(grids, PAGE).get_page(parse.page(request.GET.get("page")))
    for grid in page:
        # the grid's counts come annotated above
        grid.problems = services.grid_problems(  # type: ignore[attr-defined]
            households=grid.household_count,  # type: ignore[attr-defined]
            party_heads=grid.party_heads,  # type: ignore[attr-defined]
        )
    unassigned = (
        Household.objects.visible_to(request.user)
        .filter(village__in=villages)
        .exclude(pk__in=GridHousehold.objects.values("household_id"))
        .count()
        if villages
        else None
    )
    return render(
        request, "grid/grid_list.html", {"page": page, "form": form, "unassigned": unassigned}
    )


def _grid_for(request: HttpRequest, pk: int, *, write: bool = False) -> Grid:
    grid = get_object_or_404(Grid.objects.visible_to(request.user).select_related("village"), pk=pk)
    if write and not has_role_at(request.user, GRID_KEEPERS, grid.village.code):
        raise PermissionDenied
    return grid


@require_GET
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grid = _grid_for(request, pk)
    can_edit = has_role_at(request.user, GRID_KEEPERS, grid.village.code)
    households = (
        Household.objects.filter(pk__in=grid.households.values("household_id"))
        .with_head()
        .order_by("number")
    )
    page = Paginator(households, PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "grid/grid_detail.html",
        {
            "grid": grid,
            "problems": services.grid_problems(
                households=page.paginator.count,
                party_heads=grid.members.filter(role=GridRole.PARTY_HEAD).count(),
            ),
            "members": grid.members.select_related("user").order_by("role", "name"),
            "page": page,
            "can_edit": can_edit,
            "member_form": MemberForm(village=grid.village) if can_edit else None,
            "assign_form": AssignForm(village=grid.village) if can_edit else None,
            "hazards": grid.hazards.filter(closed_at__isnull=True).select_related(
                "household", "village"
            ),
            "can_visit": has_role_at(request.user, VISITORS, grid.village.code),
            "today": timezone.localdate(),
        },
    )


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    grid = _grid_for(request, pk, write=True)
    form = MemberForm(request.POST, village=grid.village)
    if form.is_valid():
        try:
            services.grid_member_add(grid=grid, **form.cleaned_data, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Person added to the grid."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect("grid:detail", pk=grid.pk)


@require_POST
def member_remove(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    grid = _grid_for(request, pk, write=True)
    services.grid_member_remove(
        member=get_object_or_404(GridMember, grid=grid, pk=member), by=request.user
    )
    messages.success(request, _("Person removed from the grid."))
    return redirect("grid:detail", pk=grid.pk)


@require_POST
def households_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A group's households or typed numbers into the grid. The numbers that are no
    household of the village are named and the rest placed; households taken from
    another grid and those already here are named too."""
    grid = _grid_for(request, pk, write=True)
    form = AssignForm(request.POST, village=grid.village)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("grid:detail", pk=grid.pk)
    group = form.cleaned_data.get("group")
    households = list(Household.objects.filter(group=group)) if group else []
    typed, unknown = services.households_found(grid.village, form.cleaned_data["number_list"])
    if group and not households:
        messages.error(
            request, _("The villager group %(group)s has no household.") % {"group": group.name}
        )
    try:
        report = services.households_assign_report(
            grid=grid, households=households + typed, unknown=unknown, by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("grid:detail", pk=grid.pk)
    joined = pgettext("between names", ", ").join
    if report.unknown:
        messages.error(
            request,
            _("Not placed: %(numbers)s: no household of %(village)s has this number.")
            % {"numbers": joined(report.unknown[:30]), "village": grid.village.name},
        )
    if report.added:
        messages.success(request, _("%(n)d households put into the grid.") % {"n": report.added})
    if report.moved:
        moved = joined(f"{number} ← {old}" for number, old in report.moved[:30])
        messages.warning(
            request, _("Moved here from another grid: %(households)s.") % {"households": moved}
        )
    if report.already:
        messages.info(
            request,
            _("Already in this grid: %(numbers)s.") % {"numbers": joined(report.already[:30])},
        )
    return redirect("grid:detail", pk=grid.pk)


@require_POST
def household_remove(request: HttpRequest, pk: int, household: int) -> HttpResponse:
    grid = _grid_for(request, pk, write=True)
    services.households_unassign(
        grid=grid, households=Household.objects.filter(pk=household), by=request.user
    )
    messages.success(request, _("Household taken out of the grid."))
    return redirect("grid:detail", pk=grid.pk)


@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, household: int) -> HttpResponse:
    """The visit form, on a phone at the door (opened from the household or grid page)."""
    found = get_object_or_404(
        Household.objects.visible_to(request.user, roles=GRID_READERS).select_related("village"),
        pk=household,
    )
    if not has_role_at(request.user, VISITORS, found.village.code):
        raise PermissionDenied
    form = VisitForm(request.POST or None)
    if form.is_valid():
        try:
            visit = services.visit_record(household=found, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Visit recorded."))
            if visit.kind == VisitKind.SAFETY:  # on to the hazards it found
                return redirect("grid:hazard_new", visit=visit.pk)
            if visit.matter_to_raise:  # on to the matter it raised
                return redirect(f"{reverse('grid:matter_new', args=[found.pk])}?visit={visit.pk}")
            return redirect("households:detail", pk=found.pk)
    return render(request, "grid/visit_form.html", {"form": form, "household": found})


@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    """Visits per grid and month: households due, visited, overdue, with a chart."""
    require_role(request.user, GRID_READERS)
    today = timezone.localdate()
    bound = MonthForm(request.GET or None)
    text = bound.cleaned_data.get("month") if bound.is_valid() else ""
    year, month = (int(text[:4]), int(text[5:])) if text else (today.year, today.month)
    # the month shown, in the picker too
    form = MonthForm(initial={"month": f"{year}-{month:02d}"})
    grids = (
        Grid.objects.visible_to(request.user)
        .select_related("village")
        .order_by("village__code", "name")
    )
    rows = selectors.coverage(grids, year, month, today)
    chart = bar_chart(
        _("Households visited"),
        [(str(r.grid), r.visited) for r in rows],
        of=sum(r.due for r in rows),
    )
    return render(
        request,
        "grid/coverage.html",
        {
            "rows": rows,
            "chart": chart,
            "form": form,
            "month": f"{year}-{month:02d}",
            "totals": {
                "due": sum(r.due for r in rows),
                "visited": sum(r.visited for r in rows),
                "overdue": sum(r.overdue for r in rows),
            },
        },
    )


@require_http_methods(["GET", "POST"])
def hazard_new(request: HttpRequest, visit: int) -> HttpResponse:
    """Hazards of a safety patrol, one at a time, each with its photo and deadline."""
    found = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("household__village"), pk=visit
    )
    if not has_role_at(request.user, VISITORS, found.household.village.code):
        raise PermissionDenied
    form = HazardForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        try:
            services.hazard_record(
                visit=found,
                photo=form.cleaned_data.pop("photo"),
                **form.cleaned_data,
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Hazard recorded. Add another, or finish."))
            return redirect("grid:hazard_new", visit=found.pk)
    return render(
        request,
        "grid/hazard_form.html",
        {"form": form, "visit": found, "hazards": found.hazards.all()},
    )


def _hazard_for(request: HttpRequest, pk: int) -> Hazard:
    return get_object_or_404(
        Hazard.objects.visible_to(request.user).select_related("village", "household"), pk=pk
    )


@require_GET
def hazard_photo(request: HttpRequest, pk: int, which: str = "found") -> HttpResponseBase:
    """The hazard's photo as found, or as put right (`which`: "closing")."""
    hazard = _hazard_for(request, pk)
    stored = hazard.closing_photo if which == "closing" else hazard.photo
    if not stored:
        raise Http404
    try:
        with stored.open("rb") as handle:
            photo = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    return file_response(
        photo, filename=f"hazard-{hazard.pk}-{which}.jpg", content_type="image/jpeg", inline=True
    )


@require_POST
def hazard_close(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = _hazard_for(request, pk)
    if not has_role_at(request.user, VISITORS, hazard.village.code):
        raise PermissionDenied
    form = ClosingPhotoForm(request.POST, request.FILES)
    photo = form.cleaned_data.get("photo") if form.is_valid() else None
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["photo"]))
        services.hazard_close(
            hazard=hazard, user=request.user, note=request.POST.get("note", ""), photo=photo
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Hazard closed."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(("/grids/",)) else "grid:hazards")


@require_http_methods(["GET", "POST"])
def hazards(request: HttpRequest) -> HttpResponse:
    """The open hazards of the user's villages by kind, overdue ones first (a township's
    or county's officers see their villages' overdue ones with the filter), and for the
    village's patrols the form to record a hazard at a place."""
    require_role(request.user, GRID_READERS)
    villages = villages_for(request.user, VISITORS)
    form = (
        PatrolHazardForm(
            request.POST or None,
            request.FILES or None,
            villages=villages,
            kinds=services.PLACE_KINDS,
        )
        if villages
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.patrol_hazard(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Hazard recorded."))
                return redirect("grid:hazards")
    filters = HazardFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    qs = Hazard.objects.visible_to(request.user).select_related("village", "household")
    status = data.get("status") or "open"
    if status == "closed":
        qs = qs.filter(closed_at__isnull=False).order_by("-closed_at")
    else:
        qs = qs.open().order_by("deadline", "pk")
        if status == "overdue":
            qs = qs.filter(deadline__lt=today)
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    counts = dict(
        Hazard.objects.visible_to(request.user).open().values_list("kind").annotate(n=Count("pk"))
    )
    page = Paginator(qs, PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "grid/hazards.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "today": today,
            "by_kind": [
                (label, counts[value]) for value, label in HazardKind.choices if value in counts
            ],
            "can_close": {v.pk for v in villages},
        },
    )

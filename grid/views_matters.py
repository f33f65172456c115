"""Residents' matters (诉求) and proxy services (代办): the queue (a village's, and the
township's and county's across their villages, with filters and export), taking a
matter in, and its page with the steps this user may take at its current level."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.xlsx import workbook_bytes
from grid import services
from grid.forms import MatterFilterForm, MatterForm
from grid.models import GridHousehold, Matter, Visit
from grid.roles import GRID_READERS, MATTER_HANDLERS, MATTER_TAKERS
from households.downloads import personal_download
from households.models import Household
from villages import people
from villages.models import StaffAssignment
from villages.scoping import has_role_at, require_role

PAGE = 50


def _filtered(request: HttpRequest):
    qs = Matter.objects.visible_to(request.user).select_related(
        "village", "household", "assigned_to"
    )
    form = MatterFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "open"
    if status == "open":
        qs = qs.open()
    elif status == "overdue":
        qs = qs.open().filter(due_at__lt=timezone.now())
    elif status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    if data.get("level"):
        qs = qs.filter(level=data["level"])
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("village"):
        qs = qs.filter(village=data["village"])
    return form, qs.order_by("resolved_at", "due_at", "pk")


@require_GET
def matter_list(request: HttpRequest) -> HttpResponseBase:
    require_role(request.user, GRID_READERS)
    form, qs = _filtered(request)
    if request.GET.get("format") == "xlsx":
        table = [
            [
                m.village.name,
                m.household.number if m.household else "",
                m.title,
                m.get_category_display(),
                m.get_urgency_display(),
                m.get_level_display(),
                timezone.localtime(m.due_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(m.resolved_at).strftime("%Y-%m-%d %H:%M")
                if m.resolved_at
                else "",
            ]
            for m in qs.iterator()
        ]
        content = workbook_bytes(
            [
                _("Village"),
                _("Household number"),
                _("Matter"),
                _("Kind of matter"),
                _("Urgency"),
                _("Handled at"),
                _("Due"),
                _("Resolved at"),
            ],
            table,
            title=_("Matters"),
            widths={0: 14, 2: 30, 3: 20},
        )
        return personal_download(
            user=request.user,
            what=_("Matters"),
            rows=len(table),
            content=content,
            filename=_("Matters") + f"-{timezone.localdate():%Y%m%d}.xlsx",
            roles=GRID_READERS,
            filters=request.GET.urlencode(),
        )
    page = Paginator(qs, PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request, "grid/matter_list.html", {"form": form, "page": page, "now": timezone.now()}
    )


@require_http_methods(["GET", "POST"])
def matter_new(request: HttpRequest, household: int) -> HttpResponse:
    """Take a matter in for a household (from its page, or after a visit that raised it)."""
    found = get_object_or_404(
        Household.objects.visible_to(request.user, roles=GRID_READERS).select_related("village"),
        pk=household,
    )
    if not has_role_at(request.user, MATTER_TAKERS, found.village.code):
        raise PermissionDenied
    visit = Visit.objects.filter(
        pk=parse.object_id(request.GET.get("visit")) or 0, household=found
    ).first()
    form = MatterForm(request.POST or None, initial={"source": "visit" if visit else "walk_in"})
    if form.is_valid():
        try:
            matter = services.matter_create(
                village=found.village,
                household=found,
                visit=visit,
                user=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Matter taken in."))
            return redirect("grid:matter", pk=matter.pk)
    return render(request, "grid/matter_form.html", {"form": form, "household": found})


def _matter_for(request: HttpRequest, pk: int) -> Matter:
    return get_object_or_404(
        Matter.objects.visible_to(request.user).select_related("village", "household"), pk=pk
    )


def _people(matter: Matter):
    """Who a matter may be assigned to: the people who can act on it where it stands (its
    village's cadres and grid workers; once sent up, the township's or the county's
    officers), not every account of the county (issue 22: co-op clerks were offered)."""
    code = matter.village.code
    roles: set[str] = set(MATTER_HANDLERS[matter.level])
    if matter.level == "village":
        roles |= MATTER_TAKERS
    where = {"village": code, "township": code[:9], "county": code[:6]}[matter.level]
    return (
        get_user_model()
        .objects.filter(
            pk__in=StaffAssignment.objects.filter(region__code=where, role__in=roles).values(
                "user"
            ),
            is_active=True,
        )
        .order_by("first_name", "username")
        .prefetch_related(Prefetch("assignments", StaffAssignment.objects.select_related("region")))
    )


def _may_handle(user, matter: Matter) -> bool:
    return matter.resolved_at is None and has_role_at(
        user, MATTER_HANDLERS[matter.level], matter.village.code
    )


@require_GET
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _matter_for(request, pk)
    may_handle = _may_handle(request.user, matter)
    open_ = matter.resolved_at is None
    may_act = open_ and services.may_act(request.user, matter)
    supervises = services.supervises(request.user, matter)
    handlers = list(_people(matter)) if may_handle else []
    events = matter.events.select_related("user").prefetch_related(people.prefetch("user"))
    return render(
        request,
        "grid/matter_detail.html",
        {
            "matter": matter,
            "events": events,
            "may_handle": may_handle,
            "may_act": may_act,
            "may_take": open_
            and (
                (matter.assigned_to_id == request.user.pk and may_act)
                or (matter.assigned_to_id is None and may_handle)
            ),
            "may_note": (may_act or supervises),
            "may_reopen": supervises and not open_,
            "people": handlers,
            "now": timezone.now(),
        },
    )


@require_GET
def matter_supervised(request: HttpRequest) -> HttpResponse:
    """The supervisor's page (监督员): every matter of the grids they supervise, open ones
    overdue first, then the rest by deadline, then those resolved in the last 30 days
    (which the supervisor may reopen)."""
    require_role(request.user, GRID_READERS)
    now = timezone.now()
    households = GridHousehold.objects.filter(
        grid__in=services.supervised_grids(request.user)
    ).values("household_id")
    qs = (
        Matter.objects.visible_to(request.user)
        .filter(household_id__in=households)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - timedelta(days=30)))
        .select_related("village", "household", "assigned_to")
        .annotate(
            rank=Case(
                When(resolved_at__isnull=True, due_at__lt=now, then=Value(0)),
                When(resolved_at__isnull=True, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank", "due_at", "pk")
    )
    page = Paginator(qs, PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "grid/matter_supervised.html",
        {
            "page": page,
            "now": now,
            "supervises": services.supervised_grids(request.user).exists(),
        },
    )


@require_POST
def matter_action(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _matter_for(request, pk)
    action = request.POST.get("action")  # each service checks the user may handle it
    try:
        if action == "take":
            services.matter_take(matter=matter, user=request.user)
            messages.success(request, _("You have taken the matter on."))
        elif action == "note":
            services.matter_note(
                matter=matter, user=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Note recorded."))
        elif action == "reopen":
            services.matter_reopen(
                matter=matter, user=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("The matter is reopened."))
        elif action == "resolve":
            services.matter_resolve(
                matter=matter, user=request.user, reply=request.POST.get("reply", "")
            )
            messages.success(request, _("Matter resolved."))
        elif action == "escalate":
            services.matter_escalate(
                matter=matter, user=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Matter sent up a level."))
        elif action == "assign":
            to = _people(matter).filter(pk=parse.object_id(request.POST.get("user")) or 0).first()
            if to is None:
                raise ValidationError(_("Choose someone who can act on this matter."))
            services.matter_assign(matter=matter, user=request.user, to=to)
            messages.success(request, _("Matter assigned."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("grid:matter", pk=matter.pk)

"""The staff home page and the few views that are not about one app's records."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language as django_set_language

from villages import services
from villages.forms import AssignmentForm, StaffCreateForm, StaffEditForm
from villages.models import STAFF_MANAGERS, Region, StaffAssignment
from villages.scoping import region_codes, require_role


def home(request: HttpRequest) -> HttpResponse:
    """The user's region at a glance. Apps add their panels to the template through their
    own inclusion tags (DESIGN §2), so this view imports none of them."""
    regions = Region.objects.visible_to(request.user)
    selected = None
    code = request.GET.get("region", "")
    if code:
        selected = regions.filter(code=code).first()
    codes = region_codes(request.user)
    top = list(Region.objects.filter(code__in=codes).order_by("code"))
    choices = regions.filter(level__in=["county", "township", "village"]).order_by("code")
    return render(
        request,
        "home.html",
        {"selected": selected, "top_regions": top, "region_choices": choices},
    )


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# The language switch must work on the login page too.
set_language = login_not_required(django_set_language)


# --- Staff accounts (county officers) ---------------------------------------------------


def _staff_users(request: HttpRequest):
    """Accounts holding an assignment inside the manager's regions; never superusers."""
    assignments = StaffAssignment.objects.visible_to(request.user)
    return get_user_model().objects.filter(pk__in=assignments.values("user_id"), is_superuser=False)


def staff_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF_MANAGERS)
    visible = StaffAssignment.objects.visible_to(request.user).select_related("region")
    users = (
        _staff_users(request)
        .prefetch_related(Prefetch("assignments", queryset=visible, to_attr="visible_assignments"))
        .order_by("-is_active", "username")
    )
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__contains=query))
    page = Paginator(users, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "villages/staff_list.html", {"page": page, "q": query})


@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF_MANAGERS)
    form = StaffCreateForm(request.POST or None, manager=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                username=data["username"],
                full_name=data["full_name"],
                password=data["password1"],
                role=data["role"],
                region=data["region"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("staff_detail", pk=user.pk)
    return render(request, "villages/staff_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, STAFF_MANAGERS)
    staff = get_object_or_404(_staff_users(request), pk=pk)
    visible = StaffAssignment.objects.visible_to(request.user).filter(user=staff)
    can_see = staff.user_permissions.filter(codename="view_full_identity").exists()
    action = request.POST.get("action") if request.method == "POST" else None
    edit_form = StaffEditForm(
        request.POST if action == "edit" else None,
        initial={
            "full_name": staff.first_name,
            "is_active": staff.is_active,
            "can_see_identity": can_see,
        },
    )
    assign_form = AssignmentForm(request.POST if action == "assign" else None, manager=request.user)
    password_form = SetPasswordForm(staff, request.POST if action == "password" else None)
    try:
        if action == "edit" and edit_form.is_valid():
            if staff == request.user and not edit_form.cleaned_data["is_active"]:
                raise ValidationError(_("You cannot deactivate your own account."))
            services.staff_update(user=staff, **edit_form.cleaned_data)
            messages.success(request, _("Account saved."))
            return redirect("staff_detail", pk=staff.pk)
        if action == "assign" and assign_form.is_valid():
            services.assignment_create(user=staff, **assign_form.cleaned_data)
            messages.success(request, _("Assignment added."))
            return redirect("staff_detail", pk=staff.pk)
        if action == "remove":
            assignment = get_object_or_404(visible, pk=request.POST.get("assignment"))
            services.assignment_remove(assignment=assignment)
            messages.success(request, _("Assignment removed."))
            return redirect("staff_detail", pk=staff.pk)
        if action == "password" and password_form.is_valid():
            password_form.save()
            messages.success(request, _("New password set."))
            return redirect("staff_detail", pk=staff.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "villages/staff_detail.html",
        {
            "staff": staff,
            "assignments": visible.select_related("region"),
            "edit_form": edit_form,
            "assign_form": assign_form,
            "password_form": password_form,
        },
    )

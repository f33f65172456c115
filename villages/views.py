"""Staff accounts: the county officer's pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common import parse
from villages import services
from villages.forms import AssignmentForm, StaffCreateForm, StaffEditForm
from villages.models import STAFF_MANAGERS, Role, StaffAssignment, StaffAuditEvent
from villages.registry import role_descriptions
from villages.scoping import require_role

# --- Staff accounts (county officers) ---------------------------------------------------


def _staff_users(request: HttpRequest):
    """Accounts holding an assignment inside the manager's regions; never superusers.
    Listed and readable; changeable only when services.staff_manageable says so."""
    assignments = StaffAssignment.objects.visible_to(request.user)
    return get_user_model().objects.filter(pk__in=assignments.values("user_id"), is_superuser=False)


def staff_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF_MANAGERS)
    visible = StaffAssignment.objects.visible_to(request.user).select_related("region")
    outside = StaffAssignment.objects.filter(user=OuterRef("pk")).exclude(
        pk__in=StaffAssignment.objects.visible_to(request.user).values("pk")
    )
    users = (
        _staff_users(request)
        .annotate(reaches_outside=Exists(outside))
        .prefetch_related(Prefetch("assignments", queryset=visible, to_attr="visible_assignments"))
        .order_by("-is_active", "username")
    )
    query = parse.text(request.GET.get("q"), max_length=50)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__contains=query))
    page = Paginator(users, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    changes = StaffAuditEvent.objects.visible_to(request.user).select_related(
        "actor", "target", "region"
    )[:20]
    return render(
        request, "villages/staff_list.html", {"page": page, "q": query, "changes": changes}
    )


@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF_MANAGERS)
    form = StaffCreateForm(request.POST or None, manager=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password1"],
                role=data["role"],
                region=data["region"],
                sees_identity=data["sees_identity"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("villages:staff_detail", pk=user.pk)
    return render(
        request, "villages/staff_form.html", {"form": form, "roles": role_descriptions(Role)}
    )


def _staff_action(request: HttpRequest, staff, action: str, forms_: dict) -> bool:
    """Carry out one POSTed action on a manageable account; True when it was done."""
    visible = StaffAssignment.objects.visible_to(request.user).filter(user=staff)
    if action == "edit" and forms_["edit"].is_valid():
        services.staff_update(actor=request.user, user=staff, **forms_["edit"].cleaned_data)
        messages.success(request, _("Account saved."))
    elif action == "assign" and forms_["assign"].is_valid():
        services.assignment_create(actor=request.user, user=staff, **forms_["assign"].cleaned_data)
        messages.success(request, _("Assignment added."))
    elif action == "remove":
        assignment = get_object_or_404(visible, pk=parse.object_id(request.POST.get("assignment")))
        services.assignment_remove(actor=request.user, assignment=assignment)
        messages.success(request, _("Assignment removed."))
    elif action in ("grant", "revoke"):
        assignment = get_object_or_404(
            visible.select_related("region", "user"),
            pk=parse.object_id(request.POST.get("assignment")),
        )
        services.identity_set(
            actor=request.user, assignment=assignment, sees_identity=action == "grant"
        )
        messages.success(request, _("Full-identity viewing changed."))
    elif action == "password" and forms_["password"].is_valid():
        services.password_set(
            actor=request.user,
            user=staff,
            password=forms_["password"].cleaned_data["new_password1"],
        )
        messages.success(request, _("New password set."))
    elif action == "unlock":
        services.lockout_lift(actor=request.user, user=staff)
        messages.success(request, _("The account can log in again."))
    else:
        return False
    return True


@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, STAFF_MANAGERS)
    staff = get_object_or_404(_staff_users(request), pk=pk)
    # Listed because some assignment is in the officer's regions; changed only when all
    # are. The account's existence is no secret to this officer, so a refusal is a 403.
    manageable = services.staff_manageable(manager=request.user, account=staff)
    action = request.POST.get("action") if request.method == "POST" else None
    if action:
        services.require_manageable(request.user, staff)  # 403 with the reason
    forms_ = {
        "edit": StaffEditForm(
            request.POST if action == "edit" else None,
            initial={"full_name": staff.first_name, "is_active": staff.is_active},
        ),
        "assign": AssignmentForm(
            request.POST if action == "assign" else None, manager=request.user
        ),
        "password": SetPasswordForm(staff, request.POST if action == "password" else None),
    }
    if action:
        try:
            if _staff_action(request, staff, action, forms_):
                return redirect("villages:staff_detail", pk=staff.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    assignments = (
        StaffAssignment.objects.visible_to(request.user).filter(user=staff).select_related("region")
    )
    return render(
        request,
        "villages/staff_detail.html",
        {
            "staff": staff,
            "manageable": manageable,
            "assignments": assignments,
            "outside_count": staff.assignments.count() - len(assignments),
            "locked": services.lockout_active(user=staff),
            "changes": StaffAuditEvent.objects.visible_to(request.user)
            .filter(target=staff)
            .select_related("actor", "region")[:50],
            "edit_form": forms_["edit"],
            "assign_form": forms_["assign"],
            "password_form": forms_["password"],
            "roles": role_descriptions(Role),
        },
    )


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Every member of staff changes their own password (the old one first)."""
    user = request.user
    assert isinstance(user, get_user_model())  # noqa: S101 (LoginRequiredMiddleware)
    form = PasswordChangeForm(user, request.POST or None)
    if form.is_valid():
        services.password_change(user=user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # stay logged in here
        messages.success(request, _("Your password was changed."))
        return redirect("home")
    return render(request, "villages/password_change.html", {"form": form})

"""民情日志 (issue 25, item 5): the village's daily log of people's situations, read by the
village head and the township, each entry one click from a matter, a visit or a hardship
report; its published summaries on the village board."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common import parse
from grid import services
from grid.forms import LogForm
from grid.models import DailyLog
from grid.roles import LOG_READERS, LOG_WRITERS
from grid.views import villages_for
from villages.scoping import has_role_at, require_role


@require_http_methods(["GET", "POST"])
def log_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, LOG_READERS)
    villages = villages_for(request.user, LOG_WRITERS)
    form = LogForm(request.POST or None, villages=villages) if villages else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "number"}
            try:
                entry = services.log_write(user=request.user, **data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("The entry is written."))
                return redirect("grid:log_entry", pk=entry.pk)
    entries = DailyLog.objects.visible_to(request.user).select_related(
        "village", "household", "author"
    )
    page = Paginator(entries, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    return render(request, "grid/log_list.html", {"form": form, "page": page})


def _entry_for(request: HttpRequest, pk: int) -> DailyLog:
    require_role(request.user, LOG_READERS)
    return get_object_or_404(
        DailyLog.objects.visible_to(request.user).select_related(
            "village", "household", "author", "matter", "visit"
        ),
        pk=pk,
    )


def log_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    return render(
        request,
        "grid/log_entry.html",
        {
            "entry": entry,
            "may_write": has_role_at(request.user, LOG_WRITERS, entry.village.code),
        },
    )


@require_POST
def log_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: publish the summary, or make the entry a matter, a visit or a hardship
    report (each service checks who may)."""
    entry = _entry_for(request, pk)
    if not has_role_at(request.user, LOG_WRITERS, entry.village.code):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "publish":
            services.log_publish(
                entry=entry, user=request.user, summary=request.POST.get("summary", "")
            )
            messages.success(request, _("The summary is on the village board."))
        elif action == "matter":
            matter = services.log_to_matter(entry=entry, user=request.user)
            messages.success(request, _("The entry is a matter now."))
            return redirect("grid:matter", pk=matter.pk)
        elif action == "visit":
            services.log_to_visit(entry=entry, user=request.user)
            messages.success(request, _("The entry is recorded as a visit."))
        elif action == "hardship":
            services.log_to_hardship(entry=entry, user=request.user)
            messages.success(request, _("The hardship is reported for verification."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("grid:log_entry", pk=entry.pk)


def public_log(request, village) -> dict | None:
    """The village board's 民情日志: the latest published summaries (date and summary,
    as written for the public), nothing when none is published."""
    entries = list(
        DailyLog.objects.filter(village=village, published_at__isnull=False)
        .only("on", "summary")
        .order_by("-on", "-pk")[:5]
    )
    return {"entries": entries} if entries else None

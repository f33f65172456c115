"""Pages of the registry import: upload, check and confirm, error workbook, template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from common.forms import field
from common.tables import TableError
from common.xlsx import workbook_bytes, xlsx_response
from households.downloads import personal_download
from households.forms import RevealForm
from households.imports import (
    error_workbook,
    import_confirm,
    import_progress,
    import_submit,
    template_bytes,
)
from households.models import IMPORT_RUNNING, ImportJob
from households.roles import REGISTRY_KEEPERS
from villages.models import Level, Region
from villages.scoping import may_see_identity, require_role


class ImportForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("Village"), queryset=Region.objects.none())
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        help_text=gettext_lazy("CSV in UTF-8 or GB18030 (Excel's “CSV” in Chinese Windows)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Region.objects.visible_to(user, roles=REGISTRY_KEEPERS).filter(
            level=Level.VILLAGE
        )
        field(self, "village", forms.ModelChoiceField).queryset = villages
        field(self, "village", forms.ModelChoiceField).empty_label = _("Choose a village")
        only = list(villages[:2])
        if len(only) == 1:  # most cadres keep one village: choose it for them
            self.fields["village"].initial = only[0].pk


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    require_role(request.user, REGISTRY_KEEPERS)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if form.is_valid():
        try:
            job = import_submit(
                user=request.user,
                village=form.cleaned_data["village"],
                upload=form.cleaned_data["file"],
                language=translation.get_language(),
            )
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("households:import_preview", token=job.token)
    # The jobs this user may open: the same roles as the job pages (_job_for).
    recent = ImportJob.objects.visible_to(request.user, roles=REGISTRY_KEEPERS).select_related(
        "village", "created_by"
    )[:10]
    return render(request, "households/import_upload.html", {"form": form, "recent": recent})


def _job_for(request: HttpRequest, token: str) -> ImportJob:
    qs = ImportJob.objects.visible_to(request.user, roles=REGISTRY_KEEPERS).select_related(
        "village"
    )
    return get_object_or_404(qs, token=token)


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    job = _job_for(request, token)
    if request.method == "POST":
        try:
            import_confirm(job=job, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("households:import_preview", token=job.token)
    context = {
        "job": job,
        "done": import_progress(job),
        "running": job.running,
        "can_see_full_errors": _may_see_full_errors(request, job),
        "reveal_form": RevealForm(),
    }
    return render(request, "households/import_preview.html", context)


@require_http_methods(["GET", "POST"])
def import_errors(request: HttpRequest, token: str) -> HttpResponseBase:
    """The error workbook. Masked by GET; with full ID and phone numbers only for the
    uploader holding the full-identity right at the village, by POST with a reason, which
    is recorded like any other unmasked export."""
    job = _job_for(request, token)
    if not job.errors or job.status in IMPORT_RUNNING:
        raise Http404
    full, reason = False, ""
    if request.method == "POST":
        if not _may_see_full_errors(request, job):
            raise PermissionDenied
        form = RevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for e in form.errors["reason"]))
            return redirect("households:import_preview", token=job.token)
        full, reason = True, form.cleaned_data["reason"]
    workbook = error_workbook(job, full=full)
    if workbook is None:  # the file never passed the reader: its errors are on the page
        raise Http404
    headers, rows = workbook
    return personal_download(
        user=request.user,
        what=_("Error workbook of %(file)s") % {"file": job.original_name},
        rows=len(rows),
        content=workbook_bytes(headers, rows, title=_("Errors")),
        filename=_("import-errors") + f"-{job.original_name.rsplit('.', 1)[0]}.xlsx",
        region=job.village,
        full=full,
        reason=reason,
    )


def _may_see_full_errors(request: HttpRequest, job: ImportJob) -> bool:
    return job.created_by_id == request.user.pk and may_see_identity(request.user, job.village.code)


def import_template(request: HttpRequest) -> HttpResponseBase:
    require_role(request.user, REGISTRY_KEEPERS)
    return xlsx_response(template_bytes(), "住户成员导入模板.xlsx")

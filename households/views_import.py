"""Pages of the registry import: upload, check and confirm, error workbook, template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from households.imports import (
    COL_ID,
    COL_NUMBER,
    COL_PHONE,
    ImportFileError,
    _file_bytes,
    import_confirm,
    import_progress,
    import_submit,
    read_sheet,
    template_bytes,
)
from households.models import ImportJob
from households.xlsx import workbook_bytes, xlsx_response
from villages.models import REGISTRY_KEEPERS, Level, Region
from villages.scoping import require_role


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
        self.fields["village"].queryset = villages
        self.fields["village"].empty_label = _("Choose a village")
        only = list(villages[:2])
        if len(only) == 1:  # most cadres keep one village: choose it for them
            self.fields["village"].initial = only[0].pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 20 MB; split it by villager group."))
        return upload


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
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("households:import_preview", token=job.token)
    recent = ImportJob.objects.visible_to(request.user).select_related("village", "created_by")[:10]
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
    context = {"job": job, "done": import_progress(job), "running": job.running}
    return render(request, "households/import_preview.html", context)


def import_errors(request: HttpRequest, token: str) -> HttpResponse:
    """The rows that failed, as they were, with the reason in a last column."""
    job = _job_for(request, token)
    if not job.errors:
        raise Http404
    sheet = read_sheet(_file_bytes(job), job.original_name)
    by_line = dict(zip(sheet.lines, sheet.rows, strict=True))
    reason = _("Error")
    rows = [
        [*["" if v is None else v for v in by_line[e["line"]]], e["line"], "；".join(e["messages"])]
        for e in job.errors
        if e["line"] in by_line
    ]
    headers = [*sheet.headers, _("Line in the original file"), reason]
    text = [i for i, h in enumerate(sheet.headers) if h in (COL_ID, COL_PHONE, COL_NUMBER)]
    content = workbook_bytes(headers, rows, text_columns=text, title=_("Errors"))
    return xlsx_response(
        content, f"{_('import-errors')}-{job.original_name.rsplit('.', 1)[0]}.xlsx"
    )


def import_template(request: HttpRequest) -> HttpResponse:
    require_role(request.user, REGISTRY_KEEPERS)
    return xlsx_response(template_bytes(), "住户成员导入模板.xlsx")

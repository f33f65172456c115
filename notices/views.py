"""Staff pages of notices and open affairs (三务公开): the list of the user's region,
writing, publishing, pinning and archiving, a financial disclosure's lines and a notice's
files. Scoped like every staff page: outside the user's region 404; a notice is changed
only by the keepers of the region it was published for (403 for others who see it)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.actions import run_action
from common.downloads import file_response
from common.forms import field
from notices import services
from notices.forms import (
    AttachmentForm,
    FinanceLineForm,
    NoticeFilterForm,
    NoticeForm,
    keeper_regions,
)
from notices.models import Attachment, AttachmentKind, FinanceLine, Notice, NoticeStatus
from notices.roles import NOTICE_KEEPERS, NOTICE_READERS
from villages.scoping import require_role

PAGE = 30


def may_keep(user, notice: Notice) -> bool:
    return keeper_regions(user).filter(pk=notice.region_id).exists()


def _notice_for(request: HttpRequest, pk: int) -> Notice:
    return get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("region", "created_by"), pk=pk
    )


def _of_visible_notices(request: HttpRequest, model):
    """A notice's lines or files, through the notices the user sees (the one scoping)."""
    return model.objects.filter(notice__in=Notice.objects.visible_to(request.user))


def _kept_notice(request: HttpRequest, pk: int) -> Notice:
    notice = _notice_for(request, pk)
    if not may_keep(request.user, notice):
        raise PermissionDenied
    return notice


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, NOTICE_READERS)
    form = NoticeFilterForm(request.GET or None)
    qs = Notice.objects.visible_to(request.user).select_related("region")
    if form.is_valid():
        if form.cleaned_data["category"]:
            qs = qs.filter(category=form.cleaned_data["category"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs.order_by("status", "-pinned", "-publish_on", "-pk"), PAGE).get_page(
        parse.page(request.GET.get("page"))
    )
    regions = list(keeper_regions(request.user)[:50])
    return render(
        request, "notices/notice_list.html", {"form": form, "page": page, "regions": regions}
    )


@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_role(request.user, NOTICE_KEEPERS)
    notice = _kept_notice(request, pk) if pk else None
    form = NoticeForm(request.POST or None, instance=notice, user=request.user)
    regions = field(form, "region", forms.ModelChoiceField).queryset
    if regions is None or not regions.exists():
        raise PermissionDenied
    if form.is_valid():
        try:
            saved = services.notice_save(form.save(commit=False), user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Notice saved."))
            return redirect("notices:detail", pk=saved.pk)
    return render(request, "notices/notice_form.html", {"form": form, "notice": notice})


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, NOTICE_READERS)
    notice = _notice_for(request, pk)
    keeps = may_keep(request.user, notice)
    editable_lines = keeps and notice.is_finance and notice.status == NoticeStatus.DRAFT
    lines = list(notice.lines.all()) if notice.is_finance else []
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "keeps": keeps,
            "table": services.finance_table(lines) if notice.is_finance else None,
            "line_form": FinanceLineForm() if editable_lines else None,
            "attachments": list(notice.attachments.all()),
            "file_form": AttachmentForm()
            if keeps and notice.status == NoticeStatus.DRAFT
            else None,
            "replaced_by": Notice.objects.filter(replaces=notice).first(),
            "board_code": notice.region.code if len(notice.region.code) == 12 else "",
        },
    )


@require_POST
def notice_action(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _kept_notice(request, pk)
    action = request.POST.get("action")
    steps = {
        "publish": (
            lambda: services.notice_publish(notice, user=request.user),
            _("Notice published."),
        ),
        "archive": (
            lambda: services.notice_archive(notice, user=request.user),
            _("Notice archived: it no longer shows on public pages."),
        ),
        "pin": (
            lambda: services.notice_pin(notice, pinned=True, by=request.user),
            _("Pinned to the top."),
        ),
        "unpin": (
            lambda: services.notice_pin(notice, pinned=False, by=request.user),
            _("No longer pinned."),
        ),
    }
    if action == "correct":
        try:
            draft = services.notice_correct(notice, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("notices:detail", pk=notice.pk)
        messages.success(request, _("A correction is drafted: change it and publish it."))
        return redirect("notices:detail", pk=draft.pk)
    run_action(request, steps)
    return redirect("notices:detail", pk=notice.pk)


@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _kept_notice(request, pk)
    form = FinanceLineForm(request.POST)
    if form.is_valid():
        try:
            services.finance_line_add(notice, **form.cleaned_data, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Line added."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("notices:detail", pk=notice.pk)


@require_POST
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(_of_visible_notices(request, FinanceLine), pk=pk)
    notice = _kept_notice(request, line.notice_id)
    try:
        services.finance_line_delete(line, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Line removed."))
    return redirect("notices:detail", pk=notice.pk)


@require_POST
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _kept_notice(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(notice, form.cleaned_data["file"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("File attached."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("notices:detail", pk=notice.pk)


@require_POST
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(_of_visible_notices(request, Attachment), pk=pk)
    notice = _kept_notice(request, attachment.notice_id)
    services.attachment_delete(attachment, by=request.user)
    messages.success(request, _("File removed."))
    return redirect("notices:detail", pk=notice.pk)


def serve_attachment(attachment: Attachment) -> HttpResponseBase:
    """A notice's file (at most 8 MB): read whole, so no file stays open."""
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    pdf = attachment.kind == AttachmentKind.PDF
    # a PDF is downloaded (a PDF viewer in the portal's origin would be the page), a
    # picture shown; both sandboxed
    return file_response(
        data,
        filename=attachment.name if pdf else f"{attachment.pk}.jpg",
        content_type="application/pdf" if pdf else "image/jpeg",
        inline=not pdf,
    )


@require_GET
def file_staff(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A file of a notice the user sees (a draft's too)."""
    return serve_attachment(get_object_or_404(_of_visible_notices(request, Attachment), pk=pk))

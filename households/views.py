"""Staff pages of the registry. Thin: fetch through the scope, bind a form, call a service."""

from __future__ import annotations

import io
from urllib.parse import unquote_plus, urlencode

import qrcode
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Prefetch, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.caching import cache_key, kept
from common.downloads import file_response
from common.forms import field
from common.xlsx import XLSX_TYPE
from households import exports, plaques, services
from households.downloads import personal_download
from households.forms import (
    DocumentForm,
    HouseholdFilterForm,
    HouseholdForm,
    LifeEventForm,
    PublicInfoForm,
    ResidentFilterForm,
    ResidentForm,
    ResidentMoveForm,
    RevealForm,
)
from households.idnumbers import id_hash
from households.models import (
    IDENTITY_DOCUMENTS,
    AccessEvent,
    AccessKind,
    Document,
    ExportJob,
    ExportKind,
    ExportStatus,
    Household,
    PublicInfo,
    Resident,
    ResidentStatus,
)
from households.roles import AUDITORS, PRESENCE_KEEPERS, REGISTRY_KEEPERS, REGISTRY_READERS
from households.selectors import (
    filter_households,
    filter_residents,
    history_of,
    looks_like_id_number,
)
from households.stats import household_total, reader_scope, village_token
from villages import people
from villages.models import Level, Region
from villages.registry import household_panels
from villages.scoping import (
    has_role_at,
    holds_role,
    may_see_identity,
    may_see_identity_everywhere,
    require_role,
)

# --- Access helpers ---------------------------------------------------------------------
# Outside the user's region: 404 (the queryset does not hold it). Inside but read-only: 403.


def _household_for(request: HttpRequest, pk: int, *, write: bool = False) -> Household:
    qs = Household.objects.visible_to(request.user).select_related("village", "group")
    household = get_object_or_404(qs, pk=pk)
    if write and not has_role_at(request.user, REGISTRY_KEEPERS, household.village.code):
        raise PermissionDenied
    return household


def _resident_for(request: HttpRequest, pk: int, *, write: bool = False) -> Resident:
    qs = Resident.objects.visible_to(request.user).select_related(
        "household__village", "household__group"
    )
    resident = get_object_or_404(qs, pk=pk)
    if write and not has_role_at(request.user, REGISTRY_KEEPERS, resident.household.village.code):
        raise PermissionDenied
    return resident


def _page(request: HttpRequest, qs, per_page: int | None = None, *, rows=None, count=None):
    """A page of the list. With `rows` (ids → objects), ids first: the count, the sort and
    the offset walk primary keys only, and the full rows (joins, head name, member count)
    are fetched for the page's ids alone. At 200,000 households page 900 went from
    computing the derived columns of 45,000 skipped rows to computing them for 50
    (docs/benchmarks.md)."""
    if rows is None:
        return Paginator(qs, per_page or settings.PAGE_SIZE).get_page(
            parse.page(request.GET.get("page"))
        )
    paginator = Paginator(qs.values_list("pk", flat=True), per_page or settings.PAGE_SIZE)
    if count is not None:
        paginator.count = count  # known without a COUNT
    page = paginator.get_page(parse.page(request.GET.get("page")))
    ids = list(page.object_list)
    found = {obj.pk: obj for obj in rows(ids)}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


def _search_params(params: QueryDict) -> QueryDict | None:
    """The same search with an ID number swapped for its keyed hash, or None when the text
    is no ID number. The hash finds the person; the number itself never reaches a URL."""
    text = params.get("q", "")
    if not looks_like_id_number(text):
        return None
    params = params.copy()
    params.pop("q")
    params.pop("page", None)
    params["idh"] = id_hash(text)
    return params


def _search_redirect(request: HttpRequest) -> HttpResponse | None:
    """The list's filter form posts (so a typed ID number is not in the request line that
    servers log) and is answered with a redirect to the GET list, the number swapped for
    its hash. A GET carrying an ID number (an old bookmark) is redirected the same way; its
    request line is masked in the logs by common.logfilters."""
    if request.method == "POST":
        params = request.POST.copy()
        params.pop("csrfmiddlewaretoken", None)
        if params.get("q", "").strip():
            params.pop("idh", None)  # a new search text replaces the previous ID search
        params = _search_params(params) or params
        params = QueryDict(
            urlencode([(k, v) for k, vs in params.lists() for v in vs if v != ""]),
            mutable=True,
        )
        return redirect(f"{request.path}?{params.urlencode()}" if params else request.path)
    swapped = _search_params(request.GET)
    if swapped is None:
        return None
    return redirect(f"{request.path}?{swapped.urlencode()}")


# --- Households -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def household_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, REGISTRY_READERS)
    if swap := _search_redirect(request):
        return swap
    form = HouseholdFilterForm(request.GET or None, user=request.user)
    qs = Household.objects.visible_to(request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = filter_households(qs, data)
    can_edit = holds_role(request.user, REGISTRY_KEEPERS)
    scope, language = reader_scope(request.user), translation.get_language()
    count, key = None, None
    if {k for k, v in data.items() if v not in ("", None, False)} <= {"village"}:
        # All households of the user's area or of one village: the home page's figures
        # hold the count, and their freshness token keys the rendered table, so that a
        # registry write in the area is seen at once (households.stats.household_total).
        villages = field(form, "village", forms.ModelChoiceField).queryset
        if villages is None:  # the form sets it from the user's scope
            raise PermissionDenied
        if data.get("village"):
            villages = villages.filter(pk=data["village"].pk)
        count, token = household_total(villages)
        key = cache_key(
            "household-table", scope, request.GET.urlencode(), language, can_edit, token
        )

    def make_table() -> str:
        page = _page(
            request,
            qs,
            rows=lambda ids: Household.objects.with_head().filter(pk__in=ids).order_by(),
            count=count,
        )
        return render_to_string(
            "households/_household_table.html",
            {"page": page, "can_edit": can_edit},
            request=request,
        )

    # The filter fields (the user's villages, the chosen village's groups, the values and
    # errors of this query) are kept like the region picker: regions change rarely, by
    # the county, and five minutes is the most they lag. About 8 ms a request at 200
    # villages (docs/benchmarks.md); the <form> and its CSRF token stay outside.
    fields = kept(
        cache_key("household-filters", scope, request.GET.urlencode(), language),
        lambda: render_to_string(
            "includes/filter_fields.html",
            {"form": form, "open": bool(request.GET), "shown": 1},
        ),
    )
    return render(
        request,
        "households/household_list.html",
        {
            "filter_fields": mark_safe(fields),  # noqa: S308 (this view's own rendering)
            "table": mark_safe(kept(key, make_table)),  # noqa: S308 (same)
            "can_edit": can_edit,
            "can_export_full": may_see_identity_everywhere(request.user, REGISTRY_READERS),
            "reveal_form": RevealForm(),
        },
    )


def _export(request: HttpRequest, *, kind: str, list_url: str) -> HttpResponseBase:
    """Both exports: masked by GET; unmasked by POST with the permission and a reason.
    Up to a page's worth of rows is written at once; more becomes a task whose page shows
    its progress and, when done, the download (households.exports). Either way the export
    is recorded when it leaves the portal."""
    require_role(request.user, REGISTRY_READERS)
    if request.method == "GET" and (params := _search_params(request.GET)) is not None:
        return redirect(f"{request.path}?{params.urlencode()}")
    full, reason = False, ""
    if request.method == "POST":
        # Unmasked only where the right reaches every region exported.
        if not may_see_identity_everywhere(request.user, REGISTRY_READERS):
            raise PermissionDenied
        form = RevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for e in form.errors["reason"]))
            return redirect(f"{reverse(list_url)}?{request.GET.urlencode()}")
        full, reason = True, form.cleaned_data["reason"]
    query = request.GET.urlencode()
    qs = exports.export_queryset(request.user, kind, request.GET)
    if qs.count() > settings.PAGE_SIZE:
        job = exports.export_submit(
            user=request.user, kind=kind, params=query, full=full, reason=reason
        )
        return redirect("households:export_job", token=job.token)
    title, headers, rows = exports.export_table(kind, qs, full=full)
    buffer = io.BytesIO()
    count = exports.write_workbook(buffer, title, headers, rows)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return personal_download(
        user=request.user,
        what=exports.export_title(kind),
        rows=count,
        content=buffer.getvalue(),
        filename=f"{title}-{stamp}.xlsx",
        roles=REGISTRY_READERS,
        full=full,
        reason=reason,
        filters=unquote_plus(query),
    )


@require_http_methods(["GET", "POST"])
def household_export(request: HttpRequest) -> HttpResponseBase:
    return _export(request, kind=ExportKind.HOUSEHOLDS, list_url="households:list")


def _export_job_for(request: HttpRequest, token: str) -> ExportJob:
    # An export holds what its creator may read: nobody else opens it, whatever their
    # region (404, as for anything outside one's area).
    require_role(request.user, REGISTRY_READERS)
    return get_object_or_404(ExportJob.objects.filter(created_by_id=request.user.pk), token=token)


def export_list(request: HttpRequest) -> HttpResponse:
    """The user's own exports of the last days: running, ready, expired."""
    require_role(request.user, REGISTRY_READERS)
    jobs = ExportJob.objects.filter(created_by_id=request.user.pk)[:20]
    return render(
        request,
        "households/export_list.html",
        {"jobs": jobs, "retention_hours": settings.EXPORT_RETENTION_HOURS},
    )


def export_job(request: HttpRequest, token: str) -> HttpResponse:
    job = _export_job_for(request, token)
    if job.status == ExportStatus.DONE and job.expires_at <= timezone.now():
        exports.export_expire(job)  # before the hourly purge came to it
        job.refresh_from_db()
    return render(request, "households/export_job.html", {"job": job})


def export_download(request: HttpRequest, token: str) -> HttpResponseBase:
    job = _export_job_for(request, token)
    if job.status != ExportStatus.DONE or job.expires_at <= timezone.now() or not job.file:
        return redirect("households:export_job", token=job.token)
    with translation.override(job.language):
        title = job.get_kind_display()
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    pdf = job.kind == ExportKind.PLAQUES
    return personal_download(
        user=request.user,
        what=exports.export_title(job.kind),
        rows=job.rows_total,
        content=exports.export_chunks(job),
        filename=f"{title}-{stamp}.{'pdf' if pdf else 'xlsx'}",
        content_type="application/pdf" if pdf else XLSX_TYPE,
        roles=REGISTRY_READERS,
        full=job.full,
        reason=job.reason,
        filters=unquote_plus(job.params),
    )


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk)
    can_edit = has_role_at(request.user, REGISTRY_KEEPERS, household.village.code)
    can_reveal = may_see_identity(request.user, household.village.code)
    can_presence = has_role_at(request.user, PRESENCE_KEEPERS, household.village.code)
    # The registry's parts of the page are kept under the village figures' freshness
    # token: every registry write in the village (through the services) changes it, so a
    # kept page is never older than the registry (households.stats.village_token).
    token = village_token(household.village_id)
    key = None
    if token is not None:
        key = cache_key(
            "household-page",
            pk,
            token,
            can_edit,
            can_reveal,
            can_presence,
            translation.get_language(),
        )
    parts = kept(
        key,
        lambda: _household_parts(
            request, household, can_edit=can_edit, can_reveal=can_reveal, can_presence=can_presence
        ),
    )
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "parts": {name: mark_safe(html) for name, html in parts.items()},  # noqa: S308
            "document_form": DocumentForm(household=household) if can_edit else None,
            # other apps' panels (monitoring, points, grid …), from the portal registry
            # kept under the same token (a resident's name shows in the points panel)
            "panels": [
                mark_safe(html)  # noqa: S308
                for html in household_panels(request, household, depends_on=token)
            ],
            "public_url": household.public_url(),
            "can_rotate": can_edit,
        },
    )


def _household_parts(
    request, household: Household, *, can_edit: bool, can_reveal: bool, can_presence: bool
):
    residents = list(
        household.residents.order_by(
            "status", Case(When(relation="head", then=0), default=1), "birth_date"
        ).prefetch_related(Prefetch("events", to_attr="event_list"))
    )
    events = sorted(
        ((e, r) for r in residents for e in r.event_list),
        key=lambda pair: (pair[0].date, pair[0].pk),
        reverse=True,
    )
    context = {
        "household": household,
        "residents": residents,
        "events": events,
        "documents": household.documents.select_related("resident", "uploaded_by").prefetch_related(
            people.prefetch("uploaded_by")
        ),
        "history": history_of(household, resident_ids=[r.pk for r in residents]),
        "can_edit": can_edit,
        "can_reveal": can_reveal,
        "can_presence": can_presence,
        # people registered elsewhere who live with the family (现住, issue 25)
        "inflows": list(household.inflows.filter(left_on__isnull=True)),
        "identity_documents": IDENTITY_DOCUMENTS,
        "today": timezone.localdate(),
    }
    return {
        name: render_to_string(f"households/_household_{name}.html", context, request=request)
        for name in ("top", "events", "documents", "history")
    }


@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    require_role(request.user, REGISTRY_KEEPERS)
    form = HouseholdForm(request.POST or None, user=request.user)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            household = services.household_create(user=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Household %(number)s created.") % {"number": household.number}
            )
            return redirect("households:detail", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, write=True)
    # The form validates a copy: a ModelForm writes the posted values into its instance,
    # and the service compares the record with the changes.
    form = HouseholdForm(
        request.POST or None, instance=Household.objects.get(pk=household.pk), user=request.user
    )
    if form.is_valid():
        try:
            services.household_update(household=household, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Household saved."))
            return redirect("households:detail", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form, "household": household})


def qr_png(url: str, *, box: int = 10) -> bytes:
    """A QR code of the address as PNG (medium error correction: a plaque outdoors
    gets dirty)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


@require_GET
def household_qr(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The household's QR code, the absolute address of its public page."""
    household = _household_for(request, pk)
    return file_response(
        qr_png(household.public_url()),
        filename=f"qr-{household.village.code}-{household.number}.png",
        content_type="image/png",
        inline=True,
    )


@require_http_methods(["GET", "POST"])
def public_info(request: HttpRequest) -> HttpResponse:
    """A village's public information: its slogan and the villager representatives'
    official phones, by group (the keepers of the village publish them)."""
    villages = list(
        Region.objects.visible_to(request.user, roles=REGISTRY_KEEPERS)
        .filter(level=Level.VILLAGE)
        .order_by("code")
    )
    if not villages:
        raise PermissionDenied
    chosen = parse.object_id(request.GET.get("village")) or villages[0].pk
    village = next((v for v in villages if v.pk == chosen), None)
    if village is None:
        raise Http404
    regions = [village, *Region.objects.filter(parent=village, level=Level.GROUP).order_by("code")]
    existing = {i.region_id: i for i in PublicInfo.objects.filter(region__in=regions)}
    forms_ = [
        (
            region,
            PublicInfoForm(
                request.POST or None,
                instance=existing.get(region.pk),
                prefix=f"r{region.pk}",
                group=region.level == Level.GROUP,
            ),
        )
        for region in regions
    ]
    if request.method == "POST" and all(form.is_valid() for _r, form in forms_):
        with transaction.atomic():
            for region, form in forms_:
                if form.has_changed():
                    services.public_info_save(region=region, user=request.user, **form.cleaned_data)
        messages.success(request, _("Public information saved."))
        return redirect(f"{reverse('households:public_info')}?village={village.pk}")
    return render(
        request,
        "households/public_info.html",
        {"villages": villages, "village": village, "forms": forms_},
    )


PLAQUES_SHOWN = 60  # plaques in one print view (ten A4 pages); a larger village pages on


@require_http_methods(["GET", "POST"])
def plaque_sheet(request: HttpRequest) -> HttpResponse:
    """A village's door plaques: the print view (a page of them at a time) and the PDF
    of all of them, written by a task with its progress."""
    require_role(request.user, REGISTRY_READERS)
    villages = list(
        Region.objects.visible_to(request.user, roles=REGISTRY_READERS)
        .filter(level=Level.VILLAGE)
        .order_by("code")
    )
    asked = request.POST.get("village") or request.GET.get("village")
    only = villages[0].pk if len(villages) == 1 and not asked else None
    chosen = parse.object_id(asked) or only
    village = next((v for v in villages if v.pk == chosen), None)
    if asked and village is None:
        raise Http404
    if request.method == "POST":
        if village is None:
            raise Http404
        job = exports.export_submit(
            user=request.user,
            kind=ExportKind.PLAQUES,
            params=f"village={village.pk}",
            full=False,
            reason="",
        )
        return redirect("households:export_job", token=job.token)
    page = sheet = None
    if village is not None:
        households = Household.objects.visible_to(request.user).filter(village=village)
        page = Paginator(
            households.order_by("number").values_list("pk", flat=True), PLAQUES_SHOWN
        ).get_page(parse.page(request.GET.get("page")))
        shown = households.filter(pk__in=list(page.object_list))
        sheet = {
            "plaques": list(plaques.plaques(shown)),
            "slogan": plaques.slogan_of(village.pk),
        }
    return render(
        request,
        "households/plaques.html",
        {"villages": villages, "village": village, "page": page, "sheet": sheet},
    )


@require_POST
def household_rotate_code(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, write=True)
    services.household_rotate_code(household=household, user=request.user)
    messages.success(
        request,
        _(
            "The household has a new public code: the old plaque no longer opens its page. "
            "Print a new plaque."
        ),
    )
    return redirect("households:detail", pk=household.pk)


@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, write=True)
    form = DocumentForm(request.POST, request.FILES, household=household)
    if form.is_valid():
        try:
            services.document_upload(
                household=household,
                user=request.user,
                kind=form.cleaned_data["kind"],
                resident=form.cleaned_data["resident"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Document uploaded."))
    else:
        messages.error(request, _("Choose a kind and a photo to upload."))
    return redirect("households:detail", pk=household.pk)


@require_http_methods(["GET", "POST"])
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A stored photo. ID cards and hukou pages show the full ID number, so they follow the
    reveal rule (the right at the household's village, a reason, a record); other documents
    open directly and are recorded too."""
    document = get_object_or_404(
        Document.objects.visible_to(request.user).select_related("household__village", "resident"),
        pk=pk,
    )
    reason = ""
    if document.kind in IDENTITY_DOCUMENTS:
        if not may_see_identity(request.user, document.household.village.code):
            raise PermissionDenied  # no form for someone the rule refuses anyway
        form = RevealForm(request.POST or None)
        if not form.is_valid():
            return render(
                request, "households/document_reveal.html", {"form": form, "document": document}
            )
        reason = form.cleaned_data["reason"]
    try:
        photo = services.document_open(document, user=request.user, reason=reason)
    except FileNotFoundError:
        raise Http404 from None
    return file_response(
        photo, filename=f"{document.pk}.jpg", content_type="image/jpeg", inline=True
    )


# --- Residents --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def resident_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, REGISTRY_READERS)
    if swap := _search_redirect(request):
        return swap
    form = ResidentFilterForm(request.GET or None, user=request.user)
    qs = Resident.objects.visible_to(request.user)
    if form.is_valid():
        qs = filter_residents(qs, form.cleaned_data)
    else:
        qs = qs.filter(status=ResidentStatus.LIVING)
    page = _page(
        request,
        qs.order_by("household__village__code", "household__number", "pk"),
        rows=lambda ids: (
            Resident.objects.filter(pk__in=ids)
            .select_related("household__village", "household__group")
            .order_by()
        ),
    )
    return render(
        request,
        "households/resident_list.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "can_export_full": may_see_identity_everywhere(request.user, REGISTRY_READERS),
            "reveal_form": RevealForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def resident_export(request: HttpRequest) -> HttpResponseBase:
    return _export(request, kind=ExportKind.RESIDENTS, list_url="households:resident_list")


def _resident_form_page(request, form, household, resident=None, duplicate=None):
    # Point to the existing record of a duplicate only if the user may see it: outside the
    # region it must not even be confirmed which household holds the person.
    existing = None
    if duplicate is not None and duplicate.existing is not None:
        existing = (
            Resident.objects.visible_to(request.user)
            .select_related("household__village")
            .filter(pk=duplicate.existing.pk)
            .first()
        )
    context = {
        "form": form,
        "household": household,
        "resident": resident,
        "existing": existing,
        "duplicate": duplicate,
    }
    return render(request, "households/resident_form.html", context)


@require_http_methods(["GET", "POST"])
def resident_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, write=True)
    form = ResidentForm(request.POST or None)
    duplicate = None
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            resident = services.resident_register(household=household, user=request.user, **data)
        except ValidationError as exc:
            duplicate = exc if isinstance(exc, services.DuplicateResident) else None
            form.add_error(None, exc)
        else:
            for warning in form.id_warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s registered.") % {"name": resident.name})
            return redirect("households:detail", pk=household.pk)
    return _resident_form_page(request, form, household, duplicate=duplicate)


@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_for(request, pk, write=True)
    # a copy for the form, which writes the posted values into its instance
    form = ResidentForm(request.POST or None, instance=Resident.objects.get(pk=resident.pk))
    duplicate = None
    if form.is_valid():
        data = dict(form.cleaned_data)
        phone = data.pop("phone")
        try:
            services.resident_update(
                resident=resident,
                user=request.user,
                phone=phone or services.KEEP,  # blank keeps the stored number
                **data,
            )
        except ValidationError as exc:
            duplicate = exc if isinstance(exc, services.DuplicateResident) else None
            form.add_error(None, exc)
        else:
            for warning in form.id_warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s saved.") % {"name": resident.name})
            return redirect("households:detail", pk=resident.household_id)
    return _resident_form_page(request, form, resident.household, resident, duplicate)


@require_http_methods(["GET", "POST"])
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_for(request, pk, write=True)
    form = ResidentMoveForm(request.POST or None, user=request.user, resident=resident)
    if form.is_valid():
        try:
            services.resident_move(
                resident=resident, to_household=form.cleaned_data["household"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s moved.") % {"name": resident.name})
            return redirect("households:detail", pk=resident.household_id)
    # An ID number typed in the search leaves the address bar as its keyed hash.
    if request.method == "GET" and (params := _search_params(request.GET)) is not None:
        return redirect(f"{request.path}?{params.urlencode()}")
    query = parse.text(request.GET.get("q"), max_length=50)
    idh = parse.text(request.GET.get("idh"), max_length=64)
    return render(
        request,
        "households/resident_move.html",
        {
            "form": form,
            "resident": resident,
            "q": query,
            "by_id_number": bool(idh),
            "matches": form.matches(query, idh=idh),
        },
    )


@require_http_methods(["GET", "POST"])
def life_event_create(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_for(request, pk, write=True)
    form = LifeEventForm(request.POST or None, initial={"date": timezone.localdate()})
    if form.is_valid():
        try:
            services.life_event_record(resident=resident, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Event recorded."))
            return redirect("households:detail", pk=resident.household_id)
    return render(request, "households/lifeevent_form.html", {"form": form, "resident": resident})


@require_http_methods(["GET", "POST"])
def resident_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show a full ID or phone number: a separate permission, a reason, and a record."""
    if field not in {"id", "phone"}:
        raise Http404
    resident = _resident_for(request, pk)
    if not may_see_identity(request.user, resident.household.village.code):
        raise PermissionDenied
    form = RevealForm(request.POST or None)
    value = None
    if form.is_valid():
        services.access_record(
            user=request.user,
            kind=AccessKind.VIEW_ID if field == "id" else AccessKind.VIEW_PHONE,
            region=resident.household.village,
            resident=resident,
            reason=form.cleaned_data["reason"],
        )
        value = resident.id_number() if field == "id" else resident.phone()
    response = render(
        request,
        "households/resident_reveal.html",
        {"form": form, "resident": resident, "field": field, "value": value},
    )
    response["Cache-Control"] = "private, no-store"
    return response


def access_log(request: HttpRequest) -> HttpResponse:
    """Who saw or exported what: for officers and cadres of the region, not grid workers."""
    require_role(request.user, AUDITORS)
    qs = (
        AccessEvent.objects.visible_to(request.user, roles=AUDITORS)
        .select_related("user", "region", "resident__household__village")
        .prefetch_related(people.prefetch("user"))
    )
    page = _page(request, qs)
    # The household is linked where the user may open it (it may have moved away since).
    households = {e.resident.household_id for e in page.object_list if e.resident_id}
    linkable = set(
        Household.objects.visible_to(request.user)
        .filter(pk__in=households)
        .values_list("pk", flat=True)
    )
    return render(request, "households/accessevent_list.html", {"page": page, "linkable": linkable})


def group_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of a village's groups, for the group field of the filter and household
    forms (portal.js swaps them in when the village changes)."""
    require_role(request.user, REGISTRY_READERS)
    groups = Region.objects.none()
    if request.GET.get("village"):
        village = parse.object_id(request.GET["village"])
        villages = Region.objects.visible_to(request.user, roles=REGISTRY_READERS).filter(
            level="village"
        )
        if village is None or not villages.filter(pk=village).exists():
            raise Http404
        groups = Region.objects.filter(level="group", parent_id=village)
    return render(request, "households/_group_options.html", {"groups": groups})

"""Monitoring's staff pages: the alert queue, an alert with its evidence and the steps
this user may take, department feeds and the data catalogue. Thin: the rules live in
monitoring.services and monitoring.feeds."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common import parse
from common.caching import cache_key, kept
from common.charts import bar_chart
from common.forms import field
from common.xlsx import SheetSpec, XlsxWriter, xlsx_response
from households.downloads import personal_download
from households.models import Household, MonitoringCategory, ResidentStatus
from households.roles import REGISTRY_READERS
from households.stats import fresh_stats
from monitoring import comparison, feeds, guide, portraits, services
from monitoring.forms import (
    STEP_FORMS,
    AssignForm,
    CampaignForm,
    DataItemForm,
    DecideForm,
    EliminationForm,
    ExplainForm,
    FeedUploadForm,
    IncomeForm,
    MeasureForm,
    MeasureUpdateForm,
    MonitoringLineForm,
    PairForm,
    QueueFilterForm,
    RiskRuleForm,
    ScreeningRunForm,
    ScreeningSettingsForm,
)
from monitoring.models import (
    MEASURE_FINAL,
    Alert,
    AlertEvent,
    AssistanceMeasure,
    Campaign,
    Cause,
    DataItem,
    Department,
    FeedBatch,
    FeedValue,
    HouseholdIncome,
    Monitored,
    MonitoringLine,
    Pairing,
    RiskRule,
    ScreeningRun,
    ScreeningSettings,
    Stage,
    level_rank,
    period_label,
)
from monitoring.reasons import figure, reasons_text
from monitoring.roles import (
    CATALOGUE_KEEPERS,
    COUNTY_STEPS,
    MONITORING_READERS,
    QUEUE_WORKERS,
    TOWNSHIP_STEPS,
    VILLAGE_STEPS,
)
from monitoring.screening import job
from villages import people
from villages.models import Level, Region
from villages.registry import portal
from villages.scoping import has_role_at, holds_role, region_codes, require_role

EXPORT_MAX_ROWS = 20_000
# the most a kept queue can lag a change that logs no event (none does today)
QUEUE_KEPT_SECONDS = 120


def _queue(request: HttpRequest, form: QueueFilterForm | None = None):
    form = form or QueueFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = Alert.objects.visible_to(request.user)
    stage = data.get("stage", "")
    if stage == "":
        qs = qs.filter(closed_at__isnull=True)
    elif stage != "all":
        qs = qs.filter(stage=stage)
    for name in ("level", "source"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    if data.get("cause"):
        qs = qs.filter(causes__icontains=f'"{data["cause"]}"')
    if data.get("township"):
        qs = qs.filter(village__parent=data["township"])
    if data.get("village"):
        qs = qs.filter(village=data["village"])
    if data.get("overdue"):
        qs = qs.filter(closed_at__isnull=True, due_date__lt=timezone.localdate())
    if data.get("measures_overdue"):
        qs = qs.measures_overdue(timezone.localdate())
    qs = qs.annotate(rank=level_rank()).order_by("-rank", "due_date", "pk")
    return form, qs


def _rows(alerts: list[Alert]) -> list[Alert]:
    """The page's alerts with their household's head name (one query for the page)."""
    heads = dict(
        Household.objects.with_head()
        .filter(pk__in={a.household_id for a in alerts})
        .values_list("pk", "head_name")
    )
    today = timezone.localdate()
    late = set(
        Alert.objects.filter(pk__in=[a.pk for a in alerts])
        .measures_overdue(today)
        .values_list("pk", flat=True)
    )
    for alert in alerts:
        alert.head_name = heads.get(alert.household_id) or ""
        alert.overdue = alert.is_overdue(today)
        alert.measures_late = alert.pk in late
        alert.reason_lines = reasons_text(alert.reasons)
    return alerts


def queue(request: HttpRequest) -> HttpResponse:
    """The alerts of the user's area: highest risk first, then the nearest due date.

    A township's queue is opened all day by everyone who works it. Its table (with the
    page's counts and the assign form) is kept, keyed by the user's area, the filters,
    the language, the date (what is overdue) and the alerts' freshness token: every
    change of an alert logs an AlertEvent, so the newest event's id moves with each
    raise, step and assignment, and a change is seen on the next request. The filter
    fields are kept like the registry's (regions change rarely). The POST form and its
    CSRF token stay outside what is kept."""
    require_role(request.user, MONITORING_READERS)
    form = QueueFilterForm(request.GET or None, user=request.user)
    can_assign = holds_role(request.user, QUEUE_WORKERS)
    scope = ",".join(region_codes(request.user, MONITORING_READERS)) or "*"
    language, today = translation.get_language(), timezone.localdate()
    token = AlertEvent.objects.aggregate(newest=Max("pk"))["newest"]
    query = request.GET.urlencode()

    def make_table() -> tuple[int, str]:
        _form, qs = _queue(request, form)
        page = Paginator(
            qs.select_related("village__parent", "assignee", "household").prefetch_related(
                people.prefetch("assignee")
            ),
            settings.PAGE_SIZE,
        ).get_page(parse.page(request.GET.get("page")))
        page.object_list = _rows(list(page.object_list))
        assign_form = None
        if can_assign and page.object_list:
            assign_form = AssignForm(villages={a.village_id for a in page.object_list})
        open_alerts = Alert.objects.visible_to(request.user).open()
        overdue = open_alerts.filter(due_date__lt=today).count()
        html = render_to_string(
            "monitoring/_queue_table.html",
            {"page": page, "assign_form": assign_form},
            request=request,
        )
        return overdue, html

    overdue, table = kept(
        cache_key("alert-queue", scope, query, language, can_assign, today, token),
        make_table,
        seconds=QUEUE_KEPT_SECONDS,
    )
    fields = kept(
        cache_key("alert-queue-filters", scope, query, language),
        lambda: render_to_string(
            "includes/filter_fields.html",
            {"form": form, "open": bool(request.GET), "shown": 2},
        ),
    )
    return render(
        request,
        "monitoring/queue.html",
        {
            "filter_fields": mark_safe(fields),  # noqa: S308 (this view's own rendering)
            "table": mark_safe(table),  # noqa: S308 (same)
            "overdue": overdue,
        },
    )


@require_POST
def queue_assign(request: HttpRequest) -> HttpResponse:
    require_role(request.user, QUEUE_WORKERS)
    ids = parse.object_ids(request.POST.getlist("alert"))
    alerts = list(Alert.objects.visible_to(request.user).filter(pk__in=ids))
    back = f"{reverse('monitoring:queue')}?{request.GET.urlencode()}"
    if not alerts:
        messages.error(request, _("Tick the alerts to assign."))
        return redirect(back)
    form = AssignForm(request.POST, villages={a.village_id for a in alerts})
    if not form.is_valid():
        messages.error(request, _("Choose a cadre of the alerts' villages."))
        return redirect(back)
    try:
        done = services.assign(
            alerts=alerts, user=request.user, assignee=form.cleaned_data["assignee"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("%(n)d alerts assigned.") % {"n": done})
    return redirect(back)


def queue_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered queue as a workbook (through the one writer), up to EXPORT_MAX_ROWS."""
    require_role(request.user, MONITORING_READERS)
    _form, qs = _queue(request)
    total = qs.count()
    if total > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("%(n)d alerts match; narrow the filters to %(max)d or fewer to export them.")
            % {"n": total, "max": EXPORT_MAX_ROWS},
        )
        return redirect(f"{reverse('monitoring:queue')}?{request.GET.urlencode()}")
    buffer = io.BytesIO()
    headers = [
        _("Township"),
        _("Village"),
        _("Household"),
        _("Head of household"),
        _("Level"),
        _("Score"),
        _("Reasons"),
        _("Source"),
        _("Step"),
        _("Assigned to"),
        _("Due"),
        _("Overdue"),
    ]
    alerts = qs.select_related("village__parent", "assignee")
    with XlsxWriter(buffer) as writer:
        writer.sheet(
            SheetSpec(title=_("Alerts"), headers=headers, widths={2: 8, 3: 10, 6: 60, 8: 14})
        )
        for chunk_start in range(0, total, 2000):
            chunk = _rows(list(alerts[chunk_start : chunk_start + 2000]))
            for a in chunk:
                writer.append(
                    [
                        a.village.parent.name if a.village.parent else "",
                        a.village.name,
                        a.household.number,
                        a.head_name,
                        a.get_level_display(),
                        a.score,
                        "；".join(a.reason_lines),
                        a.get_source_display(),
                        a.get_stage_display(),
                        (a.assignee.get_full_name() or a.assignee.username) if a.assignee else "",
                        a.due_date.isoformat(),
                        _("Yes") if a.overdue else "",
                    ]
                )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return personal_download(
        user=request.user,
        what=_("Alerts"),
        rows=total,
        content=buffer.getvalue(),
        filename=_("Alerts") + f"-{stamp}.xlsx",
        roles=QUEUE_WORKERS,
        filters=request.GET.urlencode(),
    )


def _alert_for(request: HttpRequest, pk: int) -> Alert:
    require_role(request.user, MONITORING_READERS)
    qs = Alert.objects.visible_to(request.user).select_related(
        "village__parent", "household", "assignee", "campaign"
    )
    return get_object_or_404(qs, pk=pk)


def _evidence(alert: Alert) -> list[dict]:
    """The department values behind a screening alert: item, value, period, department."""
    if not alert.period:
        return []
    values = (
        FeedValue.objects.filter(
            batch__in=FeedBatch.objects.newest_loaded(alert.period),
            household_id=alert.household_id,
        )
        .select_related("item__department")
        .order_by("item__code", "line")
    )
    return [
        {
            "item": v.item,
            "value": figure(v.value),
            "period": period_label(alert.period),
            "department": v.item.department.name,
        }
        for v in values[:200]
    ]


@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    actions = services.allowed_actions(request.user, alert)
    forms = {a: _step_form(a, alert) for a in actions if a in STEP_FORMS}
    # a step the user's role takes now but their earlier hand in it does not allow
    held_back = [
        reason
        for action, (_roles, stages) in services.ACTIONS.items()
        if alert.stage in stages and (reason := services.conflict(request.user, alert, action))
    ]
    measure_form = (
        MeasureForm(initial={"start": timezone.localdate()})
        if alert.stage in services.MEASURE_STAGES
        and has_role_at(request.user, VILLAGE_STEPS, alert.village.code)
        else None
    )
    may_update = services.may_report(request.user, alert.household)
    if request.method == "POST" and request.POST.get("action") == "pair":
        _pair_action(request, alert.household)
        return redirect(reverse("monitoring:alert", args=[alert.pk]) + "#pairing")
    may_explain = alert.stage in services.EXPLAIN_STAGES and has_role_at(
        request.user, VILLAGE_STEPS, alert.village.code
    )
    explain_errors: dict[str, ExplainForm] = {}
    if request.method == "POST" and request.POST.get("action") == "explain":
        if not may_explain:
            raise PermissionDenied
        form = ExplainForm(request.POST)
        if form.is_valid():
            try:
                services.explain_difference(alert=alert, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Explanation recorded."))
                return redirect(reverse("monitoring:alert", args=[alert.pk]) + "#comparison")
        explain_errors[request.POST.get("topic", "")] = form
    if request.method == "POST" and request.POST.get("action") in ("measure", "measure_update"):
        done, measure_form = _measure_action(request, alert, measure_form)
        if done:
            return redirect(reverse("monitoring:alert", args=[alert.pk]) + "#measures")
    elif request.method == "POST" and request.POST.get("action") != "explain":
        action = request.POST.get("action", "")
        if action not in forms:
            if reason := services.conflict(request.user, alert, action):
                raise PermissionDenied(reason)
            raise PermissionDenied
        form = _step_form(action, alert, request.POST)
        forms[action] = form
        if form.is_valid():
            try:
                _take(action, alert, request.user, form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("monitoring:alert", pk=alert.pk)
    earlier = (
        Alert.objects.visible_to(request.user)
        .filter(household_id=alert.household_id)
        .exclude(pk=alert.pk)
        .order_by("-opened_at")[:20]
    )
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            # 点对点: a broadcast to this household (its id only; the text says not why)
            "may_call": has_role_at(
                request.user, portal.declared_roles("notices", "callers"), alert.village.code
            ),
            "head_name": _rows([alert])[0].head_name,
            "reasons": reasons_text(alert.reasons),
            "evidence": _evidence(alert),
            "comparison": _comparison(alert, may_explain, explain_errors),
            "earlier": earlier,
            "events": alert.events.select_related("user").prefetch_related(people.prefetch("user")),
            "forms": forms,
            "held_back": held_back,
            "can_open_household": has_role_at(request.user, REGISTRY_READERS, alert.village.code),
            "overdue": alert.is_overdue(timezone.localdate()),
            "guide": guide.alert_guide(alert),
            "buttons": guide.BUTTONS,
            "measures": _measures(alert.measures.all(), may_update=may_update),
            **_pairing_context(request, alert.household),
            "measure_form": measure_form,
            "measures_overdue": Alert.objects.filter(pk=alert.pk)
            .measures_overdue(timezone.localdate())
            .exists(),
        },
    )


def _comparison(alert: Alert, may_explain: bool, posted: dict) -> list:
    """The department comparison, each unexplained difference with the village's form to
    explain it (the posted one with what was typed and its error)."""
    rows = comparison.compare(alert)
    for row in rows:
        row.form = (
            posted.get(row.topic) or ExplainForm(initial={"topic": row.topic})
            if may_explain and row.unexplained
            else None
        )
    return rows


def _pairing_context(request: HttpRequest, household: Household) -> dict:
    """The household's paired cadre, and the township's form to name one."""
    current = Pairing.objects.filter(household=household).current().select_related("cadre").first()
    may_pair = has_role_at(
        request.user, TOWNSHIP_STEPS, household.village.code
    ) and services.at_risk(household)
    return {
        "pairing": current,
        "pair_form": PairForm(candidates=services.pairing_candidates(household))
        if may_pair
        else None,
    }


def _pair_action(request: HttpRequest, household: Household) -> None:
    form = PairForm(request.POST, candidates=services.pairing_candidates(household))
    if not form.is_valid():
        messages.error(request, _("Choose the cadre to pair with the household."))
        return
    try:
        services.pair(household=household, cadre=form.cleaned_data["cadre"], user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Paired. The cadre is told."))


def _measures(qs, *, may_update: bool) -> list:
    """The measures, each with the form of its next report (its own prefix: one page
    holds several) when the user may report and it is not over."""
    measures = list(qs.select_related("proposed_by").prefetch_related("updates__by"))
    for m in measures:
        m.update_form = (
            MeasureUpdateForm(
                prefix=f"m{m.pk}", initial={"on": timezone.localdate(), "status": m.status}
            )
            if may_update and m.status not in MEASURE_FINAL
            else None
        )
    return measures


def _measure_action(request: HttpRequest, alert: Alert, measure_form):
    """Propose a measure or report on one; (done, the form to show again). The services
    decide who may; a refusal is the form's error, what was typed kept."""
    if request.POST["action"] == "measure":
        form = MeasureForm(request.POST)
        if form.is_valid():
            try:
                services.measure_propose(alert=alert, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Measure recorded."))
                return True, measure_form
        return False, form
    _report_measure(request, AssistanceMeasure.objects.filter(alert=alert))
    return True, measure_form


def _report_measure(request: HttpRequest, measures) -> None:
    """A report on one of these measures (the posted one), by its service."""
    measure = get_object_or_404(measures, pk=parse.object_id(request.POST.get("measure")) or 0)
    update = MeasureUpdateForm(request.POST, prefix=f"m{measure.pk}")
    if update.is_valid():
        try:
            services.measure_update(measure=measure, user=request.user, **update.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The measure's state is recorded."))
    else:
        messages.error(request, _("Give the state and its date."))


def _step_form(action: str, alert: Alert, data=None):
    """The form of a step; the county's decision names the household's members."""
    if action == "decide":
        return DecideForm(data, household=alert.household)
    return STEP_FORMS[action](data)


def _take(action: str, alert: Alert, user, data: dict) -> None:
    if action == "verify":
        services.verify(alert=alert, user=user, **data)
    elif action == "appraise":
        services.appraise(alert=alert, user=user, **data)
    elif action == "end_notice":
        services.end_notice(alert=alert, user=user, **data)
    elif action == "review":
        services.review(alert=alert, user=user, **data)
    elif action == "decide":
        services.decide(alert=alert, user=user, **data)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Feeds and the catalogue ------------------------------------------------------------


def _counties(user, roles) -> list[Region]:
    """The counties where the user holds these roles (a county officer's assignment)."""
    return list(Region.objects.visible_to(user, roles=roles).filter(level=Level.COUNTY))


@require_http_methods(["GET", "POST"])
def feed_list(request: HttpRequest) -> HttpResponse:
    # the county's data: its officers receive and fix it (a feed batch belongs to a county)
    require_role(request.user, CATALOGUE_KEEPERS)
    form = FeedUploadForm()
    if request.method == "POST":
        counties = _counties(request.user, CATALOGUE_KEEPERS)
        if not counties:  # a county officer's assignment is at a county
            raise PermissionDenied
        form = FeedUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                feeds.check_size(upload.size)  # refused before it is read
                _batch, created = feeds.feed_submit(
                    county=counties[0],
                    department=form.cleaned_data["department"],
                    period=form.cleaned_data["period"],
                    name=upload.name or "",
                    data=upload,  # read a megabyte at a time (in memory or on disk)
                    user=request.user,
                    language=translation.get_language(),
                )
            except feeds.FeedRefused as exc:
                form.add_error("file", str(exc))
            else:
                if created:
                    messages.success(request, _("The file was received; it is loading."))
                else:
                    messages.info(request, _("This file was received before: nothing new."))
                return redirect("monitoring:feeds")
    batches = FeedBatch.objects.visible_to(request.user, roles=CATALOGUE_KEEPERS).select_related(
        "department", "uploaded_by"
    )
    page = Paginator(batches, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    running = any(b.running for b in page.object_list)
    return render(
        request,
        "monitoring/feed_list.html",
        {"form": form, "page": page, "running": running},
    )


@require_POST
def feed_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Load a failed batch again (its file still kept): after a stopped load, or once a
    fault on the portal's side is mended."""
    require_role(request.user, CATALOGUE_KEEPERS)
    batch = get_object_or_404(
        FeedBatch.objects.visible_to(request.user, roles=CATALOGUE_KEEPERS), pk=pk
    )
    if feeds.feed_retry(batch=batch, user=request.user):
        messages.success(request, _("The file is loading again."))
    else:
        messages.error(request, _("Only a failed file that is still kept can be loaded again."))
    return redirect("monitoring:feeds")


def feed_rejections(request: HttpRequest, pk: int) -> HttpResponseBase:
    require_role(request.user, CATALOGUE_KEEPERS)
    batch = get_object_or_404(
        FeedBatch.objects.visible_to(request.user, roles=CATALOGUE_KEEPERS), pk=pk
    )
    name = f"{batch.department.code}_{batch.period}_" + _("rejected") + ".xlsx"
    return personal_download(
        user=request.user,
        what=_("Rejected rows of %(file)s") % {"file": batch.original_name},
        rows=batch.rejected,
        content=feeds.rejections_workbook(batch),
        filename=name,
        region=batch.county,
    )


def catalogue(request: HttpRequest) -> HttpResponse:
    require_role(request.user, CATALOGUE_KEEPERS)
    departments = Department.objects.prefetch_related("items")
    return render(request, "monitoring/catalogue.html", {"departments": departments})


def feed_template(request: HttpRequest, code: str) -> HttpResponseBase:
    require_role(request.user, CATALOGUE_KEEPERS)
    department = get_object_or_404(Department, code=code)
    return xlsx_response(feeds.template_workbook(department), f"{code}_" + _("template") + ".xlsx")


# --- Portraits --------------------------------------------------------------------------


def _portrait_scope(request: HttpRequest, roles=MONITORING_READERS):
    """The villages whose portraits the user reads (a village's cadres and work team
    read their own village's) and the year asked for."""
    require_role(request.user, roles)
    villages = Region.objects.visible_to(request.user, roles=roles).filter(level=Level.VILLAGE)
    this_year = timezone.localdate().year
    year = parse.year(request.GET.get("year"), first=2020, last=this_year) or this_year
    return villages, year, list(range(this_year, 2019, -1))


def _portrait_chart(townships, year: int):
    """Alerts raised by township; for a township's own staff (one township), by village:
    one bar would say nothing (issue 22)."""
    areas = townships[0].villages if len(townships) == 1 else townships
    return bar_chart(
        _("Alerts raised (enrolled), %(year)d") % {"year": year},
        [(f"{a.region.name} ({a.enrolled})", a.pushed) for a in areas],
    )


RESIDING_KEYS = ("households", "residing", "residents", "present", "inflow")


def _residing(villages) -> dict:
    """户籍 vs 现住 per village and in all (issue 25): registered households and
    residents beside those living here, from the registry's kept village figures."""
    names = dict(villages.values_list("pk", "name"))
    rows = sorted(
        (
            {
                "name": names.get(row.village_id, ""),
                **{k: row.counts.get(k, 0) for k in RESIDING_KEYS},
            }
            for row in fresh_stats(villages)
        ),
        key=lambda r: r["name"],
    )
    total = {k: sum(r[k] for r in rows) for k in RESIDING_KEYS}
    return {"rows": rows, "total": total}


def portrait(request: HttpRequest) -> HttpResponse:
    """The area and work portraits coloured by the county's rules, the villages'
    revisits, and the cause and income structure of the monitored households (per
    township; per village for one township's staff)."""
    villages, year, years = _portrait_scope(request)
    loaded = portraits.load_rules()
    townships = portraits.area_portrait(villages, year, loaded)
    by_village = len(townships) <= 1
    causes, cause_columns = portraits.cause_structure(villages, by_village)
    incomes, income_year = portraits.income_structure(villages, by_village)
    return render(
        request,
        "monitoring/portrait.html",
        {
            "townships": townships,
            "villages": portraits.villages_of(townships),
            "residing": _residing(villages),
            "work": portraits.work_portrait(villages, year),
            "year": year,
            "years": years,
            "rules": portraits.rules(loaded),
            "chart": _portrait_chart(townships, year),
            "causes": causes,
            "cause_columns": cause_columns,
            "incomes": incomes,
            "income_year": income_year,
            "income_sources": [
                ("wages", _("Wages")),
                ("business", _("Farming and business")),
                ("property_income", _("Property income")),
                ("transfers", _("Transfers")),
            ],
            "may_edit_rules": holds_role(request.user, CATALOGUE_KEEPERS),
            "may_remind": holds_role(request.user, COUNTY_STEPS),
        },
    )


WALL_SECONDS = 300  # the wall screen reloads itself this often (its figures are made anew)


def wall(request: HttpRequest) -> HttpResponse:
    """The big screen of a township or county hall (1920×1080, read from across the
    room, refreshing itself every five minutes): this year's pushes, verifications,
    enrolments, measures and eliminations of the user's area, its monitored households
    and people, and the villages a portrait colours yellow or red. Counts and charts
    only: no household is named on a wall."""
    villages, year, _years = _portrait_scope(request, QUEUE_WORKERS)
    townships = portraits.area_portrait(villages, year)
    rows = [v for t in townships for v in t.villages]
    alerts = Alert.objects.visible_to(request.user, roles=QUEUE_WORKERS)
    monitored = Monitored.objects.visible_to(request.user, roles=QUEUE_WORKERS)
    figures = {
        "pushed": sum(r.pushed for r in rows),
        "verified": sum(r.verified for r in rows),
        "enrolled": sum(r.enrolled for r in rows),
        "measures": AssistanceMeasure.objects.filter(
            alert__in=alerts, created_at__year=year
        ).count(),
        "eliminated": monitored.filter(eliminated_at__year=year).count(),
        "monitored": sum(r.monitored for r in rows),
        "monitored_people": sum(r.monitored_people for r in rows),
        "measures_overdue": alerts.measures_overdue(timezone.localdate()).count(),
        "yellow": sum(r.colour == "yellow" for r in rows),
        "red": sum(r.colour == "red" for r in rows),
    }
    flagged = sorted(
        (r for r in rows if r.colour != "green"), key=lambda r: (r.colour != "red", r.region.code)
    )
    return render(
        request,
        "monitoring/wall.html",
        {
            "figures": figures,
            "year": year,
            "chart": _portrait_chart(townships, year),
            "flagged": flagged[:12],
            "more_flagged": max(len(flagged) - 12, 0),
            "areas": len(rows),
            "refresh": WALL_SECONDS,
            "now": timezone.localtime(),
        },
    )


def portrait_chart(request: HttpRequest) -> HttpResponse:
    """The portrait's chart as an SVG document of its own (to save or print)."""
    villages, year, _years = _portrait_scope(request)
    chart = _portrait_chart(portraits.area_portrait(villages, year), year)
    response = render(
        request,
        "monitoring/chart.svg",
        {"chart": chart},
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def portrait_export(request: HttpRequest) -> HttpResponseBase:
    villages, year, _years = _portrait_scope(request)
    townships = portraits.area_portrait(villages, year)
    headers = [
        _("Township"),
        _("Village"),
        _("Alerts raised"),
        _("Verified"),
        _("Verified on time"),
        _("Enrolled"),
        _("Conversion (%)"),
        _("Monitored households"),
        _("Monitored people"),
        _("Overdue"),
        _("Colour"),
    ]
    colours = {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green")}
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as writer:
        writer.sheet(SheetSpec(title=_("Area portrait"), headers=headers, widths={0: 12, 1: 14}))
        for t in townships:
            for r in [t, *t.villages]:
                writer.append(
                    [
                        t.region.name,
                        "" if r is t else r.region.name,
                        r.pushed,
                        r.verified,
                        r.verified_on_time,
                        r.enrolled,
                        r.conversion,
                        r.monitored,
                        r.monitored_people,
                        r.overdue,
                        colours[r.colour],
                    ],
                    bold=r is t,
                )
        writer.sheet(
            SheetSpec(
                title=_("Work portrait"),
                headers=[
                    _("Village"),
                    _("Cadre"),
                    _("Steps taken"),
                    _("On time"),
                    _("On time (%)"),
                    _("Assigned, open"),
                    _("Assigned, overdue"),
                ],
            )
        )
        for w in portraits.work_portrait(villages, year):
            writer.append(
                [
                    w.village.name,
                    w.name,
                    w.steps,
                    w.on_time,
                    "" if w.on_time_rate is None else w.on_time_rate,
                    w.assigned_open,
                    w.assigned_overdue,
                ]
            )
    return personal_download(
        user=request.user,
        what=_("Portraits"),
        rows=sum(1 + len(t.villages) for t in townships),
        content=buffer.getvalue(),
        filename=_("Portraits") + f"-{year}.xlsx",
        roles=MONITORING_READERS,
        filters=f"year={year}",
    )


# --- The county's rules -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """Risk rules, monitoring lines and screening settings (county officers). A change
    applies from the next screening run; assessments already made keep their reasons."""
    require_role(request.user, CATALOGUE_KEEPERS)
    settings_row = ScreeningSettings.current()
    line_form = MonitoringLineForm(prefix="line")
    settings_form = ScreeningSettingsForm(instance=settings_row, prefix="settings")
    if request.method == "POST":
        if "line-year" in request.POST:
            line_form = MonitoringLineForm(request.POST, prefix="line")
            if line_form.is_valid():
                services.line_save(
                    year=line_form.cleaned_data["year"],
                    amount=line_form.cleaned_data["amount"],
                    user=request.user,
                )
                messages.success(request, _("Saved."))
                return redirect("monitoring:rules")
        else:
            settings_form = ScreeningSettingsForm(
                request.POST, instance=settings_row, prefix="settings"
            )
            if settings_form.is_valid():
                services.settings_save(settings_form.save(commit=False), user=request.user)
                messages.success(request, _("Saved."))
                return redirect("monitoring:rules")
    return render(
        request,
        "monitoring/rules.html",
        {
            "rules": RiskRule.objects.select_related("item__department"),
            "lines": MonitoringLine.objects.all(),
            "line_form": line_form,
            "settings_form": settings_form,
        },
    )


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_role(request.user, CATALOGUE_KEEPERS)
    rule = get_object_or_404(RiskRule, pk=pk) if pk else None
    form = RiskRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        services.rule_save(form.save(commit=False), user=request.user)
        messages.success(request, _("Saved. The next screening uses it."))
        return redirect("monitoring:rules")
    return render(
        request,
        "monitoring/form.html",
        {
            "form": form,
            "title": _("Edit the rule") if rule else _("New risk rule"),
            "back": "monitoring:rules",
        },
    )


@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_role(request.user, CATALOGUE_KEEPERS)
    item = get_object_or_404(DataItem, pk=pk) if pk else None
    form = DataItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.item_save(form.save(commit=False), user=request.user)
        messages.success(request, _("Saved."))
        return redirect("monitoring:catalogue")
    return render(
        request,
        "monitoring/form.html",
        {
            "form": form,
            "title": str(item) if item else _("New data item"),
            "back": "monitoring:catalogue",
        },
    )


# --- Household income and monitored households ---------------------------------------------


@require_http_methods(["GET", "POST"])
def income_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's 明白卡 of a year, entered by a cadre of its village."""
    require_role(request.user, VILLAGE_STEPS)
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("village"), pk=pk
    )
    if not has_role_at(request.user, VILLAGE_STEPS, household.village.code):
        raise PermissionDenied
    year = parse.year(request.GET.get("year")) or timezone.localdate().year
    existing = HouseholdIncome.objects.filter(household=household, year=year).first()
    members = household.residents.filter(status=ResidentStatus.LIVING).count() or 1
    form = IncomeForm(
        request.POST or None, instance=existing, initial={"year": year, "members": members}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.income_save(household=household, user=request.user, **data)
        messages.success(request, _("Saved. The next screening uses it."))
        return redirect("households:detail", pk=household.pk)
    return render(request, "monitoring/income_form.html", {"form": form, "household": household})


def monitored_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, MONITORING_READERS)
    qs = (
        Monitored.objects.visible_to(request.user)
        .current()
        .select_related("household__village__parent")
        .annotate(measure_count=Count("measures"))
        .order_by("household__village__code", "household__number")
    )
    if category := parse.choice(request.GET.get("category"), MonitoringCategory.values):
        qs = qs.filter(category=category)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    totals = qs.order_by().aggregate(
        households=Count("pk", distinct=True), people=Count("members", distinct=True)
    )
    return render(
        request,
        "monitoring/monitored_list.html",
        {
            "page": page,
            "totals": totals,
            "categories": MonitoringCategory.choices[1:],
            "category": category,
        },
    )


@require_http_methods(["GET", "POST"])
def monitored_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, MONITORING_READERS)
    monitored = get_object_or_404(
        Monitored.objects.visible_to(request.user).select_related(
            "household__village__parent", "alert", "approved_by", "eliminated_by"
        ),
        pk=pk,
    )
    code = monitored.household.village.code
    current = monitored.eliminated_at is None
    may_measure = current and has_role_at(request.user, VILLAGE_STEPS | TOWNSHIP_STEPS, code)
    may_propose = (
        current
        and not monitored.elimination_proposed_on
        and has_role_at(request.user, VILLAGE_STEPS, code)
    )
    may_review = (
        current
        and bool(monitored.elimination_proposed_on)
        and has_role_at(request.user, TOWNSHIP_STEPS, code)
    )
    measure_form = MeasureForm() if may_measure else None
    elimination_form = EliminationForm() if may_propose else None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "measure" and may_measure:
                measure_form = MeasureForm(request.POST)
                if measure_form.is_valid():
                    services.measure_add(
                        monitored=monitored, user=request.user, **measure_form.cleaned_data
                    )
                    messages.success(request, _("Saved."))
                    return redirect("monitoring:monitored", pk=pk)
            elif action == "pair":
                _pair_action(request, monitored.household)
                return redirect(reverse("monitoring:monitored", args=[pk]) + "#pairing")
            elif action == "measure_update" and services.may_report(
                request.user, monitored.household
            ):
                _report_measure(request, monitored.measures.all())
                return redirect(reverse("monitoring:monitored", args=[pk]) + "#measures")
            elif action == "propose" and may_propose:
                elimination_form = EliminationForm(request.POST)
                if elimination_form.is_valid():
                    note = elimination_form.cleaned_data["note"]
                    services.elimination_propose(monitored=monitored, user=request.user, note=note)
                    messages.success(request, _("Sent to the township for review."))
                    return redirect("monitoring:monitored", pk=pk)
            elif action in ("confirm", "reject") and may_review:
                services.elimination_review(
                    monitored=monitored, user=request.user, confirm=action == "confirm"
                )
                messages.success(request, _("Recorded."))
                return redirect("monitoring:monitored", pk=pk)
            else:
                raise PermissionDenied
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "monitoring/monitored_detail.html",
        {
            "monitored": monitored,
            "measures": _measures(
                monitored.measures.all(),
                may_update=current and services.may_report(request.user, monitored.household),
            ),
            **_pairing_context(request, monitored.household),
            "measure_form": measure_form,
            "elimination_form": elimination_form,
            "may_review": may_review,
            "causes": [Cause(c).label for c in monitored.causes if c in Cause.values],
            "can_open_household": has_role_at(request.user, REGISTRY_READERS, code),
        },
    )


# --- Re-check campaigns (回头看) ----------------------------------------------------------


def _quarter_window(quarter: str) -> tuple[datetime.datetime, datetime.datetime]:
    year, q = int(quarter[:4]), int(quarter[-1])
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime(year, 3 * q - 2, 1, tzinfo=zone)
    end = datetime.datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=zone)
    return start, end


@require_http_methods(["GET", "POST"])
def campaigns(request: HttpRequest) -> HttpResponse:
    """回头看: the county picks households (every alert dismissed, or every risk eliminated,
    in a quarter) and each becomes a verification task of its village."""
    require_role(request.user, COUNTY_STEPS)
    counties = _counties(request.user, COUNTY_STEPS)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and counties:
        county = counties[0]
        start, end = _quarter_window(form.cleaned_data["quarter"])
        in_county = Household.objects.filter(village__code__startswith=county.code)
        if form.cleaned_data["pick"] == CampaignForm.DISMISSED:
            picked = in_county.filter(
                pk__in=Alert.objects.filter(
                    stage=Stage.DISMISSED, closed_at__gte=start, closed_at__lt=end
                ).values("household_id")
            )
        else:
            picked = in_county.filter(
                pk__in=Monitored.objects.filter(
                    eliminated_at__gte=start, eliminated_at__lt=end
                ).values("household_id")
            )
        label = _choice_label(form, "pick")
        quarter = _choice_label(form, "quarter")
        _campaign, created = services.recheck_campaign(
            user=request.user,
            county=county,
            name=form.cleaned_data["name"],
            criteria=f"{quarter}：{label}",
            households=picked,
        )
        messages.success(
            request,
            _("%(n)d households were sent to their villages for verification.") % {"n": created},
        )
        return redirect("monitoring:campaigns")
    listed = (
        Campaign.objects.visible_to(request.user, roles=COUNTY_STEPS)
        .select_related("created_by")
        .prefetch_related(people.prefetch("created_by"))
        .annotate(
            alerts=Count("alert"),
            verified=Count("alert", filter=~Q(alert__stage=Stage.VERIFY)),
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(listed, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    return render(request, "monitoring/campaigns.html", {"form": form, "page": page})


# --- Screening runs --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    """When screening last ran, what it used and did, and (county officers) a run now.
    Township staff see their county's runs: the alerts they work come from them."""
    require_role(request.user, QUEUE_WORKERS)
    counties = _counties(request.user, CATALOGUE_KEEPERS)
    form = ScreeningRunForm() if counties else None
    if request.method == "POST":
        if not counties:
            raise PermissionDenied
        form = ScreeningRunForm(request.POST)
        if form.is_valid():
            try:
                job.run_request(
                    county=counties[0], period=form.cleaned_data["period"], user=request.user
                )
            except job.RunRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The screening has started; this page follows it."))
                return redirect("monitoring:runs")
    runs = (
        ScreeningRun.objects.visible_to(request.user)
        .select_related("county", "started_by")
        .prefetch_related(people.prefetch("started_by"))
    )
    page = Paginator(runs, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    running = any(r.running for r in page.object_list)
    return render(
        request,
        "monitoring/run_list.html",
        {"form": form, "page": page, "running": running},
    )


def _choice_label(form: forms.Form, name: str) -> str:
    """The label of the choice a valid form holds in its field `name`."""
    # a flat list of (value, label) here; the stubs allow groups and callables too
    choices: Iterable[tuple[object, object]] = field(form, name, forms.ChoiceField).choices  # type: ignore[assignment]
    labels = {str(value): str(label) for value, label in choices}
    return labels[str(form.cleaned_data[name])]

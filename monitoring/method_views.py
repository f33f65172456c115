"""The method's staff pages (issue 24, items 5–7): the portraits' rules and reminders with
their revisits, the three-level checks, the village's monthly review meeting and
look-back. Thin: the rules live in monitoring.reminders, .checks and .month."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.forms import modelformset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common import parse
from monitoring import checks, month, reminders
from monitoring.forms import (
    CheckCampaignForm,
    CheckMarkForm,
    LookBackForm,
    MeetingForm,
    PortraitRuleForm,
    RevisitForm,
)
from monitoring.models import (
    MEASURE_FINAL,
    AssistanceMeasure,
    CheckCampaign,
    CheckLevel,
    CheckMark,
    CheckTarget,
    LookBack,
    Monitored,
    PortraitRule,
    Reminder,
    ReviewMeeting,
)
from monitoring.roles import (
    CATALOGUE_KEEPERS,
    COUNTY_STEPS,
    MONITORING_READERS,
    VILLAGE_STEPS,
)
from monitoring.views import _counties
from villages import people
from villages.models import Level, Region
from villages.scoping import has_role_at, require_role


def _villages(user, roles=MONITORING_READERS):
    return Region.objects.visible_to(user, roles=roles).filter(level=Level.VILLAGE)


# --- Portrait rules, reminders and revisits ------------------------------------------------

RuleFormSet = modelformset_factory(
    PortraitRule, form=PortraitRuleForm, extra=1, can_delete=False, max_num=30
)


@require_http_methods(["GET", "POST"])
def portrait_rules(request: HttpRequest) -> HttpResponse:
    """The county edits the rules that colour the portraits (a rule is switched off, not
    deleted: the reminders sent under it keep their reasons)."""
    require_role(request.user, CATALOGUE_KEEPERS)
    formset = RuleFormSet(request.POST or None, queryset=PortraitRule.objects.all())
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, _("The portrait rules are saved."))
        return redirect("monitoring:portrait")
    return render(request, "monitoring/portrait_rules.html", {"formset": formset})


@require_POST
def portrait_remind(request: HttpRequest) -> HttpResponse:
    require_role(request.user, COUNTY_STEPS)
    counties = _counties(request.user, COUNTY_STEPS)
    year = timezone.localdate().year
    sent = [
        r
        for county in counties
        for r in reminders.remind(user=request.user, county=county, year=year)
    ]
    if sent:
        messages.success(
            request,
            _("%(n)d village(s) reminded; each has its list of households to revisit.")
            % {"n": len(sent)},
        )
    else:
        messages.info(
            request, _("No village to remind: every yellow or red village was reminded this month.")
        )
    return redirect("monitoring:reminders")


def reminder_list(request: HttpRequest) -> HttpResponse:
    """Reminders of the user's area with how many revisits were made (the county's check
    that people went back to the doors)."""
    require_role(request.user, MONITORING_READERS)
    qs = (
        Reminder.objects.visible_to(request.user)
        .select_related("village__parent", "sent_by")
        .annotate(
            total=Count("revisits"),
            done=Count("revisits", filter=Q(revisits__visited_on__isnull=False)),
        )
        .order_by("-sent_at", "-pk")
    )
    page = Paginator(qs, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "monitoring/reminder_list.html",
        {"page": page, "may_remind": bool(_counties(request.user, COUNTY_STEPS))},
    )


@require_http_methods(["GET", "POST"])
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, MONITORING_READERS)
    reminder = get_object_or_404(
        Reminder.objects.visible_to(request.user).select_related("village__parent", "sent_by"),
        pk=pk,
    )
    may_visit = has_role_at(request.user, MONITORING_READERS, reminder.village.code)
    if request.method == "POST":
        revisit = get_object_or_404(
            reminder.revisits, pk=parse.object_id(request.POST.get("revisit")) or 0
        )
        form = RevisitForm(request.POST, prefix=f"r{revisit.pk}")
        if form.is_valid():
            try:
                reminders.revisit_done(
                    revisit=revisit, user=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The visit is recorded."))
        return redirect(reverse("monitoring:reminder", args=[reminder.pk]) + f"#r{revisit.pk}")
    revisits = list(
        reminder.revisits.select_related("household", "visited_by").prefetch_related(
            people.prefetch("visited_by")
        )
    )
    for revisit in revisits:
        revisit.form = (
            RevisitForm(prefix=f"r{revisit.pk}")
            if may_visit and revisit.visited_on is None
            else None
        )
    return render(
        request,
        "monitoring/reminder_detail.html",
        {
            "reminder": reminder,
            "revisits": revisits,
            "done": sum(r.visited_on is not None for r in revisits),
        },
    )


# --- Three-level checks ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, MONITORING_READERS)
    counties = _counties(request.user, COUNTY_STEPS)
    form = CheckCampaignForm(request.POST or None) if counties else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = checks.start(user=request.user, county=counties[0], **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The check campaign has started."))
                return redirect("monitoring:check", pk=campaign.pk)
    campaigns = CheckCampaign.objects.visible_to(request.user).select_related("created_by")
    return render(
        request,
        "monitoring/check_list.html",
        {"campaigns": campaigns, "form": form, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's progress per level and region, and the list of the level the user
    checks at (unchecked first), each with its form."""
    require_role(request.user, MONITORING_READERS)
    campaign = get_object_or_404(CheckCampaign.objects.visible_to(request.user), pk=pk)
    villages = _villages(request.user)
    mine = [
        level
        for level, roles in checks.CHECKERS.items()
        if Region.objects.visible_to(request.user, roles=roles).exists()
    ]
    level = parse.choice(request.GET.get("level"), CheckLevel.values, mine[0] if mine else "")
    if request.method == "POST":
        level = parse.choice(request.POST.get("level"), CheckLevel.values)
        household = get_object_or_404(
            checks.to_check(campaign, level).filter(village__in=villages),
            pk=parse.object_id(request.POST.get("household")) or 0,
        )
        form = CheckMarkForm(request.POST, prefix=f"h{household.pk}")
        if form.is_valid():
            try:
                checks.mark(
                    campaign=campaign,
                    level=level,
                    household=household,
                    user=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The check is recorded."))
        else:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(reverse("monitoring:check", args=[campaign.pk]) + f"?level={level}")
    page = None
    if level:
        marked = CheckMark.objects.filter(campaign=campaign, level=level, household=OuterRef("pk"))
        households = (
            checks.to_check(campaign, level)
            .filter(village__in=villages)
            .select_related("village")
            .annotate(checked=Exists(marked))
            .order_by("checked", "village__code", "number")
        )
        if village := parse.object_id(request.GET.get("village")):
            households = households.filter(village_id=village)
        page = Paginator(households, settings.PAGE_SIZE).get_page(
            parse.page(request.GET.get("page"))
        )
        done = {
            m.household_id: m
            for m in CheckMark.objects.filter(
                campaign=campaign, level=level, household__in=[h.pk for h in page]
            ).select_related("by", "alert")
        }
        may_check = level in mine and campaign.is_running(timezone.localdate())
        why = dict(
            CheckTarget.objects.filter(
                campaign=campaign, level=level, household__in=[h.pk for h in page]
            ).values_list("household_id", "why")
        )
        for household in page:
            household.mark = done.get(household.pk)
            household.why = why.get(household.pk, "")
            household.form = (
                CheckMarkForm(prefix=f"h{household.pk}")
                if may_check and household.mark is None
                else None
            )
    return render(
        request,
        "monitoring/check_detail.html",
        {
            "campaign": campaign,
            "progress": checks.progress(campaign, villages),
            "levels": CheckLevel.choices,
            "level": level,
            "mine": mine,
            "page": page,
            "running": campaign.is_running(timezone.localdate()),
        },
    )


# --- The village's month --------------------------------------------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings of the user's area, newest month first (the township reads the minutes),
    and for a village's staff the form to record this month's."""
    require_role(request.user, MONITORING_READERS)
    qs = (
        ReviewMeeting.objects.visible_to(request.user)
        .select_related("village__parent", "recorded_by")
        .annotate(n_decisions=Count("decisions"))
        .order_by("-month", "village__code")
    )
    page = Paginator(qs, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    own = list(_villages(request.user, VILLAGE_STEPS))
    this = month.this_month()
    held = set(
        ReviewMeeting.objects.filter(village__in=own, month=this).values_list(
            "village_id", flat=True
        )
    )
    return render(
        request,
        "monitoring/meeting_list.html",
        {"page": page, "due": [v for v in own if v.pk not in held], "month": this},
    )


DECISION_ROWS = 5


def _links(village: Region, agenda: list[dict]) -> list[tuple[str, str]]:
    """What a decision can be linked to: the agenda's alerts and households and the
    village's open measures ("a:<id>", "h:<id>", "m:<id>")."""
    labels = month.agenda_labels()
    options = [("", _("Not linked"))]
    seen = set()
    for item in agenda:
        key = f"a:{item['alert']}" if item.get("alert") else f"h:{item['household']}"
        if key not in seen:
            seen.add(key)
            options.append(
                (
                    key,
                    _("Household %(number)s · %(why)s")
                    % {"number": item["number"], "why": labels[item["kind"]]},
                )
            )
    for measure in (
        AssistanceMeasure.objects.filter(alert__village=village)
        .exclude(status__in=MEASURE_FINAL)
        .select_related("alert__household")
    ):
        if measure.alert is None:  # not of this village's alerts (the filter says so)
            continue
        options.append(
            (
                f"m:{measure.pk}",
                _("Measure: %(kind)s, household %(number)s")
                % {"kind": measure.get_kind_display(), "number": measure.alert.household.number},
            )
        )
    return options


def _decisions(post, options: list[tuple[str, str]]) -> list[dict]:
    allowed = {key for key, _label in options}
    rows = []
    for i in range(DECISION_ROWS):
        text = post.get(f"decision-{i}", "").strip()[:300]
        link = parse.choice(post.get(f"link-{i}"), allowed)
        kind, _sep, pk = link.partition(":")
        row = {"text": text}
        if kind:
            row[{"a": "alert", "h": "household", "m": "measure"}[kind]] = parse.object_id(pk)
        rows.append(row)
    return rows


@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    require_role(request.user, VILLAGE_STEPS)
    own = _villages(request.user, VILLAGE_STEPS).order_by("code")
    village = (
        get_object_or_404(own, pk=parse.object_id(request.GET.get("village")) or 0)
        if (request.GET.get("village"))
        else own.first()
    )
    if village is None:
        raise PermissionDenied
    this = month.this_month()
    agenda = month.agenda(village, this)
    options = _links(village, agenda)
    form = MeetingForm(request.POST or None)
    decisions = _decisions(request.POST, options) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        try:
            meeting = month.record_meeting(
                village=village, user=request.user, decisions=decisions, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The meeting is recorded; the township is told."))
            return redirect("monitoring:meeting", pk=meeting.pk)
    posted = [
        {"text": request.POST.get(f"decision-{i}", ""), "link": request.POST.get(f"link-{i}", "")}
        for i in range(DECISION_ROWS)
    ]
    return render(
        request,
        "monitoring/meeting_form.html",
        {
            "village": village,
            "month": this,
            "agenda": month.agenda_view(agenda),
            "form": form,
            "options": options,
            "rows": posted,
        },
    )


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, MONITORING_READERS)
    meeting = get_object_or_404(
        ReviewMeeting.objects.visible_to(request.user).select_related(
            "village__parent", "recorded_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "monitoring/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": month.agenda_view(meeting.agenda),
            "decisions": meeting.decisions.select_related("household", "alert", "measure"),
        },
    )


@require_http_methods(["GET", "POST"])
def lookback(request: HttpRequest) -> HttpResponse:
    """This month's look-back over the households monitored now: the village's staff
    answer for each; the township and county read how far each village is."""
    require_role(request.user, MONITORING_READERS)
    this = month.this_month()
    monitored = (
        Monitored.objects.visible_to(request.user)
        .current()
        .select_related("household__village__parent")
        .order_by("household__village__code", "household__number")
    )
    if request.method == "POST":
        target = get_object_or_404(
            monitored, pk=parse.object_id(request.POST.get("monitored")) or 0
        )
        form = LookBackForm(request.POST, prefix=f"m{target.pk}")
        if form.is_valid():
            try:
                month.look_back(monitored=target, user=request.user, **form.answers())
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The look-back is recorded."))
        else:
            messages.error(request, _("Answer the three questions."))
        return redirect(reverse("monitoring:lookback") + f"#m{target.pk}")
    page = Paginator(monitored, settings.PAGE_SIZE).get_page(parse.page(request.GET.get("page")))
    done = {
        lb.monitored_id: lb
        for lb in LookBack.objects.filter(
            monitored__in=[m.pk for m in page], month=this
        ).select_related("by")
    }
    for entry in page:
        entry.lookback = done.get(entry.pk)
        entry.form = (
            LookBackForm(prefix=f"m{entry.pk}")
            if entry.lookback is None
            and has_role_at(request.user, VILLAGE_STEPS, entry.household.village.code)
            else None
        )
    totals = monitored.order_by().aggregate(
        total=Count("pk"),
        looked=Count("lookbacks", filter=Q(lookbacks__month=this)),
    )
    return render(
        request,
        "monitoring/lookback.html",
        {"page": page, "month": this, "totals": totals},
    )

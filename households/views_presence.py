"""Who lives here (现住, issue 25): a resident here or away (for work, study, elsewhere),
the people who came to live in the village registered elsewhere (流入), and the flows in
and out by month. Business rules are in households.services."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from common import parse
from common.forms import field
from common.widgets import DateInput
from households import services
from households.models import (
    AwayReason,
    Household,
    Inflow,
    InflowReason,
    Presence,
    Resident,
    Sex,
)
from households.roles import PRESENCE_KEEPERS, REGISTRY_READERS
from villages.models import Level, Region
from villages.scoping import has_role_at, holds_role, require_role

PAGE = 30
FLOW_MONTHS = 12
FLOW_BAR_MAX = 220


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(
        label=gettext_lazy("Lives in the village"),
        choices=Presence.choices,
        widget=forms.RadioSelect,
    )
    away_reason = forms.ChoiceField(
        label=gettext_lazy("Away for"),
        choices=[("", gettext_lazy("—")), *AwayReason.choices],
        required=False,
    )
    away_place = forms.CharField(
        label=gettext_lazy("Where"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("A city or a county: 广东东莞, 南昌市区."),
    )
    since = forms.DateField(label=gettext_lazy("Since"), required=False, widget=DateInput())


@require_http_methods(["GET", "POST"])
def presence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, PRESENCE_KEEPERS)
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user, PRESENCE_KEEPERS).select_related(
            "household__village"
        ),
        pk=pk,
    )
    initial = {
        "presence": resident.presence,
        "away_reason": resident.away_reason,
        "away_place": resident.away_place,
        "since": resident.presence_since,
    }
    form = PresenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.presence_set(
                resident=resident,
                user=request.user,
                presence=data["presence"],
                away_reason=data["away_reason"],
                away_place=data["away_place"],
                since=data["since"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("households:detail", pk=resident.household_id)
    return render(request, "households/presence_form.html", {"form": form, "resident": resident})


class InflowForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("Village"), queryset=Region.objects.none())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), choices=Sex.choices)
    birth_year = forms.IntegerField(
        label=gettext_lazy("Year of birth"), required=False, min_value=1900, max_value=2100
    )
    from_place = forms.CharField(
        label=gettext_lazy("Registered in"),
        max_length=100,
        help_text=gettext_lazy("Where their household registration (户籍) is: 湖南衡阳."),
    )
    reason = forms.ChoiceField(label=gettext_lazy("Here for"), choices=InflowReason.choices)
    household = forms.CharField(
        label=gettext_lazy("Lives with household No. (optional)"), max_length=20, required=False
    )
    address = forms.CharField(label=gettext_lazy("Lives at"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    arrived_on = forms.DateField(label=gettext_lazy("Arrived on"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        village = field(self, "village", forms.ModelChoiceField)
        village.queryset = (
            Region.objects.visible_to(user, roles=PRESENCE_KEEPERS)
            .filter(level=Level.VILLAGE)
            .order_by("code")
        )
        village.empty_label = None

    def clean(self):
        super().clean()
        data = self.cleaned_data
        number = (data.get("household") or "").strip()
        data["household"] = None
        if number and data.get("village"):
            household = Household.objects.filter(village=data["village"], number=number).first()
            if household is None:
                self.add_error("household", _("The village has no household with this number."))
            data["household"] = household
        return data


def _flows(inflows, residents, today: datetime.date) -> list[dict]:
    """Per month of the last year: people who came (arrivals registered elsewhere) and
    people who went (registered residents who went away, people registered elsewhere
    who left), oldest first."""
    back = today.year * 12 + today.month - 1 - (FLOW_MONTHS - 1)
    first = datetime.date(back // 12, back % 12 + 1, 1)

    def by_month(qs, date_field: str) -> dict[datetime.date, int]:
        rows = (
            qs.filter(**{f"{date_field}__gte": first})
            .annotate(month=TruncMonth(date_field))
            .values_list("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return dict(rows)

    came = by_month(inflows, "arrived_on")
    left = by_month(inflows.filter(left_on__isnull=False), "left_on")
    went = by_month(residents.filter(presence=Presence.AWAY), "presence_since")
    months = []
    month = first
    while month <= today:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    counted = [(m, came.get(m, 0), left.get(m, 0) + went.get(m, 0)) for m in months]
    top = max((max(n_in, n_out) for _m, n_in, n_out in counted), default=0) or 1
    return [
        {
            "month": m,
            "in": n_in,
            "out": n_out,
            "y": i * 36,
            "in_width": round(n_in / top * FLOW_BAR_MAX),
            "out_width": round(n_out / top * FLOW_BAR_MAX),
        }
        for i, (m, n_in, n_out) in enumerate(counted)
    ]


@require_http_methods(["GET", "POST"])
def inflow_list(request: HttpRequest) -> HttpResponse:
    """The people living here registered elsewhere, the form that records one, and the
    flows in and out by month."""
    require_role(request.user, REGISTRY_READERS)
    today = timezone.localdate()
    may_record = holds_role(request.user, PRESENCE_KEEPERS)
    form = InflowForm(user=request.user, initial={"arrived_on": today}) if may_record else None
    if request.method == "POST":
        require_role(request.user, PRESENCE_KEEPERS)
        form = InflowForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.inflow_add(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("households:inflows")
    inflows = Inflow.objects.visible_to(request.user).select_related("village", "household")
    residents = Resident.objects.visible_to(request.user)
    village = parse.object_id(request.GET.get("village"))
    if village:
        inflows = inflows.filter(village_id=village)
        residents = residents.filter(household__village_id=village)
    show = parse.choice(request.GET.get("show"), ["left", "all"], default="")
    listed = inflows if show == "all" else inflows.filter(left_on__isnull=(show != "left"))
    page = Paginator(listed, PAGE).get_page(parse.page(request.GET.get("page")))
    flows = _flows(inflows, residents, today)
    return render(
        request,
        "households/inflow_list.html",
        {
            "page": page,
            "show": show,
            "village": village,
            "villages": Region.objects.filter(
                pk__in=Inflow.objects.visible_to(request.user).values("village_id")
            ).order_by("code"),
            "form": form,
            "open_form": request.method == "POST",
            "flows": flows,
            "flows_height": len(flows) * 36,
            "flows_in": sum(r["in"] for r in flows),
            "flows_out": sum(r["out"] for r in flows),
            "may_leave": {
                i.village_id
                for i in page.object_list
                if has_role_at(request.user, PRESENCE_KEEPERS, i.village.code)
            },
            "today": today,
        },
    )


@require_POST
def inflow_leave(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, PRESENCE_KEEPERS)
    inflow = get_object_or_404(Inflow.objects.visible_to(request.user, PRESENCE_KEEPERS), pk=pk)
    left_on = parse.date(request.POST.get("left_on")) or timezone.localdate()
    try:
        services.inflow_leave(inflow, user=request.user, left_on=left_on)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Recorded as left."))
    return redirect("households:inflows")

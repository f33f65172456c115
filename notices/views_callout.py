"""Broadcasts to residents (天音): the list, the form, one broadcast's progress and
deliveries, and the village's loudspeaker zones. Business rules are in
notices.callouts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common import parse
from common.forms import ObjectsField, field
from households.models import Household
from notices import callouts
from notices.forms import CalloutForm, caller_regions
from notices.models import Callout, CalloutStatus, Channel, Delivery, DeliveryStatus, SpeakerZone
from notices.roles import CALLERS, CALLOUT_READERS
from villages.models import Level, Region
from villages.scoping import holds_role, require_role

PAGE = 30
DELIVERY_PAGE = 50


@require_GET
def callout_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, CALLOUT_READERS)
    qs = Callout.objects.visible_to(request.user).select_related("region", "sender")
    status = parse.choice(request.GET.get("status"), CalloutStatus.values)
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "notices/callout_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CalloutStatus.choices,
            "may_call": holds_role(request.user, CALLERS),
        },
    )


@require_http_methods(["GET", "POST"])
def callout_new(request: HttpRequest) -> HttpResponse:
    require_role(request.user, CALLERS)
    initial: dict[str, object] = {}
    chosen: list[Household] = []
    if request.method == "GET":
        # a list of households handed over by another page (an alert's, a hazard's):
        # their ids only, and only those the user may see
        ids = parse.object_ids(request.GET.getlist("household"))[:500]
        if ids:
            chosen = list(
                Household.objects.visible_to(request.user, roles=CALLERS)
                .filter(pk__in=ids)
                .select_related("village")
            )
            initial["households"] = [h.pk for h in chosen]
            if chosen:
                initial["region"] = chosen[0].village_id
    form = CalloutForm(
        request.POST if request.method == "POST" else None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            callout = callouts.callout_create(
                sender=request.user,
                region=data["region"],
                kind=data["kind"],
                title=data["title"],
                text=data["text"],
                groups=data["groups"],
                grids=data["grids"],
                households=data["households"],
                by_speaker=data["by_speaker"],
                by_text=data["by_text"],
                on_board=data["on_board"],
                hours=data["hours"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if callout.status == CalloutStatus.WAITING and callout.send_after > callout.created_at:
                messages.info(
                    request,
                    _("It is night: the broadcast waits until %(time)s.")
                    % {"time": timezone.localtime(callout.send_after).strftime("%m-%d %H:%M")},
                )
            else:
                messages.success(request, _("The broadcast is going out."))
            return redirect("notices:callout", pk=callout.pk)
    elif request.method == "POST":
        chosen = list(form.cleaned_data.get("households") or [])
    return render(request, "notices/callout_form.html", {"form": form, "chosen": chosen})


@require_GET
def callout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, CALLOUT_READERS)
    callout = get_object_or_404(
        Callout.objects.visible_to(request.user).select_related("region", "sender"), pk=pk
    )
    channel = parse.choice(request.GET.get("channel"), Channel.values)
    status = parse.choice(request.GET.get("status"), DeliveryStatus.values)
    deliveries = Delivery.objects.filter(callout=callout).select_related("household", "zone")
    if channel:
        deliveries = deliveries.filter(channel=channel)
    if status:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, DELIVERY_PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "notices/callout_detail.html",
        {
            "callout": callout,
            "summary": callouts.summary(callout),
            "page": page,
            "channel": channel,
            "status": status,
            "channels": Channel.choices,
            "statuses": DeliveryStatus.choices,
            "going": callout.status != CalloutStatus.SENT,
            "groups": list(callout.groups.all()),
            "grids": list(callout.grids.all()),
            "listed": callout.households.count(),
        },
    )


class ZoneForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("Village"), queryset=Region.objects.none())
    name = forms.CharField(label=gettext_lazy("Zone"), max_length=40)
    zone_id = forms.CharField(
        label=gettext_lazy("Zone id in the loudspeaker system"), max_length=40
    )
    groups = ObjectsField(
        label=gettext_lazy("Villager groups it covers (none: the whole village)"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = caller_regions(user).filter(level=Level.VILLAGE)
        field(self, "village", forms.ModelChoiceField).queryset = villages
        field(self, "groups", forms.ModelMultipleChoiceField).queryset = (
            Region.objects.visible_to(user, roles=CALLERS)
            .filter(level=Level.GROUP)
            .order_by("code")
        )
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk


@require_http_methods(["GET", "POST"])
def speaker_zones(request: HttpRequest) -> HttpResponse:
    require_role(request.user, CALLERS)
    villages = caller_regions(request.user).filter(level=Level.VILLAGE)
    zones = SpeakerZone.objects.filter(village__in=villages).select_related("village")
    form = ZoneForm(None, user=request.user)
    if request.method == "POST":
        if pk := parse.object_id(request.POST.get("delete")):
            zone = get_object_or_404(zones, pk=pk)
            callouts.zone_delete(zone, user=request.user)
            messages.success(request, _("The zone was taken out."))
            return redirect("notices:speaker_zones")
        form = ZoneForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                callouts.zone_add(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The zone was added."))
                return redirect("notices:speaker_zones")
    return render(
        request,
        "notices/speaker_zones.html",
        {"form": form, "zones": zones.prefetch_related("groups")},
    )

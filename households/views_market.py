"""The produce market (我家有农货, DESIGN §1.4): a household posts what it sells or wants
to buy from its public page; the village's cadres approve or refuse it in their queue;
published listings show on the village's market page and on the household's page until
they expire or are closed (by a cadre, or by the poster with the code shown once).

Public pages show a listing's household as its masked head name and number (DESIGN §5);
buyers reach sellers through the village's representative, whose official phone the
market page shows, not through a resident's own number.
"""

from __future__ import annotations

import contextlib
import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.actions import run_action
from common.caching import kept, public_page_key
from common.masking import has_mobile_number
from households import services
from households.masking import mask
from households.models import (
    Household,
    Listing,
    ListingKind,
    ListingStatus,
    PublicInfo,
    Relation,
    Resident,
    ResidentStatus,
    product_key,
)
from households.phones import clean_phone
from households.public import (
    DailyLimit,
    guessing,
    public_form,
    public_response,
    refused,
)
from households.roles import PRODUCE_MODERATORS, PRODUCE_READERS
from villages.models import Level, Region
from villages.registry import village_page_url
from villages.scoping import require_role

MARKET_PAGE = 30
QUEUE_PAGE = 30
PANEL_LISTINGS = 5
CLOSED_SHOWN_DAYS = 30  # a closing the family should hear of stays on its page this long


class ListingForm(forms.Form):
    """The public form; `website` is a honeypot: hidden from people, filled by bots."""

    kind = forms.ChoiceField(
        label=gettext_lazy("I want to"),
        choices=ListingKind.choices,
        widget=forms.RadioSelect,
        initial=ListingKind.SELL,
    )
    product = forms.CharField(
        label=gettext_lazy("Product"),
        max_length=30,
        help_text=gettext_lazy("For example: 脐橙, 土鸡蛋, 稻谷."),
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    unit = forms.CharField(
        label=gettext_lazy("Unit"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("斤, 箱, 只 …"),
    )
    price = forms.DecimalField(
        label=gettext_lazy("Price per unit (yuan)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=gettext_lazy("Leave empty for a price to be agreed (面议)."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Your mobile number (optional)"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "We text you when the listing is refused or the co-op buys it. It is never shown."
        ),
    )
    website = forms.CharField(label=gettext_lazy("Leave this empty"), required=False)

    def clean_phone(self) -> str:
        phone = clean_phone(self.cleaned_data.get("phone"))
        if phone and not phone.startswith("1"):
            raise forms.ValidationError(gettext_lazy("Text messages go to a mobile number."))
        return phone

    def clean(self):
        # the service's rule, met before the post counts against the day's limits
        super().clean()
        cleaned = self.cleaned_data
        typed = " ".join(str(cleaned.get(f) or "") for f in ("product", "unit", "note"))
        if has_mobile_number(typed):
            self.add_error("note", services.NO_PHONE_IN_LISTING)
        return cleaned

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


@login_not_required
@require_http_methods(["GET", "POST"])
def listing_new(request: HttpRequest, token: str) -> HttpResponse:
    def submit(household: Household, data: dict) -> dict:
        data = {k: v for k, v in data.items() if k != "website"}
        return {"listing": services.listing_post(household=household, **data)}

    return public_form(
        request,
        token,
        form_class=ListingForm,
        limit=DailyLimit(
            "produce",
            settings.PRODUCE_PER_CONNECTION,
            settings.PRODUCE_PER_HOUSEHOLD,
            gettext_lazy("Too many listings today. Please try again tomorrow."),
        ),
        page="households/public_listing.html",
        done="households/public_listing_done.html",
        submit=submit,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def listing_close_public(request: HttpRequest, code: str) -> HttpResponse:
    """The poster's receipt: what became of the listing (waiting, shown, refused with the
    committee's reason, closed), and closing it with the code they were shown."""
    if guessing(request, miss=False):
        return refused()
    listing = (
        Listing.objects.filter(close_code=code).select_related("village").first()
        if len(code) <= 32
        else None
    )
    if listing is None:
        if guessing(request, miss=True):
            return refused()
        raise Http404
    closed = listing.status == ListingStatus.CLOSED
    if request.method == "POST" and listing.status in (
        ListingStatus.PENDING,
        ListingStatus.PUBLISHED,
    ):
        with contextlib.suppress(ValidationError):  # closed by a cadre a moment ago
            services.listing_close(listing, code=code)
        closed = True
    return public_response(
        render(
            request, "households/public_listing_close.html", {"listing": listing, "closed": closed}
        )
    )


def with_head_name(qs):
    """The listing's household head's name, for the masked name (one query)."""
    head = Resident.objects.filter(
        household=OuterRef("household_id"),
        relation=Relation.HEAD,
        status=ResidentStatus.LIVING,
    ).order_by("pk")
    return qs.annotate(head_name=Subquery(head.values("name")[:1]))


def _shown(listings) -> list[dict]:
    return [
        {
            "listing": item,
            "who": mask(item.head_name, "name") if item.head_name else "",
            "number": item.household.number,
        }
        for item in listings
    ]


@login_not_required
@require_GET
def market(request: HttpRequest, code: str) -> HttpResponse:
    """The village's market: what households sell and want, newest first; ?product= shows
    the sellers and buyers of one product. Kept until a listing of the village changes."""
    village = get_object_or_404(
        Region.objects.only("pk", "name", "code"), code=code, level=Level.VILLAGE
    )
    product = parse.text(request.GET.get("product"), max_length=30)
    wanted = product_key(product)
    kind = parse.choice(request.GET.get("kind"), ListingKind.values)
    page_number = parse.page(request.GET.get("page"))
    # a typed product is anyone's text: its pages are made, not kept
    key = public_page_key(
        "market",
        village.pk,
        services.market_version(village.pk),
        kind,
        timezone.localdate(),
        translation.get_language(),
        page=page_number,
        keep=not wanted,
    )

    def make() -> str:
        qs = with_head_name(
            Listing.objects.showing()
            .filter(village=village)
            .select_related("household")
            .only(
                "pk",
                "kind",
                "product",
                "product_key",
                "quantity",
                "unit",
                "price",
                "note",
                "created_at",
                "household__number",
            )
        ).order_by("-moderated_at", "-pk")
        if wanted:
            qs = qs.filter(product_key=wanted)
        if kind:
            qs = qs.filter(kind=kind)
        page = Paginator(qs, MARKET_PAGE).get_page(page_number)
        info = (
            PublicInfo.objects.filter(region=village)
            .only("representative_name", "representative_phone", "office_phone")
            .first()
        )
        return render_to_string(
            "households/public_market.html",
            {
                "village": village,
                "page": page,
                "listings": _shown(page.object_list),
                "product": product if wanted else "",
                "kind": kind,
                "info": info,
                "board_url": village_page_url(village.code),
            },
            request=request,
        )

    return public_response(HttpResponse(kept(key, make, seconds=600)))


def produce_panel(request, household) -> dict:
    """The household's listings on its public page (one query) and the way to post."""
    listings = list(
        Listing.objects.showing()
        .filter(household_id=household.pk)
        .only("pk", "kind", "product", "product_key", "quantity", "unit", "price", "note")
        .order_by("-moderated_at", "-pk")[:PANEL_LISTINGS]
    )
    # how the family's listings closed lately, when it should hear it (the co-op bought
    # them): the second query of the panel
    closed = list(
        Listing.objects.filter(
            household_id=household.pk,
            status=ListingStatus.CLOSED,
            closed_at__gte=timezone.now() - datetime.timedelta(days=CLOSED_SHOWN_DAYS),
        )
        .exclude(closed_note="")
        .only("pk", "product", "closed_note", "closed_at")
        .order_by("-closed_at")[:PANEL_LISTINGS]
    )
    return {
        "listings": listings,
        "closed": closed,
        "post_url": reverse("households:listing_new", args=[household.token]),
        "market_url": reverse("households:market", args=[household.village_code]),
    }


# --- Staff: the moderation queue ---------------------------------------------------------------


@require_GET
def market_queue(request: HttpRequest) -> HttpResponse:
    require_role(request.user, PRODUCE_READERS)
    scoped = Listing.objects.visible_to(request.user)
    status = parse.choice(request.GET.get("status"), ListingStatus.values, ListingStatus.PENDING)
    qs = with_head_name(
        scoped.filter(status=status).select_related("village", "household")
    ).order_by("created_at" if status == ListingStatus.PENDING else "-pk")
    counts = dict(scoped.order_by().values_list("status").annotate(n=Count("pk")))
    page = Paginator(qs, QUEUE_PAGE).get_page(parse.page(request.GET.get("page")))
    moderated = {
        v.code
        for v in Region.objects.visible_to(request.user, roles=PRODUCE_MODERATORS)
        .filter(level=Level.VILLAGE)
        .only("code")
    }
    return render(
        request,
        "households/market_queue.html",
        {
            "page": page,
            "rows": [
                {
                    "listing": item,
                    "who": mask(item.head_name or "", "name"),
                    "moderates": item.village.code in moderated or request.user.is_superuser,
                }
                for item in page.object_list
            ],
            "status": status,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in ListingStatus.choices],
            "today": timezone.localdate(),
        },
    )


@require_POST
def market_action(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(
        Listing.objects.visible_to(request.user).select_related("village"), pk=pk
    )
    user = request.user  # each service checks the user may moderate the village's market
    run_action(
        request,
        {
            "approve": (
                lambda: services.listing_approve(listing, user=user),
                _("Listing approved: it shows on the market page."),
            ),
            "refuse": (
                lambda: services.listing_refuse(
                    listing, user=user, reason=request.POST.get("reason", "")
                ),
                _("Listing refused."),
            ),
            "close": (lambda: services.listing_close(listing, user=user), _("Listing closed.")),
        },
    )
    back = parse.choice(request.POST.get("status"), ListingStatus.values)
    return redirect(reverse("households:market_queue") + (f"?status={back}" if back else ""))

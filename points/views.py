"""Staff pages of the points bank: the ledger (record, bulk, approve, revoke), the
rule catalogue, honours, the co-op (goods and redemptions) and the totals report; and
the public village leaderboard (比一比). Scoped like every staff page: outside the
user's region 404, inside without the right 403."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import parse
from common.actions import run_action
from common.caching import kept, public_page_key
from common.xlsx import workbook_bytes
from households.downloads import personal_download
from households.models import Household, Listing
from households.roles import REGISTRY_READERS
from points import selectors, services
from points.forms import (
    BulkForm,
    DiscountForm,
    EntryForm,
    GoodForm,
    HonourForm,
    LookupForm,
    ProduceBuyForm,
    RedeemForm,
    RuleForm,
    TermsForm,
    user_villages,
)
from points.models import (
    CoopTerms,
    Discount,
    EntryStatus,
    Good,
    Honour,
    PointAccount,
    PointEntry,
    PointRule,
    ProduceBuy,
    Redemption,
)
from points.roles import COOP_CLERKS, COOP_READERS, POINTS_KEEPERS, POINTS_READERS
from villages.models import Level, Region
from villages.scoping import has_role_at, require_role

PAGE = 50


def _month(request: HttpRequest) -> tuple[int, int | None]:
    """(year, month or None) from ?period=YYYY or YYYY-MM (default: this year)."""
    text = request.GET.get("period", "")
    if (year_month := parse.month(text)) is not None:
        return year_month
    return parse.year(text) or timezone.localdate().year, None


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    require_role(request.user, POINTS_READERS)
    # the state of an entry's standing revocation (pending or approved), in the same query
    standing = (
        PointEntry.objects.filter(reverses=OuterRef("pk"))
        .exclude(status=EntryStatus.REVOKED)
        .values("status")[:1]
    )
    qs = (
        PointEntry.objects.visible_to(request.user)
        .select_related("household__village", "rule", "resident", "recorded_by")
        .annotate(reversal_status=Subquery(standing))
        .order_by("-recorded_at", "-pk")
    )
    if status := parse.choice(request.GET.get("status"), EntryStatus.values):
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE).get_page(parse.page(request.GET.get("page")))
    keeper_villages = user_villages(request.user, POINTS_KEEPERS)
    return render(
        request,
        "points/entries.html",
        {
            "page": page,
            "status": status,
            "statuses": EntryStatus.choices,
            "keeper_codes": [v.code for v in keeper_villages],
            "lookup": LookupForm(villages=keeper_villages) if keeper_villages else None,
        },
    )


@require_GET
def entry_lookup(request: HttpRequest) -> HttpResponse:
    """The household typed by its number → its entry form."""
    villages = user_villages(request.user, POINTS_KEEPERS)
    if not villages:
        raise PermissionDenied
    form = LookupForm(request.GET, villages=villages)
    if form.is_valid():
        return redirect("points:entry_new", pk=form.cleaned_data["household"].pk)
    for error in form.errors.values():
        messages.error(request, " ".join(str(e) for e in error))
    return redirect("points:entries")


def _household_for(request: HttpRequest, pk: int, roles) -> Household:
    household = get_object_or_404(
        Household.objects.visible_to(
            request.user, roles=POINTS_READERS | REGISTRY_READERS
        ).select_related("village"),
        pk=pk,
    )
    if not has_role_at(request.user, roles, household.village.code):
        raise PermissionDenied
    return household


@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk, POINTS_KEEPERS)
    form = EntryForm(request.POST or None, household=household)
    if form.is_valid():
        try:
            services.entry_record(household=household, user=request.user, **form.cleaned_data)
        except services.PointsRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Points recorded; another cadre approves them."))
            return redirect("households:detail", pk=household.pk)
    return render(request, "points/entry_form.html", {"form": form, "household": household})


@require_http_methods(["GET", "POST"])
def entry_bulk(request: HttpRequest) -> HttpResponse:
    villages = user_villages(request.user, POINTS_KEEPERS)
    if not villages:
        raise PermissionDenied
    form = BulkForm(request.POST or None, villages=villages)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.entries_record_bulk(
                village_id=data["village"].pk,
                numbers=data["number_list"],
                rule=data["rule"],
                occurred_on=data["occurred_on"],
                place=data["place"],
                description=data["description"],
                user=request.user,
            )
        except services.PointsRefused as exc:
            form.add_error("numbers", str(exc))
        else:
            messages.success(
                request,
                _("Points recorded for %(n)d households; another cadre approves them.")
                % {"n": len(result.entries)},
            )
            return redirect(reverse("points:entries") + "?status=pending")
    return render(request, "points/bulk_form.html", {"form": form})


@require_POST
def entry_action(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        PointEntry.objects.visible_to(request.user).select_related("household__village"), pk=pk
    )

    def revoked(done: PointEntry) -> str:
        if done.pk == entry.pk:
            return _("Entry revoked.")
        return _(
            "The revocation is recorded as an entry of %(points)+d; it counts once "
            "another cadre approves it."
        ) % {"points": done.points}

    run_action(
        request,
        {
            "approve": (
                lambda: services.entry_approve(entry=entry, user=request.user),
                _("Entry approved."),
            ),
            "revoke": (
                lambda: services.entry_revoke(
                    entry=entry, user=request.user, reason=request.POST.get("reason", "")
                ),
                revoked,
            ),
        },
        refusals=(services.PointsRefused,),
    )
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/points/") else "points:entries")


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    require_role(request.user, POINTS_READERS)
    villages = user_villages(request.user, POINTS_KEEPERS)
    form = RuleForm(request.POST or None, villages=villages) if villages else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            services.rule_save(form.save(commit=False), user=request.user)
            messages.success(request, _("Rule saved."))
            return redirect("points:rules")
    catalogue = PointRule.objects.visible_to(request.user).select_related("village")
    return render(
        request,
        "points/rules.html",
        {
            "rules": catalogue.order_by("village__code", "category", "name"),
            "form": form,
            "keeper_codes": [v.code for v in villages],
        },
    )


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(
        PointRule.objects.visible_to(request.user).select_related("village"), pk=pk
    )
    if not has_role_at(request.user, POINTS_KEEPERS, rule.village.code):
        raise PermissionDenied
    form = RuleForm(request.POST or None, instance=rule, villages=[rule.village])
    if form.is_valid():
        services.rule_save(form.save(commit=False), user=request.user)
        messages.success(request, _("Rule saved."))
        return redirect("points:rules")
    return render(request, "points/rule_form.html", {"form": form, "rule": rule})


@require_http_methods(["GET", "POST"])
def honours(request: HttpRequest) -> HttpResponse:
    require_role(request.user, POINTS_READERS)
    villages = user_villages(request.user, POINTS_KEEPERS)
    form = HonourForm(request.POST or None, villages=villages) if villages else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.honour_award(
                    household=data["household"],
                    kind=data["kind"],
                    year=data["year"],
                    stars=data["stars"],
                    user=request.user,
                )
            except services.PointsRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Honour recorded."))
                return redirect("points:honours")
    listed = Honour.objects.visible_to(request.user).select_related("household__village")
    page = Paginator(
        listed.order_by("-year", "household__village__code", "household__number"), PAGE
    ).get_page(parse.page(request.GET.get("page")))
    return render(request, "points/honours.html", {"page": page, "form": form})


@require_http_methods(["GET", "POST"])
def coop(request: HttpRequest) -> HttpResponse:
    require_role(request.user, COOP_READERS)
    clerk_villages = user_villages(request.user, COOP_CLERKS)
    redeem_form = (
        RedeemForm(
            request.POST if request.POST.get("form") == "redeem" else None, villages=clerk_villages
        )
        if clerk_villages
        else None
    )
    good_form = (
        GoodForm(
            request.POST if request.POST.get("form") == "good" else None, villages=clerk_villages
        )
        if clerk_villages
        else None
    )
    if request.method == "POST":
        if not clerk_villages or redeem_form is None or good_form is None:
            raise PermissionDenied  # both forms exist wherever the user is a clerk
        if request.POST.get("form") == "redeem" and redeem_form.is_valid():
            data = redeem_form.cleaned_data
            try:
                done = services.redeem(
                    household=data["household"],
                    good=data["good"],
                    quantity=data["quantity"],
                    clerk=request.user,
                )
            except services.PointsRefused as exc:
                redeem_form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Redeemed %(points)d points; %(balance)d left.")
                    % {"points": done.points, "balance": services.balance_of(done.household_id)},
                )
                return redirect("points:coop")
        elif request.POST.get("form") == "good" and good_form.is_valid():
            services.good_save(good_form.save(commit=False), user=request.user)
            messages.success(request, _("Goods saved."))
            return redirect("points:coop")
    lookup = None
    # a household's number or its plaque's code (the address its QR code opens)
    number = parse.text(request.GET.get("number"), max_length=120)
    if number and clerk_villages:
        household = selectors.find_household(clerk_villages, number)
        lookup = {
            "number": number,
            "household": household,
            "balance": services.balance_of(household.pk) if household else None,
            "head": household.masked_name() if household else "",
            "redemptions": list(
                Redemption.objects.filter(household=household)
                .select_related("good")
                .order_by("-at")[:5]
            )
            if household
            else [],
        }
        if household and redeem_form is not None and not redeem_form.is_bound:
            redeem_form.initial["number"] = household.number
    goods = (
        Good.objects.visible_to(request.user)
        .select_related("village")
        .order_by("village__code", "name")
    )
    recent = Redemption.objects.visible_to(request.user).select_related(
        "household", "good", "clerk"
    )[:20]
    return render(
        request,
        "points/coop.html",
        {
            "goods": goods,
            "recent": recent,
            "redeem_form": redeem_form,
            "good_form": good_form,
            "lookup": lookup,
            "can_redeem": bool(clerk_villages),
        },
    )


@require_http_methods(["GET", "POST"])
def good_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Restock, reprice or take off the shelf (the village's co-op clerk)."""
    good = get_object_or_404(Good.objects.visible_to(request.user).select_related("village"), pk=pk)
    if not has_role_at(request.user, COOP_CLERKS, good.village.code):
        raise PermissionDenied
    form = GoodForm(request.POST or None, instance=good, villages=[good.village])
    if form.is_valid():
        services.good_save(form.save(commit=False), user=request.user)
        messages.success(request, _("Goods saved."))
        return redirect("points:coop")
    return render(request, "points/good_form.html", {"form": form, "good": good})


def _report_rows(request: HttpRequest, year: int, month: int | None):
    period = Q(occurred_on__year=year) & (Q(occurred_on__month=month) if month else Q())
    return (
        PointEntry.objects.visible_to(request.user)
        .filter(period, status=EntryStatus.APPROVED)
        .values(
            "household_id",
            "household__number",
            "household__village__name",
            "household__village__code",
        )
        .annotate(total=Sum("points"))
        .order_by("-total", "household__village__code", "household__number")
    )


@require_GET
def report(request: HttpRequest) -> HttpResponseBase:
    require_role(request.user, POINTS_READERS)
    year, month = _month(request)
    rows = _report_rows(request, year, month)
    if request.GET.get("format") == "xlsx":
        balances = dict(
            PointAccount.objects.filter(
                household_id__in=[r["household_id"] for r in rows]
            ).values_list("household_id", "balance")
        )
        table = [
            [
                r["household__village__name"],
                r["household__number"],
                r["total"],
                balances.get(r["household_id"], 0),
            ]
            for r in rows
        ]
        content = workbook_bytes(
            [_("Village"), _("Household number"), _("Points"), _("Balance")],
            table,
            title=_("Points"),
            widths={0: 18, 1: 12, 2: 10, 3: 10},
        )
        label = f"{year}" + (f"-{month:02d}" if month else "")
        return personal_download(
            user=request.user,
            what=_("Points"),
            rows=len(table),
            content=content,
            filename=_("Points") + f"-{label}.xlsx",
            roles=POINTS_READERS,
            filters=label,
        )
    page = Paginator(rows, PAGE).get_page(parse.page(request.GET.get("page")))
    return render(
        request,
        "points/report.html",
        {
            "page": page,
            "year": year,
            "month": month,
            "period": request.GET.get("period", str(year)),
        },
    )


@login_not_required
@require_GET
def leaderboard(request: HttpRequest, code: str) -> HttpResponse:
    """比一比: the village's households by this year's points, masked names (public), page
    by page; a resident finds their household by its number (the page it is on, marked).
    The first pages are kept until the village's points change (services.public_version)."""
    village = get_object_or_404(
        Region.objects.only("pk", "name", "code"), code=code, level=Level.VILLAGE
    )
    year = timezone.localdate().year
    number = parse.text(request.GET.get("number"), max_length=20)
    page = parse.page(request.GET.get("page"))
    missing = False
    if number:
        found = selectors.board_page_of(village.pk, year, number)
        if found is not None:
            url = reverse("points:leaderboard", args=[code])
            return redirect(f"{url}?page={found}&mine={quote(number)}#h-{quote(number)}")
        missing = True
    mine = parse.text(request.GET.get("mine"), max_length=20)
    size = selectors.board_size(village.pk, year)
    pages = max(1, -(-size // selectors.BOARD_PAGE))
    page = min(page, pages)
    key = public_page_key(
        "leaderboard",
        village.pk,
        services.public_version(village.pk),
        year,
        translation.get_language(),
        page=page,
        keep=not (mine or missing),
    )
    html = kept(
        key,
        lambda: render_to_string(
            "points/leaderboard.html",
            {
                "village": village,
                "year": year,
                "page": page,
                "pages": pages,
                "size": size,
                "board": selectors.leaderboard(village.pk, year, page),
                "mine": mine,
                "number": number,
                "missing": missing,
                "first": (page - 1) * selectors.BOARD_PAGE + 1,
            },
            request=request,
        ),
        seconds=600,
    )
    response = HttpResponse(html)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def coop_sales(request: HttpRequest) -> HttpResponse:
    """The co-op's other desk (issue 25): a purchase paid partly with points, and the
    households' listed produce the co-op buys to sell outside; the village's points
    keepers set how far points go."""
    require_role(request.user, COOP_READERS)
    clerk_villages = user_villages(request.user, COOP_CLERKS)
    keeper_villages = user_villages(request.user, POINTS_KEEPERS)
    which = request.POST.get("form") if request.method == "POST" else None
    discount_form = (
        DiscountForm(request.POST if which == "discount" else None, villages=clerk_villages)
        if clerk_villages
        else None
    )
    terms_village = keeper_villages[0] if keeper_villages else None
    terms = (
        CoopTerms.objects.filter(village=terms_village).first() or CoopTerms(village=terms_village)
        if terms_village
        else None
    )
    terms_form = (
        TermsForm(request.POST if which == "terms" else None, instance=terms)
        if terms is not None
        else None
    )
    if request.method == "POST":
        if which == "discount" and discount_form is not None:
            if discount_form.is_valid():
                data = discount_form.cleaned_data
                try:
                    done = services.discount(
                        household=data["household"],
                        amount=data["amount"],
                        points=data["points"],
                        description=data["description"],
                        clerk=request.user,
                    )
                except services.PointsRefused as exc:
                    discount_form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        _("%(points)d points took ¥%(discount)s off; %(balance)d left.")
                        % {
                            "points": done.points,
                            "discount": done.discount,
                            "balance": services.balance_of(done.household_id),
                        },
                    )
                    return redirect("points:coop_sales")
        elif which == "terms" and terms_form is not None:
            if terms_form.is_valid():
                services.terms_save(terms_form.save(commit=False), user=request.user)
                messages.success(request, _("The co-op's terms are saved."))
                return redirect("points:coop_sales")
        elif which == "buy" and clerk_villages:
            listing = get_object_or_404(
                Listing.objects.showing().filter(village__in=clerk_villages, kind="sell"),
                pk=parse.object_id(request.POST.get("listing")) or 0,
            )
            form = ProduceBuyForm(request.POST, prefix=f"l{listing.pk}")
            if form.is_valid():
                try:
                    services.produce_buy(listing=listing, clerk=request.user, **form.cleaned_data)
                except services.PointsRefused as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("Bought; the family is told on its page."))
            else:
                messages.error(request, _("Enter the quantity and the price."))
            return redirect("points:coop_sales")
        else:
            raise PermissionDenied
    listings = list(
        Listing.objects.showing()
        .filter(village__in=clerk_villages, kind="sell")
        .select_related("village", "household")
        .order_by("product_key", "pk")[:100]
    )
    for listing in listings:
        listing.buy_form = ProduceBuyForm(
            prefix=f"l{listing.pk}",
            initial={"quantity": listing.quantity, "price": listing.price},
        )
    return render(
        request,
        "points/coop_sales.html",
        {
            "discount_form": discount_form,
            "terms_form": terms_form,
            "terms": CoopTerms.objects.filter(village__in=clerk_villages).first(),
            "listings": listings,
            "discounts": Discount.objects.visible_to(request.user).select_related(
                "household", "clerk"
            )[:20],
            "bought": ProduceBuy.objects.visible_to(request.user).select_related(
                "listing__household", "clerk"
            )[:20],
        },
    )

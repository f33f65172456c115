"""What the points bank brings to the shared pages (registered from PointsConfig.ready):
its menu entries, its panel on the staff household page, and its part of the public
household page (this month's and year's points of the household and each member,
honours, the entries page by page, the household's place on the village leaderboard)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import parse
from households.masking import mask
from points import selectors, services, versions
from points.forms import user_villages
from points.models import EntryStatus, Good, Honour, PointEntry, Redemption
from points.roles import COOP_CLERKS, COOP_READERS, POINTS_KEEPERS, POINTS_READERS
from villages.registry import MenuEntry, Panel, PublicPanel, portal
from villages.scoping import has_role_at

PUBLIC_ENTRIES = 10  # a page of entries on the public page


def leaderboard_link(request, village) -> dict:
    """The village board's way to the village's moral points leaderboard."""
    return {
        "text": _("This year's moral points of the village's households, side by side."),
        "label": _("Moral points: compare (比一比)"),
        "url": reverse("points:leaderboard", args=[village.code]),
    }


def public_panel(request, household) -> dict:
    """Six queries whatever the number of entries (tested with 1 and 1,000)."""
    today = timezone.localdate()
    totals = selectors.household_totals(household.pk, today)
    entries = (
        PointEntry.objects.filter(household_id=household.pk, status=EntryStatus.APPROVED)
        .select_related("resident")
        .only("occurred_on", "place", "description", "points", "resident__name")
        .order_by("-occurred_on", "-pk")
    )
    page = Paginator(entries, PUBLIC_ENTRIES).get_page(parse.page(request.GET.get("page")))
    rank, ranked = selectors.place(household.village_id, today.year, totals["year"])
    return {
        "totals": totals,
        "members": selectors.member_totals(household.pk, today),
        "honours": list(
            Honour.objects.filter(household_id=household.pk).order_by("-year", "kind")[:10]
        ),
        "page": page,
        "entries": [
            {"entry": e, "who": mask(e.resident.name, "name") if e.resident else ""}
            for e in page.object_list
        ],
        "rank": rank if totals["year"] > 0 else None,
        "ranked": ranked,
        "village_code": household.village_code,
        "year": today.year,
    }


def household_panel(request, household) -> dict:
    """The staff household page: balance, this year's points, pending and recent
    entries, honours; the record link for the village's keepers."""
    today = timezone.localdate()
    recent = list(
        PointEntry.objects.filter(household=household)
        .select_related("rule", "resident")
        .order_by("-occurred_on", "-pk")[:5]
    )
    return {
        "balance": services.balance_of(household.pk),
        "totals": selectors.household_totals(household.pk, today),
        "recent": recent,
        "honours": list(Honour.objects.filter(household=household).order_by("-year")[:5]),
        "can_record": has_role_at(request.user, POINTS_KEEPERS, household.village.code),
        "household": household,
    }


LOW_STOCK = 5  # goods at or under this many are flagged on the clerk's desk


def coop_home_panel(request, region) -> dict | None:
    """The co-op clerk's home is the redemption desk: find a household (number or plaque
    code), today's redemptions, goods running low, the latest redemptions."""
    villages = user_villages(request.user, COOP_CLERKS)
    if not villages:
        return None
    mine = Redemption.objects.filter(good__village__in=villages)
    today = mine.filter(at__date=timezone.localdate()).aggregate(
        count=Count("pk"), points=Coalesce(Sum("points"), 0)
    )
    return {
        "today_count": today["count"],
        "today_points": today["points"],
        "low": list(
            Good.objects.filter(village__in=villages, active=True, stock__lte=LOW_STOCK).order_by(
                "stock", "name"
            )[:8]
        ),
        "recent": list(mine.select_related("household", "good").order_by("-at")[:5]),
    }


def plaque_lines(household_ids: list[int]) -> dict[int, list[str]]:
    """A door plaque's honours: the latest three of each household (one query)."""
    lines: dict[int, list[str]] = {}
    for honour in Honour.objects.filter(household_id__in=household_ids).order_by(
        "household_id", "-year", "kind"
    ):
        stars = "★" * honour.stars if honour.stars else ""
        lines.setdefault(honour.household_id, []).append(
            f"{honour.year} {honour.get_kind_display()}{stars}"
        )
    return {pk: found[:3] for pk, found in lines.items()}


def register() -> None:
    versions.connect()
    portal.add_menu(
        MenuEntry(
            key="points",
            label=_("Moral points"),
            url_name="points:entries",
            roles=POINTS_READERS,
            order=40,
            active_for=(
                "points:entry_new",
                "points:entry_bulk",
                "points:rules",
                "points:rule_edit",
                "points:honours",
                "points:report",
            ),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="coop", label=_("Co-op"), url_name="points:coop", roles=COOP_READERS, order=45
        )
    )
    portal.add_home_panel(
        Panel(
            key="coop_desk",
            template="points/_coop_home_panel.html",
            context=coop_home_panel,
            roles=COOP_CLERKS,
            order=5,
        )
    )
    portal.add_household_panel(
        Panel(
            key="points_household",
            template="points/_household_panel.html",
            context=household_panel,
            roles=POINTS_READERS,
            order=30,
            version_keys=versions.household_keys,
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="points",
            title=_("Moral points and honours"),
            template="points/_public_panel.html",
            context=public_panel,
            order=10,
            version_key=lambda household: services.public_key(household.village_id),
        )
    )
    portal.add_village_panel(
        PublicPanel(
            key="leaderboard",
            title=_("Moral points and honours"),
            template="includes/public_link.html",
            context=leaderboard_link,
            order=10,
        )
    )
    portal.add_plaque_lines(plaque_lines)

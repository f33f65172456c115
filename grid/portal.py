"""What the grid app brings to the shared pages (registered from GridConfig.ready): its
menu entry and its panel on the staff household page (the household's grid and people)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid import services, versions
from grid.models import PROXY_CATEGORIES, GridHousehold, GridRole, Matter, Visit
from grid.roles import GRID_READERS, LOG_READERS, VISITORS
from grid.views_log import public_log
from villages import people
from villages.registry import MenuEntry, Panel, PublicPanel, portal
from villages.scoping import has_role_at


def household_panel(request, household) -> dict:
    """The household's grid and people, its latest visits, the visit link for visitors."""
    row = GridHousehold.objects.filter(household=household).select_related("grid").first()
    grid = row.grid if row else None
    return {
        "grid": grid,
        "members": list(grid.members.order_by("role", "name")) if grid else [],
        "visits": list(
            Visit.objects.filter(household=household)
            .select_related("recorded_by")
            .prefetch_related(people.prefetch("recorded_by"))[:5]
        ),
        "matters": list(Matter.objects.filter(household=household).order_by("-created_at")[:5]),
        "can_visit": has_role_at(request.user, VISITORS, household.village.code),
        "household": household,
    }


def public_replies(request, household) -> dict | None:
    """The replies to the family's matters it asked to be told about (the latest five):
    the reply and its date only. The matter's title and kind stay off the public page (a
    title such as 低保申请 would tell anyone who scans the plaque what DESIGN §5 keeps
    private); the cadre writes the reply knowing it is public (the form says so)."""
    replies = list(
        Matter.objects.filter(
            household_id=household.pk, notify_resident=True, resolved_at__isnull=False
        )
        .only("reply", "resolved_at")
        .order_by("-resolved_at")[:5]
    )
    return {"replies": replies}


def public_head(request, household) -> dict | None:
    """The family's grid and its party-member central household head (党员中心户长), with
    the phone the village posts for them (the practice puts it on the door plaque); the
    grid chief beside them. Nothing when the household is in no grid."""
    row = GridHousehold.objects.filter(household_id=household.pk).select_related("grid").first()
    if row is None:
        return None
    members = {
        m.role: m for m in row.grid.members.filter(role__in=[GridRole.PARTY_HEAD, GridRole.CHIEF])
    }
    return {
        "grid": row.grid,
        "head": members.get(GridRole.PARTY_HEAD),
        "chief": members.get(GridRole.CHIEF),
    }


def home_panel(request, region) -> dict:
    """Matters of the area: open, overdue, and this year's proxy services done (on time)."""
    matters = Matter.objects.visible_to(request.user)
    if region is not None:
        matters = matters.filter(village__code__startswith=region.code)
    now = timezone.now()
    proxy = Q(category__in=PROXY_CATEGORIES, resolved_at__year=timezone.localdate().year)
    return matters.aggregate(
        open=Count("pk", filter=Q(resolved_at__isnull=True)),
        overdue=Count("pk", filter=Q(resolved_at__isnull=True, due_at__lt=now)),
        proxy_done=Count("pk", filter=proxy),
        proxy_on_time=Count("pk", filter=proxy & Q(resolved_on_time=True)),
    )  # one query on every home page


def register() -> None:
    versions.connect()
    portal.add_menu(
        MenuEntry(
            key="grids",
            label=_("Grids"),
            url_name="grid:list",
            roles=GRID_READERS,
            order=35,
            active_for=("grid:detail",),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="matters",
            label=_("Matters"),
            url_name="grid:matters",
            roles=GRID_READERS,
            order=36,
            active_for=("grid:matter", "grid:matter_new"),
        )
    )
    portal.add_home_panel(
        Panel(
            key="grid_matters",
            template="grid/_home_panel.html",
            context=home_panel,
            roles=GRID_READERS,
            order=30,
        )
    )
    portal.add_household_panel(
        Panel(
            key="grid_household",
            template="grid/_household_panel.html",
            context=household_panel,
            roles=GRID_READERS,
            order=25,
            version_keys=versions.household_keys,
        )
    )
    portal.add_menu(
        MenuEntry(
            key="hazards",
            label=_("Hazards"),
            url_name="grid:hazards",
            roles=GRID_READERS,
            order=33,
        )
    )
    portal.add_menu(
        MenuEntry(
            key="log",
            label=_("Daily log"),
            url_name="grid:log",
            roles=LOG_READERS,
            order=34,
            active_for=("grid:log_entry",),
        )
    )
    portal.add_village_panel(
        PublicPanel(
            key="daily_log",
            title=_("Daily log of people's situations (民情日志)"),
            template="grid/_public_log.html",
            context=public_log,
            order=5,  # beside the notices (三务公开, 村规民约)
            version_key=lambda village: services.public_key(village.pk),
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="grid_head",
            title=_("Your grid"),
            template="grid/_public_head.html",
            context=public_head,
            order=15,
            # changed by the grid's people and households (grid.services bumps it)
            version_key=lambda household: services.public_key(household.village_id),
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="replies",
            title=_("Replies to the family's requests"),
            template="grid/_public_replies.html",
            context=public_replies,
            order=20,
            version_key=lambda household: services.public_key(household.village_id),
        )
    )

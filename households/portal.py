"""What the registry brings to the shared pages: its menu entries, its home panel and
the produce part of the public household page (registered from HouseholdsConfig.ready)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from households.models import PublicInfo
from households.roles import AUDITORS, PRODUCE_READERS, REGISTRY_KEEPERS, REGISTRY_READERS
from households.services import market_key
from households.stats import overview_cached, reader_scope
from households.views_market import produce_panel
from villages.models import WORK_TEAM_ROLES, Level, Region, StaffAssignment
from villages.registry import MenuEntry, Panel, PublicPanel, portal
from villages.scoping import holds_role


def work_team_panel(request, village) -> dict | None:
    """驻村工作队公示 on the village board: the first secretary and the work team sent to
    the village (names and roles: officials, shown as the practice posts them), and the
    village committee's office phone to reach them. None while no team is assigned."""
    team = list(
        StaffAssignment.objects.filter(
            region_id=village.pk, role__in=WORK_TEAM_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "user__username")  # first_secretary sorts before work_team
    )
    if not team:
        return None
    office = PublicInfo.objects.filter(region_id=village.pk).values_list("office_phone", flat=True)
    return {
        "team": [
            {"name": a.user.get_full_name() or a.user.username, "role": a.get_role_display()}
            for a in team
        ],
        "phone": office.first() or "",
    }


def market_link(request, village) -> dict:
    """The village board's way to the village's produce market."""
    return {
        "text": _("What the village's families sell or want to buy."),
        "label": _("Produce market (我家有农货)"),
        "url": reverse("households:market", args=[village.code]),
    }


def overview_panel(request, region) -> dict:
    """Headline counts and population charts of the user's area (or one region in it),
    rendered once per scope, region and language until a registry write in the area."""
    villages = Region.objects.visible_to(request.user, roles=REGISTRY_READERS).filter(
        level=Level.VILLAGE
    )
    if region is not None:
        villages = villages.filter(code__startswith=region.code)
    can_import = holds_role(request.user, REGISTRY_KEEPERS)
    key = repr(
        (reader_scope(request.user), region and region.code, translation.get_language(), can_import)
    )

    def render(overview: dict) -> str:
        return render_to_string(
            "households/_overview_panel.html",
            {"panel": {"overview": overview, "region": region, "can_import": can_import}},
            request=request,
        )

    return {"html": mark_safe(overview_cached(villages, key, render))}  # noqa: S308 (ours)


def register() -> None:
    portal.add_menu(
        MenuEntry(
            key="households",
            label=_("Households"),
            url_name="households:list",
            roles=REGISTRY_READERS,
            order=10,
            active_for=("households:detail", "households:edit", "households:create"),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="residents",
            label=_("Residents"),
            url_name="households:resident_list",
            roles=REGISTRY_READERS,
            order=20,
        )
    )
    portal.add_menu(
        MenuEntry(
            key="inflows",
            label=_("Who lives here"),
            url_name="households:inflows",
            roles=REGISTRY_READERS,
            order=25,
            active_for=("households:presence",),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="import",
            label=_("Import"),
            url_name="households:import",
            roles=REGISTRY_KEEPERS,
            order=30,
            active_for=("households:import_preview",),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="access_log",
            label=_("Access log"),
            url_name="households:access_log",
            roles=AUDITORS,
            order=80,
        )
    )
    portal.add_menu(
        MenuEntry(
            key="market",
            label=_("Produce market"),
            url_name="households:market_queue",
            roles=PRODUCE_READERS,
            order=60,
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="produce",
            title=_("Produce for sale"),
            template="households/_public_produce.html",
            context=produce_panel,
            order=40,
            version_key=lambda household: market_key(household.village_id),
        )
    )
    portal.add_village_panel(
        PublicPanel(
            key="work_team",
            title=_("Village work team (驻村工作队公示)"),
            template="households/_public_work_team.html",
            context=work_team_panel,
            order=5,
        )
    )
    portal.add_village_panel(
        PublicPanel(
            key="market",
            title=_("Produce for sale"),
            template="includes/public_link.html",
            context=market_link,
            order=20,
        )
    )
    portal.add_home_panel(
        Panel(
            key="registry_overview",
            template="includes/panel_html.html",
            context=overview_panel,
            roles=REGISTRY_READERS,
            order=10,
        )
    )

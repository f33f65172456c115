"""What the grid app brings to the shared pages (registered from GridConfig.ready): its
menu entry and its panel on the staff household page (the household's grid and people)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from grid.models import GridHousehold, Visit
from grid.roles import GRID_READERS, VISITORS
from villages.registry import MenuEntry, Panel, portal
from villages.scoping import has_role_at


def household_panel(request, household) -> dict:
    """The household's grid and people, its latest visits, the visit link for visitors."""
    row = GridHousehold.objects.filter(household=household).select_related("grid").first()
    grid = row.grid if row else None
    return {
        "grid": grid,
        "members": list(grid.members.order_by("role", "name")) if grid else [],
        "visits": list(Visit.objects.filter(household=household).select_related("recorded_by")[:5]),
        "can_visit": has_role_at(request.user, VISITORS, household.village.code),
        "household": household,
    }


def register() -> None:
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
    portal.add_household_panel(
        Panel(
            key="grid_household",
            template="grid/_household_panel.html",
            context=household_panel,
            roles=GRID_READERS,
            order=25,
        )
    )

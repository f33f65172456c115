"""The registry's panels for pages composed of several apps (DESIGN §2)."""

from __future__ import annotations

from django import template

from households.models import Household, Resident
from households.selectors import region_overview

register = template.Library()


@register.inclusion_tag("households/_overview_panel.html", takes_context=True)
def registry_overview(context, region=None):
    """Headline counts and population charts of the user's region (or one region in it)."""
    user = context["request"].user
    residents = Resident.objects.visible_to(user)
    households = Household.objects.visible_to(user)
    if region is not None:
        residents = residents.filter(household__village__code__startswith=region.code)
        households = households.filter(village__code__startswith=region.code)
    return {"overview": region_overview(residents, households), "region": region}

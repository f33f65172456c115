from __future__ import annotations

from django.utils.functional import SimpleLazyObject
from django.utils.translation import pgettext

from villages.registry import menu_for
from villages.scoping import region_names


def portal_menu(request) -> dict:
    """The staff menu: the registered entries whose pages the user may open."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return {"menu": SimpleLazyObject(lambda: menu_for(getattr(request, "user", None), view_name))}


def print_head(request) -> dict:
    """A printed staff page says whose area it covers (the regions of the one printing)."""
    user = getattr(request, "user", None)
    return {
        "print_regions": SimpleLazyObject(
            lambda: pgettext("between names", ", ").join(region_names(user))
        )
    }

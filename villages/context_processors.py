from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from villages.registry import menu_for


def portal_menu(request) -> dict:
    """The staff menu: the registered entries whose pages the user may open."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return {"menu": SimpleLazyObject(lambda: menu_for(getattr(request, "user", None), view_name))}

"""Pages of the portal as a whole: the staff home, where the apps' panels are assembled
from the registry (so it imports none of them), the health check, the language switch,
and the error pages."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.i18n import set_language as django_set_language

from common import parse
from common.caching import cache_key, kept
from common.widgets import FastSelect
from villages.models import Level, Region
from villages.registry import home_panels
from villages.scoping import region_codes


def home(request: HttpRequest) -> HttpResponse:
    """The user's area at a glance, or one region in it, with each app's panel."""
    regions = Region.objects.visible_to(request.user)
    selected = None
    if code := parse.region_code(request.GET.get("region")):
        selected = regions.filter(code=code).first()
    top = list(Region.objects.filter(code__in=region_codes(request.user)).order_by("code"))
    # The picker's options change when regions are loaded or added (rare, by the county):
    # kept five minutes per scope, choice and language.
    key = cache_key("region-select", region_codes(request.user), code, translation.get_language())

    def make_picker() -> str:
        groups = _region_groups(regions)
        return _region_select(groups, selected) if groups else ""

    picker = kept(key, make_picker)
    return render(
        request,
        "home.html",
        {
            "selected": selected,
            "top_regions": top,
            "region_select": mark_safe(picker),  # noqa: S308 (rendered by FastSelect)
            "panels": home_panels(request, selected),
        },
    )


def _region_select(groups, selected: Region | None) -> str:
    """The region picker, rendered in Python (a county's 220 options through the template
    engine were a third of the home page's time)."""
    choices: list = [("", _("Whole area"))]
    for township, members in groups:
        options = [
            (
                r.code,
                _("%(name)s (whole township)") % {"name": r.name}
                if r.level == Level.TOWNSHIP
                else r.name,
            )
            for r in members
        ]
        if township is None:
            choices.extend(options)
        else:
            choices.append((township.name, options))
    widget = FastSelect(choices=choices)
    return widget.render("region", selected.code if selected else "", attrs={"id": "region"})


def _region_groups(regions) -> list[tuple[Region | None, list[Region]]]:
    """The picker's choices grouped by township: (township, [township, its villages]).
    Counties come first, in a group of their own (township None)."""
    rows = list(
        regions.filter(level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]).order_by("code")
    )
    counties = [r for r in rows if r.level == Level.COUNTY]
    groups: list[tuple[Region | None, list[Region]]] = [(None, counties)] if counties else []
    below = [r for r in rows if r.level != Level.COUNTY]
    for _prefix, grouped in groupby(below, key=lambda r: r.code[:9]):
        members = list(grouped)
        township = next((r for r in members if r.level == Level.TOWNSHIP), None)
        groups.append((township, members))
    return groups


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and WeChat ask for /favicon.ico whatever the page links."""
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
@cache_control(max_age=86400, public=True)
def robots(request: HttpRequest) -> HttpResponse:
    """No page of the portal is for search engines: staff pages are behind a login, and a
    household's public page is reached by its plaque, never by a search for its name."""
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain; charset=utf-8")


# The language switch must work on the login page too.
set_language = login_not_required(django_set_language)

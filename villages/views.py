"""The staff home page and the few views that are not about one app's records."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.i18n import set_language as django_set_language

from villages.models import Region
from villages.scoping import region_codes


def home(request: HttpRequest) -> HttpResponse:
    """The user's region at a glance. Apps add their panels to the template through their
    own inclusion tags (DESIGN §2), so this view imports none of them."""
    regions = Region.objects.visible_to(request.user)
    selected = None
    code = request.GET.get("region", "")
    if code:
        selected = regions.filter(code=code).first()
    codes = region_codes(request.user)
    top = list(Region.objects.filter(code__in=codes).order_by("code"))
    choices = regions.filter(level__in=["county", "township", "village"]).order_by("code")
    return render(
        request,
        "home.html",
        {"selected": selected, "top_regions": top, "region_choices": choices},
    )


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# The language switch must work on the login page too.
set_language = login_not_required(django_set_language)

"""The page benches' anchor (issue 26): a minimal Django view that renders a small
template after one indexed lookup, served by the same gunicorn, middleware and wrk
settings as the page measured. A machine's figures move by 2× from day to day; the
ratio of a page to this view, measured in the same run, does not. Served only when
BENCH_ANCHOR is set (the benches set it); a deployment has no such page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from households.models import Household


@login_not_required
@require_GET
def anchor(request: HttpRequest, token: str) -> HttpResponse:
    number = Household.objects.filter(public_token=token).values_list("number", flat=True).first()
    if number is None:
        raise Http404
    return render(request, "bench/anchor.html", {"number": number})

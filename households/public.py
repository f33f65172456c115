"""The public household page: what the door plaque's QR code opens (DESIGN §1.4, §5).

Anyone who scans the plaque sees it, usually inside WeChat on a slow network: it is
light (no script, one stylesheet), phone-first, kept out of search engines, and shows
the household as its number and masked head name, its motto, the village's slogan and
the villager representative's official phone. The other parts (points and honours,
replies, notices, produce, feedback, the hardship self-report) are the apps' public
panels, each with its title and order, read from the portal registry: this page names
no app.

Nothing of DESIGN §5's sensitive data is read here: the household is looked up by its
random code, and the query selects only the columns this page shows.

Unknown codes are answered 404, and a client that asks for too many of them is answered
429 for a while (common.ratelimit): the codes cannot be guessed by trying.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common import parse
from common.caching import public_page_key, versions
from common.crypto import keyed_hash
from common.ratelimit import client_key, daily_limited, exceeded, limit_key
from households.masking import mask
from households.models import (
    Household,
    PublicInfo,
    Relation,
    Resident,
    ResidentStatus,
    RetiredCode,
)
from villages.models import Region
from villages.registry import panel_version_keys, panel_versions, portal, public_panels

R = TypeVar("R", bound=HttpResponseBase)  # a public page's answer, whatever its kind
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,43}")
# unknown codes a client may ask for in the window before it is answered 429
MISSES_ALLOWED = 30
MISS_WINDOW = 15 * 60
PAGE_SECONDS = 600  # a kept page lives this long at most (its key changes with its data)


@dataclass(frozen=True)
class PublicHousehold:
    """What the public page knows of a household: nothing else is read."""

    pk: int
    number: str
    motto: str
    village_id: int
    village_name: str
    village_code: str
    group_id: int | None
    group_name: str
    head_name: str
    slogan: str
    representative_name: str
    representative_phone: str
    # all of the above and when each part last changed (the household, its members, the
    # public information of its village and group): the kept page's key holds it, so a
    # head who moves out changes it as much as an edit does
    stamp: str
    token: str  # the plaque's code (the page's own address holds it)

    def masked_name(self) -> str:
        return mask(self.head_name, "name")


#: the columns the statement below selects, in its order
PUBLIC_FIELDS = [f for f in PublicHousehold.__dataclass_fields__ if f not in ("stamp", "token")]


def public_household(token: str) -> PublicHousehold | None:
    """The household of a plaque's code, with only what its public page shows, in one
    statement (the page is read on every scan; the ORM's building of the same query cost
    more than running it)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    resident, info = Resident._meta.db_table, PublicInfo._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT h.id, h.number, h.motto, h.village_id, v.name, v.code, h.group_id,
                   COALESCE(g.name, ''),
                   COALESCE((SELECT r.name FROM {resident} r
                             WHERE r.household_id = h.id AND r.relation = %s
                               AND r.status = %s
                             ORDER BY r.id LIMIT 1), ''),
                   COALESCE(vi.slogan, ''),
                   CASE WHEN gi.representative_name <> '' THEN gi.representative_name
                        ELSE COALESCE(vi.representative_name, '') END,
                   CASE WHEN gi.representative_name <> '' THEN gi.representative_phone
                        ELSE COALESCE(vi.representative_phone, '') END,
                   h.updated_at,
                   (SELECT MAX(r.updated_at) FROM {resident} r WHERE r.household_id = h.id),
                   vi.updated_at, gi.updated_at
            FROM {Household._meta.db_table} h
            JOIN {Region._meta.db_table} v ON v.id = h.village_id
            LEFT JOIN {Region._meta.db_table} g ON g.id = h.group_id
            LEFT JOIN {info} vi ON vi.region_id = h.village_id
            LEFT JOIN {info} gi ON gi.region_id = h.group_id
            WHERE h.public_token = %s
            """,  # noqa: S608 (table names from the models; values are parameters)
            [Relation.HEAD.value, ResidentStatus.LIVING.value, token],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    fields = dict(zip(PUBLIC_FIELDS, row[:12], strict=True))
    return PublicHousehold(**fields, stamp=repr(row), token=token)


def guessing(request: HttpRequest, *, miss: bool) -> bool:
    """Has this client asked for too many unknown public codes (a household's, an
    anonymous receipt's, a listing's close code)? Counts this miss when `miss`."""
    return exceeded(
        "public-code", client_key(request), limit=MISSES_ALLOWED, window=MISS_WINDOW, count=miss
    )


def refused() -> HttpResponse:
    response = HttpResponse(
        _("Too many unknown codes from this connection. Try again in a quarter of an hour."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(MISS_WINDOW)
    return response


def household_or_refusal(request: HttpRequest, token: str) -> PublicHousehold | HttpResponse:
    """The household behind a public code, or the answer to a client guessing codes: a
    refusal (429) once it has asked for too many unknown ones, a 404 for this one. Every
    page and form under /h/<code>/ comes through here, so none of them is a way to try
    codes faster than the household page."""
    if guessing(request, miss=False):
        return refused()
    household = public_household(token)
    if household is None:
        if replaced := retired_code(token):
            return replaced_answer(request, replaced)
        if guessing(request, miss=True):
            return refused()
        raise Http404
    return household


@dataclass(frozen=True)
class DailyLimit:
    """A public form's posts a day (common.ratelimit.daily_limited), and what a refused
    sender reads."""

    purpose: str
    per_connection: int
    per_household: int
    refusal: Any  # a lazy translation


def public_form(
    request: HttpRequest,
    token: str,
    *,
    form_class: type[forms.Form],
    limit: DailyLimit,
    page: str,
    done: str,
    submit: Callable[[Household, dict[str, Any]], dict[str, Any]],
) -> HttpResponse:
    """Every form under /h/<code>/ (produce, the voice of the people, a hardship report):
    the household behind the code (or the answer to a guessing client), the form, its
    honeypot (a bot is answered like a success, nothing kept or counted), the day's
    limits (429 with a sentence) and the public page's headers. `submit(household,
    cleaned data)` saves through the app's service and returns what the done page shows;
    a ValidationError it raises is shown on the form, nothing lost."""
    household = household_or_refusal(request, token)
    if isinstance(household, HttpResponse):
        return household
    form = form_class(request.POST or None)
    context: dict[str, Any] = {"household": household, "form": form, "token": token}
    refused = False
    if request.method == "POST":
        if getattr(form, "is_bot", False):
            return public_response(render(request, done, context))
        if form.is_valid():
            if daily_limited(
                request,
                limit.purpose,
                household.pk,
                per_connection=limit.per_connection,
                per_household=limit.per_household,
            ):
                refused = True
                form.add_error(None, limit.refusal)
            else:
                try:
                    saved = submit(Household.objects.get(pk=household.pk), form.cleaned_data)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    return public_response(render(request, done, {**context, **saved}))
    return public_response(render(request, page, context, status=429 if refused else 200))


def retired_code(token: str) -> RetiredCode | None:
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return (
        RetiredCode.objects.filter(code_hash=keyed_hash(token))
        .select_related("household__village")
        .first()
    )


def replaced_answer(request: HttpRequest, retired: RetiredCode) -> HttpResponse:
    """410: the plaque was replaced (a real code, not a guess). The public read only
    that; staff who may open the household are told which it was."""
    household = None
    if request.user.is_authenticated:
        household = (
            Household.objects.visible_to(request.user)
            .filter(pk=retired.household_id)
            .select_related("village")
            .first()
        )
    response = render(
        request,
        "households/public_replaced.html",
        {"household": household, "retired": retired},
        status=410,
    )
    response["Cache-Control"] = "private, no-store"
    return public_response(response, referrer="no-referrer")


@login_not_required
@require_GET
def household_page(request: HttpRequest, token: str) -> HttpResponse:
    """The door page. A scan of a kept page costs one query (the household, by its
    code) and one cache round trip: the guessing guard, every panel's version and the
    kept page are read together (issue 26); the page is served when what it was made
    from (the household's row, the panels' versions, the day) has not changed."""
    household = public_household(token)
    if household is None:
        # an unknown, retired or malformed code: the guarded way answers each
        answer = household_or_refusal(request, token)
        if isinstance(answer, HttpResponse):
            return answer
        household = answer
    language = translation.get_language()
    # the page of entries as a number (any other text is the first page): the kept pages
    # of a household are as many as its pages, whatever is typed
    page = parse.page(request.GET.get("page"))
    panels = portal.public_panels
    version_keys = panel_version_keys(panels, household)
    guard = limit_key("public-code", client_key(request))
    entry_key = public_page_key("public-household", token, language, page=page)
    names = [guard, *(f"version:{key}" for key in version_keys)]
    got = cache.get_many([*names, entry_key] if entry_key else names)
    if (got.get(guard) or 0) >= MISSES_ALLOWED:
        return refused()
    parts = panel_versions(panels, household, versions(version_keys, got))
    # this month's and year's figures change with the day
    made_from = (household.stamp, parts, timezone.localdate())
    entry = got.get(entry_key) if entry_key else None
    if parts is not None and entry is not None and entry[0] == made_from:
        html = entry[1]
    else:
        html = render_to_string(
            "households/public_household.html",
            {
                "household": household,
                "masked_name": household.masked_name(),
                "panels": public_panels(request, household),
            },
            request=request,
        )
        if parts is not None and entry_key:
            cache.set(entry_key, (made_from, html), PAGE_SECONDS)
    # no-referrer: the code stays out of other sites' logs (the page has no form)
    return public_response(HttpResponse(html), referrer="no-referrer")


def public_response(response: R, *, referrer: str = "same-origin") -> R:
    """A public page's headers: out of search engines, its address (a household's or a
    receipt's code) not sent to other sites. A page with a form says same-origin, not
    no-referrer: Chromium sends "Origin: null" from a no-referrer page and CSRF refuses
    the POST."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = referrer
    return response

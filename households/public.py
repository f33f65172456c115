"""The public household page: what the door plaque's QR code opens (DESIGN §1.4, §5).

Anyone who scans the plaque sees it, usually inside WeChat on a slow network: it is
light (no script, one stylesheet), phone-first, kept out of search engines, and shows
the household as its number and masked head name, its motto, the village's slogan and
the villager representative's official phone. The other apps' parts (points and
honours, notices, produce, feedback, the hardship self-report) are public panels of the
portal registry; a part whose app has not come yet is a marked slot with a sentence.

Nothing of DESIGN §5's sensitive data is read here: the household is looked up by its
random code, and the query selects only the columns this page shows.

Unknown codes are answered 404, and a client that asks for too many of them is answered
429 for a while (common.ratelimit): the codes cannot be guessed by trying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.ratelimit import client_key, exceeded
from households.masking import mask
from households.models import Household, PublicInfo, Relation, Resident, ResidentStatus
from villages.models import Region
from villages.registry import public_panels

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,43}")
# unknown codes a client may ask for in the window before it is answered 429
MISSES_ALLOWED = 30
MISS_WINDOW = 15 * 60
# the page's parts in order; a part no app has registered yet shows as a marked slot
SLOTS = [
    ("points", _("Moral points and honours")),
    ("notices", _("Notices and village rules")),
    ("produce", _("Produce for sale")),
    ("voice", _("Voice of the people")),
    ("hardship", _("Report a hardship")),
]


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

    def masked_name(self) -> str:
        return mask(self.head_name, "name")


def public_household(token: str) -> PublicHousehold | None:
    """The household of a plaque's code, with only what its public page shows: one
    statement (the page is read on every scan; the ORM's building of the same query cost
    more than running it)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT h.id, h.number, h.motto, h.village_id, v.name, v.code, h.group_id,
                   COALESCE(g.name, ''),
                   COALESCE((SELECT r.name FROM {Resident._meta.db_table} r
                             WHERE r.household_id = h.id AND r.relation = %s
                               AND r.status = %s
                             ORDER BY r.id LIMIT 1), '')
            FROM {Household._meta.db_table} h
            JOIN {Region._meta.db_table} v ON v.id = h.village_id
            LEFT JOIN {Region._meta.db_table} g ON g.id = h.group_id
            WHERE h.public_token = %s
            """,  # noqa: S608 (table names from the models; values are parameters)
            [Relation.HEAD.value, ResidentStatus.LIVING.value, token],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, number, motto, village_id, village_name, village_code, group_id, group_name, head = row
    return PublicHousehold(
        pk=pk,
        number=number,
        motto=motto,
        village_id=village_id,
        village_name=village_name,
        village_code=village_code,
        group_id=group_id,
        group_name=group_name,
        head_name=head,
    )


def _too_many(request: HttpRequest, *, miss: bool) -> bool:
    return exceeded(
        "public-code", client_key(request), limit=MISSES_ALLOWED, window=MISS_WINDOW, count=miss
    )


def _refused() -> HttpResponse:
    response = HttpResponse(
        _("Too many unknown codes from this connection. Try again in a quarter of an hour."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(MISS_WINDOW)
    return response


@login_not_required
@require_GET
def household_page(request: HttpRequest, token: str) -> HttpResponse:
    if _too_many(request, miss=False):
        return _refused()
    household = public_household(token)
    if household is None:
        if _too_many(request, miss=True):
            return _refused()
        raise Http404
    info = {
        i.region_id: i
        for i in PublicInfo.objects.filter(
            region_id__in=[household.village_id, household.group_id]
        ).only("region_id", "slogan", "representative_name", "representative_phone")
    }
    village_info = info.get(household.village_id)
    group_info = info.get(household.group_id) if household.group_id else None
    representative = next(
        (i for i in (group_info, village_info) if i is not None and i.representative_name),
        None,
    )
    panels = public_panels(request, household)
    slots = [{"key": key, "title": title, "panel": panels.get(key)} for key, title in SLOTS]
    response = render(
        request,
        "households/public_household.html",
        {
            "household": household,
            "masked_name": household.masked_name(),
            "slogan": village_info.slogan if village_info else "",
            "representative": representative,
            "slots": slots,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the code stays out of other sites' logs
    return response

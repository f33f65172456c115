"""The staff home's figures, kept per village (VillageStats) and summed per request.

Scanning a county's residents for the home page took 0.9–3 s at 200,000 households
(docs/benchmarks.md); the sum of 200 village rows takes a few milliseconds. A registry
write marks its village stale in the same transaction (services.stats_mark_stale); stale rows
are recomputed when a page reads them (one grouped query for all of them), every five
minutes by the periodic task, and all of them each night, since ages move on with the date.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import transaction
from django.db.models import Count, IntegerField, Max, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from common.caching import cache_key, kept
from households.models import VillageStats, today_local
from households.roles import REGISTRY_READERS
from households.selectors import overview_of, village_counts
from villages.models import Level, Region
from villages.scoping import region_codes


def stats_refresh(village_ids: list[int] | None = None, *, only_stale: bool = False) -> int:
    """Recompute the figures of these villages (all with None); says how many."""
    if only_stale:
        village_ids = list(
            VillageStats.objects.filter(stale=True).values_list("village_id", flat=True)
        )
    if village_ids is None:
        village_ids = list(Region.objects.filter(level=Level.VILLAGE).values_list("pk", flat=True))
    if not village_ids:
        return 0
    now = timezone.now()
    counts = village_counts(village_ids)
    rows = [
        VillageStats(village_id=pk, counts=counts.get(pk, {}), computed_at=now, stale=False)
        for pk in village_ids
    ]
    with transaction.atomic():
        VillageStats.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["village"],
            update_fields=["counts", "computed_at", "stale"],
        )
    return len(rows)


def fresh_stats(villages) -> list[VillageStats]:
    """The figures of these villages (a queryset from visible_to), stale or missing ones
    recomputed first (one grouped query for all of them)."""
    today = today_local()
    ids = list(villages.values_list("pk", flat=True))
    stats = {s.village_id: s for s in VillageStats.objects.filter(village_id__in=ids)}
    outdated = [
        pk
        for pk in ids
        if pk not in stats or stats[pk].stale or timezone.localdate(stats[pk].computed_at) != today
    ]
    if outdated:
        stats_refresh(outdated)
        stats |= {s.village_id: s for s in VillageStats.objects.filter(village_id__in=outdated)}
    return list(stats.values())


def overview(villages) -> dict:
    """The overview of these villages: their figures summed; states when they were
    computed."""
    rows = fresh_stats(villages)
    total: Counter[str] = Counter()
    for row in rows:
        total.update(row.counts)
    computed_at = min((row.computed_at for row in rows), default=timezone.now())
    return overview_of(dict(total), computed_at=computed_at)


def _freshness(villages) -> tuple[str | None, dict]:
    """A token of these villages' figures, None when some are stale, missing or from an
    earlier day; and the database's sums of the household counts."""
    start_of_day = timezone.make_aware(datetime.datetime.combine(today_local(), datetime.time.min))
    # one query: the villages, joined to their figures
    figures = villages.order_by().aggregate(
        expected=Count("pk"),
        total=Sum(Cast(KeyTextTransform("households", "figures__counts"), IntegerField())),
        present=Count("figures"),
        outdated=Count(
            "figures", filter=Q(figures__stale=True) | Q(figures__computed_at__lt=start_of_day)
        ),
        latest=Max("figures__computed_at"),
    )
    if figures["outdated"] or figures["present"] != figures["expected"]:
        return None, figures
    latest = figures["latest"]
    token = f"{figures['present']}:{latest.timestamp() if latest else 0}:{figures['total'] or 0}"
    return token, figures


def overview_cached(villages, key: str, render) -> str:
    """The overview panel's HTML, kept under the figures' freshness token (a registry
    write in the area changes the token) and `key` (scope, region, language):
    render(overview) makes it when it is not there."""
    token, _figures = _freshness(villages)
    kept_key = cache_key("overview", key, token) if token is not None else None
    return kept(kept_key, lambda: render(overview(villages)))


def household_total(villages) -> tuple[int, str]:
    """How many households these villages hold, and a token of the figures' freshness:
    the unfiltered list's count (a COUNT over a county's households joined to their
    regions cost 45-90 ms of every list page). Summed in the database; stale or missing
    figures are recomputed first. The token changes with any registry write in these
    villages (the write marks its village stale, the recomputation stamps a new time), so
    what is cached under it is never older than the registry."""
    token, figures = _freshness(villages)
    if token is None:
        rows = fresh_stats(villages)
        total = sum(row.counts.get("households", 0) for row in rows)
        latest = max((row.computed_at for row in rows), default=None)
        return total, f"{len(rows)}:{latest.timestamp() if latest else 0}:{total}"
    return figures["total"] or 0, token


def village_token(village_id: int) -> str | None:
    """The freshness token of one village's figures (None while a write is not yet
    counted): what a household's page is kept under."""
    token, _figures = _freshness(Region.objects.filter(pk=village_id))
    return token


def reader_scope(user) -> str:
    """What a registry reader's kept fragments depend on of the user: the region codes
    they read ("*" for a superuser, who reads everything)."""
    return ",".join(region_codes(user, REGISTRY_READERS)) or "*"

"""The staff home's figures, kept per village (VillageStats) and summed per request.

Scanning a county's residents for the home page took 0.9–3 s at 200,000 households
(docs/benchmarks.md); the sum of 200 village rows takes a few milliseconds. A registry
write marks its village stale in the same transaction (services.stats_mark_stale); stale rows
are recomputed when a page reads them (one grouped query for all of them), every five
minutes by the periodic task, and all of them each night, since ages move on with the date.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from households.models import VillageStats, today_local
from households.selectors import overview_of, village_counts
from villages.models import Level, Region


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


def household_total(villages) -> int:
    """How many households these villages hold: the unfiltered list's count, from the
    figures (a COUNT over a county's households joined to their regions cost 45-90 ms of
    every list page)."""
    return sum(row.counts.get("households", 0) for row in fresh_stats(villages))

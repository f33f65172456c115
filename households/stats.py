"""The staff home's figures, kept per village (VillageStats) and summed per request.

Scanning a county's residents for the home page took 0.9–3 s at 200,000 households
(docs/benchmarks.md); the sum of 200 village rows takes a few milliseconds. A registry
write marks its village stale in the same transaction (households.services); stale rows
are recomputed when a page reads them (one grouped query for all of them), every five
minutes by the periodic task, and all of them each night, since ages move on with the date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from households.models import VillageStats, today_local
from households.selectors import overview_of, village_counts
from villages.models import Level, Region


def stats_mark_stale(village_ids: Iterable[int | None]) -> None:
    """The villages' figures no longer hold: called by every registry write."""
    ids = {pk for pk in village_ids if pk is not None}
    if ids:
        VillageStats.objects.filter(village_id__in=ids, stale=False).update(stale=True)


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


def overview(villages) -> dict:
    """The overview of these villages (a queryset from visible_to): their figures summed,
    stale or missing ones recomputed first; states when the figures were computed."""
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
    total: Counter[str] = Counter()
    for row in stats.values():
        total.update(row.counts)
    computed_at = min((row.computed_at for row in stats.values()), default=timezone.now())
    return overview_of(dict(total), computed_at=computed_at, today=today)

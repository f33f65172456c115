"""The nightly screening job (DESIGN §3): collect → load → match → score → alerts.

`monitoring.tasks.nightly_screening` (beat, 02:00 Asia/Shanghai) and `manage.py
run_screening` call run(). Every step is idempotent and restartable: a batch whose
load was killed is marked failed once its lease ends (and loads again only when a county
officer asks), scoring upserts only what changed, alerts are raised once per household
and period. Killed at any point and run again, the job ends where one clean run ends
with the batches that loaded.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from monitoring import feeds
from monitoring.models import BatchStatus, Department, FeedBatch, previous_period
from monitoring.screening import alerts, score
from villages.models import Level, Region

logger = logging.getLogger(__name__)

INBOX_NAME = re.compile(r"^(?P<department>[A-Za-z]{2})_(?P<period>\d{4}-\d{2})\.(csv|xlsx)$")


def collect_inbox(inbox: Path | None = None) -> int:
    """Files dropped in FEEDS_INBOX (<DEPARTMENT>_<YYYY-MM>.csv|.xlsx, in a folder named
    by the county code when several counties are served) become batches. A collected
    file is deleted: the batch keeps it encrypted. Returns how many files were taken."""
    inbox = inbox or settings.FEEDS_INBOX
    if not inbox.is_dir():
        return 0
    counties = {c.code: c for c in Region.objects.filter(level=Level.COUNTY)}
    departments = {d.code: d for d in Department.objects.all()}
    taken = 0
    for path in sorted(inbox.rglob("*")):
        match = INBOX_NAME.match(path.name)
        if not path.is_file() or not match:
            continue
        folder = path.parent.name if path.parent != inbox else None
        county = counties.get(folder) if folder else (
            next(iter(counties.values())) if len(counties) == 1 else None
        )  # fmt: skip
        department = departments.get(match["department"].upper())
        if county is None or department is None:
            logger.warning("feeds inbox: %s names no known county or department", path.name)
            continue
        try:
            with path.open("rb") as handle:
                feeds.feed_receive(
                    county=county,
                    department=department,
                    period=match["period"],
                    name=path.name,
                    data=handle,
                )
        except feeds.FeedRefused as exc:
            logger.warning("feeds inbox: %s refused: %s", path.name, exc)
            continue
        path.unlink()
        taken += 1
    return taken


def run(period: str | None = None) -> dict[str, int]:
    """One run for a period (default: last month, the one departments deliver)."""
    period = period or previous_period(timezone.localdate())
    collect_inbox()
    # a load whose process died (killed, or aborted by its file) is failed, not retried:
    # the job goes on with the batches that load
    feeds.feeds_reap()
    for batch_id in FeedBatch.objects.filter(status=BatchStatus.QUEUED).values_list(
        "pk", flat=True
    ):
        feeds.load_batch(batch_id)
    totals = {"batches": 0, "households_scored": 0, "alerts_new": 0, "alerts_open": 0}
    for county in Region.objects.filter(level=Level.COUNTY).order_by("code"):
        batches = FeedBatch.objects.filter(
            county=county, period=period, status=BatchStatus.LOADED
        ).count()
        scored = score.score_period(county, period)
        totals["batches"] += batches
        totals["households_scored"] += scored["households_scored"]
        totals["alerts_new"] += alerts.raise_alerts(county, period)
        totals["alerts_open"] += alerts.open_alerts(county)
    logger.info("screening %s: %s", period, totals)
    return totals

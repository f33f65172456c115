"""The nightly screening job (DESIGN §3), and the one place that lists its steps.

`run_county` carries out a county's run, step by step, each a module of this package:

1. match (`match`): the county's residents indexed by the keyed hash of their numbers;
2. stage (`stage`): each waiting file read, its rows checked and matched, written;
3. fold (`fold`): the period's values folded per household and item;
4. score (`score`): the rules applied, one assessment per household and period;
5. raise alerts (`alerts`): the period's new alerts pushed to the villages.

The night (issue 27): `schedule` collects the inbox and queues one run a county;
`monitoring.tasks.nightly_screening` (beat, 02:00 Asia/Shanghai) hands them to the workers
as a Celery chord — a task a county, retried when its run fails, then `province` over
what they did — and `manage.py run_screening` runs the same steps in its own process
(`run`). A county officer's run (run_request) and a file uploaded on the feeds page
(stage_now) come here too. Every step is idempotent and restartable: a batch whose
load was killed is marked failed once its lease ends (and loads again only when a county
officer asks), scoring upserts only what changed, alerts are raised once per household
and period. Killed at any point and run again, the job ends where one clean run ends
with the batches that loaded.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import leases, partitions
from common.queue import enqueue
from monitoring import feeds
from monitoring.models import (
    BatchStatus,
    Department,
    FeedBatch,
    RunStage,
    RunStatus,
    ScreeningRun,
    previous_period,
)
from monitoring.screening import alerts, fold, score, stage
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
        county = (
            counties.get(folder)
            if folder
            else (next(iter(counties.values())) if len(counties) == 1 else None)
        )
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


# A run loading files holds a short lease that the loads' progress renews (a run killed
# there is given up within minutes, like its batch). Scoring a large county is one long
# statement that renews nothing: from there on the run holds its lease for as long as its
# task may run (Celery kills it past that). A run asked for but never started (its
# message lost with a broker) is given up after an hour.
RUN_LEASE_SECONDS = 3 * 60 * 60 + 60
QUEUED_LEASE_SECONDS = 60 * 60
# A night's runs wait for a free worker (a province: a hundred counties, a few workers):
# given up only if still waiting the next evening, before the next night schedules.
NIGHT_QUEUED_LEASE_SECONDS = 20 * 60 * 60


class RunRefused(Exception):
    """Why a run cannot start now, in the asker's language."""


def runs_reap() -> int:
    """Runs whose process died, or that never started, read stopped with a sentence (so
    they hold the county's one run no longer)."""
    return len(
        leases.reap_in_languages(
            ScreeningRun.objects,
            running=[RunStatus.QUEUED, RunStatus.RUNNING],
            fields_of=lambda: {
                "status": RunStatus.FAILED,
                "finished_at": Now(),
                "errors": _(
                    "The run stopped part-way (its process ended, or it never started). "
                    "What it did is kept; start it again."
                ),
            },
        )
    )


def run_request(*, county: Region, period: str, user) -> ScreeningRun:
    """A county officer starts a run now (a Celery task). One at a time a county: while
    one waits or runs, another is refused with a sentence."""
    runs_reap()
    try:
        with transaction.atomic():
            run = ScreeningRun.objects.create(
                county=county,
                period=period,
                started_by=user,
                language=translation.get_language() or "zh-hans",
                lease_until=leases.lease_end(QUEUED_LEASE_SECONDS),
            )
    except IntegrityError:
        raise RunRefused(
            _("A screening of this county is waiting or running; wait until it finishes.")
        ) from None
    enqueue("monitoring.tasks.screening_run_task", run.pk)
    return run


def _errors(county: Region, period: str) -> str:
    """The period's files that did not load, one line each (name: why)."""
    failed = FeedBatch.objects.filter(county=county, period=period, status=BatchStatus.FAILED)
    return "\n".join(f"{b.original_name}: {b.message}" for b in failed.order_by("pk"))


def _stage(run_id: int, stage: str) -> None:
    leases.renew(ScreeningRun.objects, run_id, seconds=RUN_LEASE_SECONDS, stage=stage)


def stage_now(batch_id: int) -> FeedBatch:
    """A file uploaded on the feeds page (or by `manage.py ingest_feed`) is staged at
    once, so its page shows what loaded: the match and stage steps, for this batch."""
    code = FeedBatch.objects.filter(pk=batch_id).values_list("county__code", flat=True).get()
    from monitoring.screening import match  # numpy: loaded where a feed is loaded

    return stage.load_batch(batch_id, lambda: match.county_residents(code))


#: what a run did, as run_county and the night's tasks report it
FIGURES = ("batches", "rows", "households_scored", "alerts_new")


def outcome(run: ScreeningRun) -> dict:
    """A run's county, status and figures as recorded (plain values: a task's result)."""
    return {"run": run.pk, "county": run.county_id, "status": run.status} | {
        name: getattr(run, name) for name in FIGURES
    }


def run_county(run_id: int) -> dict:
    """Carry out a run: load the county's waiting files, score its households with data
    in the period, raise the period's alerts; the figures and errors are kept on the run,
    and returned (`outcome`). A run that fails is marked so (and logged) and the exception
    does not escape: the night goes on with the other counties. A run this call did not
    claim (done already, or a redelivered task's run whose process died: reaped first)
    is reported as it stands."""
    loading = settings.FEED_LEASE_SECONDS
    claimed = leases.claim(
        ScreeningRun.objects,
        run_id,
        among=[RunStatus.QUEUED],
        seconds=loading,
        status=RunStatus.RUNNING,
        stage=RunStage.LOADING,
        started_at=Now(),
    )
    if not claimed:
        runs_reap()
        return outcome(ScreeningRun.objects.get(pk=run_id))
    run = ScreeningRun.objects.select_related("county").get(pk=run_id)
    county, period = run.county, run.period
    mine = ScreeningRun.objects.filter(pk=run_id, status=RunStatus.RUNNING)
    try:
        with translation.override(run.language):
            waiting = FeedBatch.objects.filter(county=county, status=BatchStatus.QUEUED)

            def alive() -> None:
                leases.renew(ScreeningRun.objects, run_id, seconds=loading)

            # 1. match: made when the first waiting file is staged, once for the run
            from monitoring.screening import match  # numpy: loaded where a feed is loaded

            residents = functools.cache(lambda: match.county_residents(county.code))
            # 2. stage
            for batch_id in waiting.values_list("pk", flat=True):
                alive()
                stage.load_batch(batch_id, residents, alive=alive)
            residents.cache_clear()  # the county's index: no longer needed
            _stage(run_id, RunStage.SCORING)
            partitions.ensure(period)  # the month's partition of the assessments
            with transaction.atomic():
                fold.fold(county, period)  # 3. fold
                scored = score.score(county, period)  # 4. score
            _stage(run_id, RunStage.ALERTS)
            new = alerts.raise_alerts(county, period)  # 5. raise alerts
            used = FeedBatch.objects.filter(county=county, period=period, status=BatchStatus.LOADED)
            figures = used.aggregate(batches=Count("pk"), rows=Sum("loaded"))
            mine.update(
                status=RunStatus.DONE,
                finished_at=Now(),
                lease_until=None,
                errors=_errors(county, period),
                batches=figures["batches"],
                rows=figures["rows"] or 0,
                households_scored=scored["households_scored"],
                alerts_new=new,
            )
    except Exception:
        logger.exception("screening run %s (%s %s) stopped", run_id, county.code, period)
        with translation.override(run.language):
            sentence = _("The run stopped with an error on the portal's side; it is logged.")
        mine.update(status=RunStatus.FAILED, finished_at=Now(), lease_until=None, errors=sentence)
    run.refresh_from_db()
    return outcome(run)


def run_again(run_id: int) -> int | None:
    """A failed run's county queued again for the same period (a new run: the failed one
    stays, with its sentence, on the runs page); None when another run of the county is
    waiting or running."""
    failed = ScreeningRun.objects.get(pk=run_id)
    again = _queued(
        county_id=failed.county_id,
        period=failed.period,
        started_by_id=failed.started_by_id,
        language=failed.language,
    )
    return again.pk if again is not None else None


def _queued(**fields) -> ScreeningRun | None:
    """A night's run queued, or None when the county has one waiting or running (the
    one-run-a-county constraint)."""
    try:
        with transaction.atomic():
            return ScreeningRun.objects.create(
                lease_until=leases.lease_end(NIGHT_QUEUED_LEASE_SECONDS), **fields
            )
    except IntegrityError:
        return None


def schedule(period: str | None = None) -> tuple[str, list[int]]:
    """The night's first step: files dropped in the inbox become batches, runs whose
    process died are given up, and each county gets a queued run for the period (default:
    last month, the one departments deliver). A county whose run a county officer started,
    or that is running, is left to it; a night's run of the period still waiting (the
    night's task came back after its worker died before handing the runs out) is taken
    into this night, not lost until its lease ends. Returns the period and the runs."""
    period = period or previous_period(timezone.localdate())
    collect_inbox()
    # a load whose process died (killed, or aborted by its file) is failed, not retried:
    # the job goes on with the batches that load
    feeds.feeds_reap()
    runs_reap()
    # the month's partitions made now, once, before the counties' tasks write into them
    # at once (the DDL locks each table a moment: better here than mid-load)
    partitions.ensure(period)
    runs = []
    for county in Region.objects.filter(level=Level.COUNTY).order_by("code"):
        scheduled = _queued(county=county, period=period) or (
            ScreeningRun.objects.filter(
                county=county, period=period, started_by=None, status=RunStatus.QUEUED
            ).first()
        )
        if scheduled is None:
            logger.warning("screening %s: %s has a run under way; left to it", period, county)
            continue
        runs.append(scheduled.pk)
    return period, runs


def province(period: str, outcomes: list[dict]) -> dict[str, int]:
    """The night's last step, once every county's task has ended (done, or failed after
    its retries): the province's figures of the night, logged and returned."""
    totals = {
        "counties": len(outcomes),
        "failed": sum(o["status"] != RunStatus.DONE for o in outcomes),
        "batches": 0,
        "households_scored": 0,
        "alerts_new": 0,
        "alerts_open": 0,
    }
    for each in outcomes:
        for name in ("batches", "households_scored", "alerts_new"):
            totals[name] += each[name]
    counties = Region.objects.filter(pk__in=[o["county"] for o in outcomes])
    totals["alerts_open"] = alerts.open_alerts(counties)
    logger.info("screening %s: %s", period, totals)
    return totals


def run(period: str | None = None) -> dict[str, int]:
    """The night in this process (`manage.py run_screening`): the same steps as the
    nightly chord, the counties one after another, a failed county not retried."""
    period, runs = schedule(period)
    return province(period, [run_county(run_id) for run_id in runs])

"""Background work of monitoring. Thin: ids in, one service call (never a file's
contents or an ID number as an argument)."""

from __future__ import annotations

from celery import chord, shared_task
from django.conf import settings

from households.imports import imports_purge
from monitoring import feeds
from monitoring.models import RunStatus
from monitoring.screening import job

LOAD_SOFT_LIMIT = 60 * 60


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=LOAD_SOFT_LIMIT,
    time_limit=LOAD_SOFT_LIMIT + 60,
)
def load_batch_task(batch_id: int) -> None:
    job.stage_now(batch_id)


@shared_task
def feeds_reap_task() -> int:
    """Every five minutes: loads and screening runs whose process died are marked failed
    (common.leases)."""
    return feeds.feeds_reap() + job.runs_reap()


@shared_task
def uploads_purge_task() -> int:
    """Nightly: feed files and registry import files past their retention."""
    return feeds.feeds_purge() + imports_purge()


@shared_task
def periods_drop_task() -> dict[str, int]:
    """Nightly: the months of feed values, folds and assessments past their retention,
    dropped a partition at a time (monitoring.feeds.drop_past_retention)."""
    return feeds.drop_past_retention()


SCREENING_SOFT_LIMIT = 3 * 60 * 60


COUNTY_RETRIES = 2  # a county's run that failed is tried this many times more


@shared_task(ignore_result=False)
def nightly_screening(period: str | None = None) -> str | None:
    """02:00 Asia/Shanghai (config/celery.py): the night as a chord (issue 27) — each
    county's run a task of its own, on whichever worker is free, then the province's step
    once they have all ended. Returns the province step's task id (its result: the night's
    figures), None on a night without counties."""
    period, runs = job.schedule(period)
    if not runs:
        return None
    night = chord(screening_county_task.si(run_id) for run_id in runs)
    return night(screening_province_task.s(period)).id


@shared_task(
    bind=True,
    ignore_result=False,  # the chord counts its counties' results
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=COUNTY_RETRIES,
    soft_time_limit=SCREENING_SOFT_LIMIT,
    time_limit=SCREENING_SOFT_LIMIT + 60,
)
def screening_county_task(self, run_id: int) -> dict:
    """One county's run of the night (idempotent: a redelivered task reports the run as it
    stands). A run that failed is followed by a new run of the county, minutes later, up
    to COUNTY_RETRIES times (a task whose worker died mid-run too: its run, given up, is
    followed by another); the outcome returned is the last run's, failed or not, so
    one county never stops the night."""
    outcome = job.run_county(run_id)
    if outcome["status"] != RunStatus.FAILED or self.request.retries >= self.max_retries:
        return outcome
    again = job.run_again(run_id)
    if again is None:  # a county officer's run of the county took its place
        return outcome
    if self.request.is_eager:  # the embedded default and the tests: at once, in process
        return self.apply(args=(again,), retries=self.request.retries + 1).get()
    raise self.retry(args=(again,), countdown=settings.SCREENING_RETRY_SECONDS)


@shared_task(ignore_result=False)
def screening_province_task(outcomes: list[dict], period: str) -> dict:
    """The night's province-wide step, after every county's task."""
    return job.province(period, outcomes)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SCREENING_SOFT_LIMIT,
    time_limit=SCREENING_SOFT_LIMIT + 60,
)
def screening_run_task(run_id: int) -> dict:
    """A run a county officer started (monitoring.screening.job.run_request)."""
    return job.run_county(run_id)

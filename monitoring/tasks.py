"""Background work of monitoring. Thin: ids in, one service call (never a file's
contents or an ID number as an argument)."""

from __future__ import annotations

from celery import shared_task

from households.imports import imports_purge
from monitoring import feeds
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


SCREENING_SOFT_LIMIT = 3 * 60 * 60


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SCREENING_SOFT_LIMIT,
    time_limit=SCREENING_SOFT_LIMIT + 60,
)
def nightly_screening(period: str | None = None) -> dict:
    """02:00 Asia/Shanghai (config/celery.py): the whole job, restartable."""
    return job.run(period)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SCREENING_SOFT_LIMIT,
    time_limit=SCREENING_SOFT_LIMIT + 60,
)
def screening_run_task(run_id: int) -> dict:
    """A run a county officer started (monitoring.screening.job.run_request)."""
    return job.run_county(run_id)

"""Background work of monitoring. Thin: ids in, one service call (never a file's
contents or an ID number as an argument)."""

from __future__ import annotations

from celery import shared_task

from monitoring import feeds

LOAD_SOFT_LIMIT = 60 * 60


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=LOAD_SOFT_LIMIT,
    time_limit=LOAD_SOFT_LIMIT + 60,
)
def load_batch_task(batch_id: int) -> None:
    feeds.load_batch(batch_id)


@shared_task
def uploads_purge_task() -> int:
    """Nightly: feed files and registry import files past their retention."""
    from households.imports import imports_purge

    return feeds.feeds_purge() + imports_purge()

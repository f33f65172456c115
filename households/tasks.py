"""Background work of the registry. Thin: ids in, one service call."""

from __future__ import annotations

from celery import shared_task

from households import imports


@shared_task(acks_late=True)
def import_check_task(job_id: int) -> None:
    imports.import_check(job_id=job_id)


@shared_task(acks_late=True)
def import_apply_task(job_id: int) -> None:
    imports.import_apply(job_id=job_id)

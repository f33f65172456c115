"""The grid app's periodic task (config/celery.py: every five minutes)."""

from __future__ import annotations

import logging

from celery import shared_task

from grid import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=10 * 60, time_limit=11 * 60)
def escalate_overdue_task() -> dict[str, int]:
    counts = services.escalate_overdue()
    if any(counts.values()):
        logger.info("matters escalated: %s", counts)
    return counts

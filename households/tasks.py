"""Background work of the registry. Thin: ids in, one service call.

An import of a village's file (30,000 rows at most) takes minutes; past the soft limit
the job is recorded as failed with a message asking to split the file, and nothing of
it is kept (its transaction is rolled back)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from common import partitions
from households import exports, imports, stats
from households.models import AccessEvent

IMPORT_SOFT_LIMIT = imports.IMPORT_SOFT_LIMIT
IMPORT_LIMIT = imports.IMPORT_TIME_LIMIT


@shared_task(acks_late=True, soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_LIMIT)
def import_check_task(job_id: int) -> None:
    imports.import_check(job_id=job_id)


@shared_task(acks_late=True, soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_LIMIT)
def import_apply_task(job_id: int) -> None:
    imports.import_apply(job_id=job_id)


@shared_task
def stats_refresh_stale_task() -> int:
    """Every five minutes: the villages written to since, so the home page rarely waits."""
    return stats.stats_refresh(only_stale=True)


@shared_task
def stats_refresh_all_task() -> int:
    """Each night after midnight: every village, since ages move on with the date."""
    return stats.stats_refresh()


EXPORT_SOFT_LIMIT = exports.EXPORT_SOFT_LIMIT


@shared_task(
    acks_late=True, soft_time_limit=EXPORT_SOFT_LIMIT, time_limit=exports.EXPORT_TIME_LIMIT
)
def export_task(job_id: int) -> None:
    exports.export_run(job_id=job_id)


@shared_task
def exports_purge_task() -> int:
    """Hourly: expired exports lose their files."""
    return exports.exports_purge()


@shared_task
def jobs_reap_task() -> int:
    """Every five minutes: imports and exports whose process died are marked failed."""
    return imports.imports_reap() + exports.exports_reap()


@shared_task
def access_drop_task() -> int:
    """Nightly: the months of access records past ACCESS_RETENTION_MONTHS, dropped a
    partition at a time (common.partitions)."""
    return partitions.retain(AccessEvent._meta.db_table, settings.ACCESS_RETENTION_MONTHS)

"""Leases for background jobs: a job a dead process held never stays "running" for ever.

A feed load, a registry import, an export or a plaque sheet is claimed by the process
that runs it with a conditional UPDATE, which also writes `lease_until`. The worker
renews the lease as it goes (its progress writes do), or takes one as long as its task's
hard time limit, past which Celery itself kills the process. A process killed with
SIGKILL, or one that aborted, renews nothing: once its lease has ended, `reap` marks the
job failed with a sentence for the person who waits for it, and the next run (the nightly
screening, the periodic reaper) goes on with the jobs that did finish.

Correctness is the database's: claims and reaps are conditional UPDATEs, so a job whose
lease was renewed a moment before is not reaped, and a reaped job is not finished by a
process that comes back to life (its last write is conditional on still holding it).
Leases are written and compared on the database's clock, the one clock every worker on
every machine shares.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models import ExpressionWrapper
from django.db.models.functions import Now
from django.utils import translation

#: the jobs a lease is taken on: a model's manager or a queryset of it
Jobs = models.QuerySet[Any] | models.Manager[Any]


def lease_end(seconds: int) -> models.Expression:
    """`seconds` from now on the database's clock."""
    return ExpressionWrapper(
        Now() + datetime.timedelta(seconds=seconds), output_field=models.DateTimeField()
    )


def claim(queryset: Jobs, pk: int, *, among: Iterable[str], seconds: int, **fields: Any) -> bool:
    """Take the job `pk` if its status is one of `among`, writing `fields` (its running
    status) and a lease of `seconds`. False: another process has it, or it is done."""
    return bool(
        queryset.filter(pk=pk, status__in=list(among)).update(
            lease_until=lease_end(seconds), **fields
        )
    )


def renew(queryset: Jobs, pk: int, *, seconds: int, **fields: Any) -> None:
    """The holder is alive (a heartbeat; progress figures ride along in `fields`)."""
    queryset.filter(pk=pk).update(lease_until=lease_end(seconds), **fields)


def reap_in_languages(
    queryset: Jobs,
    *,
    running: Iterable[str],
    fields_of: Callable[[], dict[str, Any]],
) -> list[int]:
    """`reap`, with the fields (a sentence among them) made in each job's own language
    (its `language` column): the person waiting for it reads why in their language."""
    reaped: list[int] = []
    languages = queryset.filter(status__in=list(running)).values_list("language", flat=True)
    for language in languages.distinct():
        with translation.override(language):
            fields = fields_of()
        reaped += reap(queryset.filter(language=language), running=running, **fields)
    return reaped


def reap(queryset: Jobs, *, running: Iterable[str], **fields: Any) -> list[int]:
    """Mark every job in a `running` status whose lease has ended with `fields` (its
    failed status and message); returns their ids. Each is one conditional UPDATE, so a
    lease renewed since it was listed keeps its job."""
    stale = queryset.filter(status__in=list(running), lease_until__lt=Now())
    reaped = []
    for pk in stale.values_list("pk", flat=True):
        if queryset.filter(pk=pk, status__in=list(running), lease_until__lt=Now()).update(
            lease_until=None, **fields
        ):
            reaped.append(pk)
    return reaped

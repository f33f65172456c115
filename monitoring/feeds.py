"""Department feeds (DESIGN §3, step 1): receive a file, keep it, retry or purge it.

A file arrives from the feeds page, from `manage.py ingest_feed` or from the inbox the
nightly job collects. It is kept encrypted (it holds full ID numbers) until the
retention ends, and becomes a FeedBatch keyed by (county, department, period, sha256):
the same file twice is one batch. Staging it (monitoring.screening.stage) reads it in a
task, never in a web request.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import tempfile
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common import leases, partitions
from common.crypto import encrypt_stream
from common.queue import enqueue
from common.xlsx import SheetSpec, XlsxWriter
from monitoring.models import (
    Assessment,
    BatchStatus,
    DataItem,
    Department,
    FeedBatch,
    FeedFold,
    FeedRejection,
    FeedValue,
)
from monitoring.screening.stage import read
from villages.models import Level, Region

logger = logging.getLogger(__name__)

FEED_SUFFIXES = (".csv", ".xlsx")
CHUNK_BYTES = 1024 * 1024


class FeedRefused(Exception):
    """The upload is refused before it is stored; str(exc) is the message."""


def _retention() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS)


def check_size(size: int) -> None:
    """Refuse a file past the feeds' size limit (the page checks before reading it)."""
    if size > read.FEED_LIMITS.max_bytes:
        raise FeedRefused(
            _("The file is larger than %(mb)d MB; split it.")
            % {"mb": read.FEED_LIMITS.max_bytes // (1024 * 1024)}
        )


def feed_receive(
    *,
    county: Region,
    department: Department,
    period: str,
    name: str,
    data: bytes | IO[bytes],
    user=None,
    language: str = "zh-hans",
) -> tuple[FeedBatch, bool]:
    """The batch of this file, stored encrypted: (batch, created). The same file for the
    same department and period is the batch already there (created False). `data` is
    the file's bytes or an open file (an upload, a file of the inbox), read a megabyte
    at a time: the file is never whole in memory here."""
    if not name.lower().endswith(FEED_SUFFIXES):
        raise FeedRefused(_("Upload an .xlsx workbook or a .csv file."))
    handle = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    if not size:
        raise FeedRefused(_("The file is empty."))
    check_size(size)
    if county.level != Level.COUNTY:
        raise FeedRefused(_("A feed belongs to a county."))
    sha256, lines, last = hashlib.sha256(), 0, b""
    handle.seek(0)
    while chunk := handle.read(CHUNK_BYTES):
        sha256.update(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    digest = sha256.hexdigest()
    key = {"county": county, "department": department, "period": period, "sha256": digest}
    existing = FeedBatch.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    batch = FeedBatch(
        **key,
        original_name=name[-200:],
        expires_at=_retention(),
        uploaded_by=user,
        language=language,
    )
    if name.lower().endswith(".csv"):  # the progress bar's total (read.count_rows)
        batch.rows_total = lines + (0 if last == b"\n" else 1)
    batch.full_clean(exclude=["file"])
    # Encrypted a megabyte at a time into a temporary file (Fernet of the whole file at
    # once held five copies of it), and read back the same way by the load
    with tempfile.TemporaryFile() as sealed:
        handle.seek(0)
        encrypt_stream(handle, sealed, chunk=CHUNK_BYTES)
        sealed.seek(0)
        try:
            with transaction.atomic():
                batch.file.save(f"{digest[:32]}.bin", File(sealed), save=False)
                batch.save()
        except IntegrityError:  # the same file, received at the same moment another way
            batch.file.delete(save=False)
            return FeedBatch.objects.get(**key), False
    return batch, True


def feed_submit(**kwargs) -> tuple[FeedBatch, bool]:
    """Receive a file from the feeds page and queue its load."""
    batch, created = feed_receive(**kwargs)
    if created:
        enqueue("monitoring.tasks.load_batch_task", batch.pk)
    return batch, created


def feeds_reap() -> int:
    """Batches whose loader died (its lease ended with no progress) are marked failed
    with a sentence, and what they half wrote is removed; says how many. The nightly
    job calls this first, so it runs on with the batches that did load."""
    reaped = leases.reap_in_languages(
        FeedBatch.objects,
        running=[BatchStatus.LOADING],
        fields_of=lambda: {
            "status": BatchStatus.FAILED,
            "message": _(
                "Loading stopped part-way: the process reading the file ended (it was "
                "stopped, or the file was too much for it). Nothing of it is used. Load "
                "it again, or ask the department for a corrected file."
            ),
            "loaded": 0,
            "rejected": 0,
        },
    )
    for batch_id in reaped:
        FeedValue.objects.filter(batch_id=batch_id).delete()
        FeedFold.objects.filter(batch_id=batch_id).delete()
        FeedRejection.objects.filter(batch_id=batch_id).delete()
        logger.warning("feed batch %s: its load stopped part-way; marked failed", batch_id)
    return len(reaped)


def feed_retry(*, batch: FeedBatch, user) -> bool:
    """Load a failed batch again (its file still kept), for a county officer who has
    seen why it failed. False when it is not failed or its file is gone."""
    if not batch.file:
        return False
    queued = FeedBatch.objects.filter(pk=batch.pk, status=BatchStatus.FAILED).update(
        status=BatchStatus.QUEUED, message="", rows_done=0, loaded=0, rejected=0
    )
    if queued:
        logger.info("feed batch %s queued again by user %s", batch.pk, user.pk)
        enqueue("monitoring.tasks.load_batch_task", batch.pk)
    return bool(queued)


def feeds_purge(now: datetime.datetime | None = None) -> int:
    """Delete the files of batches past their retention (nightly); says how many. What
    they loaded, and their rejections, stay."""
    now = now or timezone.now()
    count = 0
    for batch in FeedBatch.objects.filter(expires_at__lte=now).exclude(file=""):
        batch.file.delete(save=False)
        FeedBatch.objects.filter(pk=batch.pk).update(file="")
        count += 1
    return count


def drop_past_retention(today: datetime.date | None = None) -> dict[str, int]:
    """Nightly: the months of values and folds before `models.first_kept_period`, and of
    assessments before ASSESSMENT_RETENTION_MONTHS, are dropped (a partition a month on
    PostgreSQL); returns how many a table (on SQLite: rows). The batches stay, with their
    figures; the alerts keep their reasons."""
    today = today or timezone.localdate()
    feeds, assessments = settings.FEED_RETENTION_MONTHS, settings.ASSESSMENT_RETENTION_MONTHS
    dropped = {
        FeedValue._meta.db_table: partitions.retain(FeedValue._meta.db_table, feeds, today),
        FeedFold._meta.db_table: partitions.retain(FeedFold._meta.db_table, feeds, today),
        Assessment._meta.db_table: partitions.retain(Assessment._meta.db_table, assessments, today),
    }
    logger.info("months past retention dropped: %s", dropped)
    return dropped


# --- Files for the people who deliver and fix feeds ----------------------------------


def rejections_workbook(batch: FeedBatch) -> bytes:
    """The rejected rows of a batch: line, masked ID number, reason. Enough to find each
    row in the department's own file; never a full number."""
    buffer = io.BytesIO()
    headers = [_("Line"), _("ID number (masked)"), _("Reason")]
    rows = FeedRejection.objects.filter(batch=batch).values_list("line", "id_masked", "reason")
    with XlsxWriter(buffer) as writer:
        writer.sheet(
            SheetSpec(title=_("Rejected rows"), headers=headers, widths={0: 8, 1: 22, 2: 60})
        )
        for row in rows.iterator(chunk_size=5000):
            writer.append(row)
    return buffer.getvalue()


def template_workbook(department: Department) -> bytes:
    """A department's feed template: the long format's columns, the ID and period columns
    as text, and one line per item of the department with its name, unit and type."""
    buffer = io.BytesIO()
    items = list(DataItem.objects.filter(department=department, active=True))
    with XlsxWriter(buffer) as writer:
        writer.sheet(
            SheetSpec(
                title=department.name[:31],
                headers=["id_number", "item_code", "value", "period"],
                widths={0: 22, 1: 12, 2: 14, 3: 10},
                text_columns=[0, 1, 3],
                choices={1: [i.code for i in items]},
                required=[0, 1, 2],
            )
        )
        writer.append_blank_text_rows(200)
        writer.sheet(
            SheetSpec(
                title=_("Items"),
                headers=[
                    _("Code"),
                    pgettext("data item", "Name"),
                    _("Unit"),
                    _("Type"),
                    _("Meaning"),
                ],
                widths={0: 10, 1: 24, 2: 8, 3: 12, 4: 60},
            )
        )
        for item in items:
            shown = [item.code, item.name, item.unit, item.get_type_display(), item.meaning_shown]
            writer.append(shown)
    return buffer.getvalue()

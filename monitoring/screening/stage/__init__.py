"""Step 2 of the screening job (DESIGN §3): a department's file staged as values.

`load_batch` reads a waiting batch's file (kept encrypted: `feed_chunks`), checks every
row and writes the good ones as FeedValues of the residents they match and the bad ones
as FeedRejections with their line and reason. The file's formats live beside it:

- `read`: a workbook or CSV opened within its limits, its rows (wide or long format);
- `mapping`: a department's own column names placed on the standard ones;
- `columns`: a long-format CSV (nearly every department's monthly file) checked a block
  at a time in columns;
- `rows`: the row checker (ID number, item, number, period) and the values writer (COPY
  on PostgreSQL) that both readers share.

Only the screening job calls `load_batch` (monitoring.screening.job: a run's staging, or
a file uploaded on the feeds page staged at once).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import leases, partitions
from common.crypto import decrypt_bytes, decrypt_stream
from common.masking import mask_id_numbers
from common.tables import TableError
from monitoring.models import BatchStatus, DataItem, Department, FeedBatch, ItemType
from monitoring.screening import fold
from monitoring.screening.stage import read

if TYPE_CHECKING:
    from monitoring.screening.match import ResidentIndex

logger = logging.getLogger(__name__)

FERNET_TOKEN_START = b"gAAAAA"  # a Fernet token's version byte and time, in base64


def _progress(batch_id: int, rows: int) -> None:
    """`rows` more rows of the batch were read; the loader is alive (its lease renewed)."""
    leases.renew(
        FeedBatch.objects,
        batch_id,
        seconds=settings.FEED_LEASE_SECONDS,
        rows_done=F("rows_done") + rows,
    )


def load_batch(
    batch_id: int,
    residents: Callable[[], ResidentIndex | Mapping[bytes, int]],
    *,
    alive: Callable[[], None] | None = None,
) -> FeedBatch:
    """Load a waiting batch, its ID numbers matched through `residents` (the match step's
    index of the county, made when first asked: a batch that is not claimed costs
    nothing); `alive`, called with each step of progress, keeps a screening run's lease
    too. A loaded, failed or taken batch is left as it is:
    the loader holds a lease (common.leases) that its progress renews, and a load whose
    process died is marked failed by `feeds_reap` once the lease ends, never loaded again
    behind the county's back (a file that kills its reader would kill every night's run).
    A file that cannot be read ends the batch as failed with the reason."""
    # numpy and Arrow (some 65 MB of a process's memory, issue 26) are loaded by the
    # process that loads a feed, not by every web and task process that imports this
    from monitoring.screening.stage import columns, rows

    claimed = leases.claim(
        FeedBatch.objects,
        batch_id,
        among=[BatchStatus.QUEUED],
        seconds=settings.FEED_LEASE_SECONDS,
        status=BatchStatus.LOADING,
        rows_done=0,
        message="",
    )
    batch = FeedBatch.objects.select_related("county", "department").get(pk=batch_id)
    if not claimed:
        return batch
    partitions.ensure(batch.period)  # the month's own partition of the values and folds

    def progress(rows: int) -> None:
        _progress(batch_id, rows)
        if alive is not None:
            alive()

    with translation.override(batch.language), contextlib.ExitStack() as stack:
        batch.values.all().delete()
        batch.folds.all().delete()
        batch.rejections.all().delete()
        try:
            chunks: Iterator[bytes] = stack.enter_context(feed_chunks(batch))
            source: bytes | Iterator[bytes] = chunks
            if not batch.original_name.lower().endswith(".csv"):
                # a workbook is read whole (a zip is read from its end); a CSV as it comes
                source = b"".join(chunks)
                FeedBatch.objects.filter(pk=batch_id).update(
                    rows_total=read.count_rows(source, batch.original_name)
                )
            long_csv = None
            if batch.original_name.lower().endswith(".csv"):
                long_csv, source = columns.open_long_csv(chunks, read.FEED_LIMITS)
            if long_csv is None:
                spec = _mapping_of(batch.department)
                table, resolved = read.open_feed(source, batch.original_name, spec)
            checker = rows.Checker(
                items={i.code: i for i in DataItem.objects.filter(department=batch.department)},
                department_name=batch.department.name,
                period=batch.period,
                residents=residents(),
            )
            folding = None
            if long_csv is not None:
                folding = columns.BatchFold(
                    {i.id: i.type == ItemType.AMOUNT for i in checker.items.values()}
                )
                loaded, rejected = columns.load_long_csv(
                    batch_id,
                    long_csv,
                    checker,
                    read.FEED_LIMITS,
                    progress=progress,
                    fold=folding,
                )
                if not folding.usable:
                    folding = None
            else:
                loaded, rejected = rows.load_rows(
                    batch_id,
                    read.feed_rows(table, resolved),
                    checker,
                    progress=progress,
                )
            del checker  # the county's map: no longer needed
            # the statistics first: planned on the table's size before the load, the
            # repeats' removal once joined every value with every repeat (minutes)
            rows.analyze(batch.period)
            # a fold made as the file loaded saw every resident's item once: no repeats
            repeats = rows.reject_repeats(batch_id) if folding is None else 0
            loaded, rejected = loaded - repeats, rejected + repeats
            fold.keep(batch_id, folding)
            del folding
        except TableError as exc:
            batch.values.all().delete()
            batch.folds.all().delete()
            batch.rejections.all().delete()
            FeedBatch.objects.filter(pk=batch_id, status=BatchStatus.LOADING).update(
                status=BatchStatus.FAILED,
                message=mask_id_numbers(str(exc))[:300],
                loaded=0,
                rejected=0,
                lease_until=None,
            )
            batch.refresh_from_db()
            return batch
    # conditional: a load that lost its lease (reaped as stopped) does not come back
    FeedBatch.objects.filter(pk=batch_id, status=BatchStatus.LOADING).update(
        status=BatchStatus.LOADED,
        lease_until=None,
        loaded=loaded,
        rejected=rejected,
        rows_done=F("rows_total"),
        loaded_at=timezone.now(),
    )
    logger.info("feed batch %s loaded: %s values, %s lines rejected", batch_id, loaded, rejected)
    batch.refresh_from_db()
    return batch


@contextlib.contextmanager
def feed_chunks(batch: FeedBatch) -> Iterator[Iterator[bytes]]:
    """The batch's file decrypted a chunk at a time, as long as the block lasts."""
    if not batch.file:
        raise TableError(_("The file is no longer kept (its retention ended)."))
    with batch.file.open("rb") as handle:
        if handle.read(len(FERNET_TOKEN_START)) == FERNET_TOKEN_START:
            # a file kept before the chunked format (one Fernet token)
            handle.seek(0)
            yield iter([decrypt_bytes(handle.read())])
        else:
            handle.seek(0)
            yield decrypt_stream(handle)


def _mapping_of(department: Department) -> dict | None:
    mapping = getattr(department, "mapping", None)
    return mapping.spec if mapping is not None else None

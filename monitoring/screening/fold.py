"""Step 3 of the screening job (DESIGN §3): the county's values of the period folded.

The values of the newest loaded batch of each department are folded per household and
item: amounts summed over the members and rows, counts, flags and grades their highest.
Each batch is folded once, as it loads (`keep`: FeedFold, some 600,000 rows for a
county's 2,000,000-row file, issue 26): a long-format CSV folded in columns as its blocks
are checked (monitoring.screening.stage.columns.BatchFold), any other file in one
statement over its values. The run's fold (`fold`) gathers the newest batches' folds into
a temporary table of the connection (FOLDED), which the scoring step reads in the same
transaction: an item belongs to one department, so no two of those batches fold the same
household and item.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from monitoring.models import BatchStatus, DataItem, FeedBatch, FeedFold, FeedValue, ItemType
from villages.models import Region

T = {
    "batch": FeedBatch._meta.db_table,
    "value": FeedValue._meta.db_table,
    "item": DataItem._meta.db_table,
    "fold": FeedFold._meta.db_table,
}

# the newest loaded batch of each department of the county for the period (as
# FeedBatch.objects.newest_loaded chooses them)
BATCHES = f"""
        batches AS (
            SELECT b.id FROM {T["batch"]} b
            WHERE b.county_id = %(county)s AND b.period = %(period)s AND b.status = %(loaded)s
              AND b.id = (SELECT MAX(b2.id) FROM {T["batch"]} b2
                          WHERE b2.county_id = b.county_id AND b2.period = b.period
                            AND b2.department_id = b.department_id AND b2.status = b.status)
        )"""  # noqa: S608 (table names from the models; values are parameters)
# the folded values, computed once a run: the fold (millions of values grouped by
# household and item) is read by the rules and by the count of households scored
FOLDED = "screening_folded"  # pragma: no mutate (any name of the temporary table works)
SCORING_WORK_MEM = "256MB"


def _fold_sql() -> str:
    """The newest batches' folds (see the module's text: no household and item twice)."""
    return f"""
        WITH {BATCHES}
        INSERT INTO {FOLDED} (household_id, item_id, value)
        SELECT ff.household_id, ff.item_id, ff.value
        FROM {T["fold"]} ff
        WHERE ff.period = %(period)s AND ff.batch_id IN (SELECT id FROM batches)
    """  # noqa: S608 (table names from the models; values are parameters)


# a batch's values folded per household and item (amounts summed over the members and
# rows; counts, flags and grades their highest)
BATCH_FOLD = f"""
    INSERT INTO {T["fold"]} (batch_id, period, household_id, item_id, value)
    SELECT fv.batch_id, fv.period, fv.household_id, fv.item_id,
           CASE WHEN it.type = %(amount)s THEN SUM(fv.value) ELSE MAX(fv.value) END
    FROM {T["value"]} fv JOIN {T["item"]} it ON it.id = fv.item_id
    WHERE fv.batch_id = %(batch)s AND fv.period = %(period)s
    GROUP BY fv.batch_id, fv.period, fv.household_id, fv.item_id, it.type
"""  # noqa: S608 (table names from the models; values are parameters)


def keep(batch_id: int, folded: Any = None) -> None:
    """Keep the batch's fold (FeedFold), in place of any it had: `folded` (a
    columns.BatchFold of its values, made as they loaded) when given, else folded here
    from the values it loaded."""
    period = FeedBatch.objects.values_list("period", flat=True).get(pk=batch_id)
    with transaction.atomic():
        FeedFold.objects.filter(batch_id=batch_id, period=period).delete()
        if folded is not None:
            folded.write(batch_id, period)
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # pragma: no mutate (speed, not results)
                # a file's values (millions) grouped in memory, not spilled to disk
                cursor.execute(f"SET LOCAL work_mem = '{SCORING_WORK_MEM}'")
            cursor.execute(
                BATCH_FOLD, {"batch": batch_id, "period": period, "amount": ItemType.AMOUNT}
            )


def fold(county: Region, period: str) -> int:
    """Fold the county's values of the period into FOLDED (emptied first); returns how
    many (household, item) pairs it holds. Call inside the transaction that scores."""
    params: dict[str, Any] = {"county": county.pk, "period": period, "loaded": BatchStatus.LOADED}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # pragma: no mutate (speed, not results)
            # the scoring after it groups the county's rule hits by household: in
            # memory, not in a sort spilled to disk (PostgreSQL's default is 4 MB)
            cursor.execute(f"SET LOCAL work_mem = '{SCORING_WORK_MEM}'")
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {FOLDED} (household_id bigint,"
            " item_id bigint, value numeric(16, 2))"
        )
        cursor.execute(f"DELETE FROM {FOLDED}")  # noqa: S608
        cursor.execute(_fold_sql(), params)
        # (SQLite counts no rows of an INSERT that begins WITH: the table says it)
        cursor.execute(f"SELECT COUNT(*) FROM {FOLDED}")  # noqa: S608
        return cursor.fetchone()[0]

"""Step 3 of the screening job (DESIGN §3): the county's values of the period folded.

The values of the newest loaded batch of each department are folded per household and
item: amounts summed over the members and rows, counts, flags and grades their highest.
The fold is one statement into a temporary table of the connection (FOLDED), which the
scoring step reads in the same transaction; nothing is kept.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from monitoring.models import BatchStatus, DataItem, FeedBatch, FeedValue, ItemType
from villages.models import Region

T = {
    "batch": FeedBatch._meta.db_table,
    "value": FeedValue._meta.db_table,
    "item": DataItem._meta.db_table,
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
    """The county's values of the period folded per household and item (amounts summed
    over the members and rows; counts, flags and grades their highest)."""
    return f"""
        WITH {BATCHES}
        INSERT INTO {FOLDED} (household_id, item_id, value)
        SELECT fv.household_id, fv.item_id,
               CASE WHEN it.type = %(amount)s THEN SUM(fv.value) ELSE MAX(fv.value) END
        FROM {T["value"]} fv JOIN {T["item"]} it ON it.id = fv.item_id
        WHERE fv.batch_id IN (SELECT id FROM batches)
        GROUP BY fv.household_id, fv.item_id, it.type
    """  # noqa: S608 (table names from the models; values are parameters)


def fold(county: Region, period: str) -> int:
    """Fold the county's values of the period into FOLDED (emptied first); returns how
    many (household, item) pairs it holds. Call inside the transaction that scores."""
    params: dict[str, Any] = {
        "county": county.pk,
        "period": period,
        "loaded": BatchStatus.LOADED,
        "amount": ItemType.AMOUNT,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # pragma: no mutate (speed, not results)
            # the fold groups a county's values (millions) by household and item: in
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

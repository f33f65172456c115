"""Step 3 of the screening job: each loaded value matched to its resident and household
through the keyed hash, in SQL (DESIGN §3, §5). A number no resident of the batch's
county has becomes a rejection of its line ("unknown resident").

PostgreSQL: the checked rows wait in the connection's load table (monitoring.screening.
load.LOAD_TABLE); the matched ones are inserted into FeedValue with their resident and
household in one INSERT … SELECT, the others become rejections. SQLite (the embedded
default): the rows are in FeedValue already; they are matched by UPDATE and the unknown
ones removed.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _

from households.models import Household, Resident
from monitoring.models import FeedRejection, FeedValue
from monitoring.screening.load import LOAD_TABLE
from villages.models import Region

VALUES = FeedValue._meta.db_table
REJECTIONS = FeedRejection._meta.db_table
# the county's residents: (id, household_id, id_hash) of villages under the prefix
COUNTY_RESIDENTS = f"""
    SELECT r.id, r.household_id, r.id_hash FROM {Resident._meta.db_table} r
    JOIN {Household._meta.db_table} h ON h.id = r.household_id
    JOIN {Region._meta.db_table} g ON g.id = h.village_id
    WHERE g.code LIKE %(prefix)s
"""  # noqa: S608 (table names from the models)


def match_batch(batch_id: int, county_code: str) -> int:
    """Match a batch's values; returns how many lines were rejected as unknown."""
    params = {
        "batch": batch_id,
        "prefix": county_code + "%",
        "reason": _("No resident with this ID number in the county's registry."),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                WITH county AS ({COUNTY_RESIDENTS})
                INSERT INTO {VALUES}
                    (batch_id, line, id_hash, id_masked, item_id, value, resident_id, household_id)
                SELECT l.batch_id, l.line, l.id_hash, l.id_masked, l.item_id, l.value,
                       c.id, c.household_id
                FROM {LOAD_TABLE} l JOIN county c ON c.id_hash = l.id_hash
                WHERE l.batch_id = %(batch)s
                """,  # noqa: S608
                params,
            )
            cursor.execute(
                f"""
                WITH county AS ({COUNTY_RESIDENTS})
                INSERT INTO {REJECTIONS} (batch_id, line, id_masked, reason)
                SELECT DISTINCT l.batch_id, l.line, l.id_masked, CAST(%(reason)s AS varchar)
                FROM {LOAD_TABLE} l
                WHERE l.batch_id = %(batch)s
                  AND NOT EXISTS (SELECT 1 FROM county c WHERE c.id_hash = l.id_hash)
                """,  # noqa: S608
                params,
            )
            unknown = cursor.rowcount
            cursor.execute(f"TRUNCATE {LOAD_TABLE}")
            return unknown
        cursor.execute(
            f"""
            UPDATE {VALUES} SET
                resident_id = (SELECT c.id FROM ({COUNTY_RESIDENTS}) c
                               WHERE c.id_hash = {VALUES}.id_hash),
                household_id = (SELECT c.household_id FROM ({COUNTY_RESIDENTS}) c
                                WHERE c.id_hash = {VALUES}.id_hash)
            WHERE batch_id = %(batch)s AND resident_id IS NULL
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO {REJECTIONS} (batch_id, line, id_masked, reason)
            SELECT DISTINCT batch_id, line, id_masked, %(reason)s FROM {VALUES}
            WHERE batch_id = %(batch)s AND resident_id IS NULL
            """,  # noqa: S608
            params,
        )
        unknown = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {VALUES} WHERE batch_id = %(batch)s AND resident_id IS NULL",  # noqa: S608
            params,
        )
    return unknown

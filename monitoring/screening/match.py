"""Step 3 of the screening job: each loaded value matched to its resident and household
through the keyed hash, in SQL (DESIGN §3, §5). A number no resident of the batch's
county has becomes a rejection of its line ("unknown resident"), and its values leave
staging."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _

from households.models import Household, Resident
from monitoring.models import FeedRejection, FeedValue
from villages.models import Region


def match_batch(batch_id: int, county_code: str) -> int:
    """Match a batch's values; returns how many lines were rejected as unknown."""
    values = FeedValue._meta.db_table
    residents = Resident._meta.db_table
    households = Household._meta.db_table
    regions = Region._meta.db_table
    prefix = county_code + "%"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                UPDATE {values} AS v SET resident_id = r.id, household_id = r.household_id
                FROM {residents} r
                JOIN {households} h ON h.id = r.household_id
                JOIN {regions} g ON g.id = h.village_id
                WHERE v.batch_id = %s AND v.resident_id IS NULL
                  AND r.id_hash = v.id_hash AND g.code LIKE %s
                """,  # noqa: S608 (table names from the models)
                [batch_id, prefix],
            )
        else:
            cursor.execute(
                f"""
                UPDATE {values} SET resident_id = (
                    SELECT r.id FROM {residents} r
                    JOIN {households} h ON h.id = r.household_id
                    JOIN {regions} g ON g.id = h.village_id
                    WHERE r.id_hash = {values}.id_hash AND g.code LIKE %s)
                WHERE batch_id = %s AND resident_id IS NULL
                """,  # noqa: S608
                [prefix, batch_id],
            )
            cursor.execute(
                f"""
                UPDATE {values} SET household_id = (
                    SELECT household_id FROM {residents} r WHERE r.id = {values}.resident_id)
                WHERE batch_id = %s AND resident_id IS NOT NULL
                """,  # noqa: S608
                [batch_id],
            )
        cursor.execute(
            f"""
            INSERT INTO {FeedRejection._meta.db_table} (batch_id, line, id_masked, reason)
            SELECT DISTINCT batch_id, line, id_masked, %s FROM {values}
            WHERE batch_id = %s AND resident_id IS NULL
            """,  # noqa: S608
            [_("No resident with this ID number in the county's registry."), batch_id],
        )
        unknown = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {values} WHERE batch_id = %s AND resident_id IS NULL",  # noqa: S608
            [batch_id],
        )
    return unknown

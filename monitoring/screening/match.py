"""Step 3 of the screening job: who a feed's numbers are (DESIGN §3, §5).

A row is matched to its resident and household through the keyed hash of its number,
as the row is checked (monitoring.screening.stage.rows): the county's residents are read
once into a map from keyed digest to resident and household, and each distinct number
of the file is hashed once and looked up there. A number no resident of the batch's
county has becomes a rejection of its line ("unknown resident").

The map holds no number, only keyed digests. It takes some 190 bytes a resident (a
county of 850,000 people: about 160 MB); it grows with the registry, not with the file.
Matching in SQL instead (staging every row, then an INSERT … SELECT joining the
residents) wrote every row twice and cost more than the whole Python pass.
"""

from __future__ import annotations

from django.db import connection

from households.models import Household, Resident
from villages.models import Region

# a resident and their household packed in one int: resident_id * SPAN + household_id
# (a bigint while resident ids stay below 2**31; PostgreSQL packs them so)
SPAN = 1 << 32


def county_residents(county_code: str) -> dict[bytes, int]:
    """{keyed digest of the number: packed (resident, household)} of the county's
    residents (every resident of a village under the county's code)."""
    largest = Resident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if connection.vendor != "postgresql" or largest >= 1 << 31:  # packed here, not in SQL
        rows = (
            Resident.objects.filter(household__village__code__startswith=county_code)
            .exclude(id_hash="")
            .values_list("id_hash", "pk", "household_id")
            .iterator(chunk_size=20_000)
        )
        return {bytes.fromhex(hashed): pk * SPAN + household for hashed, pk, household in rows}
    # PostgreSQL decodes the hex and packs the pair, and the rows come in chunks from a
    # server-side cursor straight into the map (half the time of the ORM's rows)
    residents: dict[bytes, int] = {}
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"""
            SELECT decode(r.id_hash, 'hex'), r.id * {SPAN} + r.household_id
            FROM {Resident._meta.db_table} r
            JOIN {Household._meta.db_table} h ON h.id = r.household_id
            JOIN {Region._meta.db_table} g ON g.id = h.village_id
            WHERE g.code LIKE %s AND r.id_hash <> ''
            """,  # noqa: S608 (table names from the models)
            [county_code + "%"],
        )
        while rows := cursor.fetchmany(20_000):
            residents.update(rows)
    return residents


def unpack(packed: int) -> tuple[int, int]:
    """(resident_id, household_id) of a packed match."""
    return divmod(packed, SPAN)

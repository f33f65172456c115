"""Step 3 of the screening job: who a feed's numbers are (DESIGN §3, §5).

A row is matched to its resident and household through the keyed hash of its number,
as the row is checked (monitoring.screening.stage.rows): the county's residents are read
once into a map from keyed digest to resident and household, and each distinct number
of the file is hashed once and looked up there. A number no resident of the batch's
county has becomes a rejection of its line ("unknown resident").

The index holds no number, only keyed digests, in three numpy arrays sorted by the
digest's first eight bytes: some 48 bytes a resident (a county of 850,000 people: about
40 MB; a dict of the same took 190 bytes a resident, issue 26). It grows with the
registry, not with the file. Matching in SQL instead (staging every row, then an
INSERT … SELECT joining the residents) wrote every row twice and cost more than the whole
Python pass.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from django.db import connection, transaction

from households.models import Household, Resident
from villages.models import Region

# a resident and their household packed in one int: resident_id * SPAN + household_id
# (a bigint while resident ids stay below 2**31; PostgreSQL packs them so)
SPAN = 1 << 32
DIGEST_BYTES = 32  # HMAC-SHA256
DIGEST = numpy.dtype(f"S{DIGEST_BYTES}")
MISSING = -1  # a digest the index does not hold


class ResidentIndex:
    """{keyed digest (32 bytes): packed (resident, household)}, read-only, looked up one
    digest at a time (`get`) or a block's at once (`lookup`).

    Sorted by the digest's first eight bytes as an unsigned number (a binary search over
    uint64 is some fifteen times faster than over 32-byte strings); a hit is confirmed
    on the whole digest. Digests that share their first eight bytes with another
    resident's (among a county's 850,000 digests, a chance of about two in a hundred
    million) are kept in a small dict as well, so they are found exactly.
    """

    def __init__(self, digests: numpy.ndarray, packed: numpy.ndarray):
        prefixes = _prefixes(digests)
        order = numpy.argsort(prefixes, kind="stable")
        self._prefixes = prefixes[order]
        self._digests = digests[order]
        self._packed = packed[order]
        tie = self._prefixes[1:] == self._prefixes[:-1]
        shared = numpy.flatnonzero(numpy.concatenate([[False], tie]) | numpy.append(tie, False))
        self._shared = {
            self._digests[i : i + 1].tobytes(): int(self._packed[i]) for i in shared.tolist()
        }

    @classmethod
    def of(cls, pairs: Iterable[tuple[bytes, int]]) -> ResidentIndex:
        digests, packed = [], []
        for digest, value in pairs:
            digests.append(digest)
            packed.append(value)
        return cls(
            numpy.frombuffer(b"".join(digests), dtype=DIGEST),
            numpy.array(packed, dtype=numpy.int64),
        )

    def __len__(self) -> int:
        return len(self._packed)

    def __contains__(self, digest: bytes) -> bool:
        return self.get(digest) is not None

    def __getitem__(self, digest: bytes) -> int:
        packed = self.get(digest)
        if packed is None:
            raise KeyError(digest)
        return packed

    def get(self, digest: bytes, default: int | None = None) -> int | None:
        if len(digest) != DIGEST_BYTES:
            return default
        found = self.lookup(numpy.frombuffer(digest, dtype=DIGEST))[0]
        return default if found == MISSING else int(found)

    def lookup(self, digests: numpy.ndarray) -> numpy.ndarray:
        """Each digest's packed match, MISSING (-1) for a number nobody here has."""
        result = numpy.full(len(digests), MISSING, dtype=numpy.int64)
        if not len(self._packed) or not len(digests):
            return result
        prefixes = _prefixes(digests)
        at = positions(self._prefixes, prefixes).clip(max=len(self._packed) - 1)
        hit = (self._prefixes[at] == prefixes) & (self._digests[at] == digests)
        result[hit] = self._packed[at[hit]]
        if self._shared:  # a tie on the first eight bytes: look those up exactly
            for i in numpy.flatnonzero(~hit & (self._prefixes[at] == prefixes)).tolist():
                # a slice: an element of an S32 array loses its trailing zero bytes
                result[i] = self._shared.get(digests[i : i + 1].tobytes(), MISSING)
        return result

    def largest(self) -> int:
        """The largest packed match (0 for an empty index)."""
        return int(self._packed.max()) if len(self._packed) else 0


def positions(ordered: numpy.ndarray, needles: numpy.ndarray) -> numpy.ndarray:
    """numpy.searchsorted(ordered, needles), the needles looked up in their order: a
    binary search that starts where the last one ended misses the cache far less (50,000
    numbers in 848,000: 2 ms against 11 in the file's order; with the sort, 5)."""
    order = numpy.argsort(needles)
    found = numpy.empty(len(needles), dtype=numpy.intp)
    found[order] = numpy.searchsorted(ordered, needles[order])
    return found


def _prefixes(digests: numpy.ndarray) -> numpy.ndarray:
    """Each digest's first eight bytes as an unsigned number (big-endian: numbers in the
    order of the bytes)."""
    whole = numpy.ascontiguousarray(digests).view(">u8").reshape(len(digests), 4)
    return whole[:, 0].astype(numpy.uint64)


def county_residents(county_code: str) -> ResidentIndex:
    """The index of the county's residents (every resident of a village under the
    county's code), by the keyed digest of their number."""
    largest = Resident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if connection.vendor != "postgresql" or largest >= 1 << 31:  # packed here, not in SQL
        rows = (
            Resident.objects.filter(household__village__code__startswith=county_code)
            .exclude(id_hash="")
            .values_list("id_hash", "pk", "household_id")
            .iterator(chunk_size=20_000)
        )
        return ResidentIndex.of(
            (bytes.fromhex(hashed), pk * SPAN + household) for hashed, pk, household in rows
        )
    # PostgreSQL decodes the hex, packs the pair and joins the residents into 256 pairs
    # of byte strings (digests; packed pairs, big-endian, in the same order): one per
    # first byte of the digest, and each row tells the total, so the arrays are made once
    # at their size. Read a few groups at a time from a server-side cursor in binary: no
    # Python object a resident. (The rows one by one into a dict took twice the time and
    # 130 MB more, issue 26.) numpy puts them in order: sorting each group by digest in
    # PostgreSQL (string_agg … ORDER BY) took 0.9 of its 2.4 s.
    digests = packed = None
    filled = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '128MB'")  # the sort in memory, not on disk
        # the scan and joins on the other cores too: this process only waits meanwhile
        # (PostgreSQL's costs keep a query of some 850,000 rows on one core: 1.3-1.8 s
        # there, 0.9-1.2 s over two)
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0")
        with connection.chunked_cursor() as rows:
            rows.cursor.execute(
                f"""
                SELECT sum(count(*)) OVER (), string_agg(x.digest, ''::bytea),
                       string_agg(x.pair, ''::bytea)
                FROM (
                    SELECT decode(r.id_hash, 'hex') AS digest,
                           int8send(r.id::bigint * {SPAN} + r.household_id) AS pair
                    FROM {Resident._meta.db_table} r
                    JOIN {Household._meta.db_table} h ON h.id = r.household_id
                    JOIN {Region._meta.db_table} g ON g.id = h.village_id
                    WHERE g.code LIKE %s AND r.id_hash <> ''
                ) x
                GROUP BY get_byte(x.digest, 0) ORDER BY get_byte(x.digest, 0)
                """,  # noqa: S608 (table names from the models)
                [county_code + "%"],
                binary=True,
            )
            while chunk := rows.cursor.fetchmany(16):
                for total, group_digests, group_packed in chunk:
                    if digests is None or packed is None:
                        digests = numpy.empty(int(total), dtype=DIGEST)
                        packed = numpy.empty(int(total), dtype=numpy.int64)
                    count = len(group_digests) // DIGEST_BYTES
                    digests[filled : filled + count] = numpy.frombuffer(group_digests, DIGEST)
                    packed[filled : filled + count] = numpy.frombuffer(group_packed, ">i8")
                    filled += count
    if digests is None or packed is None:
        return ResidentIndex.of([])
    return ResidentIndex(digests, packed)


def unpack(packed: int) -> tuple[int, int]:
    """(resident_id, household_id) of a packed match."""
    return divmod(packed, SPAN)

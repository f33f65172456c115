"""Step 2 for the common file: a long-format CSV checked a block of rows at a time.

A department's monthly long-format file (`id_number,item_code,value,period`) has
millions of rows, nearly all of them plain: an 18-character number with its right check
digit, a known item, a number, the batch's period. Checked row by row in Python that costs
some 13 µs a row (decision 44); here Arrow reads a block of a few megabytes into columns
and the plain rows are recognised column-wise:

- the number's shape by a pattern over the column, then each *distinct* number of the
  block that was not seen before: birth date and check digit over all of them at once
  (numpy), the keyed hash one by one (the only Python loop, once a person per file);
- items and periods by their handful of distinct cells, judged by the Checker;
- values by a pattern and the item's type, as the Checker's own fast case.

Every row that is not plain in all four (a bad number, an unknown person or item, a
value to convert, a blank or footer line) goes to the row reader's code for exactly
that row (read.LongRows, row_checks.Checker), so its value or rejection is the one the row
reader gives; tests/test_columns.py compares both readers on files with every kind of row.

A block is read in columns only when its lines are records: no quote, no blank line, no
NUL, no lone CR, every line as wide as the header, cells within the limit. From the first
block that is not, the rest of the file goes row by row through the one table reader
(common.tables), its lines and row count carried on, so every odd file still loads and
fails as it always did. A file of another shape (a department's wide file, a workbook)
never comes here.
"""

from __future__ import annotations

import csv
import ctypes
import ctypes.util
import datetime
import decimal
import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection, transaction

import monitoring.screening.match as match
import monitoring.screening.stage.read as read
import monitoring.screening.stage.rows as row_checks
from common.bulk import copy_stream
from common.tables import (
    SNIFF_BYTES,
    Table,
    TableError,
    TableLimits,
    _limited,
    cell_text,
    csv_rows,
    sniff_encoding,
)
from monitoring.models import FeedFold, ItemType

BLOCK = 2 << 20  # bytes of the file a block (about 50,000 rows)
CHUNK_ROWS = 500_000  # rows a transaction (the feeds page's progress moves by as many)
ID_PATTERN = r"^[0-9]{17}[0-9X]$"
PLAIN_NUMBER = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"  # row_checks.PLAIN_NUMBER, as Arrow's pattern
WEIGHTS = numpy.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = numpy.frombuffer(b"10X98765432", dtype=numpy.uint8)
DAYS = numpy.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
SLOW = match.MISSING  # a number's memo: its rows go to the Checker (nobody has it, or
# it is not plainly valid)
UNSEEN = -2  # a number the memo has not judged yet
MEMO_MAX = 4_000_000  # numbers the memo holds at most (64 MB)


@dataclass
class LongCsv:
    """A long-format CSV whose header was found in its plain first lines."""

    encoding: str
    headers: list[str]  # as the table reader gives them (trailing empty ones dropped)
    width: int  # the header line's cells, empty ones included: every record has as many
    header_line: int  # its line in the file
    rest: Iterator[bytes]  # the file's bytes after the header line


def open_long_csv(
    chunks: Iterator[bytes], limits: TableLimits
) -> tuple[LongCsv | None, Iterator[bytes]]:
    """(the file as a LongCsv, its bytes after the header) when the columnar reader can
    take it; (None, every byte of the file again) for the row reader else."""
    chunks = _limited(chunks, limits)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) > SNIFF_BYTES:
            break
    again = itertools.chain([head], chunks)
    try:
        encoding = sniff_encoding(head)
    except TableError:
        return None, again  # the row reader says so
    start = 0
    for index in range(limits.header_search_rows):
        end = head.find(b"\n", start)
        if end < 0:
            return None, again  # no whole line left in the head: a file for the row reader
        raw = head[start:end]
        if b'"' in raw or b"\r" in raw.rstrip(b"\r"):
            return None, again
        try:
            # a BOM opens the file only
            line_encoding = "utf-8" if index and encoding == "utf-8-sig" else encoding
            text = raw.rstrip(b"\r").decode(line_encoding)
        except UnicodeDecodeError:
            return None, again
        cells = next(csv.reader([text]), [])
        headers = [cell_text(c) for c in cells]
        if read._long_columns(headers) is not None:
            while headers and headers[-1] == "":
                headers.pop()
            return (
                LongCsv(
                    encoding=encoding,
                    headers=headers,
                    width=len(cells),
                    header_line=index + 1,
                    rest=itertools.chain([head[end + 1 :]], chunks),
                ),
                iter(()),
            )
        start = end + 1
    return None, again


def _blocks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The bytes in blocks of about BLOCK, each ending with a line's end (the last, with
    the file's)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        while len(pending) >= BLOCK:
            cut = pending.rfind(b"\n", 0, BLOCK) + 1 or pending.find(b"\n", BLOCK) + 1
            if not cut:
                break  # a line longer than a block: wait for its end
            yield pending[:cut]
            pending = pending[cut:]
    if pending:
        yield pending


def _plain(block: bytes) -> bool:
    """Its lines are the records: no quote, NUL, blank line or lone CR."""
    return not (
        b'"' in block
        or b"\0" in block
        or block.startswith((b"\n", b"\r\n"))
        or b"\n\n" in block
        or b"\n\r\n" in block
        or block.count(b"\r") != block.count(b"\r\n")
    )


class ColumnChecker:
    """The Checker's verdicts for a block's columns at once (see the module's text)."""

    def __init__(self, checker: row_checks.Checker, long: read.LongRows):
        self.checker = checker
        self.long = long
        self._numbers = NumberMemo()  # number → packed match, or SLOW
        self._today = datetime.date.today()  # noqa: DTZ011 (as row_checks._plainly_valid)

    def packed(self, ids: pa.Array) -> numpy.ndarray:
        """Each row's packed match, or SLOW."""
        shaped = pc.filter(ids, pc.match_substring_regex(ids, ID_PATTERN))
        distinct = pc.unique(shaped)
        digits = _digits(distinct)
        codes = _number(digits, 0, 17) * 11 + numpy.where(
            digits[:, 17] == ord("X"), 10, digits[:, 17].astype(numpy.int64) - 48
        )
        verdicts = self._numbers.get(codes)
        new = numpy.flatnonzero(verdicts == UNSEEN)
        if len(new):
            found = numpy.full(len(new), SLOW, dtype=numpy.int64)
            possible = numpy.flatnonzero(self._possible(digits[new]))
            if len(possible):
                digest = self.checker.digest
                numbers = pc.take(distinct, pa.array(new[possible])).to_pylist()
                digests = numpy.frombuffer(b"".join(map(digest, numbers)), dtype=match.DIGEST)
                found[possible] = self.checker.residents.lookup(digests)  # MISSING is SLOW
            verdicts[new] = found
            self._numbers.add(codes[new], found)
        return _per_row(ids, distinct, verdicts, missing=SLOW)

    def _possible(self, digits: numpy.ndarray) -> numpy.ndarray:
        """households.idnumbers.plainly_valid of numbers of the right shape (their
        characters' codes, a row each), at once: a possible birth date (1900 to today) and
        the right check digit (tied to the rule by monitoring/tests/test_id_rule.py)."""
        weighted = numpy.zeros(len(digits), dtype=numpy.int64)
        for column, weight in enumerate(WEIGHTS.tolist()):
            weighted += (digits[:, column].astype(numpy.int64) - 48) * weight
        check = CHECK_CHARS[weighted % 11] == digits[:, 17]
        value = _number(digits, 6, 14)
        year, month, day = value // 10_000, value // 100 % 100, value % 100
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        days = DAYS[numpy.clip(month, 0, 12)] + ((month == 2) & leap)
        today = self._today
        return (
            check
            & (year >= 1900)
            & (month >= 1)
            & (month <= 12)
            & (day >= 1)
            & (day <= days)
            & (value <= today.year * 10_000 + today.month * 100 + today.day)
        )

    def items(self, cells: pa.Array) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Each row's item id (or SLOW) and type (0 amount, 1 flag, 2 a whole number)."""
        distinct = pc.unique(cells)
        ids, types = [], []
        for cell in distinct.to_pylist():
            item = self.checker.items.get(self.long.item_code(cell))
            ids.append(item.id if item is not None else SLOW)
            types.append(
                0
                if item is None or item.type == ItemType.AMOUNT
                else 1
                if item.type == ItemType.FLAG
                else 2
            )
        return (
            _per_row(cells, distinct, numpy.array(ids, dtype=numpy.int64), SLOW),
            _per_row(cells, distinct, numpy.array(types, dtype=numpy.int64), 0),
        )

    def periods(self, cells: pa.Array | None, count: int) -> numpy.ndarray:
        """Whether each row's period is the batch's (a row without one is)."""
        if cells is None:
            return numpy.full(count, self.checker.check_period(None) == "")
        distinct = pc.unique(cells)
        good = [self.checker.check_period(c) == "" for c in distinct.to_pylist()]
        return _per_row(cells, distinct, numpy.array(good, dtype=bool), False)

    @staticmethod
    def values(cells: pa.Array, types: numpy.ndarray) -> numpy.ndarray:
        """Whether each value is taken as written (row_checks.Checker.value's common case)."""
        plain = pc.match_substring_regex(cells, PLAIN_NUMBER).to_numpy(zero_copy_only=False)
        whole = ~pc.match_substring(cells, ".").to_numpy(zero_copy_only=False)
        zero_one = pc.is_in(cells, value_set=pa.array(["0", "1"])).to_numpy(zero_copy_only=False)
        return plain & ((types == 0) | (whole & ((types == 2) | zero_one)))


class NumberMemo:
    """Each number's verdict once it was judged (its packed match, or SLOW), for the rest
    of the file: a department's file lists a person some 2.4 times, far apart. A number
    is kept as an integer (its 17 digits × 11 + its check character) in a sorted numpy
    array beside its verdict: 16 bytes a number where a dict of strings took some 140
    (issue 26). Emptied past MEMO_MAX numbers, it is bounded whatever the file."""

    def __init__(self) -> None:
        self._codes = numpy.zeros(0, dtype=numpy.int64)
        self._verdicts = numpy.zeros(0, dtype=numpy.int64)

    def __len__(self) -> int:
        return len(self._codes)

    def get(self, codes: numpy.ndarray) -> numpy.ndarray:
        """Each number's verdict, UNSEEN for one not judged yet."""
        verdicts = numpy.full(len(codes), UNSEEN, dtype=numpy.int64)
        if len(self._codes) and len(codes):
            at = match.positions(self._codes, codes).clip(max=len(self._codes) - 1)
            hit = self._codes[at] == codes
            verdicts[hit] = self._verdicts[at[hit]]
        return verdicts

    def add(self, codes: numpy.ndarray, verdicts: numpy.ndarray) -> None:
        """Keep these numbers' verdicts (numbers not held yet, each once)."""
        if len(self._codes) + len(codes) > MEMO_MAX:
            self.__init__()  # type: ignore[misc]
        order = numpy.argsort(codes)
        codes, verdicts = codes[order], verdicts[order]
        at = numpy.searchsorted(self._codes, codes)
        self._codes = numpy.insert(self._codes, at, codes)
        self._verdicts = numpy.insert(self._verdicts, at, verdicts)


ITEM_BITS = 4  # a key packs a person or household (below 2**28) with an item's place
FOLD_MERGE_ROWS = 250_000  # rows a fold takes before it folds them into what it has
FOLD_WRITE_ROWS = 100_000  # a fold's rows written at a time


class BatchFold:
    """The batch's values folded per household and item as its blocks are checked, as
    monitoring.screening.fold.BATCH_FOLD folds them from the loaded values (amounts
    summed, other items their highest; monitoring/tests/test_batch_fold.py compares the
    two): the scoring then reads some 600,000 folded rows a county's file instead of
    grouping its millions of values every night, and nothing groups them after the load
    (issue 26).

    It also sees whether a resident's item came twice in the file, which only
    rows.reject_repeats sorts out (the first line kept, a rejection for each other):
    every (resident, item) the file gave, as one sorted array of 4-byte keys (the
    resident's id and the item's place among the department's at most 16 items). A fold
    that saw a repeat, a file that went on row by row, or ids too large to pack so is
    given up (`usable` false, its memory freed): the load then rejects the repeats and
    folds in SQL, as before."""

    def __init__(self, items: dict[int, bool]):
        """`items`: the department's item ids, each with whether it is an amount."""
        self.usable = len(items) <= 1 << ITEM_BITS
        self._items = numpy.array(sorted(items), dtype=numpy.int64)
        self._amount = numpy.array([items[i] for i in sorted(items)], dtype=bool)
        self._seen = numpy.zeros(0, dtype=numpy.uint32)  # resident << ITEM_BITS | place
        self._parts: list[tuple[numpy.ndarray, numpy.ndarray]] = []  # (keys, cents)
        self._pending = 0

    def give_up(self) -> None:
        self.usable = False
        self._seen = numpy.zeros(0, dtype=numpy.uint32)
        self._parts = []

    def add(self, packed: numpy.ndarray, items: numpy.ndarray, values: pa.Array) -> None:
        """A block's good rows: packed matches, item ids, values (Arrow strings, each a
        number of two decimals at most, 0 to 999,999,999,999.99, as the checks let
        through)."""
        if not self.usable or not len(items):
            return
        place = numpy.searchsorted(self._items, items).clip(max=len(self._items) - 1)
        if (
            int(packed.max()) >= 1 << (32 + 32 - ITEM_BITS)
            or not (self._items[place] == items).all()
        ):
            self.give_up()  # a resident id too large to pack, or another department's item
            return
        resident, household = packed // match.SPAN, packed % match.SPAN
        if int(household.max()) >= 1 << (32 - ITEM_BITS):
            self.give_up()
            return
        given = numpy.sort(((resident << ITEM_BITS) | place).astype(numpy.uint32))
        at = numpy.searchsorted(self._seen, given)
        inside = at < len(self._seen)
        if (given[1:] == given[:-1]).any() or (self._seen[at[inside]] == given[inside]).any():
            self.give_up()  # a repeat: rows.reject_repeats decides which line is kept
            return
        self._seen = numpy.insert(self._seen, at, given)
        keys = ((household << ITEM_BITS) | place).astype(numpy.uint32)
        self._parts.append((keys, _cents(values)))  # folded when enough are waiting
        self._pending += len(keys)
        if self._pending >= FOLD_MERGE_ROWS:
            self._parts = [self._merged()]
            self._pending = 0  # rows since the last merge (the merged part is folded)

    def _merged(self) -> tuple[numpy.ndarray, numpy.ndarray]:
        """The parts folded as one (sums of sums, highest of the highest)."""
        keys = numpy.concatenate([k for k, _c in self._parts])
        cents = numpy.concatenate([c for _k, c in self._parts])
        self._parts = []
        return _folded(keys, cents, self._amount)

    def folded(self) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """(households, items, cents) of the fold, one row a household and item."""
        if not self._parts:
            empty = numpy.zeros(0, dtype=numpy.int64)
            return empty, empty, empty
        keys, cents = self._merged()
        keys = keys.astype(numpy.int64)
        return keys >> ITEM_BITS, self._items[keys & ((1 << ITEM_BITS) - 1)], cents

    def write(self, batch_id: int, period: str) -> None:
        """Write the fold as the batch's FeedFolds of its period (COPY on PostgreSQL)."""
        households, items, cents = self.folded()
        self.give_up()
        columns = ["batch_id", "household_id", "item_id", "value", "period"]
        if connection.vendor != "postgresql":
            rows = zip(households.tolist(), items.tolist(), cents.tolist(), strict=True)
            FeedFold.objects.bulk_create(
                [
                    FeedFold(
                        batch_id=batch_id,
                        household_id=h,
                        item_id=i,
                        value=_decimal(c),
                        period=period,
                    )
                    for h, i, c in rows
                ],
                batch_size=1000,
            )
            return
        with copy_stream(FeedFold._meta.db_table, columns) as copy:
            for start in range(0, len(households), FOLD_WRITE_ROWS):
                end = start + FOLD_WRITE_ROWS
                part = cents[start:end]
                words = numpy.stack([part, part >> 63], axis=1).ravel()  # 128-bit decimals
                table = pa.table(
                    [
                        pa.array(numpy.full(len(part), batch_id, dtype=numpy.int64)),
                        pa.array(households[start:end]),
                        pa.array(items[start:end]),
                        pa.Array.from_buffers(
                            pa.decimal128(18, 2), len(part), [None, pa.py_buffer(words)]
                        ),
                        pa.repeat(pa.scalar(period), len(part)),
                    ],
                    names=columns,
                )
                copy.write(row_checks.copy_text(table))


def _cents(values: pa.Array) -> numpy.ndarray:
    """Each value (text of a number with two decimals at most, below 10**14) in cents."""
    exact = values.cast(pa.decimal128(16, 2))  # raises on anything else: never silently
    words = numpy.frombuffer(
        exact.buffers()[1], dtype=numpy.int64, count=2 * len(exact), offset=16 * exact.offset
    )
    return words[0::2].copy()  # the low word: the whole value, below 2**63


def _decimal(cents: int) -> decimal.Decimal:
    return decimal.Decimal(cents).scaleb(-2)


def _folded(
    keys: numpy.ndarray, cents: numpy.ndarray, amount: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """(keys, values) once a key: an amount's values summed, another's highest (`amount`:
    whether the item of each place is an amount)."""
    order = numpy.argsort(keys, kind="stable")
    keys, cents = keys[order], cents[order]
    if not len(keys):
        return keys, cents
    starts = numpy.flatnonzero(numpy.concatenate([[True], keys[1:] != keys[:-1]]))
    keys = keys[starts]
    summed = numpy.add.reduceat(cents, starts)
    highest = numpy.maximum.reduceat(cents, starts)
    return keys, numpy.where(amount[keys & ((1 << ITEM_BITS) - 1)], summed, highest)


def _digits(numbers: pa.Array) -> numpy.ndarray:
    """The character codes of numbers of 18 characters (ASCII), a row each: a view of the
    Arrow array's bytes (uint8), no copy. Worked on a column at a time (`_number`): a
    block's numbers as a matrix of int64 took some 60 MB of temporaries (issue 26)."""
    if not len(numbers):
        return numpy.zeros((0, 18), dtype=numpy.uint8)
    _validity, offsets, data = numbers.buffers()
    start = numpy.frombuffer(offsets, dtype=numpy.int32, count=1, offset=4 * numbers.offset)[0]
    chars = numpy.frombuffer(data, dtype=numpy.uint8, count=18 * len(numbers), offset=start)
    return chars.reshape(len(numbers), 18)


def _number(digits: numpy.ndarray, first: int, end: int) -> numpy.ndarray:
    """The decimal number the digits first..end-1 of each row spell (int64)."""
    value = numpy.zeros(len(digits), dtype=numpy.int64)
    for column in range(first, end):
        value *= 10
        value += digits[:, column]
        value -= 48
    return value


def _per_row(
    cells: pa.Array, distinct: pa.Array, verdicts: numpy.ndarray, missing: Any
) -> numpy.ndarray:
    """Each row's verdict from the verdicts of the distinct cells (`missing` for a row
    whose cell is not among them)."""
    where = pc.fill_null(pc.index_in(cells, value_set=distinct), len(distinct))
    return numpy.append(verdicts, missing)[where.to_numpy()]


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


@functools.cache
def _frugal_memory() -> None:
    """Memory the load frees goes back to the system (issue 26, the nightly job's peak
    RSS): Arrow allocates through malloc rather than its own mimalloc pool, which kept
    what a block had used (some 50 MB more at the peak), and glibc's malloc hands blocks
    of 128 KB and more back when they are freed (it raises that threshold as it sees large
    blocks freed, and then kept a block's 4 MB buffers in a heap that does not shrink).
    Once a process; a libc without mallopt (musl) keeps its own ways."""
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError, TypeError):
        pass


def load_long_csv(
    batch_id: int,
    feed: LongCsv,
    checker: row_checks.Checker,
    limits: TableLimits,
    progress: Callable[[int], None] | None = None,
    fold: BatchFold | None = None,
) -> tuple[int, int]:
    """Check and write every row of the file, a block at a time, CHUNK_ROWS rows a
    transaction (their values and rejections; then `progress` is told how many rows it
    had); returns (values, rejections), as row_checks.load_rows does for the row reader.
    `fold` is given the values as they are written (and given up when the file goes on
    row by row)."""
    _frugal_memory()
    long = read.LongRows(feed.headers)
    columns = ColumnChecker(checker, long)
    width = len(feed.headers)
    names = [f"c{i}" for i in range(feed.width)]
    options = (
        pa_csv.ParseOptions(
            delimiter=",",
            quote_char=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=False,
        ),
        pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    line = feed.header_line  # the last line read
    counted = loaded = rejected = 0
    # a match is packed in an int64 while resident ids stay below 2**31 (match.SPAN)
    columnar = checker.residents.largest() < 1 << 63
    blocks = _blocks(feed.rest)
    odd: bytes | None = None  # the first block this reader does not take
    more = True
    while more and odd is None:
        # a transaction a chunk of blocks: the COPY stays open across them, so PostgreSQL
        # stores a block while the next is checked
        rows = 0
        rejections: list[tuple] = []
        with transaction.atomic():
            with row_checks.values_writer(batch_id, checker.period) as writer:
                more = False
                for block in blocks:
                    table = _columns(block, feed.encoding, names, options, width, limits)
                    if not columnar or table is None or counted + table.num_rows > limits.max_rows:
                        odd = block
                        break
                    good, bad = _check_block(table, line, columns, long, width)
                    writer.columns(*good)
                    if fold is not None:
                        fold.add(good[1], good[2], good[3])
                    rejections += bad
                    loaded += len(good[0])
                    line += table.num_rows
                    counted += table.num_rows  # with any blank rows (the row reader
                    # counts them not): a file is refused a little sooner here
                    rows += table.num_rows
                    if rows >= CHUNK_ROWS or len(rejections) >= row_checks.CHUNK:
                        more = True
                        break
            row_checks.write_rejections(batch_id, rejections)
        rejected += len(rejections)
        if progress and rows:
            progress(rows)
    if odd is None:
        return loaded, rejected
    if fold is not None:
        fold.give_up()  # the rest is written row by row
    # row by row from here: the table reader names what is wrong, if anything
    rest = Table(
        headers=feed.headers,
        header_line=line,
        _rows=csv_rows(itertools.chain([odd], blocks), limits, feed.encoding),
        _limits=limits,
        text_only=True,
        counted=counted,
    )
    more_loaded, more_rejected = row_checks.load_rows(
        batch_id, read.feed_rows(rest, None), checker, progress
    )
    return loaded + more_loaded, rejected + more_rejected


def _columns(
    block: bytes,
    encoding: str,
    names: list[str],
    options: tuple,
    width: int,
    limits: TableLimits,
) -> pa.Table | None:
    """The block as string columns, None when it is not for this reader."""
    if not _plain(block):
        return None
    if encoding == "gb18030" and not block.isascii():
        try:
            block = block.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(block),
            read_options=pa_csv.ReadOptions(
                column_names=names, use_threads=False, block_size=len(block) + 1
            ),
            parse_options=options[0],
            convert_options=options[1],
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a line of another width, not UTF-8
        return None
    for column in table.columns[:width]:
        if table.num_rows and pc.max(pc.utf8_length(column)).as_py() > limits.max_cell_chars:
            return None
    return table.combine_chunks()


def _check_block(
    table: pa.Table, line: int, columns: ColumnChecker, long: read.LongRows, width: int
) -> tuple[tuple, list[tuple]]:
    """((lines, packed, items, values) of the plain rows, rejections of the others)."""
    cell = [
        table.column(i).chunk(0) if table.column(i).num_chunks else pa.array([], pa.string())
        for i in range(table.num_columns)
    ]
    count = table.num_rows
    packed = columns.packed(cell[long.i_id])
    items, types = columns.items(cell[long.i_item])
    period = columns.periods(cell[long.i_period] if long.i_period is not None else None, count)
    plain = (packed != SLOW) & (items != SLOW) & period & columns.values(cell[long.i_value], types)
    rows = numpy.flatnonzero(plain)
    lines = line + 1 + rows
    good = [lines, packed[rows], items[rows], pc.take(cell[long.i_value], pa.array(rows))]
    rejections: list[tuple] = []
    others = numpy.flatnonzero(~plain)
    if len(others):
        slow = pa.table(cell[:width], names=[str(i) for i in range(width)]).take(others)
        extra: list[tuple] = []
        check = columns.checker.check
        slow_rows = zip(*slow.to_pydict().values(), strict=True)
        for index, cells in zip(others.tolist(), slow_rows, strict=True):
            joined = "".join(cells)
            if not joined or joined.isspace():
                continue  # a blank row (the table reader skips it)
            row = long.row(line + 1 + index, list(cells))
            if row is None:
                continue  # a total or signature line
            value, rejection = check(row)
            if value is not None:
                extra.append(value)
            elif rejection is not None and (not rejections or rejections[-1] != rejection):
                rejections.append(rejection)
        if extra:
            good = _with_rows(good, extra)
    return tuple(good), rejections


def _with_rows(good: list, rows: list[tuple]) -> list:
    """The plain rows' columns with the Checker's values of the others appended."""
    lines, packed, items, values = zip(*rows, strict=True)
    return [
        numpy.concatenate([good[0], numpy.array(lines, dtype=numpy.int64)]),
        numpy.concatenate([good[1], numpy.array(packed, dtype=numpy.int64)]),
        numpy.concatenate([good[2], numpy.array(items, dtype=numpy.int64)]),
        pa.concat_arrays([good[3], pa.array(values, pa.string())]),
    ]

"""The rows of a batch (step 2, staging) checked, matched and written.

Every row is checked (ID number, item, number, period) and its number matched to a
resident of the county (monitoring.screening.match); a good one becomes a FeedValue of
that resident and household (the number itself goes nowhere), a bad one a FeedRejection
with its line and reason. Good rows always load, whatever the bad ones. On PostgreSQL
the values go through COPY; elsewhere (SQLite, the embedded default) through
executemany. Work is written in chunks, each its own transaction, with the batch's
progress after each; a load that is killed is started again from the beginning (its
earlier rows are removed first), so it ends as one clean load would.

A long-format CSV (nearly every department's monthly file) is checked a block at a time
in columns instead (monitoring.screening.stage.columns), which hands the rows it cannot judge
to this module's Checker and writes through the same ValuesWriter.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from common import partitions
from common.bulk import copy_stream
from common.crypto import keyed_digester
from common.masking import mask, mask_id_numbers
from households.idnumbers import normalize, plainly_valid, validate_id_number
from households.models import Resident
from monitoring.models import DataItem, FeedRejection, FeedValue, ItemType
from monitoring.screening.match import SPAN, ResidentIndex, unpack
from monitoring.screening.stage.read import FeedRow

CHUNK = 50_000  # rows a transaction
WRITE_EVERY = 2_000  # values handed to COPY at a time
# A person's verdict is kept for the rest of the file (a department's monthly file has
# some 2.4 rows a person, in any order). The memo holds a county's people, about 110
# bytes each (a plain number's memo is its packed match alone); emptied past this size,
# it bounds the memory whatever the file's length.
ID_MEMO_MAX = 1_000_000
MAX_AMOUNT = decimal.Decimal("999999999999.99")
CENTS = decimal.Decimal("0.01")
PLAIN_NUMBER = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
# A comma is a thousands separator only between groups of three digits: "48,200" is
# 48200, "1,2,3" is no number (departments' exports write both)
GROUPED_NUMBER = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
PERIOD_TEXT = re.compile(r"^(\d{4})\D?(\d{1,2})(?:\D.*)?$")


class Checker:
    """Checks rows of one batch: ID numbers (matched to `residents`, memoised per
    number), items of the batch's department, numbers by item type, the period."""

    def __init__(
        self,
        *,
        items: dict[str, DataItem],
        department_name: str,
        period: str,
        residents: ResidentIndex | Mapping[bytes, int],
    ):
        self.items = items
        self.department_name = department_name
        self.period = period
        # a plain mapping (a test's few people) is indexed as the match step's are
        if not isinstance(residents, ResidentIndex):
            residents = ResidentIndex.of(residents.items())
        self.residents = residents
        self.digest = keyed_digester()
        self._ids: dict[str, int | tuple[int, str] | tuple[None, str]] = {}
        self._periods: dict[Any, str] = {}

    def person(self, cell: Any) -> tuple[int | None, str, str]:
        """(packed resident and household or None, masked number, reason when refused)."""
        if type(cell) is str:
            memo = self._ids.get(cell)  # the cell as read: no strip for a number seen before
            if type(memo) is int:  # a plain number of a resident
                return memo, mask(cell, "id"), ""
            if memo is None:
                if len(self._ids) >= ID_MEMO_MAX:
                    self._ids.clear()
                if _plainly_valid(cell) is not None:
                    packed = self.residents.get(self.digest(cell))
                    if packed is not None:
                        self._ids[cell] = packed
                        return packed, mask(cell, "id"), ""
                    memo = self._ids[cell] = (None, _unknown())
                else:
                    memo = self._ids[cell] = self._judge(cell.strip())
        elif isinstance(cell, int | float) and not isinstance(cell, bool):
            # Excel keeps 15 digits of a number: the last ones are gone
            return None, "", _("The ID number is stored as a number; format the column as text.")
        else:
            memo = self._judge(str(cell or "").strip())
        packed, detail = memo  # type: ignore[misc]  # a plain int returned above
        if packed is None:
            return None, _masked_raw(str(cell or "").strip()), detail
        return packed, detail, ""

    def _judge(self, text: str) -> tuple[int, str] | tuple[None, str]:
        """(packed match, masked number) of a resident's number, (None, reason) else."""
        if not text:
            return None, _("The ID number is missing.")
        number = _plainly_valid(text)
        if number is None:
            try:  # the registry's validator says what is wrong (or accepts a variant)
                number = validate_id_number(text).number
            except ValidationError as exc:
                return None, " ".join(exc.messages)
        packed = self.residents.get(self.digest(normalize(number)))
        if packed is None:
            return None, _unknown()
        return packed, mask(number, "id")

    def value(self, item: DataItem, cell: Any) -> str:
        """The cell as the item's value (its text, two decimals at most); ValueError(reason)
        when it is none."""
        if type(cell) is str and PLAIN_NUMBER.fullmatch(cell):
            # the common case, digits and at most two decimals: a possible amount as it is
            if item.type == ItemType.AMOUNT or (
                "." not in cell and (item.type != ItemType.FLAG or cell in ("0", "1"))
            ):
                return cell
            number = decimal.Decimal(cell)
        elif isinstance(cell, bool):
            number = decimal.Decimal(int(cell))
        elif isinstance(cell, int | float):
            number = decimal.Decimal(str(cell))
        else:
            text = "".join(unicodedata.normalize("NFKC", str(cell or "")).split())
            text = text.removesuffix(item.unit or "\0")
            if "," in text:
                if not GROUPED_NUMBER.fullmatch(text):
                    raise ValueError(
                        _(
                            "“%(value)s” is not a number (%(item)s): a comma separates "
                            "thousands only."
                        )
                        % {"value": str(cell)[:30], "item": item.code}
                    )
                text = text.replace(",", "")
            if item.type == ItemType.FLAG and text in ("是", "否"):
                text = "1" if text == "是" else "0"
            try:
                number = decimal.Decimal(text)
            except decimal.InvalidOperation:
                raise ValueError(
                    _("“%(value)s” is not a number (%(item)s).")
                    % {"value": str(cell)[:30], "item": item.code}
                ) from None
        if not number.is_finite() or number < 0 or number > MAX_AMOUNT:
            raise ValueError(
                _("%(value)s is not a possible value of %(item)s.")
                % {"value": str(cell)[:30], "item": item.code}
            )
        if item.type == ItemType.FLAG and number not in (0, 1):
            raise ValueError(_("%(item)s is a flag: 0 or 1.") % {"item": item.code})
        if item.type in (ItemType.COUNT, ItemType.GRADE) and number != number.to_integral():
            raise ValueError(_("%(item)s is a whole number.") % {"item": item.code})
        return str(number.quantize(CENTS))

    def check_period(self, cell: Any) -> str:
        """'' when the row's period is the batch's (or the row has none); else the reason.
        A file has a handful of distinct period cells: each is judged once."""
        if cell is None or type(cell) is str:
            key: Any = cell
        elif isinstance(cell, int | datetime.date):
            key = (type(cell), cell)  # 1 and True, a date and a datetime apart
        else:
            return self._period_reason(cell)
        reason = self._periods.get(key)
        if reason is None:
            reason = self._period_reason(cell)
            if len(self._periods) < 1000:
                self._periods[key] = reason
        return reason

    def _period_reason(self, cell: Any) -> str:
        if cell is None or cell == "":
            return ""
        if isinstance(cell, datetime.date):
            found = f"{cell.year:04d}-{cell.month:02d}"
        else:
            text = unicodedata.normalize("NFKC", str(cell)).strip()
            if isinstance(cell, int) or re.fullmatch(r"\d{6}", text):
                text = f"{text[:4]}-{text[4:]}"
            match = PERIOD_TEXT.match(text)
            if not match or not 1 <= int(match.group(2)) <= 12:
                return _("“%(value)s” is not a month (YYYY-MM).") % {"value": str(cell)[:20]}
            found = f"{match.group(1)}-{int(match.group(2)):02d}"
        if found != self.period:
            return _("The row is for %(found)s, the file for %(period)s.") % {
                "found": found,
                "period": self.period,
            }
        return ""

    def check(self, row: FeedRow | tuple) -> tuple[tuple | None, tuple | None]:
        """(value row, None) or (None, rejection row)."""
        line, id_cell, item_code, cell, period, error = row
        memo = self._ids.get(id_cell) if type(id_cell) is str else None
        if type(memo) is int and not error:
            # the common case, inline: a resident's plain number seen before, a known
            # item, a period already judged the batch's
            item = self.items.get(item_code)
            if item is not None and self._periods.get(period) == "":
                try:
                    return (line, memo, item.id, self.value(item, cell)), None
                except ValueError as exc:
                    return None, (line, mask(id_cell, "id"), str(exc))
        packed, masked, reason = self.person(id_cell)
        if error or reason:
            return None, (line, masked, error or reason)
        item = self.items.get(item_code)
        if item is None:
            return None, (
                line,
                masked,
                _("Unknown item “%(code)s” for %(department)s.")
                % {"code": item_code[:20], "department": self.department_name},
            )
        if reason := self.check_period(period):
            return None, (line, masked, reason)
        try:
            value = self.value(item, cell)
        except ValueError as exc:
            return None, (line, masked, str(exc))
        return (line, packed, item.id, value), None


def _plainly_valid(text: str) -> str | None:
    """The number when the registry's rule accepts it as it stands (nearly every row of a
    department's file: households.idnumbers.plainly_valid); None sends it to the rule's
    full validator, which names the fault."""
    # UTC's today is at most Shanghai's: a number born "today" there goes to the validator
    return text if plainly_valid(text, datetime.date.today()) else None  # noqa: DTZ011


def _masked_raw(text: str) -> str:
    """A refused number as the rejection shows it: masked, whatever its length."""
    return mask("".join(unicodedata.normalize("NFKC", text).split())[:20], "id")


def _unknown() -> str:
    return _("No resident with this ID number in the county's registry.")


VALUE_COLUMNS = [
    "batch_id",
    "line",
    "item_id",
    "value",
    "resident_id",
    "household_id",
    "period",
]


class ValuesWriter:
    """Writes a batch's FeedValues, given as rows of (line, packed match, item, value) or
    as columns of them (the columnar reader's arrays). On PostgreSQL one COPY stays open
    for the writer's life, so PostgreSQL stores what is written while the rows after it
    are checked (the two cores work at once); COPY's text format is written here, every
    field a number or the batch's period, "YYYY-MM" (none can hold a tab, a newline or
    a backslash). Elsewhere (SQLite) executemany."""

    def __init__(self, batch_id: int, period: str, copy: Any = None):
        self.batch_id = batch_id
        self.period = period  # the batch's: the partition the values go to
        self._copy = copy

    def rows(self, rows: list[tuple]) -> None:
        batch_id, period = self.batch_id, self.period
        if self._copy is not None:
            self._copy.write(
                "".join(
                    f"{batch_id}\t{line}\t{item}\t{value}\t{packed // SPAN}\t{packed % SPAN}"
                    f"\t{period}\n"
                    for line, packed, item, value in rows
                )
            )
            return
        table = FeedValue._meta.db_table
        marks = ", ".join(["%s"] * len(VALUE_COLUMNS))
        sql = f"INSERT INTO {table} ({', '.join(VALUE_COLUMNS)}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [
                    (batch_id, line, item, value, *unpack(packed), period)
                    for line, packed, item, value in rows
                ],
            )

    def columns(self, lines: Any, packed: Any, items: Any, values: Any) -> None:
        """The same from equal-length arrays (numpy int64 lines, packed and items; an
        Arrow string array of values): COPY's text is written by Arrow's CSV writer."""
        if not len(lines):
            return
        if self._copy is None:
            self.rows(
                list(
                    zip(
                        lines.tolist(),
                        packed.tolist(),
                        items.tolist(),
                        values.to_pylist(),
                        strict=True,
                    )
                )
            )
            return
        table = pa.table(
            [
                pa.array(numpy.full(len(lines), self.batch_id, dtype=numpy.int64)),
                pa.array(lines),
                pa.array(items),
                values,
                pa.array(packed // SPAN),
                pa.array(packed % SPAN),
                pa.repeat(pa.scalar(self.period), len(lines)),
            ],
            names=VALUE_COLUMNS,
        )
        self._copy.write(copy_text(table))


def copy_text(table: pa.Table) -> bytes:
    """Arrow columns as COPY's text format (tab-separated lines, no header): for columns of
    numbers and validated periods ("YYYY-MM") only, none of which can hold a tab, a
    newline or a backslash."""
    out = pa.BufferOutputStream()
    options = pa_csv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    pa_csv.write_csv(table, out, options)
    return out.getvalue().to_pybytes()


@contextlib.contextmanager
def values_writer(batch_id: int, period: str) -> Iterator[ValuesWriter]:
    """The batch's ValuesWriter, its COPY open as long as the block lasts (PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield ValuesWriter(batch_id, period)
        return
    with copy_stream(FeedValue._meta.db_table, VALUE_COLUMNS) as copy:
        yield ValuesWriter(batch_id, period, copy)


def analyze(period: str) -> None:
    """Fresh statistics of the period's values after a load (PostgreSQL): autovacuum comes
    later, and the scoring's plan counts on knowing that a batch has millions of rows, not
    the few the table held before. Only the month's own partition is analysed (or the
    default one, which holds a month without its own): ANALYZE of the partitioned table
    would sample every month kept, each batch (measured: a county's batches slowed from
    0.8 to 2.2 s each as the month grew, on Citus)."""
    if connection.vendor != "postgresql":
        return
    table = FeedValue._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partitions.partition_name(table, period)])
        month = cursor.fetchone()[0]
        cursor.execute(f"ANALYZE {month or partitions.default_name(table)}")


def reject_repeats(batch_id: int) -> int:
    """A resident's item given twice in one file (one period) is the department's
    mistake, not twice the amount: the first line is kept and each later one becomes a
    rejection naming it (scoring would have summed them). Set-based, whatever the file's
    size: one sorted pass finds the repeats, then one statement writes their rejections
    and one removes their values. Returns how many lines were rejected."""
    quote = connection.ops.quote_name
    values, residents = quote(FeedValue._meta.db_table), quote(Resident._meta.db_table)
    rejections = quote(FeedRejection._meta.db_table)
    # the sentence in the batch's language, cut around the line number SQL writes in
    marker = 987654321
    reason = _("The same ID number, item and period as line %(line)d: only the first is kept.")
    before, after = (reason % {"line": marker}).split(str(marker))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS feed_repeats")
        # one pass over the batch's values, sorted by (resident, item): a window, not a
        # join, so no plan can turn it quadratic (a join planned on stale statistics ran
        # for minutes on 300,000 rows)
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE feed_repeats AS
            SELECT id, line, resident_id, first_line FROM (
                SELECT id, line, item_id, resident_id,
                       MIN(line) OVER (PARTITION BY resident_id, item_id) AS first_line
                FROM {values} WHERE batch_id = %s) w
            WHERE line > first_line
            """,  # noqa: S608 (table names from the models)
            [batch_id],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE feed_repeats")  # its size, for the statements below
        cursor.execute("SELECT COUNT(*) FROM feed_repeats")
        (count,) = cursor.fetchone()
        if count:
            cursor.execute(
                f"""
                INSERT INTO {rejections} (batch_id, line, id_masked, reason)
                SELECT %s, p.line, r.id_masked, %s || CAST(p.first_line AS TEXT) || %s
                FROM feed_repeats p JOIN {residents} r ON r.id = p.resident_id
                """,  # noqa: S608
                [batch_id, before, after],
            )
            # the repeated item only (a line of a wide file holds other items too), by
            # primary key: matched on (batch, line, item) the planner, on the batch's
            # stale statistics, scanned the whole batch for every repeat (minutes)
            cursor.execute(
                f"DELETE FROM {values} WHERE id IN (SELECT id FROM feed_repeats)"  # noqa: S608
            )
        cursor.execute("DROP TABLE feed_repeats")
    return count


def write_rejections(batch_id: int, rows: list[tuple]) -> None:
    """A reason quotes the cell it refuses; an ID number typed into the wrong column is
    masked there too (every reason passes the one scrubber)."""
    FeedRejection.objects.bulk_create(
        [
            FeedRejection(
                batch_id=batch_id,
                line=line,
                id_masked=masked,
                reason=mask_id_numbers(reason)[:300],
            )
            for line, masked, reason in rows
        ],
        batch_size=2000,
    )


def load_rows(
    batch_id: int,
    rows: Iterable[FeedRow | tuple],
    checker: Checker,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Check and write every row, a chunk at a time (its values and its rejections in one
    transaction; then `progress` is told how many rows the chunk had); returns (values,
    rejections)."""
    loaded = rejected = 0
    check = checker.check
    rows = iter(rows)
    more = True
    while more:
        rejections: list[tuple] = []
        with transaction.atomic():
            with values_writer(batch_id, checker.period) as writer:
                write = writer.rows
                values: list[tuple] = []
                count = 0
                for count, row in enumerate(rows, 1):
                    good, bad = check(row)
                    if good is not None:
                        values.append(good)
                        if len(values) >= WRITE_EVERY:
                            write(values)
                            loaded += len(values)
                            values = []
                    elif bad is not None and (not rejections or rejections[-1] != bad):
                        # a wide row: one rejection
                        rejections.append(bad)
                    if count >= CHUNK:
                        break
                else:
                    more = False
                write(values)
                loaded += len(values)
            write_rejections(batch_id, rejections)
            rejected += len(rejections)
        if progress and count:
            progress(count)
    return loaded, rejected

"""Step 2 of the screening job: a batch's rows checked, hashed and streamed into staging.

Every row is checked (ID number, item, number, period); a good one becomes a FeedValue
keyed by the person's keyed hash (the number itself goes nowhere), a bad one a
FeedRejection with its line and reason. Good rows always load, whatever the bad ones.
On PostgreSQL the values go through COPY (common.bulk.copy_rows); elsewhere (SQLite, the
embedded default) through executemany. Work is written in chunks, each its own
transaction, with the batch's progress after each; a load that is killed is started
again from the beginning (its earlier rows are removed first), so it ends as one clean
load would.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from common.bulk import copy_rows
from common.crypto import keyed_hash
from common.masking import mask, mask_id_numbers
from households.idnumbers import check_digit, id_hash, validate_id_number
from monitoring.models import DataItem, FeedRejection, FeedValue, ItemType
from monitoring.screening.read import FeedRow

CHUNK = 20_000
# a person's check and hash are kept for the rest of the file (about 2.4 rows a person
# in a department's monthly file); the memo is emptied past this size
ID_MEMO_MAX = 500_000
MAX_AMOUNT = decimal.Decimal("999999999999.99")
PLAIN_NUMBER = re.compile(r"\d{1,12}(\.\d{1,2})?")
PERIOD_TEXT = re.compile(r"^(\d{4})\D?(\d{1,2})(?:\D.*)?$")


class Checker:
    """Checks rows of one batch: ID numbers (memoised per number), items of the batch's
    department, numbers by item type, the period."""

    def __init__(self, *, items: dict[str, DataItem], department_name: str, period: str):
        self.items = items
        self.department_name = department_name
        self.period = period
        self._ids: dict[str, tuple[str, str] | tuple[None, str]] = {}
        self._periods: dict[tuple, str] = {}

    def person(self, cell: Any) -> tuple[str | None, str, str]:
        """(keyed hash or None, masked number, reason when refused)."""
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            # Excel keeps 15 digits of a number: the last ones are gone
            return None, "", _("The ID number is stored as a number; format the column as text.")
        text = str(cell or "").strip()
        memo = self._ids.get(text)
        if memo is None:
            if not text:
                memo = (None, _("The ID number is missing."))
            elif (number := _plainly_valid(text)) is not None:
                memo = (keyed_hash(number), mask(number, "id"))
            else:
                try:  # the registry's validator says what is wrong (or accepts a variant)
                    number = validate_id_number(text).number
                    memo = (id_hash(number), mask(number, "id"))
                except ValidationError as exc:
                    memo = (None, " ".join(exc.messages))
            if len(self._ids) >= ID_MEMO_MAX:
                self._ids.clear()
            self._ids[text] = memo
        hashed, detail = memo
        if hashed is None:
            return None, _masked_raw(text), detail
        return hashed, detail, ""

    def value(self, item: DataItem, cell: Any) -> decimal.Decimal:
        """The cell as the item's value; ValueError(reason) when it is none."""
        if isinstance(cell, bool):
            number = decimal.Decimal(int(cell))
        elif isinstance(cell, int | float):
            number = decimal.Decimal(str(cell))
        elif isinstance(cell, str) and PLAIN_NUMBER.fullmatch(cell):
            number = decimal.Decimal(cell)  # the common case: digits and a point
        else:
            text = "".join(unicodedata.normalize("NFKC", str(cell or "")).split())
            text = text.replace(",", "").removesuffix(item.unit or "\0")
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
        return number.quantize(decimal.Decimal("0.01"))

    def check_period(self, cell: Any) -> str:
        """'' when the row's period is the batch's (or the row has none); else the reason.
        A file has a handful of distinct period cells: each is judged once."""
        key = (type(cell), cell) if isinstance(cell, str | int | datetime.date) else None
        if key is not None and key in self._periods:
            return self._periods[key]
        reason = self._period_reason(cell)
        if key is not None and len(self._periods) < 1000:
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

    def check(self, row: FeedRow) -> tuple[tuple | None, tuple | None]:
        """(value row, None) or (None, rejection row)."""
        hashed, masked, reason = self.person(row.id_cell)
        if row.error or reason:
            return None, (row.line, masked, row.error or reason)
        item = self.items.get(row.item_code)
        if item is None:
            return None, (
                row.line,
                masked,
                _("Unknown item “%(code)s” for %(department)s.")
                % {"code": row.item_code[:20], "department": self.department_name},
            )
        if reason := self.check_period(row.period):
            return None, (row.line, masked, reason)
        try:
            value = self.value(item, row.value)
        except ValueError as exc:
            return None, (row.line, masked, str(exc))
        return (row.line, hashed, masked, item.pk, value), None


ID_SHAPE = re.compile(r"\d{17}[\dX]")


@functools.lru_cache(maxsize=50_000)
def _possible_birth_date(digits: str) -> bool:
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    # UTC's today is at most Shanghai's: a number born "today" there goes to the validator
    return born.year >= 1900 and born <= datetime.date.today()  # noqa: DTZ011


def _plainly_valid(text: str) -> str | None:
    """The number when it is 18 plain characters with a right check digit and a possible
    birth date (nearly every row of a department's file); None sends it to the
    registry's validator, which names the fault. Same verdicts, a third of the time."""
    if (
        ID_SHAPE.fullmatch(text)
        and _possible_birth_date(text[6:14])
        and check_digit(text[:17]) == text[17]
    ):
        return text
    return None


def _masked_raw(text: str) -> str:
    """A refused number as the rejection shows it: masked, whatever its length."""
    return mask("".join(unicodedata.normalize("NFKC", text).split())[:20], "id")


VALUE_COLUMNS = ["batch_id", "line", "id_hash", "id_masked", "item_id", "value"]
# On PostgreSQL the checked rows are COPYed into a temporary table of the connection, and
# the match step moves the matched ones into FeedValue with their resident and household
# in one INSERT … SELECT (an UPDATE of every staged row wrote each row twice). A load
# killed half-way loses the temporary table with its connection and starts again.
LOAD_TABLE = "monitoring_load"


def prepare() -> None:
    """An empty load table for this connection (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {LOAD_TABLE} (batch_id bigint, line integer,"
            " id_hash varchar(64), id_masked varchar(20), item_id bigint, value numeric(14, 2))"
        )
        cursor.execute(f"TRUNCATE {LOAD_TABLE}")


def write_values(batch_id: int, rows: list[tuple]) -> None:
    table = FeedValue._meta.db_table
    full = [(batch_id, *row) for row in rows]
    if connection.vendor == "postgresql":
        copy_rows(LOAD_TABLE, VALUE_COLUMNS, full)
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(VALUE_COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            [(*row[:-1], str(row[-1])) for row in full],
        )


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
    rows: Iterable[FeedRow],
    checker: Checker,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Check and write every row, a chunk at a time; returns (values, rejections)."""
    loaded = rejected = 0
    values: list[tuple] = []
    rejections: list[tuple] = []
    last_line = 0

    def flush() -> None:
        with transaction.atomic():
            write_values(batch_id, values)
            write_rejections(batch_id, rejections)
        if progress:
            progress(last_line)
        values.clear()
        rejections.clear()

    for row in rows:
        good, bad = checker.check(row)
        if good is not None:
            values.append(good)
            loaded += 1
        elif not rejections or rejections[-1] != bad:  # a wide row's items: one rejection
            rejections.append(bad)
            rejected += 1
        last_line = row.line
        if len(values) + len(rejections) >= CHUNK:
            flush()
    flush()
    return loaded, rejected

"""Step 1 of the screening job: a department's file as rows of (person, item, value).

Two shapes (DESIGN §3):

- the long format, always: a header `id_number,item_code,value,period` (or its Chinese
  names 身份证号码, 指标代码, 数值, 期间), one value a row;
- a department's own wide file, through its column mapping (monitoring.screening.stage.mapping):
  one row a person, Chinese headers, title rows above and totals or signatures below.

The file is read by the one table reader (common.tables) with the feeds' limits. Each
row comes out as a FeedRow; a row the mapping cannot place comes out with its reason,
and a total, note or signature line below the data is skipped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

import monitoring.screening.stage.mapping as mapping
from common.tables import HeaderNotFound, Table, TableLimits, cell_text, open_table, raw_rows

# A department's monthly file: up to a few million values (a province's run splits per
# county). The reader streams large sheets and CSV, so these bound work, not memory.
FEED_LIMITS = TableLimits(
    max_bytes=256 * 1024 * 1024,
    max_unzipped=1024 * 1024 * 1024,
    max_rows=3_000_000,
    max_columns=60,
    max_cell_chars=500,
    header_search_rows=10,
)

LONG_HEADERS = {
    "id_number": "id_number",
    "身份证号码": "id_number",
    "身份证号": "id_number",
    "item_code": "item_code",
    "指标代码": "item_code",
    "value": "value",
    "数值": "value",
    "period": "period",
    "期间": "period",
    "所属期": "period",
}
TOTAL_MARKERS = ("合计", "总计", "小计", "total")


def header_key(text: str) -> str:
    """Headers compared as people type them: full-width brackets, spaces and case aside."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


class FeedRow(NamedTuple):
    # a tuple: a feed makes millions of them, and a frozen dataclass costs three times
    # as much to build
    line: int
    id_cell: Any
    item_code: str = ""
    value: Any = None
    period: Any = None
    error: str = ""  # the row cannot be placed; the reason


def _long_columns(headers: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = LONG_HEADERS.get(header_key(header))
        if name and name not in found:
            found[name] = index
    return found if {"id_number", "item_code", "value"} <= found.keys() else None


def open_feed(
    data: bytes | Iterable[bytes], name: str, spec: dict | None
) -> tuple[Table, dict | None]:
    """The feed's table and, for a wide file, its mapping resolved against the header."""

    def is_header(cells: list[str]) -> bool:
        if _long_columns(cells) is not None:
            return True
        return spec is not None and header_key(spec["id"]) in {header_key(c) for c in cells}

    try:
        table = open_table(data, name, is_header=is_header, limits=FEED_LIMITS)
    except HeaderNotFound as exc:
        raise HeaderNotFound(
            _(
                "No header row found. A feed needs the columns id_number, item_code, "
                "value and period (or this department's column mapping)."
            )
        ) from exc
    if _long_columns(table.headers) is not None:
        return table, None
    return table, mapping.resolve(spec, table.headers)


def count_rows(data: bytes, name: str) -> int:
    """How many lines the file has (the progress bar's total; a little more than its rows:
    title, header and total lines are counted too)."""
    if name.lower().endswith(".csv"):
        return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return sum(1 for _row in raw_rows(data, name, FEED_LIMITS))


def _is_footer(cells: list[Any], id_cell: Any) -> bool:
    """A total, note or signature line below the data: a total marker (合计 …) in a cell,
    or no ID number and a single filled cell. A row whose ID cell starts with a digit is
    data (the common case, decided without looking at the other cells)."""
    if isinstance(id_cell, str) and id_cell[:1].isdigit():
        return False
    filled = [t for t in (cell_text(c) for c in cells) if t]
    if any(t.replace(" ", "").lower().startswith(TOTAL_MARKERS) for t in filled):
        return True
    return not cell_text(id_cell) and len(filled) <= 1


class LongRows:
    """Rows of a long-format file as FeedRows (one value a row), by the header's columns.
    Both readers use it: the row by row one (feed_rows) and the columnar one
    (monitoring.screening.stage.columns) for the rows it leaves to the Checker."""

    def __init__(self, headers: list[str]):
        columns = _long_columns(headers) or {}
        self.i_id, self.i_item = columns["id_number"], columns["item_code"]
        self.i_value, self.i_period = columns["value"], columns.get("period")
        self._codes: dict[Any, str] = {}  # a file has a handful of item cells: each read once

    def item_code(self, item: Any) -> str:
        text = type(item) is str
        code = self._codes.get(item) if text else None
        if code is None:
            code = unicodedata.normalize("NFKC", cell_text(item)).upper()
            if text and len(self._codes) < 1000:
                self._codes[item] = code
        return code

    def row(self, line: int, cells: list[Any]) -> tuple | None:
        """The row as a FeedRow's fields (a plain tuple: building a NamedTuple costs a
        call), None for a total, note or signature line below the data."""
        id_cell = cells[self.i_id]
        if _is_footer(cells, id_cell):
            return None
        return (
            line,
            id_cell,
            self.item_code(cells[self.i_item]),
            cells[self.i_value],
            cells[self.i_period] if self.i_period is not None else None,
            "",
        )


def feed_rows(table: Table, resolved: dict | None) -> Iterator[FeedRow | tuple]:
    """Every row of the feed as FeedRows (a wide row gives one per item it holds)."""
    if resolved is None:
        long = LongRows(table.headers)
        for line, cells in table.rows():
            if (row := long.row(line, cells)) is not None:
                yield row
        return
    i_id = resolved["id"]
    for line, cells in table.rows():
        if _is_footer(cells, cells[i_id]):
            continue
        try:
            pairs = mapping.values_of(resolved, cells)
        except mapping.RowNotPlaced as exc:
            yield FeedRow(line=line, id_cell=cells[i_id], error=str(exc))
            continue
        period = cells[resolved["period"]] if resolved.get("period") is not None else None
        for item_code, value in pairs:
            yield FeedRow(
                line=line, id_cell=cells[i_id], item_code=item_code, value=value, period=period
            )

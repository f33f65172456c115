"""A sheet reaches python-calamine only when its cells lie within the limits, judged
from the cells themselves (calamine allocates the whole used range first: a 2 KB file
with cells at A1 and XFD1048576 aborted the process)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common import tables, xlsx_stream
from common.tables import TableError, TableLimits, open_table
from common.tests import bombs

# 100 rows in all: the header row searched for, then 99 rows of data
LIMITS = TableLimits(max_rows=99, max_columns=10, header_search_rows=1)


def _sheet(cells: str, *, prefix: str = "") -> bytes:
    """A workbook whose first sheet's sheetData is `cells`."""

    def write(xml: bytes, handle) -> None:
        head, tail = xml.split(b"<sheetData>")
        _old, tail = tail.split(b"</sheetData>")
        handle.write(head + f"<{prefix}sheetData>{cells}</{prefix}sheetData>".encode() + tail)

    return bombs._rewrite(write)


def _read(data: bytes):
    table = open_table(data, "a.xlsx", is_header=lambda c: "xA" in c, limits=LIMITS)
    return [cells for _line, cells in table.rows()]


HEADER = (
    '<row r="1">'
    + "".join(f'<c r="{c}1" t="inlineStr"><is><t>x{c}</t></is></c>' for c in "ABCDEFGHIJ")
    + "</row>"
)


@pytest.mark.parametrize(
    "far",
    [
        '<row r="101"><c r="A101"><v>1</v></c></row>',  # one row too many
        '<row r="2"><c r="K2"><v>1</v></c></row>',  # one column too many
        '<row r="2"><c r="A101"><v>1</v></c></row>',  # the cell's row, not its row's
        '<row r="101"><c><v>1</v></c></row>',  # a cell placed by its row alone
        '<row r="2">' + "<c><v>1</v></c>" * 11 + "</row>",  # eleven cells without r
        '<row r="2"><c r="J2"><v>1</v></c><c><v>1</v></c></row>',  # the one after J
        '<row r="2"><c  r="K2"><v>1</v></c></row>',  # two spaces: not the plain spelling
        "<row><c r='K2'><v>1</v></c></row>",  # single quotes
        '<row r="2"><x:c xmlns:x="urn:x" r="K2"><v>1</v></x:c></row>',  # a prefixed cell
        '<row r="2"><c x:r="K2" xmlns:x="urn:x"><v>1</v></c></row>',  # a prefixed r
        '<row r="2"><c r="K&#50;"><v>1</v></c></row>',  # a character reference
    ],
    ids=[
        "row-101",
        "column-K",
        "cell-row-101-in-row-2",
        "unnumbered-cell-in-row-101",
        "eleven-unnumbered-cells",
        "unnumbered-after-J",
        "two-spaces",
        "single-quotes",
        "prefixed-cell",
        "prefixed-r",
        "character-reference",
    ],
)
def test_a_cell_past_the_limits_is_refused_however_it_is_written(far):
    with pytest.raises(TableError):
        _read(_sheet(HEADER + far))


@pytest.mark.parametrize(
    "near",
    [
        '<row r="100"><c r="J100"><v>7</v></c></row>',
        '<row r="100">' + "<c><v>7</v></c>" * 10 + "</row>",
        '<row r="2"><c r="I2"><v>7</v></c><c><v>7</v></c></row>',
        '<row r="2"><x:c xmlns:x="urn:x" r="J2"><v>7</v></x:c></row>',
    ],
    ids=["J100", "ten-unnumbered", "unnumbered-after-I", "prefixed-J2"],
)
def test_a_sheet_reaching_exactly_the_limits_is_read(near):
    rows = _read(_sheet(HEADER + near))
    assert rows[-1][-1] == 7


def test_a_sheet_with_an_unreadable_reference_is_refused():
    with pytest.raises(TableError):
        _read(_sheet(HEADER + '<row r="2"><c r="b2"><v>1</v></c></row>'))


def test_calamine_is_handed_only_the_checked_sheet():
    """A bomb in a second sheet is never opened: calamine gets the checked sheet and the
    parts that describe it, whatever it makes of the workbook's relationships."""
    source = zipfile.ZipFile(io.BytesIO(bombs.cell_bomb()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                archive.writestr("xl/worksheets/sheet2.xml", data)
                data = re.sub(rb'<row r="1048576">.*?</row>', b"", data)
            archive.writestr(info.filename, data)
    checked = tables._checked_for_calamine(
        zipfile.ZipFile(out), "xl/worksheets/sheet1.xml", TableLimits()
    )
    names = zipfile.ZipFile(io.BytesIO(checked)).namelist()
    assert "xl/worksheets/sheet1.xml" in names
    assert "xl/worksheets/sheet2.xml" not in names


def _numeral(value: int, digits: str) -> str:
    if digits[0] == "0":
        return str(value)
    letters = ""
    while value:
        value, rest = divmod(value - 1, 26)
        letters = digits[rest] + letters
    return letters


@given(limit=st.integers(1, 20_000_000), value=st.integers(1, 30_000_000))
def test_the_row_pattern_matches_exactly_the_numbers_above_the_limit(limit, value):
    pattern = re.compile(xlsx_stream._above(str(limit), "0123456789"))
    assert bool(pattern.fullmatch(str(value))) == (value > limit)


@given(limit=st.integers(1, 16_384), value=st.integers(1, 20_000))
def test_the_column_pattern_matches_exactly_the_columns_after_the_limit(limit, value):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pattern = re.compile(xlsx_stream._above(_numeral(limit, letters), letters))
    assert bool(pattern.fullmatch(_numeral(value, letters))) == (value > limit)

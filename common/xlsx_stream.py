"""An XLSX sheet parsed as it is unpacked: constant memory but for the shared strings.

python-calamine reads a whole sheet into memory before the first row comes out (its
authors say calamine cannot read lazily), which for a 200,000-row feed is some 400 MB.
This reader walks the sheet's XML with ElementTree's iterparse and clears each row once
it is yielded. It gives what calamine gives for the same sheet: strings, floats for
numbers, booleans, dates and date-times for cells with a date format, None for blanks
and errors. Only `common.tables` uses it; the limits are applied there.
"""

from __future__ import annotations

import datetime
import functools
import posixpath
import re
from array import array
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show dates or times (ECMA-376 §18.8.30).
DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47, *range(27, 37), *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_STRICT_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
# Excel's serial dates are wall-clock values with no time zone; calamine gives them naive.
EPOCH_1900 = datetime.datetime(1899, 12, 30)  # noqa: DTZ001
EPOCH_1904 = datetime.datetime(1904, 1, 1)  # noqa: DTZ001


class NotASheet(Exception):
    """The archive is not a workbook this reader understands."""


class TooWide(Exception):
    def __init__(self, columns: int):
        super().__init__(columns)
        self.columns = columns


class SharedStrings:
    """The workbook's strings table, packed: one UTF-8 buffer and the offsets into it.

    Excel keeps every text cell's string there, so a 200,000-row sheet has a million of
    them; as Python strings they would take over 100 MB, packed they take the size of
    their text."""

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("Q")

    def append(self, value: str) -> None:
        self._text += value.encode()
        self._ends.append(len(self._text))

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._text[start : self._ends[index]].decode()

    def __len__(self) -> int:
        return len(self._ends)


def _parse(handle):
    try:
        yield from iterparse(handle, events=("start", "end"))
    except (ParseError, DefusedXmlException) as exc:  # broken, or a DTD / entity trick
        raise NotASheet(str(exc)) from exc


def first_sheet_part(archive) -> str:
    """The zip member of the workbook's first sheet (by workbook order, as Excel shows)."""
    with archive.open("xl/workbook.xml") as handle:
        rel_id = next(
            (el.get(f"{REL}id") for ev, el in _parse(handle) if el.tag == f"{MAIN}sheet"),
            None,
        )
    if rel_id is None:
        raise NotASheet("no sheet")
    with archive.open("xl/_rels/workbook.xml.rels") as handle:
        for _ev, el in _parse(handle):
            if el.tag == f"{PKG_REL}Relationship" and el.get("Id") == rel_id:
                target = el.get("Target", "")
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join("xl", target))
    raise NotASheet("sheet relation missing")


class TooLarge(Exception):
    """The sheet's cells reach past the limits: (rows, columns) reached so far."""

    def __init__(self, rows: int, columns: int):
        super().__init__(rows, columns)
        self.rows = rows
        self.columns = columns


# The quick look (byte counts and literal-led searches, no tree, no Python per tag): a
# sheet as Excel, WPS and openpyxl write it has every cell as `<c r="B7"` and every row
# as `<row r="7"`, and no prefixed cell, row or `r`.
_ODD = re.compile(
    rb'<(?:c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")'
    # other elements whose names begin like a cell's or a row's: columns, conditional
    # formats, custom views, page breaks (any other gives way to the walk)
    rb"(?!ol|onditionalFormatting|fRule|ustomSheetView)"
    rb'|row(?! r="[1-9][0-9]{0,6}")(?!Breaks))'
)
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]|:r\s*=")


def _above(limit: str, digits: str) -> str:
    """A pattern for the numerals (written with `digits`, most significant first, no
    leading zero) greater than `limit`: longer ones, or as long and larger at the first
    place where they differ."""
    zero, top = digits[0], digits[-1]
    lead = digits[1:] if zero == "0" else digits
    ways = [f"[{lead[0]}-{top}][{zero}-{top}]{{{len(limit)},}}"]
    for place, digit in enumerate(limit):
        higher = digits[digits.index(digit) + 1 :]
        if higher:
            rest = len(limit) - place - 1
            ways.append(
                f"{re.escape(limit[:place])}[{higher[0]}-{higher[-1]}][{zero}-{top}]{{{rest}}}"
            )
    return "(?:" + "|".join(ways) + ")"


@functools.lru_cache(maxsize=8)
def _past_limits(max_rows: int, max_columns: int) -> re.Pattern[bytes]:
    """A cell or row whose reference is past the limits (its numerals then end)."""
    rows = _above(str(max_rows), "0123456789")
    columns = _above(_column_letters(max_columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    pattern = rf'<c r="(?:{columns}[0-9]+|[A-Z]{{1,3}}{rows})"|<row r="{rows}"'

    return re.compile(pattern.encode())


def _plain_sheet(xml: bytes) -> bool:
    """Is every cell and row of this sheet written plainly? A false alarm (a text cell
    holding ":c ") only costs the walk."""
    return not (_ODD.search(xml) or _PREFIXED.search(xml))


def check_used_range(archive, part: str, *, max_rows: int, max_columns: int) -> None:
    """Refuse (TooLarge) a sheet whose cells reach past the limits, judged from the cells
    themselves, not from the `<dimension>` the sheet claims.

    python-calamine sizes its grid from the cells' positions and allocates all of it
    before a row comes out: a 2 KB file with cells at A1 and XFD1048576 asks for about
    512 GB and the process aborts, whatever a caller checks afterwards. So a sheet goes to
    calamine only after this. A plainly written sheet is looked at with byte searches
    (some 40 ms for 30,000 rows of 16 columns); any other is walked cell by cell the way
    calamine places cells (`_walk_range`)."""
    xml = archive.read(part)
    if not _plain_sheet(xml):
        _walk_range(xml, max_rows=max_rows, max_columns=max_columns)
        return
    past = _past_limits(max_rows, max_columns).search(xml)
    if past is None:
        return
    ref = past.group().decode().split('"')[1]
    match = _CELL_REF.fullmatch(ref)
    if match:
        raise TooLarge(int(match.group(2)), _column_index(match.group(1)) + 1)
    raise TooLarge(int(ref), 0)


def _walk_range(xml: bytes, *, max_rows: int, max_columns: int) -> None:
    """The sheet walked once with expat (no tree kept) the way calamine places cells: a
    cell's `r` when it has one, else the place after its left neighbour; a row's `r`,
    else the row after the last. An `r` that is not a plain reference makes the sheet
    unreadable, so no spelling places a cell where this walk does not look. It stops at
    the first cell past a limit."""
    parser = expat.ParserCreate()
    state = {"row": 0, "column": -1}

    def refuse(*_args: Any) -> None:
        raise NotASheet("DTD")  # no document type, no entity declarations

    def references(attributes: dict[str, str]) -> list[str]:
        return [value for key, value in attributes.items() if key.rpartition(":")[2] == "r"]

    def start(name: str, attributes: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "row":
            numbers = references(attributes)
            for value in numbers:
                if not (value.isascii() and value.isdigit() and 0 < len(value) <= 7):
                    raise NotASheet(f"row reference {value[:20]!r}")
            state["row"] = max([int(v) for v in numbers], default=state["row"] + 1)
            state["column"] = -1
            row, column = state["row"], 0
        elif tag == "c":
            refs = references(attributes)
            row, column = max(state["row"], 1), state["column"] + 2
            if refs:
                column = 0
                for value in refs:
                    match = _STRICT_REF.fullmatch(value)
                    if match is None:
                        raise NotASheet(f"cell reference {value[:20]!r}")
                    row = max(row, int(match.group(2)))
                    column = max(column, _column_index(match.group(1)) + 1)
            state["column"] = column - 1
        else:
            return
        if row > max_rows or column > max_columns:
            raise TooLarge(row, column)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise NotASheet(str(exc)) from exc


def _column_letters(number: int) -> str:
    """A, B, … Z, AA … for a 1-based column number."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _is_date_format(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(ch in bare for ch in "ymdhs") and "general" not in bare


class SheetReader:
    def __init__(self, archive, part: str):
        self.archive = archive
        self.part = part
        names = set(archive.namelist())
        self.shared = self._shared_strings() if "xl/sharedStrings.xml" in names else SharedStrings()
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else set()
        self.epoch = self._epoch()

    def _shared_strings(self) -> SharedStrings:
        strings = SharedStrings()
        root = None
        with self.archive.open("xl/sharedStrings.xml") as handle:
            for event, el in _parse(handle):
                if root is None:
                    root = el
                if event == "end" and el.tag == f"{MAIN}si":
                    # the text runs; phonetic hints (<rPh>, not shown in Excel) left out
                    hints = {t for rph in el.iter(f"{MAIN}rPh") for t in rph.iter(f"{MAIN}t")}
                    strings.append(
                        "".join(t.text or "" for t in el.iter(f"{MAIN}t") if t not in hints)
                    )
                    root.clear()  # nothing parsed is kept but the packed text
        return strings

    def _date_styles(self) -> set[int]:
        custom: dict[int, str] = {}
        formats: list[int] = []
        in_xfs = False
        with self.archive.open("xl/styles.xml") as handle:
            for event, el in _parse(handle):
                if el.tag == f"{MAIN}numFmt" and event == "end":
                    custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
                elif el.tag == f"{MAIN}cellXfs":
                    in_xfs = event == "start"
                elif in_xfs and el.tag == f"{MAIN}xf" and event == "start":
                    formats.append(int(el.get("numFmtId", "0")))
        return {
            index
            for index, fmt in enumerate(formats)
            if fmt in DATE_FORMAT_IDS or (fmt in custom and _is_date_format(custom[fmt]))
        }

    def _epoch(self) -> datetime.datetime:
        with self.archive.open("xl/workbook.xml") as handle:
            for _ev, el in _parse(handle):
                if el.tag == f"{MAIN}workbookPr":
                    return EPOCH_1904 if el.get("date1904") in ("1", "true") else EPOCH_1900
        return EPOCH_1900

    def dimension(self) -> tuple[int, int] | None:
        """(rows, columns) the sheet declares, read before its data; None if it does not."""
        with self.archive.open(self.part) as handle:
            for event, el in _parse(handle):
                if el.tag == f"{MAIN}dimension":
                    ref = el.get("ref", "").split(":")[-1]
                    match = _CELL_REF.fullmatch(ref)
                    if match:
                        return int(match.group(2)), _column_index(match.group(1)) + 1
                    return None
                if el.tag == f"{MAIN}sheetData" and event == "start":
                    return None
        return None

    def _value(self, cell) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
        value = cell.find(f"{MAIN}v")
        text = value.text if value is not None else None
        if text is None:
            return None
        if kind == "s":
            return self.shared[int(text)]
        if kind in ("str", "d"):
            return text
        if kind == "b":
            return text == "1"
        if kind == "e":
            return None
        number = float(text)
        if int(cell.get("s", "0")) in self.date_styles:
            # to the millisecond, as Excel shows and calamine gives (0.354166… is 08:30)
            moment = self.epoch + datetime.timedelta(milliseconds=round(number * 86_400_000))
            if moment.time() == datetime.time(0) and number == int(number):
                return moment.date()
            return moment
        return number

    def rows(self, *, max_columns: int) -> Iterator[list[Any]]:
        """Each row from the first, blank rows between included (so line numbers hold)."""
        expected = None
        sheet_data = None
        with self.archive.open(self.part) as handle:
            for event, el in _parse(handle):
                if event == "start" and el.tag == f"{MAIN}sheetData":
                    sheet_data = el
                if event != "end" or el.tag != f"{MAIN}row":
                    continue
                number = int(el.get("r", "0")) or (expected or 1)
                if expected is not None:
                    for _gap in range(number - expected):
                        yield []
                expected = number + 1
                row: list[Any] = []
                for position, cell in enumerate(el.iter(f"{MAIN}c")):
                    ref = _CELL_REF.fullmatch(cell.get("r", ""))
                    column = _column_index(ref.group(1)) if ref else position
                    if column >= max_columns:
                        raise TooWide(column + 1)
                    row.extend([None] * (column - len(row)))
                    row.append(self._value(cell))
                if sheet_data is not None:
                    sheet_data.clear()  # the parsed rows are not kept
                yield row

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
import posixpath
import re
from array import array
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show dates or times (ECMA-376 §18.8.30).
DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47, *range(27, 37), *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
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

"""The one xlsx writer of the portal: every workbook a user downloads is written here.

- Streamed: openpyxl's write-only mode keeps rows in a temporary file, so memory stays
  flat however many rows an export has.
- Text is text: every str cell is stored as a string with the text format ("@"). A value
  starting with =, +, -, @, tab or CR never becomes a formula (CSV/formula injection), and
  an 18-digit ID number never becomes 1.10105E+17.
- Characters XML cannot hold (control characters) are dropped instead of failing the file.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

REQUIRED_FILL = PatternFill("solid", fgColor="FDE2DF")  # a required column's header
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_FORMAT = "@"
# Written as Excel numbers and dates; everything else (bool included) as text.
NATIVE_TYPES = (int, float, Decimal, datetime.date, datetime.time)


@dataclass
class SheetSpec:
    """How one sheet looks: its title, header row and column widths (by 0-based index)."""

    title: str
    headers: Sequence[str] = ()
    widths: dict[int, float] = field(default_factory=dict)
    # Columns whose empty cells are formatted as text too (an import template: what a
    # clerk types there later stays text).
    text_columns: Iterable[int] = ()
    freeze_header: bool = True
    # Templates: in-cell dropdowns (column → allowed values) over `input_rows` rows, and
    # the required columns' headers shaded.
    choices: dict[int, Sequence[str]] = field(default_factory=dict)
    required: Iterable[int] = ()
    input_rows: int = 2000


class XlsxWriter:
    """A workbook written row by row. Use as a context manager, or call close()."""

    def __init__(self) -> None:
        self._wb = Workbook(write_only=True)
        self._bold = Font(bold=True)
        self._ws: Any = None  # openpyxl's write-only sheet, once sheet() was called
        self._spec = SheetSpec(title="")

    def sheet(self, spec: SheetSpec) -> XlsxWriter:
        ws = self._wb.create_sheet(title=spec.title[:31])
        text_columns = set(spec.text_columns)
        for index in range(max([len(spec.headers), *spec.widths.keys(), -1]) + 1):
            width = spec.widths.get(index)
            if index in text_columns:
                width = max(width or 0, 22)
            if width:
                ws.column_dimensions[get_column_letter(index + 1)].width = width
        if spec.freeze_header and spec.headers:
            ws.freeze_panes = "A2"
        for index, values in spec.choices.items():
            ws.data_validations.append(_dropdown(index, values, spec.input_rows))
        self._ws, self._spec = ws, spec
        if spec.headers:
            required = set(spec.required)
            self._ws.append(
                [self._cell(h, bold=True, shade=i in required) for i, h in enumerate(spec.headers)]
            )
        return self

    def append(self, row: Iterable[Any], *, bold: bool = False) -> None:
        self._ws.append([self._cell(value, bold=bold) for value in row])

    def append_blank_text_rows(self, count: int) -> None:
        """Empty rows whose text columns are preformatted as text (templates)."""
        columns = set(self._spec.text_columns)
        width = max(columns, default=-1) + 1
        for _row in range(count):
            cells = []
            for index in range(width):
                cell = WriteOnlyCell(self._ws)
                if index in columns:
                    cell.number_format = TEXT_FORMAT
                cells.append(cell)
            self._ws.append(cells)

    def _cell(self, value: Any, *, bold: bool, shade: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._ws)
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, NATIVE_TYPES):
            # Anything not a number is written as a string, whatever it starts with:
            # assigning through .value would let openpyxl make "=..." a formula.
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
        else:
            cell.value = value
        if bold:
            cell.font = self._bold
        if shade:
            cell.fill = REQUIRED_FILL
        return cell

    def save(self, target: IO[bytes]) -> None:
        self._wb.save(target)


def _dropdown(index: int, values: Sequence[str], rows: int) -> DataValidation:
    """An in-cell list of allowed values for rows 2..rows+1 of one column. Excel keeps an
    inline list to 255 characters, without commas inside a value."""
    listed = ",".join(values)
    if len(listed) > 255 or any("," in v or '"' in v for v in values):
        raise ValueError(f"column {index}: the allowed values do not fit an in-cell list")
    letter = get_column_letter(index + 1)
    validation = DataValidation(
        type="list",
        formula1=f'"{listed}"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",  # a clerk may still type a synonym the import accepts
    )
    validation.add(f"{letter}2:{letter}{rows + 1}")
    return validation


def workbook_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "Sheet1",
    widths: dict[int, float] | None = None,
) -> bytes:
    """A one-sheet workbook in memory, for small files (error workbooks, tests)."""
    writer = XlsxWriter()
    writer.sheet(SheetSpec(title=title, headers=headers, widths=widths or {}))
    for row in rows:
        writer.append(row)
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """The download: never cached, since workbooks carry personal data."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response

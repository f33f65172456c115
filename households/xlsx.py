"""Writing .xlsx responses: one place for the text-formatted columns and the download."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    text_columns: Iterable[int] = (),
    title: str = "Sheet1",
    widths: dict[int, int] | None = None,
) -> bytes:
    """A one-sheet workbook. Cells of text_columns are stored and formatted as text ("@"),
    so that Excel does not turn an 18-digit ID number into 1.10105E+17."""
    text_columns = set(text_columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    for index, width in (widths or {}).items():
        ws.column_dimensions[_letter(index)].width = width
    for index in text_columns:
        ws.column_dimensions[_letter(index)].width = max((widths or {}).get(index, 0), 22)
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(ws, value="" if value is None else value)
            if index in text_columns:
                cell.number_format = "@"
                cell.value = "" if value is None else str(value)
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response

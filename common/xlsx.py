"""The one xlsx writer of the portal: every workbook a user downloads is written here.

- Streamed: each sheet's XML goes straight into the zip as rows are appended, so memory
  stays flat however many rows an export has (a 200,000-row county export included). The
  XML is written here rather than by openpyxl, whose per-cell objects and styles cost
  ten times as much (docs/benchmarks.md).
- Text is text: every str cell is an inline string with the text format ("@"). A value
  starting with =, +, -, @, tab or CR never becomes a formula (CSV/formula injection), and
  an 18-digit ID number never becomes 1.10105E+17.
- Characters XML cannot hold (control characters) are dropped instead of failing the file.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from common.downloads import XLSX_TYPE, file_response

# Written as Excel numbers and dates; everything else (bool included) as text.
NATIVE_TYPES = (int, float, Decimal, datetime.date, datetime.time)
# XML 1.0 cannot hold these (openpyxl's ILLEGAL_CHARACTERS_RE, the same set)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# what a text must not hold to be written as it is: XML's specials and the above
XML_SPECIAL_RE = re.compile(r"[&<>\000-\010\013-\014\016-\037]")
# ... or a space at either end of one of a row's texts, joined by newlines
XML_AWKWARD_RE = re.compile(r"[&<>\000-\010\013-\014\016-\037]|^\s|\s$", re.MULTILINE)
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001 (Excel's serial dates are naive)

# Cell styles, by their index in styles.xml's cellXfs
GENERAL, TEXT, TEXT_BOLD, TEXT_SHADED, DATE, TIME, DATETIME, BOLD = range(8)
STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="hh:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFDE2DF"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
    ' applyFont="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyNumberFormat="1"'
    ' applyFont="1" applyFill="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def column_letter(index: int) -> str:
    """A, B, … Z, AA … for a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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
    """A workbook written row by row into `target` (a binary file). Use as a context
    manager, or call close(); sheets come one after another."""

    def __init__(self, target: IO[bytes]) -> None:
        # deflate's fastest level: level 6 took 40 % of a 200,000-row export's writing for
        # a file 13 % smaller (issue 26, docs/benchmarks.md)
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._titles: list[str] = []
        self._out: IO[bytes] | None = None
        self._spec = SheetSpec(title="")
        self._row = 0
        self._buffer: list[str] = []
        self._refs: list[str] = []
        self._templates: dict[tuple, str] = {}  # row templates by (shape, bold), per sheet

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- sheets ------------------------------------------------------------------------
    def sheet(self, spec: SheetSpec) -> XlsxWriter:
        self._end_sheet()
        title = SHEET_NAME_FORBIDDEN.sub("_", spec.title)[:31] or f"Sheet{len(self._titles) + 1}"
        self._titles.append(title)
        self._spec, self._row = spec, 0
        self._templates = {}
        self._out = self._zip.open(
            f"xl/worksheets/sheet{len(self._titles)}.xml", "w", force_zip64=True
        )
        head = [
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}"'
            f' xmlns:r="{REL_NS}">'
        ]
        if spec.freeze_header and spec.headers:
            head.append(
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
                ' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            )
        text_columns = set(spec.text_columns)
        widths = dict(spec.widths)
        for index in text_columns:
            widths[index] = max(widths.get(index) or 0, 22)
        if widths:
            head.append("<cols>")
            for index in sorted(widths):
                head.append(
                    f'<col min="{index + 1}" max="{index + 1}" width="{widths[index]}"'
                    ' customWidth="1"/>'
                )
            head.append("</cols>")
        head.append("<sheetData>")
        self._buffer = head
        if spec.headers:
            required = set(spec.required)
            self._add_row(
                spec.headers,
                styles=[
                    TEXT_SHADED if i in required else TEXT_BOLD for i in range(len(spec.headers))
                ],
            )
        return self

    def _end_sheet(self) -> None:
        if self._out is None:
            return
        tail = ["</sheetData>"]
        if self._spec.choices:
            tail.append(f'<dataValidations count="{len(self._spec.choices)}">')
            for index, values in self._spec.choices.items():
                tail.append(_dropdown(index, values, self._spec.input_rows))
            tail.append("</dataValidations>")
        tail.append("</worksheet>")
        self._buffer.extend(tail)
        self._flush()
        self._out.close()
        self._out = None

    # --- rows --------------------------------------------------------------------------
    def append(self, row: Iterable[Any], *, bold: bool = False) -> None:
        self._add_row(row, bold=bold)

    def append_blank_text_rows(self, count: int) -> None:
        """Empty rows whose text columns are preformatted as text (templates)."""
        columns = sorted(set(self._spec.text_columns))
        for _row in range(count):
            self._row += 1
            cells = "".join(f'<c r="{column_letter(i)}{self._row}" s="{TEXT}"/>' for i in columns)
            self._buffer.append(f'<row r="{self._row}">{cells}</row>')
        self._flush()

    def _refs_for(self, count: int) -> list[str]:
        """The column letters of the first `count` columns."""
        refs = self._refs
        while len(refs) < count:
            refs.append(column_letter(len(refs)))
        return refs[:count]

    def _add_row(self, row: Iterable[Any], *, bold: bool = False, styles=None) -> None:
        self._row += 1
        number = self._row
        values = row if isinstance(row, list | tuple) else list(row)
        if styles is None:
            # The common row, in one format call (issue 26: an export's 200,000 rows spent
            # 2 µs a cell here): its cells' kinds — plain text, a number as it prints,
            # empty — name a template made once per sheet and shape; the texts, joined,
            # are looked at once for what XML must escape or cannot hold.
            # The kinds by type, in C (a function call a cell cost half the row); a row
            # with an empty text ("" rather than None) or a value of another type is
            # judged a cell at a time; a row with a text that has space at an end to keep
            # is written the cell way, as XML_AWKWARD_RE finds it.
            kinds = tuple(map(KIND_OF_TYPE.get, map(type, values)))
            shape: tuple[str, ...] = (
                tuple(map(_kind, values)) if None in kinds or "" in values else kinds  # type: ignore[assignment]  # no None left
            )
            if OTHER not in shape:
                texts = [v for v, k in zip(values, shape, strict=True) if k is PLAIN]
                if not (texts and XML_AWKWARD_RE.search("\n".join(texts))):
                    template = self._templates.get((shape, bold))
                    if template is None:
                        template = self._templates[shape, bold] = self._template(shape, bold)
                    self._buffer.append(template.format(number, values))
                    if len(self._buffer) >= 500:
                        self._flush()
                    return
        cells = []
        refs = self._refs_for(len(values))
        for index, (ref, value) in enumerate(zip(refs, values, strict=True)):
            if value is None or value == "":
                continue
            cells.append(
                self._cell(
                    f"{ref}{number}", value, styles[index] if styles is not None else None, bold
                )
            )
        self._buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self._buffer) >= 500:
            self._flush()

    def _template(self, shape: tuple[str, ...], bold: bool) -> str:
        """A row of this shape as a str.format template: {0} the row's number, {1[i]} the
        i-th value."""
        text = f'" t="inlineStr" s="{TEXT_BOLD if bold else TEXT}"><is><t>'
        number = f'" s="{BOLD if bold else GENERAL}"><v>'
        cells = []
        for index, (ref, kind) in enumerate(zip(self._refs_for(len(shape)), shape, strict=True)):
            if kind is PLAIN:
                cells.append(f'<c r="{ref}{{0}}{text}{{1[{index}]}}</t></is></c>')
            elif kind is NUMBER:
                cells.append(f'<c r="{ref}{{0}}{number}{{1[{index}]}}</v></c>')
        return '<row r="{0}">' + "".join(cells) + "</row>"

    @staticmethod
    def _cell(ref: str, value: Any, style: int | None, bold: bool) -> str:
        """One cell, whatever its value: text escaped and cleaned, numbers and dates."""
        text_style = TEXT_BOLD if bold else TEXT
        if style is None and value.__class__ is str:
            style = text_style
        if style is not None or isinstance(value, bool) or not isinstance(value, NATIVE_TYPES):
            text = value if value.__class__ is str else str(value)
            if "&" in text or "<" in text or ">" in text:
                text = escape(text)
            if not text.isprintable():
                text = ILLEGAL_CHARACTERS_RE.sub("", text)
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            style = text_style if style is None else style
            return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t{space}>{text}</t></is></c>'
        serial, style = _number(value)
        if bold and style == GENERAL:
            style = BOLD
        return f'<c r="{ref}" s="{style}"><v>{serial}</v></c>'

    def _flush(self) -> None:
        if self._buffer and self._out is not None:
            self._out.write("".join(self._buffer).encode())
        self._buffer = []

    # --- the package -------------------------------------------------------------------
    def close(self) -> None:
        if self._zip.fp is None:
            return
        if not self._titles:
            self.sheet(SheetSpec(title="Sheet1"))
        self._end_sheet()
        count = len(self._titles)
        sheets = "".join(
            f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, t in enumerate(self._titles, 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, count + 1)
            )
            + "</Types>",
        )
        self._zip.writestr(
            "_rels/.rels",
            f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{XML_HEAD}<workbook xmlns="{MAIN_NS}"'
            f' xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>',
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet"'
                f' Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        self._zip.writestr("xl/styles.xml", STYLES_XML)
        self._zip.close()


# a cell's kind, for the row templates
PLAIN, NUMBER, EMPTY, OTHER = "plain", "number", "empty", "other"


KIND_OF_TYPE = {str: PLAIN, int: NUMBER, Decimal: NUMBER, type(None): EMPTY}


def _kind(value: Any) -> str:
    """PLAIN: text with no space to keep at either end; NUMBER: an int or Decimal (not a
    bool), written as it prints; EMPTY: None or ""; OTHER: anything else (the cell path)."""
    kind = value.__class__
    if kind is str:
        if not value:
            return EMPTY
        return PLAIN if value == value.strip() else OTHER
    if kind is int or kind is Decimal:
        return NUMBER
    return EMPTY if value is None else OTHER


def _number(value: Any) -> tuple[str, int]:
    """An Excel number cell's value and style."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        delta = value - EXCEL_EPOCH
        return repr(delta.days + delta.seconds / 86400 + delta.microseconds / 864e8), DATETIME
    if isinstance(value, datetime.date):
        return str((value - EXCEL_EPOCH.date()).days), DATE
    if isinstance(value, datetime.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return repr(seconds / 86400), TIME
    if isinstance(value, float):
        return repr(value), GENERAL
    return str(value), GENERAL


def _dropdown(index: int, values: Sequence[str], rows: int) -> str:
    """An in-cell list of allowed values for rows 2..rows+1 of one column. Excel keeps an
    inline list to 255 characters, without commas inside a value."""
    listed = ",".join(values)
    if len(listed) > 255 or any("," in v or '"' in v for v in values):
        raise ValueError(f"column {index}: the allowed values do not fit an in-cell list")
    letter = column_letter(index)
    # errorStyle warning: a clerk may still type a synonym the import accepts
    return (
        f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showErrorMessage="1"'
        f' sqref="{letter}2:{letter}{rows + 1}"><formula1>"{escape(listed)}"</formula1>'
        "</dataValidation>"
    )


def workbook_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "Sheet1",
    widths: dict[int, float] | None = None,
) -> bytes:
    """A one-sheet workbook in memory, for small files (error workbooks, tests)."""
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as writer:
        writer.sheet(SheetSpec(title=title, headers=headers, widths=widths or {}))
        for row in rows:
            writer.append(row)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse | StreamingHttpResponse:
    """A workbook that holds nothing personal (a template). Personal data goes out
    through households.downloads.personal_download, which records it."""
    return file_response(content, filename=filename, content_type=XLSX_TYPE)

"""The one table reader: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX, read with limits.

Files from departments and village offices are untrusted: a workbook can claim a sheet of
A1:XFD1048576, be a zip bomb (a megabyte that unpacks to hundreds), or a CSV can hold one
huge cell. The reader refuses each of those with a TableError (a message in the user's
language) before it spends memory on them:

- the file size is checked first; an xlsx's parts are unpacked once with a running count
  and refused past `max_unzipped` (zipfile also stops at each part's declared size and
  checks its CRC, so a part lying about its size fails as well);
- the sheet's width and height are checked before its rows are read; rows are yielded
  one at a time and counted, cells longer than `max_cell_chars` are refused;
- a small sheet is read by python-calamine (fast, but it holds the sheet in memory); a
  large one by `common.xlsx_stream`, which parses the XML as it unpacks it, so a 200,000
  row sheet stays far below 150 MB (bench/reader.py);
- CSV is decoded as it is read (a text wrapper over the bytes), its encoding guessed from
  the first 64 KB: UTF-8 (with or without BOM), then GB18030.

Only call it from a task: even a file within the limits is work for a worker, not a
web request.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import python_calamine
from django.utils.translation import gettext as _

from common import xlsx_stream

SNIFF_BYTES = 64 * 1024
# Sheets whose XML is larger than this are parsed as they are read instead of by calamine,
# which holds a whole sheet in memory (measured: about 1.7 bytes a byte of sheet XML).
# 32 MB is some 30,000 rows of 16 columns: a village's file takes the fast path, a county's
# or a department's feed the constant-memory one. bench/reader.py measures both.
CALAMINE_MAX_SHEET_XML = 32 * 1024 * 1024
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class TableError(Exception):
    """The file cannot be read as a table; str(exc) is the message for the user."""


class HeaderNotFound(TableError):
    """No row among the first ones is the header the caller looks for."""


@dataclass(frozen=True)
class TableLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_unzipped: int = 64 * 1024 * 1024
    max_parts: int = 200
    max_rows: int = 50_000
    max_columns: int = 100
    max_cell_chars: int = 2_000
    header_search_rows: int = 10


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g}"


def _xlsx_rows(data: bytes, limits: TableLimits) -> Iterator[list[Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
        if len(parts) > limits.max_parts:
            raise TableError(_("This workbook has too many parts to be a plain sheet."))
        unpacked = 0
        for part in parts:
            with archive.open(part) as handle:
                while chunk := handle.read(1024 * 1024):
                    unpacked += len(chunk)
                    if unpacked > limits.max_unzipped:
                        raise TableError(
                            _(
                                "The workbook unpacks to more than %(mb)s MB. Split it into "
                                "smaller files, or save it again from Excel."
                            )
                            % {"mb": _mb(limits.max_unzipped)}
                        )
        sheet_part = xlsx_stream.first_sheet_part(archive)
        sheet_size = archive.getinfo(sheet_part).file_size
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError) as exc:
        raise TableError(_("This is not a readable .xlsx workbook.")) from exc
    except xlsx_stream.NotASheet as exc:
        raise TableError(_("This is not a readable .xlsx workbook.")) from exc
    if sheet_size > CALAMINE_MAX_SHEET_XML:
        rows: Iterator[list[Any]] = _streamed_rows(archive, sheet_part, limits)
    else:
        rows = _calamine_rows(_checked_for_calamine(archive, sheet_part, limits), limits)
    for row in rows:
        # numbers come as floats; 9001.0 is the household number 9001
        yield [
            int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v for v in row
        ]


# The parts calamine needs to read the first sheet's cells as values.
_CALAMINE_PARTS = (
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
)


def _checked_for_calamine(archive: zipfile.ZipFile, sheet_part: str, limits: TableLimits) -> bytes:
    """The workbook as calamine may see it: its first sheet's cells found within the
    limits from the cells themselves (calamine allocates the whole used range before
    anyone could look at its size), and nothing but that sheet and the parts that
    describe it, so calamine cannot be handed a sheet other than the one checked (its
    own reading of the relationships decides which part is "the first sheet")."""
    try:
        xlsx_stream.check_used_range(
            archive,
            sheet_part,
            max_rows=limits.max_rows + limits.header_search_rows,
            max_columns=limits.max_columns,
        )
    except xlsx_stream.TooLarge as exc:
        _check_size(rows=exc.rows, columns=exc.columns, limits=limits)
    except (xlsx_stream.NotASheet, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise TableError(_("This is not a readable .xlsx workbook.")) from exc
    names = set(archive.namelist())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as checked:
        for name in (*_CALAMINE_PARTS, sheet_part):
            if name in names:
                checked.writestr(name, archive.read(name))
    return out.getvalue()


def _calamine_rows(data: bytes, limits: TableLimits) -> Iterator[list[Any]]:
    """calamine (fast; holds the whole sheet in memory, about 1.7 times its XML)."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except (python_calamine.CalamineError, ValueError, OSError, IndexError) as exc:
        raise TableError(_("This is not a readable .xlsx workbook.")) from exc
    _check_size(rows=sheet.height, columns=sheet.width, limits=limits)
    yield from sheet.iter_rows()


def _streamed_rows(archive, sheet_part: str, limits: TableLimits) -> Iterator[list[Any]]:
    """The sheet parsed as it is read (constant memory but the shared strings)."""
    try:
        reader = xlsx_stream.SheetReader(archive, sheet_part)
        declared = reader.dimension()
        if declared:
            _check_size(rows=declared[0], columns=declared[1], limits=limits)
        for count, row in enumerate(reader.rows(max_columns=limits.max_columns), 1):
            _check_size(rows=count, columns=len(row), limits=limits)
            yield row
    except xlsx_stream.NotASheet as exc:
        raise TableError(_("This is not a readable .xlsx workbook.")) from exc
    except xlsx_stream.TooWide as exc:
        _check_size(rows=0, columns=exc.columns, limits=limits)


def sniff_encoding(data: bytes) -> str:
    head = data[:SNIFF_BYTES]
    for encoding in CSV_ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(data) <= SNIFF_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding
    raise TableError(_("The CSV file is neither UTF-8 nor GB18030 text."))


class ChunkReader(io.RawIOBase):
    """A byte stream over an iterator of chunks (a file decrypted as it is read)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def _limited(chunks: Iterable[bytes], limits: TableLimits) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limits.max_bytes:
            raise TableError(
                _("The file is larger than %(mb)s MB; split it.") % {"mb": _mb(limits.max_bytes)}
            )
        yield chunk


def _csv_stream(
    data: bytes | Iterable[bytes], limits: TableLimits, encoding: str | None = None
) -> tuple[IO[bytes], str]:
    """The CSV's bytes as a stream and their encoding (guessed unless given: the rest of
    a file whose start was read another way). Chunks are read only as far as the
    encoding needs (a little past SNIFF_BYTES), so a large file is never whole in
    memory."""
    if isinstance(data, bytes | bytearray):
        return io.BytesIO(data), encoding or sniff_encoding(bytes(data))
    chunks = _limited(data, limits)
    if encoding:
        return io.BufferedReader(ChunkReader(iter(chunks)), 1 << 20), encoding
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) > SNIFF_BYTES:
            break
    stream = io.BufferedReader(ChunkReader(itertools.chain([head], chunks)), 1 << 20)
    return stream, sniff_encoding(head)


def csv_rows(
    data: bytes | Iterable[bytes], limits: TableLimits, encoding: str | None = None
) -> Iterator[list[Any]]:
    """A CSV's rows (its encoding guessed unless given)."""
    stream, encoding = _csv_stream(data, limits, encoding)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    max_columns = limits.max_columns
    try:
        for row in reader:
            if len(row) > max_columns:
                _check_size(rows=0, columns=len(row), limits=limits)
            yield row
    except csv.Error as exc:
        # csv's own limit (131,072 characters a field), a NUL byte, a broken quote
        raise TableError(
            _("Line %(line)d of the CSV file cannot be read (%(reason)s).")
            % {"line": reader.line_num, "reason": _("a cell is too long or malformed")}
        ) from exc
    except UnicodeDecodeError as exc:
        raise TableError(
            _("Line %(line)d of the CSV file is not in the file's encoding.")
            % {"line": reader.line_num + 1}
        ) from exc


def _check_size(*, rows: int, columns: int, limits: TableLimits) -> None:
    if columns > limits.max_columns:
        raise TableError(
            _("The sheet has %(n)d columns; at most %(max)d are read.")
            % {"n": columns, "max": limits.max_columns}
        )
    if rows > limits.max_rows + limits.header_search_rows:
        raise TableError(
            _("The sheet has %(n)d rows; at most %(max)d are read at once. Split the file.")
            % {"n": rows, "max": limits.max_rows}
        )


def raw_rows(data: bytes | Iterable[bytes], name: str, limits: TableLimits) -> Iterator[list[Any]]:
    """Every row of the first sheet as it is, checked against the limits. `data` is the
    file's bytes, or its chunks: a CSV is then read as they come, a workbook (a zip
    archive, read from its end) joined first."""
    if not isinstance(data, bytes | bytearray):
        if name.lower().endswith(".csv"):
            return csv_rows(data, limits)
        data = b"".join(_limited(data, limits))
    if len(data) > limits.max_bytes:
        raise TableError(
            _("The file is larger than %(mb)s MB; split it.") % {"mb": _mb(limits.max_bytes)}
        )
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return _xlsx_rows(data, limits)
    if lower.endswith(".csv"):
        return csv_rows(data, limits)
    raise TableError(_("Upload an .xlsx workbook or a .csv file."))


def cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class Table:
    headers: list[str]
    header_line: int
    _rows: Iterator[list[Any]]
    _limits: TableLimits
    text_only: bool = False  # every cell a str (a CSV file)
    counted: int = 0  # rows read before these (the rest of a file begun another way)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(line in the file, cells padded to the header) for every non-blank row."""
        width = len(self.headers)
        max_chars = self._limits.max_cell_chars
        max_rows = self._limits.max_rows
        count = self.counted
        for line, row in enumerate(self._rows, start=self.header_line + 1):
            if self.text_only:
                # CSV: every cell is a str. A feed has millions of rows, so the row is
                # judged whole: blank when its joined text is, every cell short enough
                # when the joined text is.
                cells = row if len(row) == width else [*row[:width], *[""] * (width - len(row))]
                joined = "".join(cells)
                if not joined or joined.isspace():
                    continue
                too_long = len(joined) > max_chars and any(len(c) > max_chars for c in cells)
            else:
                # blank cells are "" whichever way the sheet was read
                cells = [("" if c is None else c) for c in row[:width]]
                cells += [""] * (width - len(cells))
                if all(cell_text(c) == "" for c in cells):
                    continue  # blank lines between blocks
                too_long = any(isinstance(c, str) and len(c) > max_chars for c in cells)
            if too_long:
                raise TableError(
                    _("Line %(line)d has a cell longer than %(max)d characters.")
                    % {"line": line, "max": max_chars}
                )
            count += 1
            if count > max_rows:
                raise TableError(
                    _("The file has more than %(max)d rows; split it.") % {"max": max_rows}
                )
            yield line, cells


def open_table(
    data: bytes | Iterable[bytes],
    name: str,
    *,
    is_header: Callable[[list[str]], bool],
    limits: TableLimits | None = None,
) -> Table:
    """Find the header row (title rows above it are skipped) among the first rows."""
    limits = limits or TableLimits()
    rows = raw_rows(data, name, limits)
    for index, row in enumerate(rows):
        if index >= limits.header_search_rows:
            break
        headers = [cell_text(c) for c in row]
        if is_header(headers):
            while headers and headers[-1] == "":
                headers.pop()
            return Table(
                headers=headers,
                header_line=index + 1,
                _rows=rows,
                _limits=limits,
                text_only=name.lower().endswith(".csv"),
            )
    raise HeaderNotFound(
        _("No header row in the first %(n)d rows. Please start from the template.")
        % {"n": limits.header_search_rows}
    )

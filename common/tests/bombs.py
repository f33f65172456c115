"""Hostile files for the reader's tests: built on the fly, never committed."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook

HEADER = ["户编号", "姓名", "身份证号", "与户主关系", "劳动能力", "就业状况"]
ROW = ["1", "张三", "11010519491231002X", "户主", "普通劳动力", "务农"]


def _small_xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append(ROW)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rewrite(sheet_xml) -> bytes:
    """The small workbook with its sheet XML replaced: sheet_xml(original) → bytes, or a
    writer function taking (original, handle) for a streamed (huge) part."""
    source = zipfile.ZipFile(io.BytesIO(_small_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open(info.filename, "w", force_zip64=True) as handle:
                    sheet_xml(data, handle)
                continue
            archive.writestr(info.filename, data)
    return out.getvalue()


def dimension_bomb() -> bytes:
    """Two rows, but a sheet that claims to span A1:XFD1048576."""

    def write(xml: bytes, handle) -> None:
        handle.write(re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD1048576"/>', xml))

    return _rewrite(write)


def cell_bomb(*, positional: bool = False) -> bytes:
    """A few KB whose sheet has real cells at A1 and XFD1048576 (not only a claimed
    dimension): calamine allocates the whole grid, about 512 GB, and the process aborts.
    `positional`: the far cells carry no `r` attribute, only their place (a row numbered
    1048576 with 16,384 cells)."""

    def write(xml: bytes, handle) -> None:
        head, tail = xml.split(b"</sheetData>")
        if positional:
            far = b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>"
        else:
            far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        handle.write(head + far + b"</sheetData>" + tail)

    return _rewrite(write)


def zip_bomb(unpacked_mb: int = 348) -> bytes:
    """About a megabyte that unpacks to `unpacked_mb` MB of sheet XML."""

    def write(xml: bytes, handle) -> None:
        head, tail = xml.split(b"</sheetData>")
        handle.write(head)
        blank = b" " * (1024 * 1024)
        for _ in range(unpacked_mb):
            handle.write(blank)
        handle.write(b"</sheetData>" + tail)

    return _rewrite(write)


def long_cell_csv(cell_kb: int = 200) -> bytes:
    text = ",".join(HEADER) + "\n" + ",".join(ROW[:1]) + "," + "x" * (cell_kb * 1024)
    return (text + "\n").encode()


def wide_csv(columns: int = 20_000) -> bytes:
    return (",".join(HEADER + ["x"] * columns) + "\n" + ",".join(ROW) + "\n").encode()

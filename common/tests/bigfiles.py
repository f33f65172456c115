"""Large, realistic registry files for the reader's memory test and bench/reader.py (a
title row, then a header and N rows of 16 columns, as CSV in GB18030 and as XLSX with
shared strings), and the probe that reads a file in a fresh interpreter and reports its
peak memory (used by the bomb tests too)."""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from common.xlsx import column_letter

HEADERS = [
    "户编号",
    "村民小组",
    "住址",
    "姓名",
    "身份证号",
    "与户主关系",
    "民族",
    "文化程度",
    "健康状况",
    "劳动能力",
    "就业状况",
    "务工地点",
    "政治面貌",
    "联系电话",
    "低保户",
    "特困户",
]
ROOT = Path(__file__).resolve().parents[2]


def _row(i: int) -> list:
    first17 = f"360121{1950 + i % 60}0{1 + i % 9}1{i % 10}{i % 1000:03d}"
    return [
        f"{i:06d}",
        "一组",
        f"渡头村一组{i}号",
        f"张{i % 97}",
        first17 + "X",
        "户主",
        "汉族",
        "初中",
        "健康",
        "普通劳动力",
        "务农",
        "广东省东莞市",
        "群众",
        f"138{i:08d}",
        "否",
        "否",
    ]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["南昌县户籍信息表（2026年）"])
        writer.writerow(HEADERS)
        for i in range(rows):
            writer.writerow(_row(i))


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
        '.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application'
        '/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="户籍" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    ),
}


def write_xlsx(path: Path, rows: int) -> None:
    """A workbook as Excel saves one (shared strings, a title row, the header in row 2),
    written straight as XML: the portal's writer would take minutes for 3.2 million
    cells, and this file only has to be read."""
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}

    def cell(ref: str, value: str) -> str:
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="A1:P{rows + 2}"/><sheetData>'.encode()
            )
            head = [["南昌县户籍信息表（2026年）"], HEADERS]
            table = itertools.chain(head, (_row(i) for i in range(rows)))
            for number, values in enumerate(table, start=1):
                cells = "".join(
                    cell(f"{column_letter(c)}{number}", str(v)) for c, v in enumerate(values)
                )
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        shared = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{shared}</sst>',
        )


PROBE = textwrap.dedent(
    """
    import json, sys, time
    import django
    django.setup()
    from common.tables import TableError, TableLimits, open_table
    from households.imports import IMPORT_LIMITS

    def peak_rss_mb():
        # VmHWM: this program's own peak. getrusage's ru_maxrss would also count the
        # pages of the parent it was forked from (Linux keeps that figure across exec).
        with open("/proc/self/status") as status:
            line = next(l for l in status if l.startswith("VmHWM:"))
        return round(int(line.split()[1]) / 1024, 1)

    path, name, which = sys.argv[1:4]
    limits = IMPORT_LIMITS if which == "import" else TableLimits(
        max_bytes=200 << 20, max_unzipped=600 << 20, max_rows=250_000
    )
    start = time.monotonic()
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        table = open_table(data, name, is_header=lambda c: "身份证号" in c, limits=limits)
        outcome = f"read {sum(1 for _ in table.rows())}"
    except TableError as exc:
        outcome = "refused: " + str(exc)
    print(json.dumps({
        "outcome": outcome,
        "seconds": round(time.monotonic() - start, 1),
        "peak_rss_mb": peak_rss_mb(),
    }))
    """
)


def measure(path: Path, *, name: str = "", limits: str = "large") -> dict:
    """Read a file with the shared reader in a fresh interpreter: its outcome ("read N" or
    "refused: …"), seconds and peak resident memory (the whole process: Python, Django
    and the reader). `limits`: "large" (a county's or a department's file) or "import"
    (the registry import's own limits)."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and probe)
        [sys.executable, "-c", PROBE, str(path), name or path.name, limits],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])

"""DESIGN §5 on the way in: feeds carry full ID numbers, and after a 10,000-row feed is
ingested and screened no table (staging included), no log record and no rejection
download holds one."""

from __future__ import annotations

import io
import logging
import re
import zipfile

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from monitoring.models import FeedBatch, FeedValue
from monitoring.screening import job
from tests.factories import heads_with_numbers, make_id_number
from tests.leaks import find_in_text, scan_tables

pytestmark = pytest.mark.django_db


class RawRecords(logging.Handler):
    """Every record as its caller wrote it, before any masking filter."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record):
        self.texts.append(record.getMessage())
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


def test_a_10000_row_feed_leaves_no_full_number_anywhere(
    client, county, village, group, county_officer, django_capture_on_commit_callbacks
):
    numbers = heads_with_numbers(village, group, 100)
    strangers = [make_id_number() for _i in range(50)]  # valid, nobody of the county
    lines = ["id_number,item_code,value,period"]
    for i in range(9_800):
        lines.append(f"{numbers[i % 100]},YB02,{300 + i % 7},2026-10")
    for n in strangers:  # unknown residents
        lines.append(f"{n},YB02,100,2026-10")
    for n in numbers[:50]:  # wrong check digits
        lines.append(f"{n[:17]}{'0' if n[17] != '0' else '1'},YB02,100,2026-10")
    for n in numbers[:50]:  # unknown items
        lines.append(f"{n},XX01,1,2026-10")
    for n in numbers[:50]:  # another month
        lines.append(f"{n},YB02,1,2026-09")
    assert len(lines) == 10_001
    upload = io.BytesIO(("\n".join(lines) + "\n").encode())
    upload.name = "yb-10000.csv"

    raw = RawRecords()
    root = logging.getLogger()
    root.addHandler(raw)
    try:
        client.force_login(county_officer)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                "/monitoring/feeds/", {"department": 5, "period": "2026-10", "file": upload}
            )
        call_command("run_screening", period="2026-10", stdout=io.StringIO())
        batch = FeedBatch.objects.get()
        # each of the 100 residents' YB02 once; the 9,700 repeats and the 200 bad rows
        # rejected (a repeat's rejection names the first line, the number masked)
        assert (batch.loaded, batch.rejected) == (100, 9_700 + 200)
        assert FeedValue.objects.count() == 100
        assert job.run("2026-10")["alerts_new"] == 0
        download = client.get(f"/monitoring/feeds/{batch.pk}/rejections/").content
        queue = client.get("/monitoring/export/").content
    finally:
        root.removeHandler(raw)

    assert scan_tables() == []
    assert [t for t in raw.texts if find_in_text(t)] == []
    rejected = CalamineWorkbook.from_filelike(io.BytesIO(download)).get_sheet_by_index(0)
    rows = rejected.to_python()[1:]
    assert len(rows) == 200 + 9_700  # the bad rows and the repeats
    masked = [r[1] for r in rows if r[1]]
    assert len(masked) == 200 + 9_700
    assert all(re.fullmatch(r"\d{4}\*{10}[\dX]{4}", m) for m in masked)
    for workbook in (download, queue):
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            text = b"".join(archive.read(n) for n in archive.namelist()).decode()
        assert find_in_text(text) == []

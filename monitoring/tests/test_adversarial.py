"""Feeds read numbers and repeats as departments mean them (issue 21): a comma is a
thousands separator only between groups of three digits ("1,2,3" was loaded as 123), and
a resident's item given twice in one file is kept once (both were stored and summed). An
adversarial file of 40 rows loads exactly its 30 good ones, by either reader and from a
workbook alike."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from common.xlsx import SheetSpec, XlsxWriter
from households.idnumbers import id_hash
from households.models import Resident
from monitoring import feeds
from monitoring.models import Department, FeedBatch
from monitoring.screening import job
from monitoring.screening.stage import columns
from tests.factories import heads_with_numbers, make_id_number

pytestmark = pytest.mark.django_db

HEADER = ["id_number", "item_code", "value", "period"]
ITEMS = ["MZ02", "MZ04", "MZ06"]  # amounts


def _rows(numbers: list[str]) -> tuple[list[list[str]], dict[tuple[str, str], Decimal]]:
    good, expected = [], {}
    odd_values = {0: "48,200", 1: "1,234.50", 2: "1,000,000"}  # grouped by thousands
    for i, number in enumerate(numbers):
        for j, item in enumerate(ITEMS):
            value = odd_values.get(i * 3 + j, str(100 + i * 3 + j))
            good.append([number, item, value, "2026-10"])
            expected[(number, item)] = Decimal(value.replace(",", "")).quantize(Decimal("0.01"))
    a, b = numbers[0], numbers[1]
    full_width = b.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    bad = [
        [a, "MZ02", "999", "2026-10"],  # a repeat of line 2 (another value): the first kept
        [full_width, "MZ04", "5", "2026-10"],  # a repeat, the number in full-width digits
        [numbers[2], "MZ02", "1,2,3", "2026-10"],  # commas that separate no thousands
        [numbers[3], "MZ02", "12,34", "2026-10"],  # the same
        [a[:17] + ("0" if a[17] != "0" else "1"), "MZ02", "1", "2026-10"],  # check digit
        [make_id_number(), "MZ02", "1", "2026-10"],  # nobody of the county
        [a, "ZZ99", "1", "2026-10"],  # unknown item
        [a, "MZ01", "2", "2026-10"],  # a flag of 2
        [a, "MZ03", "1", "2026-09"],  # another month
        [a, "MZ05", "-1", "2026-10"],  # negative
    ]
    return good + bad, expected


def _loaded(batch: FeedBatch, numbers: list[str]) -> dict[tuple[str, str], Decimal]:
    by_resident = {Resident.objects.get(id_hash=id_hash(n)).pk: n for n in numbers}
    return {
        (by_resident[resident], item): value
        for resident, item, value in batch.values.values_list("resident_id", "item__code", "value")
    }


def _receive(county, data: bytes, name: str) -> FeedBatch:
    FeedBatch.objects.all().delete()
    batch, _created = feeds.feed_receive(
        county=county,
        department=Department.objects.get(code="MZ"),
        period="2026-10",
        name=name,
        data=data,
    )
    return job.stage_now(batch.pk)


def _csv(rows: list[list[str]]) -> bytes:
    """As a department's export writes it: "48,200" quoted."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as writer:
        writer.sheet(SheetSpec(title="民政", headers=HEADER, text_columns=[0, 1, 2, 3]))
        for row in rows:
            writer.append(row)
    return buffer.getvalue()


@pytest.mark.parametrize("reader", ["columns", "rows", "workbook"])
def test_forty_adversarial_rows_load_exactly_the_thirty_good_ones(
    county, village, group, monkeypatch, reader
):
    numbers = heads_with_numbers(village, group, 10)
    rows, expected = _rows(numbers)
    assert len(rows) == 40
    if reader == "rows":
        monkeypatch.setattr(columns, "open_long_csv", lambda chunks, limits: (None, chunks))
    if reader == "workbook":
        batch = _receive(county, _xlsx(rows), "mz.xlsx")
    else:
        batch = _receive(county, _csv([HEADER, *rows]), "mz.csv")
    assert (batch.status, batch.loaded, batch.rejected) == ("loaded", 30, 10)
    assert _loaded(batch, numbers) == expected
    reasons = dict(batch.rejections.values_list("line", "reason"))
    assert "2" in reasons[32]  # each repeat names its first line: a's MZ02 is line 2,
    assert "6" in reasons[33]  # b's MZ04 line 6
    assert "千" in reasons[34]


def test_a_file_that_loads_nothing_is_not_labelled_loaded(client, county, county_officer):
    batch = _receive(county, _csv([HEADER, [make_id_number(), "MZ02", "1", "2026-10"]]), "mz.csv")
    assert (batch.status, batch.loaded, batch.rejected) == ("loaded", 0, 1)
    client.force_login(county_officer)
    page = client.get("/monitoring/feeds/").content.decode()
    assert "未入库任何数据" in page
    assert ">已入库<" not in page

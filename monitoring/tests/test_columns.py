"""The columnar reader of long-format CSV feeds gives exactly what the row reader gives:
the same values and the same rejections (line, masked number, reason), for files with
every kind of row, in every encoding, cut into blocks anywhere, and when it hands the
rest of a file to the row reader (monitoring.screening.stage.columns)."""

from __future__ import annotations

import itertools

import pytest

from monitoring import feeds
from monitoring.models import Department, FeedBatch
from monitoring.screening import job
from monitoring.screening.stage import columns
from monitoring.screening.stage import rows as row_checks
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def _rows(people) -> list[list[str]]:
    (_a, a_id), (_b, b_id), (_c, c_id), (_d, d_id) = people
    bad_check = a_id[:17] + ("0" if a_id[17] != "0" else "1")
    unborn = a_id[:6] + "20991231" + a_id[14:17]
    unborn += "X"  # a future birth date (the check digit does not matter)
    full_width = c_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return [
        [a_id, "CL01", "2", "2026-10"],  # good (grade)
        [b_id, "CL02", "1", "2026-10"],  # good (flag)
        [c_id, "CL02", "0", ""],  # good, no period
        [bad_check, "CL01", "1", "2026-10"],  # check digit
        [unborn, "CL01", "1", "2026-10"],  # birth date
        [make_id_number(), "CL01", "1", "2026-10"],  # nobody of the county
        [a_id, "ZZ99", "1", "2026-10"],  # unknown item
        [a_id, "cl01", "3", "2026-10"],  # good (item in lower case)
        [a_id, "ＣＬ０１", "3", "2026-10"],  # good (full-width item)
        [b_id, "CL01", "2级", "2026-10"],  # good (its unit)
        [b_id, "CL01", "1.5", "2026-10"],  # not a whole number
        [b_id, "CL02", "2", "2026-10"],  # a flag of 2
        [b_id, "CL02", "是", "2026-10"],  # good (是 = 1)
        [c_id, "CL01", "-1", "2026-10"],  # negative
        [c_id, "CL01", "abc", "2026-10"],  # not a number
        [c_id, "CL01", "1", "2026-09"],  # another period
        [c_id, "CL01", "1", "202610"],  # good (period without the dash)
        [c_id, "CL01", "1", "2026-13"],  # not a month
        [f" {d_id} ", "CL01", "4", "2026-10"],  # good (spaces around the number)
        [d_id.lower(), "CL01", "4", "2026-10"],  # good, or the same as the row reader
        [full_width, "CL02", "1", "2026-10"],  # good (full-width digits)
        [d_id[:17], "CL01", "1", "2026-10"],  # too short
        ["", "CL01", "1", "2026-10"],  # missing
        ["", "", "", ""],  # blank: skipped
        [d_id, "CL01", "0", "2026-10"],  # good
        ["合计", "", "11", ""],  # a total line: skipped
    ]


def _csv(
    header: list[str], rows: list[list[str]], encoding: str, newline: str, title: str = ""
) -> bytes:
    lines = [title] if title else []
    text = newline.join(lines + [",".join(row) for row in [header, *rows]]) + newline
    return text.encode(encoding)


def _load(county, data: bytes, *, columnar: bool) -> tuple[list, list, int]:
    """(values, rejections) of the file loaded by one reader, and the columnar blocks."""
    blocks = []
    check_block = columns._check_block
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columns, "_check_block", lambda *a: blocks.append(1) or check_block(*a))
        if not columnar:
            patch.setattr(columns, "open_long_csv", lambda chunks, limits: (None, chunks))
        FeedBatch.objects.all().delete()
        batch, _created = feeds.feed_receive(
            county=county,
            department=Department.objects.get(code="CL"),
            period="2026-10",
            name="cl.csv",
            data=data,
        )
        batch = job.stage_now(batch.pk)
    values = sorted(
        batch.values.values_list("line", "resident_id", "household_id", "item__code", "value")
    )
    rejections = sorted(batch.rejections.values_list("line", "id_masked", "reason"))
    assert batch.loaded == len(values)
    assert batch.rejected == len(rejections)
    return values, rejections, len(blocks)


@pytest.mark.parametrize(
    ("encoding", "header", "newline", "title"),
    [
        ("utf-8", ["id_number", "item_code", "value", "period"], "\n", False),
        ("utf-8-sig", ["id_number", "item_code", "value", "period"], "\r\n", True),
        ("gb18030", ["身份证号码", "指标代码", "数值", "期间"], "\r\n", True),
    ],
)
@pytest.mark.parametrize("block", [60, 1 << 20])
def test_the_columnar_reader_gives_the_row_readers_values_and_rejections(
    county, people, monkeypatch, encoding, header, newline, title, block
):
    rows = _rows(people)
    data = _csv(header, rows * 3, encoding, newline, "某县残联2026年10月数据" if title else "")
    monkeypatch.setattr(columns, "BLOCK", block)
    by_rows = _load(county, data, columnar=False)
    by_columns = _load(county, data, columnar=True)
    assert by_rows[2] == 0
    assert by_columns[2] >= (50 if block == 60 else 1)  # blocks read in columns
    assert by_columns[:2] == by_rows[:2]
    values, rejections, _blocks = by_columns
    # 12 good rows a copy, but 6 residents' items: a repeat of one is rejected (issue 21)
    assert len(values) == 6
    assert len(rejections) == 12 * 3 + (12 * 3 - 6)
    first = 3 if title else 2  # the first row's line
    assert values[0][0] == first
    assert {r[0] for r in rejections} >= {first + 3, first + 4}  # check digit, birth date


@pytest.mark.parametrize(
    "odd",
    [
        '"{id}",CL01,1,2026-10',  # a quote: the row reader from that block on
        "",  # a blank line
        "{id},CL01,1,2026-10,extra",  # a line wider than the header
    ],
)
def test_a_block_the_columnar_reader_cannot_take_goes_on_row_by_row(
    county, people, monkeypatch, odd
):
    (_a, a_id), *_others = people
    rows = _rows(people)
    lines = [",".join(r) for r in rows * 2] + [odd.format(id=a_id)] + [",".join(r) for r in rows]
    data = ("id_number,item_code,value,period\n" + "\n".join(lines) + "\n").encode()
    monkeypatch.setattr(columns, "BLOCK", 200)
    by_rows = _load(county, data, columnar=False)
    by_columns = _load(county, data, columnar=True)
    assert by_columns[2] >= 1  # blocks before the odd one were read in columns
    assert by_columns[:2] == by_rows[:2]
    assert len(by_columns[0]) == 6  # each resident's item once


def test_the_rows_limit_holds_across_both_readers(county, people, monkeypatch):
    (_a, a_id), *_others = people
    lines = [f"{a_id},CL01,1,2026-10"] * 30
    data = ("id_number,item_code,value,period\n" + "\n".join(lines) + "\n").encode()
    monkeypatch.setattr(feeds.read, "FEED_LIMITS", load_limits(max_rows=25))
    monkeypatch.setattr(columns, "BLOCK", 100)
    batch = _failed(county, data)
    assert "25" in batch.message


def load_limits(**changes):
    import dataclasses

    return dataclasses.replace(feeds.read.FEED_LIMITS, **changes)


def _failed(county, data: bytes) -> FeedBatch:
    batch, _created = feeds.feed_receive(
        county=county,
        department=Department.objects.get(code="CL"),
        period="2026-10",
        name="cl.csv",
        data=data,
    )
    batch = job.stage_now(batch.pk)
    assert batch.status == "failed", batch.message
    assert not batch.values.exists()
    return batch


def test_a_long_cell_fails_the_file_as_the_row_reader_does(county, people, monkeypatch):
    (_a, a_id), *_others = people
    lines = [f"{a_id},CL01,1,2026-10"] * 5 + [f"{a_id},CL01,{'9' * 600},2026-10"]
    data = ("id_number,item_code,value,period\n" + "\n".join(lines) + "\n").encode()
    batch = _failed(county, data)
    assert "7" in batch.message  # the line of the long cell


def test_the_memo_of_numbers_is_bounded(county, people, monkeypatch):
    monkeypatch.setattr(row_checks, "ID_MEMO_MAX", 3)
    monkeypatch.setattr(columns, "BLOCK", 60)
    rows = list(itertools.chain.from_iterable([_rows(people)] * 4))
    data = _csv(["id_number", "item_code", "value", "period"], rows, "utf-8", "\n")
    by_columns = _load(county, data, columnar=True)
    by_rows = _load(county, data, columnar=False)
    assert by_columns[:2] == by_rows[:2]

"""A batch's values folded as it loads (FeedFold, issue 26): the fold the columnar reader
makes while it checks a long-format file's blocks is the one the values themselves fold
to (monitoring.screening.fold.BATCH_FOLD), amounts summed over a household's members and
flags their highest; a file with a resident's item twice, or one that goes on row by row,
is folded from its values after the repeats are rejected."""

from __future__ import annotations

from decimal import Decimal

import numpy
import pyarrow as pa
import pytest
from django.db import connection, transaction
from django.utils.translation import gettext as _

from monitoring import feeds
from monitoring.models import Department, FeedBatch, FeedFold
from monitoring.screening import fold, job, match
from monitoring.screening.stage import columns

pytestmark = pytest.mark.django_db


def _rows(people) -> list[list[str]]:
    """Two households of two members each; every resident's item once."""
    (_a, a_id), (_b, b_id), (_c, c_id), (_d, d_id) = people
    return [
        [a_id, "MZ02", "1200.5", "2026-10"],
        [a_id, "MZ01", "1", "2026-10"],
        [a_id, "MZ04", " 300 ", "2026-10"],  # spaces: the row checker's value
        [b_id, "MZ02", "800", "2026-10"],
        [b_id, "MZ01", "1", "2026-10"],
        [b_id, "MZ04", "3000元", "2026-10"],  # its unit
        [b_id, "MZ03", "abc", "2026-10"],  # not a number: rejected, not folded
        [c_id, "MZ02", "１２", "2026-10"],  # full-width digits
        [c_id, "MZ01", "是", "2026-10"],  # 是 = 1
        [d_id, "MZ02", "0.07", "2026-10"],
        [d_id, "MZ03", "0", "2026-10"],
        ["110101199001011237", "MZ02", "5", "2026-10"],  # nobody of the county
    ]


EXPECTED = {  # (household, item): value
    ("0001", "MZ01"): Decimal("1.00"),  # a flag: the highest of 1 and 1, not their sum
    ("0001", "MZ02"): Decimal("2000.50"),  # 1,200.50 + 800
    ("0001", "MZ04"): Decimal("3300.00"),
    ("0002", "MZ01"): Decimal("1.00"),
    ("0002", "MZ02"): Decimal("12.07"),
    ("0002", "MZ03"): Decimal("0.00"),
}


def _load(county, lines: list[str], monkeypatch) -> tuple[FeedBatch, list[bool]]:
    """The file loaded; and for each fold kept, whether it was the one made in columns."""
    kept: list[bool] = []
    keep = fold.keep
    monkeypatch.setattr(fold, "keep", lambda b, f=None: kept.append(f is not None) or keep(b, f))
    data = ("id_number,item_code,value,period\n" + "\n".join(lines) + "\n").encode()
    batch, _created = feeds.feed_receive(
        county=county,
        department=Department.objects.get(code="MZ"),
        period="2026-10",
        name="mz.csv",
        data=data,
    )
    return job.stage_now(batch.pk), kept


def _folds(batch: FeedBatch) -> dict[tuple[str, str], Decimal]:
    rows = FeedFold.objects.filter(batch=batch).values_list(
        "household__number", "item__code", "value"
    )
    assert len(rows) == len({(h, i) for h, i, _v in rows})  # a household's item once
    return {(h, i): v for h, i, v in rows}


@pytest.mark.parametrize("block", [60, 1 << 20])  # a row or two a block; the file in one
@pytest.mark.parametrize("merge", [2, 250_000])  # folded every two rows or so; at the end
def test_the_fold_made_in_columns_is_the_values_fold(county, people, monkeypatch, block, merge):
    monkeypatch.setattr(columns, "BLOCK", block)
    monkeypatch.setattr(columns, "FOLD_MERGE_ROWS", merge)
    batch, kept = _load(county, [",".join(r) for r in _rows(people)], monkeypatch)
    assert (batch.loaded, batch.rejected) == (10, 2)
    assert kept == [True]  # folded as it loaded, not grouped again afterwards
    assert _folds(batch) == EXPECTED
    fold.keep(batch.pk)  # the same batch folded from its values in SQL
    assert _folds(batch) == EXPECTED


@pytest.mark.parametrize("block", [60, 1 << 20])  # the repeat in another block; in the same
def test_a_repeat_is_rejected_before_the_batch_is_folded(county, people, monkeypatch, block):
    monkeypatch.setattr(columns, "BLOCK", block)
    (_a, a_id), *_others = people
    lines = [",".join(r) for r in _rows(people)] + [f"{a_id},MZ02,99999,2026-10"]
    batch, kept = _load(county, lines, monkeypatch)
    assert (batch.loaded, batch.rejected) == (10, 3)
    assert kept == [False]  # folded from the values left after the repeat's rejection
    assert _folds(batch) == EXPECTED  # 1,200.50 + 800: the repeat's 99,999 not summed
    repeat = batch.rejections.get(line=14)
    assert repeat.reason == _(
        "The same ID number, item and period as line %(line)d: only the first is kept."
    ) % {"line": 2}


def test_a_file_that_goes_on_row_by_row_is_folded_from_its_values(county, people, monkeypatch):
    monkeypatch.setattr(columns, "BLOCK", 60)
    lines = [",".join(r) for r in _rows(people)]
    lines[6] = '"' + lines[6].replace(",", '","') + '"'  # a quoted line: the row reader's
    batch, kept = _load(county, lines, monkeypatch)
    assert (batch.loaded, batch.rejected) == (10, 2)
    assert kept == [False]
    assert _folds(batch) == EXPECTED


def test_the_run_scores_from_the_kept_folds(county, people, monkeypatch):
    """The run reads the newest batch's fold: a later file of the department replaces an
    earlier one's values in the scoring."""
    (_a, a_id), *_others = people
    first, _kept = _load(county, [f"{a_id},MZ02,100,2026-10"], monkeypatch)
    second, _kept = _load(county, [f"{a_id},MZ02,250.5,2026-10"], monkeypatch)
    assert first.pk < second.pk
    with transaction.atomic():
        assert fold.fold(county, "2026-10") == 1
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {fold.FOLDED}")  # noqa: S608
            assert [Decimal(v) for (v,) in cursor.fetchall()] == [Decimal("250.50")]


def _fold(items: dict[int, bool], resident: int, household: int) -> columns.BatchFold:
    folding = columns.BatchFold(items)
    packed = numpy.array([resident * match.SPAN + household], dtype=numpy.int64)
    folding.add(packed, numpy.array([min(items)], dtype=numpy.int64), pa.array(["1.50"]))
    return folding


@pytest.mark.parametrize(
    ("count", "resident", "household", "usable"),
    [
        (16, 1, 1, True),  # a department's 16 items: each has a place in 4 bits
        (17, 1, 1, False),  # 17: given up (folded in SQL after the load)
        (1, (1 << 28) - 1, (1 << 28) - 1, True),  # the largest ids a 4-byte key holds
        (1, 1 << 28, 1, False),
        (1, 1, 1 << 28, False),
    ],
)
def test_a_fold_gives_up_where_its_keys_cannot_hold_the_ids(count, resident, household, usable):
    folding = _fold({100 + i: True for i in range(count)}, resident, household)
    assert folding.usable is usable
    if usable:
        households, items, cents = folding.folded()
        assert (households.tolist(), items.tolist(), cents.tolist()) == ([household], [100], [150])

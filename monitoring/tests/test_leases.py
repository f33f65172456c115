"""A feed batch whose loader died never stays "loading": its lease ends, the next run
marks it failed with a sentence and screens with the batches that did load (issue 21).
A workbook that used to abort the process is refused with a sentence instead."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common import leases
from common.tests import bombs
from monitoring import feeds
from monitoring.models import (
    Alert,
    BatchStatus,
    DataItem,
    Department,
    FeedBatch,
    FeedFold,
    FeedValue,
)
from monitoring.screening import stage
from monitoring.tests.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["id_number", "item_code", "value", "period"]


def _receive(county, rows, department="YB", name="yb.csv"):
    batch, _created = feeds.feed_receive(
        county=county,
        department=Department.objects.get(code=department),
        period="2026-10",
        name=name,
        data=csv_bytes([HEADER, *rows]),
    )
    return batch


def _die_while_loading(batch: FeedBatch, *, lease_left: int = -1) -> None:
    """What a SIGKILLed loader leaves: the batch claimed, its lease ending or ended
    (leases live on the database's clock, which the tests' pinned time does not move)."""
    FeedBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.LOADING, rows_done=1, lease_until=leases.lease_end(lease_left)
    )


def _screen() -> str:
    out = io.StringIO()
    call_command("run_screening", period="2026-10", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_a_load_whose_lease_ended_reads_failed_and_the_run_goes_on(county, people):
    (_a, a_id), (_b, b_id), *_rest = people
    sick = _receive(county, [[a_id, "YB02", "48200", "2026-10"], [b_id, "YB04", "1", "2026-10"]])
    dead = _receive(county, [[a_id, "WJ01", "1", "2026-10"]], department="WJ", name="wj.csv")
    _die_while_loading(dead)
    item = DataItem.objects.get(code="WJ01")
    FeedValue.objects.create(
        batch=dead, line=2, item=item, resident=_a, household=_a.household, value=1
    )
    FeedFold.objects.create(batch=dead, item=item, household=_a.household, value=1)
    summary = _screen()
    dead.refresh_from_db()
    sick.refresh_from_db()
    assert dead.status == BatchStatus.FAILED
    assert "中断" in dead.message  # a sentence for the county officer, in Chinese
    assert dead.lease_until is None
    assert not FeedValue.objects.filter(batch=dead).exists()  # its half load removed
    assert not FeedFold.objects.filter(batch=dead).exists()
    assert sick.status == BatchStatus.LOADED
    assert summary.startswith("counties=1 failed=0 batches=1 ")
    assert Alert.objects.count() == 1  # the household of the batch that loaded


def test_a_load_holding_its_lease_is_left_to_its_loader(county, people):
    (_a, a_id), *_rest = people
    batch = _receive(county, [[a_id, "YB02", "48200", "2026-10"]])
    _die_while_loading(batch, lease_left=1)
    _screen()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADING  # neither failed nor loaded a second time
    assert not FeedValue.objects.exists()


def test_the_loader_renews_its_lease_as_it_reads(county, people, settings):
    (_a, a_id), *_rest = people
    settings.FEED_LEASE_SECONDS = 60
    batch = _receive(county, [[a_id, "YB02", "48200", "2026-10"]])
    _die_while_loading(batch, lease_left=1)  # a second left: about to be reaped
    stage._progress(batch.pk, 10)  # then the loader reads 10 more rows
    assert feeds.feeds_reap() == 0
    renewed = FeedBatch.objects.filter(pk=batch.pk, lease_until__gt=leases.lease_end(50))
    assert renewed.exists()  # a minute again
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done) == (BatchStatus.LOADING, 11)


def test_a_failed_batch_loads_again_when_asked(
    county, people, county_officer, django_capture_on_commit_callbacks
):
    (_a, a_id), *_rest = people
    batch = _receive(county, [[a_id, "YB02", "48200", "2026-10"]])
    _die_while_loading(batch)
    feeds.feeds_reap()
    batch.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert feeds.feed_retry(batch=batch, user=county_officer)
    batch.refresh_from_db()
    assert (batch.status, batch.loaded) == (BatchStatus.LOADED, 1)
    assert not feeds.feed_retry(batch=batch, user=county_officer)  # loaded: nothing to retry


def test_a_workbook_with_cells_at_both_ends_fails_its_batch_with_a_sentence(tmp_path, county):
    """Cells at A1 and XFD1048576 (1.6 KB) aborted the loader (calamine allocated the
    grid) and left the batch loading, which then aborted every night's run."""
    path = tmp_path / "YB_2026-10.xlsx"
    path.write_bytes(bombs.cell_bomb())
    with pytest.raises(CommandError) as refused:
        call_command(
            "ingest_feed", str(path), department="YB", period="2026-10", stdout=io.StringIO()
        )
    assert "16384" in str(refused.value)  # the columns its cells reach
    batch = FeedBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert (
        _screen() == "counties=1 failed=0 batches=0 households_scored=0 alerts_new=0 alerts_open=0"
    )

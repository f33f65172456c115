"""The nightly job on a real worker, killed with SIGKILL in the middle of loading a feed:
the next run completes with the stale batch failed, and once the batch is loaded again
the run ends with exactly the alerts of a clean run; a second run adds no batch and no
alert (DESIGN §3: idempotent and restartable). PostgreSQL + Redis pass."""

from __future__ import annotations

import io
import signal
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import Now

from config.celery import app
from monitoring import feeds
from monitoring.models import Alert, BatchStatus, Department, FeedBatch, FeedValue, ScreeningRun
from monitoring.tasks import nightly_screening
from tests.factories import RegionFactory, heads_with_numbers
from tests.workers import start_worker, stop_worker
from villages.models import Level

FILLER_ROWS = 300_000  # enough that the load is caught half-way (20,000 rows a chunk)
AT_RISK = 40


def _wait(predicate, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)  # another process: polling is the only way
    pytest.fail(f"waited {seconds} s for {what}")


@pytest.fixture
def broker(require_service, transactional_db):
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.skip("the real-worker test runs in the PostgreSQL + Redis pass")
    require_service("Redis", settings.CELERY_BROKER_URL)
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield
    app.conf.task_always_eager = True


def test_a_killed_load_reads_failed_and_the_run_goes_on_then_loads_when_asked(
    broker, monitoring_catalogue, tmp_path, village, group, county_officer
):
    """kill -9 the worker mid-load; the next run completes and the stale batch reads
    failed with a sentence (issue 21: a batch left "loading" made every later night load
    it again, and a file that kills its loader would kill every run). Loaded again on a
    county officer's word, the screening ends exactly as a clean run, and once more
    changes nothing."""
    numbers = heads_with_numbers(village, group, 100)
    lines = ["id_number,item_code,value,period"]
    lines += [f"{numbers[i]},YB02,30000,2026-10" for i in range(AT_RISK)]  # 40 at risk
    lines += [f"{numbers[i % 100]},YB01,10,2026-10" for i in range(FILLER_ROWS)]
    data = ("\n".join(lines) + "\n").encode()
    county = village.parent.parent
    yb = Department.objects.get(code="YB")
    batch, _created = feeds.feed_receive(
        county=county, department=yb, period="2026-10", name="yb.csv", data=data
    )
    fast = {
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_RESTORE_INTERVAL": "1",
        "CELERY_RESTORE_THROTTLE": "1",
        "FEED_LEASE_SECONDS": "2",
        # the killed county task comes back (acks late): its run is given up and the
        # county run again this long after
        "SCREENING_RETRY_SECONDS": "1",
    }
    first = start_worker(tmp_path / "worker.log", **fast)
    try:
        nightly_screening.delay("2026-10")

        def half_loaded() -> bool:
            batch.refresh_from_db()
            return batch.status == BatchStatus.LOADING and batch.rows_done > 0

        _wait(half_loaded, "the load to be under way")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop_worker(first)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADING  # killed half-way: not loaded, no alert
    assert FeedValue.objects.exists()  # it had written part of the file
    assert not Alert.objects.exists()
    # nobody renews the dead loader's lease (2 s here, 5 minutes by default)
    # (on the database's clock: the tests' own is pinned)
    ended = FeedBatch.objects.filter(lease_until__lt=Now())
    _wait(ended.exists, "the lease to end")

    app.conf.task_always_eager = True
    out = io.StringIO()
    call_command("run_screening", period="2026-10", stdout=out)  # the next run completes
    assert (
        out.getvalue().strip().endswith("batches=0 households_scored=0 alerts_new=0 alerts_open=0")
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "中断" in batch.message
    assert not FeedValue.objects.exists()  # its half load removed

    app.conf.task_always_eager = False
    second = start_worker(tmp_path / "worker.log", **fast)
    try:
        assert feeds.feed_retry(batch=batch, user=county_officer)  # a county officer's "load again"

        def settled() -> bool:
            batch.refresh_from_db()
            return batch.status == BatchStatus.LOADED

        _wait(settled, "the batch to load again", seconds=240)
        nightly_screening.delay("2026-10")
        _wait(lambda: Alert.objects.count() == AT_RISK, "the alerts", seconds=240)
        time.sleep(4)  # a redelivered copy of the killed run, if any, runs to its end too
    finally:
        stop_worker(second)
    batch.refresh_from_db()
    # every resident's item once, none twice: the filler's repeats rejected
    assert (batch.loaded, batch.rejected) == (AT_RISK + 100, FILLER_ROWS - 100)
    assert FeedValue.objects.count() == AT_RISK + 100
    alerted = set(Alert.objects.values_list("household__number", flat=True))
    assert alerted == {f"{i:04d}" for i in range(AT_RISK)}
    assert set(Alert.objects.values_list("score", "level")) == {(40, "medium")}
    # the same files again: no batch, no alert
    app.conf.task_always_eager = True
    out = io.StringIO()
    call_command("run_screening", period="2026-10", stdout=out)
    assert (
        out.getvalue()
        .strip()
        .endswith(f"batches=1 households_scored=100 alerts_new=0 alerts_open={AT_RISK}")
    )
    assert FeedBatch.objects.count() == 1


def test_the_night_fans_out_a_task_a_county_on_the_worker_then_adds_them_up(
    broker, monitoring_catalogue, tmp_path, village, group
):
    """Issue 27, item 3: two small counties, each its own task on a real worker (and its
    own run on the runs page), then the province's step, whose result the chord keeps in
    the result backend (the broker's Redis)."""
    other = RegionFactory(code="360124", name="进贤县", level=Level.COUNTY, parent=None)
    township = RegionFactory(code="360124100", name="民和镇", level=Level.TOWNSHIP, parent=other)
    far = RegionFactory(code="360124100201", name="城东村", level=Level.VILLAGE, parent=township)
    far_group = RegionFactory(code="360124100201001", name="一组", level=Level.GROUP, parent=far)
    yb = Department.objects.get(code="YB")
    for place, its_group, at_risk in ((village, group, 1), (far, far_group, 2)):
        numbers = heads_with_numbers(place, its_group, 3)
        data = "id_number,item_code,value,period\n" + "".join(
            f"{n},YB02,{30000 if i < at_risk else 10},2026-10\n" for i, n in enumerate(numbers)
        )
        feeds.feed_receive(
            county=place.parent.parent,
            department=yb,
            period="2026-10",
            name="yb.csv",
            data=data.encode(),
        )
    worker = start_worker(tmp_path / "worker.log")
    try:
        province = nightly_screening.delay("2026-10").get(timeout=60)
        totals = app.AsyncResult(province).get(timeout=120)
    finally:
        stop_worker(worker)
    assert totals == {
        "counties": 2,
        "failed": 0,
        "batches": 2,
        "households_scored": 6,
        "alerts_new": 3,
        "alerts_open": 3,
    }
    runs = ScreeningRun.objects.order_by("county__code")
    assert [(r.county.code, r.status, r.alerts_new) for r in runs] == [
        ("360121", "done", 1),
        ("360124", "done", 2),
    ]

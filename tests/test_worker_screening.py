"""The nightly job on a real worker, killed with SIGKILL in the middle of loading a feed
and started again, ends with exactly the alerts of a clean run; a second run adds no
batch and no alert (DESIGN §3: idempotent and restartable). PostgreSQL + Redis pass."""

from __future__ import annotations

import io
import signal
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from config.celery import app
from monitoring import feeds
from monitoring.models import Alert, BatchStatus, Department, FeedBatch, FeedValue
from monitoring.tasks import nightly_screening
from tests.factories import heads_with_numbers
from tests.workers import start_worker, stop_worker

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


def test_a_killed_screening_restarts_and_ends_as_a_clean_run(
    broker, monitoring_catalogue, tmp_path, village, group
):
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
    fast_restore = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_RESTORE_INTERVAL": "1",
                    "CELERY_RESTORE_THROTTLE": "1"}  # fmt: skip
    first = start_worker(tmp_path / "worker.log", **fast_restore)
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
    assert not Alert.objects.exists()

    second = start_worker(tmp_path / "worker.log", **fast_restore)
    try:
        _wait(lambda: Alert.objects.count() == AT_RISK, "the alerts", seconds=240)
        time.sleep(4)  # a redelivered copy, if any, runs to its end too
        _wait(lambda: not FeedBatch.objects.filter(status=BatchStatus.LOADING).exists(),
              "the batch to settle")  # fmt: skip
    finally:
        stop_worker(second)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADED
    assert batch.loaded == AT_RISK + FILLER_ROWS  # every row once, none twice
    assert FeedValue.objects.count() == AT_RISK + FILLER_ROWS
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

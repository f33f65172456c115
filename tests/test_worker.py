"""A real Celery worker, on the real broker, imports a registry file end to end.

Runs in the PostgreSQL pass (the worker is a separate process and needs a database it can
reach; the SQLite test database lives in the test process's memory).
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from config.celery import app
from households.models import Household, ImportJob, Resident
from notices.models import Callout, CalloutStatus, Channel, Delivery, SpeakerZone
from tests.factories import ResidentFactory, make_id_number
from tests.workers import start_worker, stop_worker


def _wait_for(job: ImportJob, status: str, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        time.sleep(0.2)  # a real worker in another process: polling is the only way
    pytest.fail(f"job stayed {job.status!r}, expected {status!r}")


@pytest.fixture
def worker(require_service, transactional_db, tmp_path):
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.skip("the real-worker test runs in the PostgreSQL + Redis pass")
    require_service("Redis", settings.CELERY_BROKER_URL)
    process = start_worker(tmp_path / "worker.log")
    # The test settings run tasks eagerly; this test alone sends them to the broker.
    app.conf.task_always_eager = False
    yield process
    app.conf.task_always_eager = True
    stop_worker(process)


def test_a_real_worker_checks_then_imports(worker, client, village_cadre, village, group):
    client.force_login(village_cadre)
    rows = ["户编号,村民小组,姓名,身份证号,与户主关系,劳动能力,就业状况"]
    rows += [f"{100 + i},一组,工人{i},{make_id_number()},户主,普通劳动力,务农" for i in range(30)]
    rows.append(f"200,一组,坏行,{make_id_number()[:-1]}Z,户主,普通劳动力,务农")
    data = ("\n".join(rows) + "\n").encode("gb18030")
    response = client.post(
        "/import/", {"village": village.pk, "file": SimpleUploadedFile("w.csv", data)}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    job = _wait_for(job, "checked")
    assert job.totals == {"new": 30, "update": 0, "error": 1, "rows": 31}
    assert not Resident.objects.exists()
    client.post(f"/import/{job.token}/")
    _wait_for(job, "imported")
    assert Resident.objects.count() == 30
    assert Resident.objects.filter(name="工人7").get().history.get().history_user == village_cadre


def test_an_emergency_broadcast_to_1000_households_goes_out_in_a_worker(
    require_service, transactional_db, tmp_path, client, village_cadre, village, group
):
    """Issue 25: a flood warning to a village of 1,000 households, sent by a real worker
    through the console backends (the loudspeakers of the village's zone, a text to each
    phone, masked in the log), its progress on the broadcast's page."""
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.skip("the real-worker test runs in the PostgreSQL + Redis pass")
    require_service("Redis", settings.CELERY_BROKER_URL)
    households = Household.objects.bulk_create(
        [Household(village=village, group=group, number=f"{i:05d}") for i in range(1000)]
    )
    Resident.objects.bulk_create(
        [ResidentFactory.build(household=h, phone=f"139{i:08d}") for i, h in enumerate(households)]
    )
    SpeakerZone.objects.create(village=village, name="全村", zone_id="ALL")
    log = tmp_path / "worker.log"
    process = start_worker(log, loglevel="INFO")
    app.conf.task_always_eager = False
    try:
        client.force_login(village_cadre)
        response = client.post(
            reverse("notices:callout_new"),
            {
                "region": village.pk,
                "kind": "flood",
                "title": "山洪预警",
                "text": "今晚有强降雨，沿河住户立即转移到村小学。",
                "by_speaker": "on",
                "by_text": "on",
                "on_board": "on",
                "hours": "12",
            },
        )
        assert response.status_code == 302
        callout = Callout.objects.get()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            callout.refresh_from_db()
            if callout.status == CalloutStatus.SENT:
                break
            time.sleep(0.05)  # another process: polling is the only way
        else:
            pytest.fail(f"the broadcast stayed {callout.status!r} at {callout.done}")
    finally:
        app.conf.task_always_eager = True
        stop_worker(process)
    assert (callout.done, callout.total) == (1000, 1000)
    page = client.get(reverse("notices:callout", args=[callout.pk])).content.decode()
    assert 'value="100"' in page  # the progress bar, full
    sent = Delivery.objects.filter(callout=callout, channel=Channel.TEXT, status="sent")
    assert sent.count() == 1000
    written = log.read_text(encoding="utf-8", errors="replace")
    assert written.count("text message to 139****") == 1000
    assert "13900000999" not in written  # masked
    assert "loudspeakers of zone ALL" in written

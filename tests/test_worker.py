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

from config.celery import app
from households.models import ImportJob, Resident
from tests.factories import make_id_number
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

"""Imports and exports whose process died never stay "running": their lease (as long as
the task's hard time limit) ends and the reaper fails them with a sentence (issue 21).
A workbook that used to abort the import task is refused with a sentence instead."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common import leases
from common.tests import bombs
from households import exports, imports
from households.models import ExportJob, ExportStatus, ImportJob, ImportStatus
from households.tasks import jobs_reap_task

pytestmark = pytest.mark.django_db


def _job(village, user, data: bytes, name: str, on_commit) -> ImportJob:
    with on_commit(execute=True):
        return imports.import_submit(
            user=user, village=village, upload=SimpleUploadedFile(name, data), language="zh-hans"
        )


def test_a_workbook_with_cells_at_both_ends_fails_the_import_with_a_sentence(
    village, village_cadre, django_capture_on_commit_callbacks
):
    """Cells at A1 and XFD1048576: calamine allocated about 512 GB and the worker died,
    leaving the job "checking" for ever."""
    job = _job(
        village, village_cadre, bombs.cell_bomb(), "户籍.xlsx", django_capture_on_commit_callbacks
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "1048576" in job.errors[0]["messages"][0]  # the rows its cells reach


def _lease_ends_in(queryset, pk: int, seconds: int) -> None:
    """Leases live on the database's clock, which the tests' pinned time does not move."""
    queryset.filter(pk=pk).update(lease_until=leases.lease_end(seconds))


def test_an_import_whose_worker_died_reads_failed_after_its_lease(
    village, village_cadre, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(imports, "_run_job", lambda *a, **k: None)  # the worker dies in it
    job = _job(village, village_cadre, b"x", "a.csv", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING
    held = ImportJob.objects.filter(
        pk=job.pk, lease_until__gt=leases.lease_end(imports.IMPORT_LEASE - 60)
    )
    assert held.exists()  # as long as the task's hard limit, and a minute
    _lease_ends_in(ImportJob.objects, job.pk, 1)
    assert jobs_reap_task() == 0  # the task could still be running
    _lease_ends_in(ImportJob.objects, job.pk, -1)
    assert jobs_reap_task() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "中断" in job.errors[0]["messages"][0]


def test_a_confirmed_import_waits_for_its_task_without_a_lease_then_takes_one(
    village, village_cadre, django_capture_on_commit_callbacks
):
    job = _job(village, village_cadre, b"x", "a.csv", django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, lease_until=None)
    assert jobs_reap_task() == 0  # not taken yet: nothing to reap
    imports.import_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED  # the file "x" is no table: read and refused
    assert job.lease_until is None
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    _lease_ends_in(ImportJob.objects, job.pk, 60)
    imports.import_apply(job_id=job.pk)  # a second delivery finds it taken
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING


def test_an_export_whose_worker_died_reads_failed_after_its_lease(village_cadre):
    job = exports.export_submit(
        user=village_cadre, kind="households", params="", full=False, reason=""
    )
    # what export_run does before its worker is killed
    assert leases.claim(
        ExportJob.objects,
        job.pk,
        among=[ExportStatus.QUEUED],
        seconds=exports.EXPORT_LEASE,
        status=ExportStatus.RUNNING,
    )
    assert jobs_reap_task() == 0
    _lease_ends_in(ExportJob.objects, job.pk, 1)
    assert jobs_reap_task() == 0
    _lease_ends_in(ExportJob.objects, job.pk, -1)
    assert jobs_reap_task() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    exports.export_run(job_id=job.pk)  # a late delivery writes nothing over it
    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.FAILED, "")

"""Exports larger than a page run as tasks (issue 7): the same rows as the export written
in the request, kept encrypted, downloaded by their creator until they expire."""

from __future__ import annotations

import datetime
import io
import os

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from households import services
from households.masking import mask
from households.models import AccessEvent, AccessKind, ExportJob, ExportStatus, Resident
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 60  # more than a page (PAGE_SIZE 50): the export becomes a task


@pytest.fixture
def county_of_60(village, group):
    """60 households: heads with phones, spouses, a head-less household, one whose earlier
    head died, one monitored, one on 低保, one without a group."""
    households = []
    for index in range(HOUSEHOLDS):
        household = HouseholdFactory(
            village=village,
            group=None if index == 7 else group,
            number=f"{index + 1:04d}",
            is_dibao=index == 3,
            land_area_mu="2.50" if index % 2 else None,
        )
        if index == 13:  # a head before this one died (the living one is shown)
            ResidentFactory(household=household, relation="head", status="deceased")
        if index != 11:
            ResidentFactory(household=household, relation="head", phone=f"1391234{index:04d}")
        ResidentFactory(household=household, relation="spouse", sex="F", phone="")
        households.append(household)
    services.monitoring_mirror_set(
        household=households[5], category="marginal", user=None, reason="test"
    )
    return households


def _sheet(content: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    width = len(rows[0])
    # empty cells are not written: read as blanks up to the header's width
    rows = [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in rows]
    workbook.close()
    return rows


def _run_export(client, url, django_capture_on_commit_callbacks, **post) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, post) if post else client.get(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exports/{job.token}/"
    return job


def _download(client, job) -> bytes:
    response = client.get(f"/exports/{job.token}/download/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


def _old_household_rows(households) -> list[list]:
    """The rows as the export written in the request computed them: the head's number
    decrypted, then masked; labels from the model's choices."""
    rows = []
    for h in sorted(households, key=lambda h: h.number):
        living = h.residents.filter(status="living")
        head = living.filter(relation="head").order_by("pk").first()
        rows.append(
            [
                h.village.name,
                h.group.name if h.group else "",
                h.number,
                head.name if head else "",
                mask(head.id_number(), "id") if head else "",
                living.count(),
                h.address,
                h.get_poverty_status_display(),
                h.get_monitoring_category_display() if h.monitoring_category else "",
                "是" if h.is_dibao else "",
                "是" if h.is_tekun else "",
                float(h.land_area_mu) if h.land_area_mu is not None else "",
                h.get_living_environment_display() if h.living_environment else "",
            ]
        )
    return rows


def test_a_large_household_export_is_a_task_with_the_rows_of_the_old_export(
    cadre_client, county_of_60, django_capture_on_commit_callbacks
):
    job = _run_export(cadre_client, "/households/export/", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_done) == (ExportStatus.DONE, 60, 60)
    page = cadre_client.get(f"/exports/{job.token}/").content.decode()
    assert "下载" in page
    assert f"/exports/{job.token}/download/" in page
    assert not AccessEvent.objects.exists()  # recorded when the file leaves, not before

    rows = _sheet(_download(cadre_client, job))
    for household in county_of_60:
        household.refresh_from_db()
    assert rows[0][:5] == ["村", "村民小组", "户编号", "户主", "户主身份证号"]
    assert rows[1:] == _old_household_rows(county_of_60)
    event = AccessEvent.objects.get()
    assert event.kind == AccessKind.EXPORT_MASKED
    assert "60" in event.detail

    ExportJob.objects.all().delete()
    job = _run_export(
        cadre_client, "/households/export/", django_capture_on_commit_callbacks, reason="核对"
    )
    rows = _sheet(_download(cadre_client, job))
    heads = {
        r.household.number: r.id_number()
        for r in Resident.objects.filter(relation="head", status="living").select_related(
            "household"
        )
    }
    assert [row[4] for row in rows[1:]] == [heads.get(h.number, "") for h in county_of_60]


def test_a_large_resident_export_matches_the_old_rows_masked_and_full(
    cadre_client, village_cadre, county_of_60, django_capture_on_commit_callbacks
):
    job = _run_export(cadre_client, "/residents/export/", django_capture_on_commit_callbacks)
    rows = _sheet(_download(cadre_client, job))
    residents = (
        Resident.objects.filter(status="living")  # the list's default: the registered
        .select_related("household")
        .order_by("household__number", "pk")
    )
    assert len(rows) == 1 + residents.count() == 1 + 119
    for row, r in zip(rows[1:], residents, strict=True):
        assert row[2:6] == [
            r.household.number,
            r.name,
            r.get_relation_display(),
            mask(r.id_number(), "id"),
        ]
        assert row[7] == r.age()
        assert row[15] == mask(r.phone(), "phone")

    ExportJob.objects.all().delete()
    job = _run_export(
        cadre_client,
        "/residents/export/",
        django_capture_on_commit_callbacks,
        reason="核对 医保 名单",
    )
    rows = _sheet(_download(cadre_client, job))
    assert [row[5] for row in rows[1:]] == [r.id_number() for r in residents]
    assert [row[15] for row in rows[1:]] == [r.phone() for r in residents]
    full = AccessEvent.objects.get(kind=AccessKind.EXPORT_FULL)
    assert full.reason == "核对 医保 名单"
    assert full.user == village_cadre


def test_the_kept_file_is_encrypted_and_expires(
    cadre_client, village_cadre, county_of_60, django_capture_on_commit_callbacks
):
    job = _run_export(cadre_client, "/households/export/", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        stored = handle.read()
    assert not stored.startswith(b"PK")  # not a zip (xlsx) at rest
    assert county_of_60[0].number.encode() not in stored
    path = job.file.path

    later = timezone.now() + datetime.timedelta(hours=24, minutes=1)
    with time_machine.travel(later, tick=False):
        cadre_client.force_login(village_cadre)  # sessions last 8 hours
        response = cadre_client.get(f"/exports/{job.token}/download/")
        assert response.status_code == 302  # back to the job's page
        page = cadre_client.get(f"/exports/{job.token}/").content.decode()
    assert "已过期" in page
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
    assert not job.file

    assert not os.path.exists(path)


def test_another_user_cannot_open_an_export_of_the_same_village(
    client, cadre_client, plain_cadre, county_of_60, django_capture_on_commit_callbacks
):
    job = _run_export(cadre_client, "/households/export/", django_capture_on_commit_callbacks)
    client.force_login(plain_cadre)  # a cadre of the same village
    assert client.get(f"/exports/{job.token}/").status_code == 404
    assert client.get(f"/exports/{job.token}/download/").status_code == 404
    assert job.token not in client.get("/exports/").content.decode()


def test_a_failed_export_says_so_and_keeps_no_file(
    cadre_client, county_of_60, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("households.exports.write_workbook", broken)
    job = _run_export(cadre_client, "/households/export/", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert not job.file
    page = cadre_client.get(f"/exports/{job.token}/").content.decode()
    assert "导出失败" in page


def test_a_small_export_is_still_written_at_once(cadre_client, resident):
    response = cadre_client.get("/households/export/")
    assert response.status_code == 200
    assert not ExportJob.objects.exists()


def test_the_commands_run_what_the_tasks_run(
    cadre_client, county_of_60, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    job = _run_export(cadre_client, "/households/export/", django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("purge_exports", stdout=out)
    assert out.getvalue().strip() == "expired=0"
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    out = io.StringIO()
    call_command("purge_exports", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "expired=1 (dry run)"
    call_command("purge_exports", stdout=io.StringIO())
    assert ExportJob.objects.get().status == ExportStatus.EXPIRED
    out = io.StringIO()
    call_command("registry_figures", stdout=out)
    assert out.getvalue().strip() == "villages=1"

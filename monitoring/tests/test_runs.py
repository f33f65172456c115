"""Screening runs are visible and can be started (issue 22, item 4): the runs page lists
each run (period, started, finished, files and values used, households scored, alerts
raised, errors) and county officers start one for a period, one at a time a county."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from common import leases
from monitoring import feeds
from monitoring.models import (
    BatchStatus,
    Department,
    FeedBatch,
    RunStage,
    RunStatus,
    ScreeningRun,
)
from monitoring.screening import job
from tests.factories import heads_with_numbers
from villages import people

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(monitoring_catalogue, village, group):
    """A 医保 file for 2026-10: two residents, one of them at risk (30,000 self-paid)."""
    numbers = heads_with_numbers(village, group, 2)
    data = "id_number,item_code,value,period\n"
    data += f"{numbers[0]},YB02,30000,2026-10\n{numbers[1]},YB01,10,2026-10\n"
    data += "360121199001011235,YB01,10,2026-10\n"  # a number of nobody here: rejected
    batch, _created = feeds.feed_receive(
        county=village.parent.parent,
        department=Department.objects.get(code="YB"),
        period="2026-10",
        name="yb.csv",
        data=data.encode(),
    )
    return batch


def test_the_nightly_run_is_recorded_with_what_it_used_and_did(delivered, village):
    call_command("run_screening", period="2026-10")
    run = ScreeningRun.objects.get()
    assert run.county == village.parent.parent
    assert run.status == RunStatus.DONE
    assert run.started_by is None
    assert (run.batches, run.rows, run.households_scored, run.alerts_new) == (1, 2, 2, 1)
    assert run.started_at <= run.finished_at
    assert run.errors == ""


def test_a_file_that_did_not_load_is_named_among_the_errors(delivered, village):
    FeedBatch.objects.filter(pk=delivered.pk).update(
        status=BatchStatus.FAILED, message="第 3 行无法读取"
    )
    call_command("run_screening", period="2026-10")
    run = ScreeningRun.objects.get()
    assert run.errors == "yb.csv: 第 3 行无法读取"
    assert run.batches == 0


def test_a_county_officer_starts_a_run_and_the_page_shows_it(
    client, county_officer, village, delivered, django_capture_on_commit_callbacks
):
    client.force_login(county_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/monitoring/runs/", {"period": "2026-10"})
    assert response.status_code == 302
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.DONE
    assert run.started_by == county_officer
    page = client.get("/monitoring/runs/").content.decode()
    assert "2026-10" in page
    # who started it: name, region and role
    assert people.label(county_officer) in page
    assert village.parent.parent.name in people.label(county_officer)


def test_one_run_at_a_time_in_a_county(client, county_officer, village, delivered):
    running = ScreeningRun.objects.create(
        county=village.parent.parent,
        period="2026-09",
        status=RunStatus.RUNNING,
        stage=RunStage.SCORING,
    )
    # (leases are on the database's clock; the tests' own is pinned)
    ScreeningRun.objects.filter(pk=running.pk).update(lease_until=leases.lease_end(3600))
    client.force_login(county_officer)
    response = client.post("/monitoring/runs/", {"period": "2026-10"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "本县的筛查正在等待或进行中" in page
    assert "第 2 步，共 3 步" in page  # the running one's progress
    assert '<meta http-equiv="refresh"' in page
    assert ScreeningRun.objects.count() == 1


def test_a_run_whose_process_died_does_not_block_the_county(county_officer, village, delivered):
    dead = ScreeningRun.objects.create(
        county=village.parent.parent,
        period="2026-09",
        status=RunStatus.RUNNING,
        stage=RunStage.LOADING,
    )
    ScreeningRun.objects.filter(pk=dead.pk).update(lease_until=leases.lease_end(-1))
    run = job.run_request(county=village.parent.parent, period="2026-10", user=county_officer)
    stale = ScreeningRun.objects.exclude(pk=run.pk).get()
    assert stale.status == RunStatus.FAILED
    assert "中途停止" in stale.errors


@pytest.mark.parametrize(("months_ahead", "accepted"), [(0, True), (1, False)])
def test_a_month_still_to_come_cannot_be_screened(months_ahead, accepted):
    from monitoring.forms import ScreeningRunForm

    today = timezone.localdate()
    month = today.month - 1 + months_ahead
    period = f"{today.year + month // 12}-{month % 12 + 1:02d}"
    assert ScreeningRunForm({"period": period}).is_valid() is accepted


def test_township_staff_see_their_countys_runs_not_the_other_countys(
    client, township_officer, village
):
    from villages.models import Level, Region

    county = village.parent.parent
    other = Region.objects.create(code="360122", name="别县", level=Level.COUNTY)
    ScreeningRun.objects.create(county=county, period="2026-10", status=RunStatus.DONE)
    ScreeningRun.objects.create(county=other, period="2026-08", status=RunStatus.DONE)
    client.force_login(township_officer)
    response = client.get("/monitoring/runs/")
    page = response.content.decode()
    assert "2026-10" in page
    assert "2026-08" not in page
    assert 'id="start-run"' not in page  # starting a run is the county's
    assert client.post("/monitoring/runs/", {"period": "2026-10"}).status_code == 403

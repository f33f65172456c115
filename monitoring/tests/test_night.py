"""The night as a Celery chord (issue 27, item 3): one task a county, a county whose run
fails is run again (up to COUNTY_RETRIES times) without stopping the others, then the
province's step over what they did. Eagerly here (the embedded default runs the same
canvas in process); tests/test_worker_screening.py runs it on a real worker."""

from __future__ import annotations

import logging

import pytest

from monitoring import feeds
from monitoring.models import Department, RunStatus, ScreeningRun
from monitoring.screening import alerts, job, score
from monitoring.tasks import COUNTY_RETRIES, nightly_screening, screening_county_task
from tests.factories import RegionFactory, heads_with_numbers
from villages.models import Level, Region

pytestmark = pytest.mark.django_db

SENTENCE = "筛查因系统内部错误中断，已记录日志。"  # the night's runs speak zh-hans


def _deliver(village, group, at_risk: int) -> None:
    """A 医保 file for 2026-10 about three households, `at_risk` of them over the line."""
    numbers = heads_with_numbers(village, group, 3)
    data = "id_number,item_code,value,period\n" + "".join(
        f"{number},YB02,{30000 if i < at_risk else 10},2026-10\n"
        for i, number in enumerate(numbers)
    )
    feeds.feed_receive(
        county=village.parent.parent,
        department=Department.objects.get(code="YB"),
        period="2026-10",
        name="yb.csv",
        data=data.encode(),
    )


@pytest.fixture
def two_counties(monitoring_catalogue, village, group):
    """南昌县 (the fixtures' county, one household at risk) and 进贤县 (two at risk)."""
    other = RegionFactory(code="360124", name="进贤县", level=Level.COUNTY, parent=None)
    township = RegionFactory(code="360124100", name="民和镇", level=Level.TOWNSHIP, parent=other)
    far_village = RegionFactory(
        code="360124100201", name="城东村", level=Level.VILLAGE, parent=township
    )
    far_group = RegionFactory(
        code="360124100201001", name="一组", level=Level.GROUP, parent=far_village
    )
    _deliver(village, group, at_risk=1)
    _deliver(far_village, far_group, at_risk=2)
    return village.parent.parent, other


def _failing_in(county, times: int, monkeypatch) -> list[str]:
    """Scoring `county` raises its first `times` times; the calls, by county code."""
    calls: list[str] = []
    real = score.score

    def flaky(region, period):
        calls.append(region.code)
        if region.pk == county.pk and calls.count(region.code) <= times:
            raise RuntimeError("the database went away")
        return real(region, period)

    monkeypatch.setattr(score, "score", flaky)
    return calls


def _night(caplog) -> str:
    with caplog.at_level(logging.INFO, logger="monitoring.screening.job"):
        nightly_screening.delay("2026-10")
    (line,) = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("screening 2026-10: ")
    ]
    return line


def test_each_county_is_screened_by_its_own_task_then_the_province_adds_them_up(
    two_counties, caplog
):
    here, there = two_counties
    line = _night(caplog)
    runs = {r.county_id: r for r in ScreeningRun.objects.all()}
    assert set(runs) == {here.pk, there.pk}  # a run a county, each its own figures
    assert {
        c: (r.status, r.batches, r.households_scored, r.alerts_new) for c, r in runs.items()
    } == {
        here.pk: (RunStatus.DONE, 1, 3, 1),
        there.pk: (RunStatus.DONE, 1, 3, 2),
    }
    assert "'counties': 2, 'failed': 0, 'batches': 2, 'households_scored': 6" in line
    assert "'alerts_new': 3, 'alerts_open': 3" in line


def test_a_county_that_fails_once_is_run_again_and_the_other_is_not_held_up(
    two_counties, caplog, monkeypatch
):
    here, there = two_counties
    calls = _failing_in(there, 1, monkeypatch)
    line = _night(caplog)
    assert calls.count(here.code) == 1
    first, again = ScreeningRun.objects.filter(county=there).order_by("pk")
    assert (first.status, first.errors) == (RunStatus.FAILED, SENTENCE)
    assert (again.status, again.alerts_new) == (RunStatus.DONE, 2)
    assert ScreeningRun.objects.get(county=here).status == RunStatus.DONE
    assert "'counties': 2, 'failed': 0" in line
    assert "'alerts_new': 3" in line


def test_a_county_that_keeps_failing_is_tried_so_many_times_and_the_night_still_ends(
    two_counties, caplog, monkeypatch
):
    here, there = two_counties
    _failing_in(there, COUNTY_RETRIES + 1, monkeypatch)
    line = _night(caplog)
    tries = ScreeningRun.objects.filter(county=there)
    assert tries.count() == COUNTY_RETRIES + 1  # the first run and one a retry, no more
    assert set(tries.values_list("status", flat=True)) == {RunStatus.FAILED}
    assert ScreeningRun.objects.get(county=here).alerts_new == 1
    assert "'counties': 2, 'failed': 1, 'batches': 1" in line


def test_the_last_retry_that_succeeds_is_kept(two_counties, caplog, monkeypatch):
    """The other side of the limit: failing COUNTY_RETRIES times, the last try loads."""
    _here, there = two_counties
    _failing_in(there, COUNTY_RETRIES, monkeypatch)
    line = _night(caplog)
    tries = list(ScreeningRun.objects.filter(county=there).order_by("pk"))
    assert [t.status for t in tries] == [RunStatus.FAILED] * COUNTY_RETRIES + [RunStatus.DONE]
    assert "'failed': 0" in line


def test_a_redelivered_task_reports_its_run_and_does_not_run_it_twice(two_counties):
    here, _there = two_counties
    _period, runs = job.schedule("2026-10")
    first = screening_county_task.delay(runs[0]).get()
    again = screening_county_task.delay(runs[0]).get()  # the broker handed it out twice
    assert again == first
    assert (again["county"], again["status"], again["alerts_new"]) == (here.pk, "done", 1)
    assert ScreeningRun.objects.filter(county=here).count() == 1


def test_a_failed_county_is_not_run_again_over_a_county_officers_run(
    two_counties, county_officer, monkeypatch
):
    here, _there = two_counties
    _failing_in(here, 99, monkeypatch)
    _period, runs = job.schedule("2026-10")
    outcome = job.run_county(runs[0])
    assert outcome["status"] == RunStatus.FAILED
    job.run_request(county=here, period="2026-10", user=county_officer)  # queued meanwhile
    assert job.run_again(runs[0]) is None
    assert ScreeningRun.objects.filter(county=here).count() == 2


def test_a_night_without_counties_ends_at_once(db):
    assert nightly_screening.delay("2026-10").get() is None
    assert not ScreeningRun.objects.exists()


def test_a_night_scheduled_twice_hands_out_its_waiting_runs_again(two_counties, county_officer):
    """The night's task came back (its worker died after queueing the runs, before the
    chord): the runs still waiting go out again rather than wait for their lease to end;
    a county officer's run, or one running, is left to itself."""
    here, there = two_counties
    _period, first = job.schedule("2026-10")
    _period, again = job.schedule("2026-10")
    assert again == first
    assert ScreeningRun.objects.count() == 2
    ScreeningRun.objects.filter(county=here).update(status=RunStatus.RUNNING)
    ScreeningRun.objects.filter(county=there).update(started_by=county_officer)
    assert job.schedule("2026-10")[1] == []


def test_the_province_counts_the_open_alerts_of_its_counties_in_one_query(
    two_counties, django_assert_num_queries
):
    """Not one query a county (a province has a hundred); a county left out of the night
    is not counted."""
    here, there = two_counties
    nightly_screening.delay("2026-10")
    counties = list(Region.objects.filter(pk__in=[here.pk, there.pk]))
    with django_assert_num_queries(1):
        assert alerts.open_alerts(counties) == 3
    assert alerts.open_alerts([there]) == 2
    assert alerts.open_alerts([]) == 0

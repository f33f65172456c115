"""民情日志 (issue 25, item 5): the cadres' daily log, each entry one click from a matter,
a visit or a hardship report; the village head and the township read it; a summary with
no personal data goes on the village board."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from grid import services
from grid.models import DailyLog, Matter, MatterSource, Visit
from tests.factories import HouseholdFactory, ResidentFactory
from villages.registry import portal

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 22)


@pytest.fixture
def entry(village, village_cadre):
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    return services.log_write(
        village=village,
        user=village_cadre,
        on=DAY,
        place="村委会",
        people="张大爷、李大妈",
        raised="张大爷说屋后水渠堵了，雨天倒灌；老伴住院后家里开支大",
        follow_up="明天请网格员去看",
        household=home,
    )


def test_an_entry_becomes_a_matter_a_visit_and_a_hardship_report(entry, village_cadre, monkeypatch):
    # the hardship report is announced to the apps above (monitoring raises the alert:
    # its own tests and the journeys show it); here, that it is announced
    heard = []
    monkeypatch.setitem(
        portal.handlers, services.HARDSHIP_SUSPECTED, [lambda **details: heard.append(details)]
    )
    matter = services.log_to_matter(entry=entry, user=village_cadre)
    assert matter.source == MatterSource.LOG
    assert matter.household == entry.household
    visit = services.log_to_visit(entry=entry, user=village_cadre)
    assert visit.visited_on == DAY
    services.log_to_hardship(entry=entry, user=village_cadre)
    assert [d["household"] for d in heard] == [entry.household]
    entry.refresh_from_db()
    assert (entry.matter, entry.visit) == (matter, visit)
    assert entry.flagged_at is not None
    with pytest.raises(ValidationError):  # once each
        services.log_to_matter(entry=entry, user=village_cadre)
    assert Matter.objects.count() == 1
    assert Visit.objects.count() == 1


def test_a_grid_worker_does_not_write_the_log(village, grid_worker):
    with pytest.raises(PermissionDenied):
        services.log_write(
            village=village, user=grid_worker, on=DAY, place="x", people="x", raised="x"
        )


def test_an_entry_of_tomorrow_is_refused(village, village_cadre):
    with pytest.raises(ValidationError):
        services.log_write(
            village=village,
            user=village_cadre,
            on=datetime.date(2026, 11, 24),
            place="x",
            people="x",
            raised="x",
        )


@pytest.mark.parametrize("summary", ["联系电话13907911234", "身份证号11010519491231002X"])
def test_the_public_summary_names_no_number(entry, village_cadre, summary):
    with pytest.raises(ValidationError):
        services.log_publish(entry=entry, user=village_cadre, summary=summary)
    entry.refresh_from_db()
    assert entry.published_at is None


def test_the_board_shows_the_published_summary_only(
    client, entry, village, village_cadre, django_capture_on_commit_callbacks
):
    board = f"/v/{village.code}/"
    assert 'id="public-log"' not in client.get(board).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.log_publish(
            entry=entry, user=village_cadre, summary="群众反映水渠堵塞，已安排清理"
        )
    page = client.get(board).content.decode()
    assert "水渠堵塞，已安排清理" in page
    assert "张大爷" not in page  # the entry itself stays with the staff


def test_the_township_reads_the_log_and_another_villages_cadre_does_not(
    client, entry, township_officer, other_village_cadre, grid_worker
):
    url = reverse("grid:log_entry", args=[entry.pk])
    client.force_login(township_officer)
    page = client.get(url).content.decode()
    assert "水渠堵了" in page
    assert 'id="log-actions"' not in page  # reads, does not write
    client.force_login(other_village_cadre)
    assert client.get(url).status_code == 404
    client.force_login(grid_worker)
    assert client.get(url).status_code == 403


def test_the_log_page_writes_an_entry(client, village, village_cadre):
    client.force_login(village_cadre)
    response = client.post(
        reverse("grid:log"),
        {
            "village": village.pk,
            "on": "2026-11-23",
            "place": "村口",
            "people": "几位村民",
            "raised": "希望路灯晚上多开一小时",
            "number": "9999",
        },
    )
    assert "本村没有这个户编号" in response.content.decode()
    assert not DailyLog.objects.exists()
    response = client.post(
        reverse("grid:log"),
        {
            "village": village.pk,
            "on": "2026-11-23",
            "place": "村口",
            "people": "几位村民",
            "raised": "希望路灯晚上多开一小时",
        },
    )
    assert response.status_code == 302
    assert DailyLog.objects.get().author == village_cadre

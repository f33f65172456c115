"""The household page keeps the other apps' panels (issue 26, villages.registry
.household_panels): a kept page reads them from the cache in one round trip, and any
change an app makes to what its panel shows is on the next page at once — through the
model's save (a signal) or through the conditional UPDATEs and the bulk INSERTs that send
none. Versions move once a transaction commits: each change here runs as a request's
would, its commit callbacks carried out."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grid import services as grid_services
from households import services as registry
from monitoring import services as monitoring_services
from monitoring.models import Alert, Assessment, RiskLevel
from monitoring.screening import alerts as screening_alerts
from points import services as points_services
from points.models import Category, HonourKind, PointRule
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

PANEL_TABLES = ("points_pointentry", "grid_visit", "grid_matter", "monitoring_alert")
SECTIONS = {
    "points": 'id="h-points"',
    "grid": 'id="h-grid"',
    "monitoring": 'class="card" aria-label="防止返贫监测"',
}


def _page(client: Client, household) -> str:
    response = client.get(f"/households/{household.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(client: Client, household, app: str) -> str:
    """One app's panel of the page."""
    page = _page(client, household)
    assert SECTIONS[app] in page, app
    return page.split(SECTIONS[app], 1)[1].split("</section>", 1)[0]


def _record(*, household, points: int, text: str, by, resident=None):
    """A points entry of 20 November (its rule made for it), awaiting approval."""
    rule = PointRule.objects.create(
        village=household.village, category=Category.GOOD_DEEDS, name=text, points=points
    )
    return points_services.entry_record(
        household=household,
        rule=rule,
        occurred_on=datetime.date(2026, 11, 20),
        place="村口",
        description=text,
        user=by,
        resident=resident,
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as committed: its versions move."""

    def run(change, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(**kwargs)

    return run


@pytest.fixture
def kept(cadre_client, household, monitoring_catalogue):
    """The page once made (the village's figures computed, the panels kept)."""
    ResidentFactory(household=household, relation="head", name="王大明")
    registry.stats_mark_stale([household.village_id])
    cadre_client.get("/")  # the home computes the village's figures: the page's token
    _page(cadre_client, household)
    return cadre_client


def test_a_kept_page_reads_no_panel_table(kept, household):
    with CaptureQueriesContext(connection) as ctx:
        page = _page(kept, household)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert [table for table in PANEL_TABLES if table in sql] == []
    assert all(marker in page for marker in SECTIONS.values())  # the kept panels are on it
    # session, user, assignments, the household, the figures' token, and the upload form's
    # choice of its people (made for each request)
    assert len(ctx.captured_queries) <= 6


def test_an_unkept_page_reads_them(cadre_client, household, monitoring_catalogue):
    # the village's figures not computed yet: no token, the panels are made each time
    with CaptureQueriesContext(connection) as ctx:
        _page(cadre_client, household)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert [table for table in PANEL_TABLES if table in sql] == list(PANEL_TABLES)


def test_points_recorded_approved_and_honoured_show_at_once(
    kept, household, village_cadre, plain_cadre, commit
):
    assert "余额 0" in _panel(kept, household, "points")
    entry = commit(_record, household=household, points=5, text="扶老人过马路", by=village_cadre)
    assert "扶老人过马路" in _panel(kept, household, "points")  # a saved entry: its signal
    commit(points_services.entry_approve, entry=entry, user=plain_cadre)  # UPDATEs only
    assert "余额 5" in _panel(kept, household, "points")
    commit(
        points_services.honour_award,
        household=household,
        kind=HonourKind.MODEL_FAMILY,
        year=2026,
        user=village_cadre,
    )
    assert "2026 道德模范之家" in _panel(kept, household, "points")


def test_grid_places_visits_and_matters_show_at_once(
    kept, household, village_cadre, grid_worker, commit
):
    grid = commit(
        grid_services.grid_create, village=household.village, name="第三网格", by=village_cadre
    )
    assert "第三网格" not in _panel(kept, household, "grid")
    # placed in bulk: bulk_create and UPDATE send no signal
    commit(grid_services.households_assign, grid=grid, households=[household], by=village_cadre)
    assert "第三网格" in _panel(kept, household, "grid")
    commit(
        grid_services.visit_record,
        household=household,
        user=grid_worker,
        visited_on=datetime.date(2026, 11, 22),
        kind="routine",
        findings="屋顶漏雨，已报村委",
    )
    assert "屋顶漏雨" in _panel(kept, household, "grid")
    matter = commit(
        grid_services.matter_create,
        village=household.village,
        user=grid_worker,
        source="visit",
        category="problem",
        urgency="normal",
        title="屋顶修缮",
        household=household,
    )
    opened = _panel(kept, household, "grid")
    assert "屋顶修缮" in opened
    commit(grid_services.matter_resolve, matter=matter, user=village_cadre, reply="已修好")
    resolved = _panel(kept, household, "grid")  # a conditional UPDATE and its logged step
    assert resolved != opened
    assert resolved.count("已办结") == opened.count("已办结") + 1


def test_alerts_income_and_the_nightly_screening_show_at_once(
    kept, household, village_cadre, county, commit
):
    assert "/monitoring/alerts/" not in _panel(kept, household, "monitoring")
    alert, _created = commit(
        monitoring_services.alert_raise,
        household=household,
        source="visit",
        user=village_cadre,
        level=RiskLevel.HIGH,
    )
    assert f"/monitoring/alerts/{alert.pk}/" in _panel(kept, household, "monitoring")
    commit(
        monitoring_services.income_save,
        household=household,
        user=village_cadre,
        year=2025,
        members=4,
        wages=Decimal("12345"),
    )
    assert "2025" in _panel(kept, household, "monitoring")
    # the screening raises its alerts in one INSERT, which sends no signal
    commit(lambda: Alert.objects.all().delete())  # each deleted row's signal
    before = _panel(kept, household, "monitoring")
    assert "/monitoring/alerts/" not in before
    Assessment.objects.create(
        household=household, period="2026-10", score=60, level="high", computed_at=timezone.now()
    )
    assert commit(screening_alerts.raise_alerts, county=county, period="2026-10") == 1
    assert "/monitoring/alerts/" in _panel(kept, household, "monitoring")


def test_each_role_set_at_the_village_has_its_own_kept_panels(kept, household, county_officer):
    assert "登记积分" in _panel(kept, household, "points")  # the village cadre's link
    county = Client()
    county.force_login(county_officer)
    # the county officer reads the panels without the village keepers' links, though the
    # cadre's were kept first
    assert "登记积分" not in _panel(county, household, "points")


def test_a_renamed_resident_shows_at_once_and_the_next_day_the_panels_are_made_again(
    kept, household, village_cadre, plain_cadre, commit, time_machine
):
    head = household.residents.get()
    entry = commit(
        _record, household=household, points=3, text="帮扶邻居", by=village_cadre, resident=head
    )
    commit(points_services.entry_approve, entry=entry, user=plain_cadre)
    panel = _panel(kept, household, "points")
    assert "王大明" in panel
    assert "本月 3" in panel
    commit(registry.resident_update, resident=head, user=village_cadre, name="王大铭")
    assert "王大铭" in _panel(kept, household, "points")  # the registry's token moved
    # the first of December (Asia/Shanghai): this month's points are counted anew, though
    # nothing was written
    time_machine.move_to(datetime.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))
    kept.force_login(village_cadre)  # a session lasts eight hours
    kept.get("/")  # the village's figures of the new day: the page's token
    assert "本月 0" in _panel(kept, household, "points")

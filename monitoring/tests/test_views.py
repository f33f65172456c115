"""The monitoring pages: the queue (scoped, filtered, assignable, exportable), an alert
with its evidence and exactly the steps the user may take, feeds and the catalogue."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from conftest import _staff
from households.models import Household
from monitoring import feeds, services
from monitoring.models import Alert, FeedBatch, Source, Stage
from monitoring.screening import job
from monitoring.tests.conftest import csv_bytes
from villages.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(client, county, people, county_officer):
    """October's 医保 file for household 0001, uploaded from the feeds page and
    screened."""
    (a, a_id), (_b, b_id), *_rest = people
    client.force_login(county_officer)
    data = csv_bytes(
        [
            ["id_number", "item_code", "value", "period"],
            [a_id, "YB02", "48200", "2026-10"],
            [b_id, "YB02", "100", "2026-10"],
            ["110105194912310029", "YB02", "1", "2026-10"],
        ]
    )
    upload = io.BytesIO(data)
    upload.name = "yb.csv"
    response = client.post(
        "/monitoring/feeds/", {"department": 5, "period": "2026-10", "file": upload}, follow=True
    )
    assert response.status_code == 200
    job.run("2026-10")
    client.logout()
    return a.household


def test_a_feed_uploaded_on_the_feeds_page_loads_and_lists_its_rejections(
    client, screened, county_officer
):
    client.force_login(county_officer)
    page = client.get("/monitoring/feeds/").content.decode()
    batch = FeedBatch.objects.get()
    assert batch.department.code == "YB"
    assert (batch.loaded, batch.rejected) == (2, 1)
    assert "yb.csv" in page
    assert f"/monitoring/feeds/{batch.pk}/rejections/" in page
    workbook = client.get(f"/monitoring/feeds/{batch.pk}/rejections/").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_index(0).to_python()
    assert rows[1][1] == "1101**********0029"
    assert "110105194912310029" not in str(rows)


def test_a_feed_larger_than_memory_uploads_sealed_and_loads(
    client, county, people, county_officer, settings
):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE an upload waits on disk, encrypted
    (common.uploads); the page reads it back whole."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    (_a, a_id), (_b, b_id), *_rest = people
    rows = [["id_number", "item_code", "value", "period"]]
    rows += [[a_id if i % 2 else b_id, "YB02", str(i), "2026-10"] for i in range(400)]
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "yb.csv"
    assert len(upload.getvalue()) > 10 * 1024
    client.force_login(county_officer)
    client.post("/monitoring/feeds/", {"department": 5, "period": "2026-10", "file": upload})
    batch = job.stage_now(FeedBatch.objects.get().pk)  # the task's work
    # every row read; two residents' YB02 loaded once each, the repeats rejected
    assert (batch.status, batch.loaded, batch.rejected, batch.rows_total) == ("loaded", 2, 398, 401)


def test_an_unreadable_upload_says_why_on_the_page(
    client, county, county_officer, django_capture_on_commit_callbacks
):
    client.force_login(county_officer)
    upload = io.BytesIO(b"\xff\xfe" + "姓名".encode("utf-16-le"))
    upload.name = "feed.csv"
    with django_capture_on_commit_callbacks(execute=True):  # the load task, run eagerly
        page = client.post(
            "/monitoring/feeds/",
            {"department": 5, "period": "2026-10", "file": upload},
            follow=True,
        )
    assert page.status_code == 200
    page = client.get("/monitoring/feeds/")
    batch = FeedBatch.objects.get()
    assert batch.status == "failed"
    assert "UTF-8" in batch.message
    assert batch.message in page.content.decode()


def test_only_county_staff_receive_feeds(client, county, township_officer):
    client.force_login(township_officer)
    assert client.get("/monitoring/feeds/").status_code == 403
    assert client.post("/monitoring/feeds/", {}).status_code == 403


def test_the_queue_shows_the_areas_alerts_riskiest_first(
    client, screened, township_officer, other_village
):
    elsewhere = Household.objects.create(village=other_village, number="0009")
    services.alert_raise(household=elsewhere, source=Source.VISIT, level="high")
    low = Household.objects.get(number="0002")
    services.alert_raise(household=low, source=Source.VISIT, level="low")
    client.force_login(township_officer)
    page = client.get("/monitoring/").content.decode()
    rows = re.findall(r'href="/monitoring/alerts/(\d+)/"', page)
    assert rows == [
        str(Alert.objects.get(household=screened).pk),
        str(Alert.objects.get(household=low).pk),
    ]
    assert "近12个月住院自付 48,300 元" in page
    assert "0009" not in page
    other = Alert.objects.get(household=elsewhere)
    assert client.get(f"/monitoring/alerts/{other.pk}/").status_code == 404
    filtered = client.get("/monitoring/?level=low").content.decode()
    assert re.findall(r'href="/monitoring/alerts/(\d+)/"', filtered) == [
        str(Alert.objects.get(household=low).pk)
    ]


def test_the_queue_and_alert_pages_do_not_grow_with_the_alerts(client, village, township_officer):
    def count(url: str) -> int:
        client.force_login(township_officer)
        cache.clear()  # the page as made, not as kept
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n: int) -> None:
        start = Household.objects.count()
        for i in range(n):
            household = Household.objects.create(village=village, number=f"{start + i:04d}")
            services.alert_raise(household=household, source=Source.VISIT, level="medium")

    add(2)
    few = count("/monitoring/")
    alert_few = count(f"/monitoring/alerts/{Alert.objects.first().pk}/")
    add(12)
    assert count("/monitoring/") == few
    assert count(f"/monitoring/alerts/{Alert.objects.first().pk}/") == alert_few


def test_the_kept_queue_shows_a_change_at_once(client, screened, township_officer, village_cadre):
    """The queue's table is kept between requests; an assignment (any step) is seen on
    the very next one, and so is a new alert."""

    def table() -> str:
        page = client.get("/monitoring/").content.decode()
        return page[page.index('id="alerts"') : page.index("</table>")]

    client.force_login(township_officer)
    shown = village_cadre.get_full_name() or village_cadre.username
    assert shown not in table()
    services.assign(alerts=[Alert.objects.get()], user=township_officer, assignee=village_cadre)
    assert shown in table()
    household = Household.objects.create(village=screened.village, number="0777")
    services.alert_raise(household=household, source=Source.VISIT, level="high")
    assert "0777" in table()


def test_bulk_assignment_from_the_queue(client, screened, township_officer, village_cadre):
    client.force_login(township_officer)
    alert = Alert.objects.get()
    form = {"alert": [alert.pk], "assignee": village_cadre.pk}
    response = client.post("/monitoring/assign/", form, follow=True)
    assert "已分派 1 条预警" in response.content.decode()
    alert.refresh_from_db()
    assert alert.assignee == village_cadre
    outsider = _staff(Role.VILLAGE_CADRE, Household.objects.get(number="0002").village.parent)
    client.post("/monitoring/assign/", {"alert": [alert.pk], "assignee": outsider.pk})
    alert.refresh_from_db()
    assert alert.assignee == village_cadre


def test_the_alert_page_offers_exactly_the_users_steps_and_records_one(
    client, screened, village_cadre, township_officer
):
    alert = Alert.objects.get()
    client.force_login(township_officer)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'name="action" value="verify"' not in page
    assert "个人自付费用" in page  # the evidence: the item, its value and department
    assert "48,200" in page
    assert client.post(f"/monitoring/alerts/{alert.pk}/", {"action": "verify"}).status_code == 403
    client.force_login(village_cadre)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'name="action" value="verify"' in page
    response = client.post(
        f"/monitoring/alerts/{alert.pk}/",
        {
            "action": "verify",
            "visit_date": "2026-11-20",
            "findings": "妻子住院，家中缺劳力",
            "income_estimate": "5200",
            "recommendation": "enrol",
        },
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.stage == Stage.APPRAISE
    bad = client.post(f"/monitoring/alerts/{alert.pk}/", {"action": "appraise", "date": "x"})
    assert bad.status_code == 200  # the form again, with what is wrong
    assert "invalid" in bad.content.decode()


def test_the_queue_exports_through_the_one_writer(client, screened, township_officer):
    client.force_login(township_officer)
    response = client.get("/monitoring/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    table = rows.to_python()
    assert len(table) == 2
    assert "近12个月住院自付 48,300 元" in table[1]


def test_the_catalogue_and_a_departments_template(client, county_officer):
    client.force_login(county_officer)
    page = client.get("/monitoring/catalogue/").content.decode()
    assert "个人自付费用" in page
    assert "JR05" in page
    response = client.get("/monitoring/catalogue/YB/template/")
    sheets = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert sheets.get_sheet_by_index(0).to_python()[0][:4] == [
        "id_number",
        "item_code",
        "value",
        "period",
    ]
    assert sheets.get_sheet_by_index(1).to_python()[1][:2] == ["YB01", "住院医疗总费用"]


def test_the_evidence_is_the_households_county_batch(
    client, screened, township_officer, far_county
):
    """Another county's later file of the same department and month does not hide this
    county's evidence (the newest batch is chosen per county and department)."""
    from monitoring.models import Department

    feeds.feed_receive(
        county=far_county,
        department=Department.objects.get(code="YB"),
        period="2026-10",
        name="yb.csv",
        data=b"id_number,item_code,value,period\\r\\n",
    )
    FeedBatch.objects.filter(county=far_county).update(status="loaded")
    client.force_login(township_officer)
    page = client.get(f"/monitoring/alerts/{Alert.objects.get().pk}/").content.decode()
    assert "48,200" in page

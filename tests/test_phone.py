"""Staff pages on a phone (390×844, WeChat's browser): no page is wider than the screen,
the header is one row with a menu button, and no menu label breaks over two lines.
Screenshots go to test-artifacts/phone-*.png (copies of them are in docs/screenshots/)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grid.services import (
    grid_create,
    grid_member_add,
    hazard_record,
    households_assign,
    matter_create,
    visit_record,
)
from households.exports import export_run, export_submit
from households.services import listing_post
from monitoring.services import alert_raise
from notices.callouts import callout_create
from notices.models import Notice, SpeakerZone
from notices.services import feedback_receive, finance_line_add, notice_save
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser

WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
)
# Lines each element's text takes: more than one means a label broke mid-word (户籍管/理).
TEXT_LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
}"""


@pytest.fixture
def phone(browser):  # noqa: F811 (the fixture imported above)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT,
        locale="zh-CN",
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


def _fits(page, name: str, *, menu_open: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page is {width} px wide on a 390 px screen"
    header = page.locator("header.topbar").bounding_box()
    assert menu_open or header["height"] <= 60, f"{name}: the header takes {header['height']} px"


def test_staff_pages_fit_a_phone(phone, live_server, village, group):
    cadre = UserFactory(username="cadre", first_name="渡头村村干部")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    household = None
    for i in range(60):
        household = HouseholdFactory(
            village=village, group=group, number=f"{i + 1:04d}", address=f"渡头村一组{i + 1}号"
        )
        ResidentFactory(household=household, name=f"欧阳{'建国秀英'[i % 4]}{i}", relation="head")
        ResidentFactory(
            household=household,
            name=f"陈{i}",
            relation="spouse",
            disability_grade=2,
            disability_kind="physical",
        )

    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("用户名").fill("cadre")
    phone.get_by_label("密码").fill("secret-pass-123")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/")

    reason = {"label": "走访发现：房屋漏雨，家人住院", "type": "flag"}
    alert, _new = alert_raise(household=household, source="visit", level="high", reasons=[reason])
    job = export_submit(user=cadre, kind="households", params="", full=False, reason="")
    grid = grid_create(village=village, name="第一网格", by=None)
    grid_member_add(
        grid=grid, role="party_head", name="欧阳党员中心户长", phone="13912345678", by=None
    )
    households_assign(grid=grid, households=[household], by=None)
    matter = matter_create(
        village=village,
        user=cadre,
        source="visit",
        category="pension",
        urgency="urgent",
        title="养老金资格认证",
        household=household,
    )
    export_run(job_id=job.pk)
    patrol = visit_record(
        household=household,
        user=cadre,
        kind="safety",
        visited_on=datetime.date(2026, 11, 20),
        findings="排查用电",
    )
    hazard_record(
        visit=patrol,
        kind="electricity",
        description="电线老化裸露，需要更换",
        deadline=datetime.date(2026, 11, 30),
        by=None,
    )
    notice = notice_save(
        Notice(
            region=village, category="finance", title="第三季度财务公开", body="村集体收支情况如下"
        ),
        user=cadre,
    )
    for item, amount in [("上级转移支付", "52000"), ("集体资产租金", "18600.50")]:
        finance_line_add(
            notice,
            month=datetime.date(2026, 9, 1),
            direction="income",
            item=item,
            amount=Decimal(amount),
            by=None,
        )
    finance_line_add(
        notice,
        month=datetime.date(2026, 9, 1),
        direction="expense",
        item="道路维修（村东头至三组）",
        amount=Decimal("12800"),
        by=None,
    )
    feedback = feedback_receive(
        household=household,
        topic="complaint",
        anonymous=False,
        text="村口路灯坏了两盏，晚上走路不安全，建议尽快修理。" * 3,
        name="张大叔",
        phone="13907911234",
    )
    listing_post(
        household=household,
        kind="sell",
        product="赣南脐橙",
        quantity=Decimal(500),
        unit="斤",
        price=Decimal("3.5"),
        note="自家果园，现摘现发",
    )
    SpeakerZone.objects.create(village=village, name="村部广场喇叭", zone_id="Z-01")
    callout = callout_create(
        sender=cadre,
        region=village,
        kind="flood",
        title="山洪预警",
        text="今晚有强降雨，沿河住户请立即转移到村小学，听从村干部安排。",
    )
    pages = {
        "callouts": "/callouts/",
        "inflows": "/inflows/",
        "presence": f"/residents/{household.residents.first().pk}/presence/",
        "callout-new": f"/callouts/new/?household={household.pk}",
        "callout": f"/callouts/{callout.pk}/",
        "speaker-zones": "/callouts/zones/",
        "home": "/",
        "households": "/households/",
        "residents": "/residents/",
        "household": f"/households/{household.pk}/",
        "add-member": f"/households/{household.pk}/residents/new/",
        "import": "/import/",
        "exports": "/exports/",
        "export": f"/exports/{job.token}/",
        "alerts": "/monitoring/",
        "alert": f"/monitoring/alerts/{alert.pk}/",
        "monitored": "/monitoring/monitored/",
        "income": f"/monitoring/households/{household.pk}/income/",
        "portrait": "/monitoring/portrait/",
        "reminders": "/monitoring/reminders/",
        "checks": "/monitoring/checks/",
        "meetings": "/monitoring/meetings/",
        "meeting-new": "/monitoring/meetings/new/",
        "lookback": "/monitoring/lookback/",
        "points": "/points/",
        "points-new": f"/points/households/{household.pk}/new/",
        "points-bulk": "/points/bulk/",
        "points-rules": "/points/rules/",
        "points-honours": "/points/honours/",
        "points-report": "/points/report/",
        "coop": "/points/coop/",
        "plaques": f"/plaques/?village={village.pk}",
        "grids": "/grids/",
        "grid": f"/grids/{grid.pk}/",
        "coverage": "/grids/coverage/",
        "visit": f"/grids/visits/{household.pk}/new/",
        "matters": "/matters/",
        "supervised": "/matters/supervised/",
        "log": "/log/",
        "hazards-list": "/grids/hazards/",
        "coop-sales": "/points/coop/sales/",
        "matter-new": f"/matters/households/{household.pk}/new/",
        "matter": f"/matters/{matter.pk}/",
        "hazards": f"/grids/patrols/{patrol.pk}/hazards/",
        "notices": "/notices/",
        "notice-new": "/notices/new/",
        "notice": f"/notices/{notice.pk}/",
        "voice": "/voice/",
        "voice-message": f"/voice/{feedback.pk}/",
        "inbox": "/inbox/",
        "broadcast": "/broadcast/",
        "market": "/market/",
    }
    for name, path in pages.items():
        phone.goto(live_server.url + path)
        _fits(phone, name)

    # The menu: folded behind one button; opened, every label on one line.
    phone.goto(f"{live_server.url}/households/")
    nav = phone.locator("#main-menu nav")
    assert not nav.is_visible()
    phone.get_by_text("菜单").click()
    assert nav.is_visible()
    labels = nav.locator("a")
    # home, households, residents, who lives here (issue 25), import, grids, matters,
    # moral points, co-op, notices, broadcasts to residents (issue 25), voice of the
    # people, produce market, alerts,
    # monitored households, portraits, three-level checks, review meetings (issue 24),
    # hazards, the daily log (issue 25), access log, messages
    assert labels.count() == 22
    for i in range(labels.count()):
        link = labels.nth(i)
        assert link.evaluate(TEXT_LINES) == 1, f"“{link.inner_text()}” breaks over lines"
    _fits(phone, "menu", menu_open=True)

    # A list is cards of a few lines, not a column of one-character cells.
    phone.goto(f"{live_server.url}/households/")
    first = phone.locator("#households tbody tr").first.bounding_box()
    assert first["height"] < 200, first
    assert phone.locator("#households tbody td[data-label]").count() > 0
    assert phone.console_errors == []


def test_county_pages_fit_a_phone(phone, live_server, monitoring_catalogue, county, village, group):
    """The county officer's monitoring pages: the queue with its assignment, portraits,
    feeds, catalogue, rules, re-check campaigns and a monitored household."""
    from monitoring.models import Monitored

    officer = UserFactory(username="county", first_name="南昌县干部")
    StaffAssignment.objects.create(user=officer, region=county, role=Role.COUNTY_OFFICER)
    cadre = UserFactory(username="cadre2", first_name="渡头村村干部")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    household = HouseholdFactory(village=village, group=group, number="0001")
    ResidentFactory(household=household, name="欧阳建国", relation="head")
    reason = {"label": "近12个月住院自付", "value": 48200, "unit": "元", "type": "amount"}
    alert, _new = alert_raise(household=household, source="visit", level="high", reasons=[reason])
    monitored = Monitored.objects.create(
        household=household,
        alert=alert,
        category="sudden",
        causes=["illness"],
        enrolled_on=alert.opened_at.date(),
        approved_by=officer,
    )
    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("用户名").fill("county")
    phone.get_by_label("密码").fill("secret-pass-123")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/")
    pages = {
        "county-alerts": "/monitoring/",
        "county-portrait": "/monitoring/portrait/",
        "county-portrait-rules": "/monitoring/portrait/rules/",
        "county-reminders": "/monitoring/reminders/",
        "county-checks": "/monitoring/checks/",
        "county-feeds": "/monitoring/feeds/",
        "county-catalogue": "/monitoring/catalogue/",
        "county-rules": "/monitoring/rules/",
        "county-campaigns": "/monitoring/campaigns/",
        "county-monitored": f"/monitoring/monitored/{monitored.pk}/",
    }
    for name, path in pages.items():
        phone.goto(live_server.url + path)
        _fits(phone, name)
    assert phone.console_errors == []

"""Everyday use (issue 22) as people meet it, in Debian's chromium: a cadre's life-event
form keeps its date, a county officer reads the catalogue in Chinese and starts a
screening run and watches what it did, a cadre hands a matter to someone who can act on
it (two people with one title told apart). Screenshots: test-artifacts/everyday-*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from grid.services import matter_create
from monitoring import feeds
from monitoring.models import Department, RunStatus, ScreeningRun
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory, heads_with_numbers
from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 (the fixtures)
from tests.test_browser_grid import _login
from tests.test_phone import _fits, phone  # noqa: F401 (the fixture)
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser


def _fits_public(tab, name: str) -> None:
    """A public page on a 390 px phone: nothing wider than the screen; a screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390, name


def _staff(username: str, name: str, region, role: str):
    user = UserFactory(username=username, first_name=name)
    StaffAssignment.objects.create(user=user, region=region, role=role)
    return user


def test_a_cadre_records_a_life_event_and_the_date_is_there(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    _staff("cadre", "李村干", village, Role.VILLAGE_CADRE)
    household = HouseholdFactory(village=village, number="0021")
    resident = ResidentFactory(household=household, relation="head", name="张三力")
    _login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/residents/{resident.pk}/events/new/")
    today = timezone.localdate()
    assert page.get_by_label("日期").input_value() == f"{today:%Y-%m-%d}"
    page.get_by_label("日期").fill(f"{today.year + 1}-01-01")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()  # the answer, not the page it left
    assert "日期不能晚于今天。" in page.content()
    assert page.get_by_label("日期").input_value() == f"{today.year + 1}-01-01"  # kept
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "everyday-date.png"), full_page=True)


def test_a_county_officer_starts_a_screening_run_and_reads_what_it_did(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    group,
    monitoring_catalogue,
):
    county = village.parent.parent
    _staff("county", "赵县干", county, Role.COUNTY_OFFICER)
    numbers = heads_with_numbers(village, group, 3)
    data = "id_number,item_code,value,period\n" + "".join(
        f"{n},YB02,30000,2026-10\n" for n in numbers
    )
    feeds.feed_receive(
        county=county,
        department=Department.objects.get(code="YB"),
        period="2026-10",
        name="医保10月.csv",
        data=data.encode(),
    )
    _login(phone, live_server.url, "county")
    phone.goto(f"{live_server.url}/monitoring/catalogue/")
    assert "项目名称" in phone.content()
    assert "享受农村最低生活保障" in phone.content()
    phone.screenshot(path=str(ARTIFACTS / "everyday-catalogue.png"), full_page=True)

    phone.goto(f"{live_server.url}/monitoring/runs/")
    assert "尚未进行过筛查" in phone.content()
    phone.get_by_label("期间").fill("2026-10")
    phone.get_by_role("button", name="立即筛查").click()
    phone.wait_for_url(f"{live_server.url}/monitoring/runs/")
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.DONE
    row = phone.locator("#runs tbody tr").first
    text = row.inner_text()
    assert "2026-10" in text
    assert "赵县干" in text  # who started it
    assert "已完成" in text
    assert run.alerts_new == 3
    _fits(phone, "everyday-runs")


def test_a_cadre_hands_a_matter_to_someone_who_can_act_on_it(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    cadre = _staff("cadre", "渡头村村干部", village, Role.VILLAGE_CADRE)
    _staff("cadre2", "渡头村村干部", village.parent, Role.TOWNSHIP_OFFICER)  # same name
    _staff("worker", "王网格", village, Role.GRID_WORKER)
    _staff("clerk", "陈社员", village, Role.COOP_CLERK)
    matter = matter_create(
        village=village,
        user=cadre,
        source="walk_in",
        category="problem",
        urgency="normal",
        title="路灯坏了",
    )
    _login(phone, live_server.url, "cadre")
    phone.goto(f"{live_server.url}/matters/{matter.pk}/")
    options = phone.locator("#id_user option").all_inner_texts()
    assert sorted(options) == ["渡头村村干部（渡头村 村干部）", "王网格（渡头村 网格员）"]
    phone.locator("#id_user").select_option(label="王网格（渡头村 网格员）")
    phone.get_by_role("button", name="分派", exact=True).click()
    phone.wait_for_load_state()  # the answer, not the page it left
    assert "王网格（渡头村 网格员）" in phone.content()  # the matter's history names them
    _fits(phone, "everyday-matter")


def test_a_township_officer_reads_the_portrait_chart_by_village(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    from monitoring.services import alert_raise
    from villages.models import Level, Region

    _staff("town", "周镇干", village.parent, Role.TOWNSHIP_OFFICER)
    other = Region.objects.create(
        code=village.code[:9] + "299", name="西岭村", level=Level.VILLAGE, parent=village.parent
    )
    for v, n in ((village, 3), (other, 1)):
        for _ in range(n):
            alert_raise(household=HouseholdFactory(village=v), source="visit", level="high")
    _login(page, live_server.url, "town")
    page.goto(f"{live_server.url}/monitoring/portrait/")
    chart = page.locator("figure.chart svg")
    assert chart.locator("title").all_text_contents() == [f"{village.name} (0): 3", "西岭村 (0): 1"]
    # text keeps the size it was set for on a wide screen (12 px, not stretched)
    heights = [box["height"] for box in (t.bounding_box() for t in chart.locator("text").all())]
    assert max(heights) < 18
    assert "合计 4" in page.locator("figure.chart figcaption").inner_text()
    page.locator("figure.chart").screenshot(path=str(ARTIFACTS / "everyday-chart.png"))


def test_the_error_workbook_is_fixed_and_imported_again(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    group,
    tmp_path,
):
    """Item 9: a cadre with the reveal right downloads the refused rows whole, corrects
    the wrong number in that workbook and imports it; the household is then there."""
    import io

    from openpyxl import load_workbook

    from households.models import Household
    from tests.factories import make_id_number

    cadre = _staff("cadre", "李村干", village, Role.VILLAGE_CADRE)
    StaffAssignment.objects.filter(user=cadre).update(sees_identity=True)
    number = make_id_number()
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    rows = [
        "户编号,村民小组,住址,姓名,身份证号,与户主关系,劳动能力,就业状况,联系电话,低保户",
        f"1001,一组,一组1号,王一,{make_id_number()},户主,普通劳动力,务农,,否",
        f"2001,一组,一组2号,坏校验,{wrong},户主,普通劳动力,务农,,否",
    ]
    source = tmp_path / "户籍.csv"
    source.write_text("\r\n".join(rows) + "\r\n", encoding="gb18030")
    _login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/import/")
    page.locator("input[type=file]").set_input_files(str(source))
    page.get_by_role("button", name="检查文件").click()
    page.get_by_role("button", name="确认导入 1 行").click()
    assert Household.objects.count() == 1
    page.get_by_label("事由").fill("改正后重新导入")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载未脱敏版本").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("身份证号") + 1).value == wrong
    sheet.cell(row=2, column=headers.index("身份证号") + 1).value = number
    fixed = tmp_path / "改正.xlsx"
    book.save(fixed)
    page.goto(f"{live_server.url}/import/")
    page.locator("input[type=file]").set_input_files(str(fixed))
    page.get_by_role("button", name="检查文件").click()
    page.screenshot(path=str(ARTIFACTS / "everyday-import-again.png"), full_page=True)
    page.get_by_role("button", name="确认导入 1 行").click()
    assert Household.objects.count() == 2


def test_the_alert_page_says_who_acts_next(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    from monitoring.services import alert_raise

    _staff("town", "周镇干", village.parent, Role.TOWNSHIP_OFFICER)
    _staff("cadre", "李村干", village, Role.VILLAGE_CADRE)
    alert, _new = alert_raise(
        household=HouseholdFactory(village=village, number="0031"), source="visit", level="high"
    )
    _login(page, live_server.url, "town")
    page.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    guide = page.locator("#guide").inner_text()
    assert "第 1 步，共 5 步：入户核实" in guide
    assert "李村干（渡头村 村干部）" in guide
    page.locator("#guide").screenshot(path=str(ARTIFACTS / "everyday-guide.png"))


def test_a_clerk_finds_a_household_at_the_desk_and_a_resident_on_the_board(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    """Item 7 on a phone: the clerk's home is the redemption desk; a resident finds their
    household on the leaderboard; a refused listing says why; the market says whom to
    call; a replaced plaque says it was replaced."""
    import datetime

    from households import services as registry
    from points.models import EntryStatus, Good, PointEntry, PointRule

    clerk = _staff("clerk", "陈社员", village, Role.COOP_CLERK)
    cadre = _staff("cadre", "李村干", village, Role.VILLAGE_CADRE)
    rule = PointRule.objects.create(
        village=village, category="volunteering", name="志愿服务", points=1
    )
    households = []
    for i in range(1, 61):
        household = HouseholdFactory(village=village, number=f"{i:04d}")
        ResidentFactory(household=household, relation="head", name=f"王{i}")
        PointEntry.objects.create(
            household=household,
            rule=rule,
            points=100 - i,
            occurred_on=datetime.date(2026, 3, 1),
            place="村广场",
            description="义务劳动",
            status=EntryStatus.APPROVED,
            recorded_by=cadre,
        )
        households.append(household)
    Good.objects.create(village=village, name="肥皂", price=4, stock=2)
    assert clerk

    _login(phone, live_server.url, "clerk")
    assert phone.locator("#coop-desk").is_visible()
    phone.get_by_label("户编号或门牌码").fill(households[41].public_url())
    phone.get_by_role("button", name="查询余额").click()
    assert "0042 号户" in phone.locator("#lookup").inner_text()
    _fits(phone, "everyday-coop-desk")

    phone.context.clear_cookies()
    phone.goto(f"{live_server.url}/v/{village.code}/points/")
    phone.get_by_label("查找我家（门牌上的户编号）").fill("0057")
    phone.get_by_role("button", name="查找").click()
    assert "page=2" in phone.url
    assert phone.locator("li.pub-mine").inner_text().startswith("57")
    _fits_public(phone, "everyday-leaderboard")

    listing = registry.listing_post(household=households[0], kind="sell", product="脐橙")
    registry.listing_refuse(listing, user=cadre, reason="含联系电话，请改后再发")
    phone.goto(f"{live_server.url}/market/close/{listing.close_code}/")
    assert "含联系电话，请改后再发" in phone.locator("#listing-state").inner_text()
    _fits_public(phone, "everyday-listing-refused")

    old = households[1].public_token
    registry.household_rotate_code(household=households[1], user=cadre)
    response = phone.goto(f"{live_server.url}/h/{old}/")
    assert response.status == 410
    assert "此门牌已更换" in phone.content()
    _fits_public(phone, "everyday-replaced-plaque")

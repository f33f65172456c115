"""The monitoring method as counties practise it (issue 24), one journey per part, each as
the person who does it, on the device they use. Screenshots: test-artifacts/phone-*.png
and test-artifacts/method-*.png."""

from __future__ import annotations

import datetime

import pytest

from conftest import _staff
from monitoring import services
from monitoring.models import Alert, AssistanceMeasure, MeasureStatus, Monitored, Source, Stage
from monitoring.tests.test_comparison import _batch, _value
from tests.factories import HouseholdFactory, ResidentFactory
from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 (the fixtures)
from tests.test_browser_grid import _login
from tests.test_phone import _fits, phone  # noqa: F401 (the fixture)
from villages.models import Role

pytestmark = pytest.mark.browser


def test_a_village_cadre_fixes_measures_at_the_appraisal_on_a_phone(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
):
    """Item 1. The cadre verified the household a week and a day ago (time is pinned at
    2026-11-23): the alert is flagged, she proposes an employment measure from her phone,
    the flag goes, and she reports it under way."""
    village_cadre.username = "cadre"
    village_cadre.save()
    alert, _created = services.alert_raise(
        household=HouseholdFactory(village=village), source=Source.SELF_REPORT, level="high"
    )
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=datetime.date(2026, 11, 15),
        findings="户主住院，儿子待业",
        income_estimate=None,
        recommendation="enrol",
    )
    _login(phone, live_server.url, "cadre")
    phone.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    assert phone.locator("#measures-overdue").is_visible()
    form = phone.locator("#measure-new")
    form.get_by_label("类别").select_option("employment")
    form.get_by_label("内容").fill("介绍儿子到县工业园务工")
    form.get_by_label("责任人").fill("王村干部")
    form.get_by_label("预期效果").fill("每月增收2400元")
    _fits(phone, "method-measure-propose")
    with phone.expect_navigation():
        form.get_by_role("button", name="添加措施").click()
    assert phone.locator("#measures-overdue").count() == 0
    measure = AssistanceMeasure.objects.get(alert=alert)
    report = phone.locator(f"#measure-{measure.pk}")
    report.locator("summary").click()
    report.get_by_label("状态").select_option("ongoing")
    with phone.expect_navigation():
        report.get_by_role("button", name="登记进展").click()
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ONGOING
    assert "实施中" in phone.locator(f"#measure-{measure.pk}").inner_text()
    _fits(phone, "method-measure-ongoing")
    assert phone.console_errors == []


def test_a_county_officer_enrols_a_household_meeting_its_category_and_names_its_members(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    county_officer,
):
    """Item 3. At the county's step the officer chooses 突发严重困难户 without its amount
    and is told so in a sentence, keeping what was chosen; with the amount, and one
    member unticked, the household is enrolled with the two members named, and the list
    of monitored households counts them."""
    county_officer.username = "county"
    county_officer.save()
    home = HouseholdFactory(village=village, number="0042")
    head = ResidentFactory(household=home, relation="head", name="张大山")
    ResidentFactory(household=home, relation="spouse", name="李小梅")
    away = ResidentFactory(household=home, relation="son", name="张小川")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    Alert.objects.filter(pk=alert.pk).update(stage=Stage.COUNTY)
    _login(page, live_server.url, "county")
    page.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    step = page.locator("#step-decide")
    step.get_by_label("纳入监测对象").check()
    step.get_by_label("监测类型").select_option("sudden")
    step.get_by_label("因病").check()
    with page.expect_navigation():
        step.get_by_role("button", name="保存").click()
    assert "请填写突发事件造成的支出或损失" in page.locator("#step-decide").inner_text()
    step = page.locator("#step-decide")
    assert step.get_by_label("因病").is_checked()  # nothing chosen is lost
    step.get_by_label("突发支出或损失（元）").fill("48200")
    step.get_by_label("张小川（子）").uncheck()
    page.screenshot(path=str(ARTIFACTS / "method-enrol-members.png"), full_page=True)
    with page.expect_navigation():
        step.get_by_role("button", name="保存").click()
    monitored = Monitored.objects.get(alert=alert)
    assert set(monitored.members.all()) == {head, home.residents.get(relation="spouse")}
    assert away not in monitored.members.all()
    page.goto(f"{live_server.url}/monitoring/monitored/")
    assert page.locator("#monitored-totals").inner_text() == "1户 2人"
    assert page.console_errors == []


def test_the_township_pairs_a_cadre_who_finds_the_household_at_home(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
    township_officer,
):
    """Item 4. The township officer, at a desk, pairs a verified household with the
    village's cadre; the cadre, on her phone, finds it on her home with this month's visit
    due."""
    township_officer.username = "township"
    township_officer.save()
    village_cadre.username = "cadre"
    village_cadre.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=datetime.date(2026, 11, 20),
        findings="情况属实",
        income_estimate=None,
        recommendation="enrol",
    )
    _login(page, live_server.url, "township")
    page.goto(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    pairing = page.locator("#pairing")
    assert "该户尚未安排结对帮扶" in pairing.inner_text()
    pairing.get_by_label("结对帮扶责任人").select_option(str(village_cadre.pk))
    with page.expect_navigation():
        pairing.get_by_role("button", name="结对").click()
    assert "cadre" in page.locator("#pairing").inner_text()
    page.locator("#pairing").screenshot(path=str(ARTIFACTS / "method-pairing.png"))
    _login(phone, live_server.url, "cadre")
    panel = phone.locator("#paired")
    assert "渡头村 0042 号户" in panel.inner_text() or "0042" in panel.inner_text()
    assert "本月待走访" in panel.inner_text()
    _fits(phone, "method-paired-home")
    assert page.console_errors == []
    assert phone.console_errors == []


def test_the_county_hall_shows_the_wall_screen_readable_from_across_the_room(
    browser,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    county_officer,
):
    """Item 9. The county officer opens the wall screen from the portraits page on the
    hall's 1920×1080 display: it fits without scrolling sideways, its figures are large,
    and it refreshes itself."""
    county_officer.username = "county"
    county_officer.save()
    for _n in range(3):
        home = HouseholdFactory(village=village)
        ResidentFactory(household=home, relation="head")
        services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    hall = context.new_page()
    _login(hall, live_server.url, "county")
    hall.goto(f"{live_server.url}/monitoring/portrait/")
    with hall.expect_navigation():
        hall.locator("#wall-link").click()
    hall.screenshot(path=str(ARTIFACTS / "method-wall.png"))
    assert hall.evaluate("document.documentElement.scrollWidth") <= 1920
    value = hall.locator(".wall-figure .value").first
    assert value.inner_text() == "3"
    assert float(value.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 60
    assert hall.locator('meta[http-equiv="refresh"]').get_attribute("content") == "300"
    context.close()


def test_the_first_secretary_verifies_on_a_phone_and_the_board_posts_the_team(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
):
    """Item 8. The first secretary sent to the village logs in on her phone, finds the
    village's open alert from her home, verifies it on site; the village board (public)
    posts her as the work team."""
    secretary = _staff(Role.FIRST_SECRETARY, village, username="secretary")
    secretary.first_name = "李书记"
    secretary.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    _login(phone, live_server.url, "secretary")
    phone.get_by_role("link", name="未办结预警").first.click()
    phone.wait_for_load_state()
    phone.locator(f'a[href="/monitoring/alerts/{alert.pk}/"]').click()
    phone.wait_for_url(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    step = phone.locator("#step-verify")
    step.get_by_label("核实情况").fill("第一书记入户核实：户主住院")
    step.get_by_label("存在风险：提交民主评议").check()
    step.get_by_label("走访日期").fill("2026-11-20")
    _fits(phone, "method-secretary-verify")
    with phone.expect_navigation():
        step.get_by_role("button", name="保存").click()
    alert.refresh_from_db()
    assert alert.stage == Stage.APPRAISE
    phone.goto(f"{live_server.url}/v/{village.code}/")
    assert "李书记" in phone.locator("#work-team").inner_text()
    phone.screenshot(path=str(ARTIFACTS / "phone-method-board-team.png"), full_page=True)
    assert phone.console_errors == []


def test_the_wall_screen_fits_a_phone_too(
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    county_officer,
):
    """Item 9. The wall is a staff page like any other: opened on a phone, its figures
    stack inside 390 px."""
    county_officer.username = "county"
    county_officer.save()
    _login(phone, live_server.url, "county")
    phone.goto(f"{live_server.url}/monitoring/wall/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "phone-method-wall.png"), full_page=True)


def test_the_township_review_waits_for_the_villages_explanation_of_a_difference(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    monitoring_catalogue,
    county,
    village,
    village_cadre,
    township_officer,
):
    """Item 2. The civil affairs roll lists the household for 低保, the village's visit
    found none: the township officer's approval is refused with a sentence naming the
    difference; the cadre explains it from her phone; the approval then passes."""
    village_cadre.username = "cadre"
    village_cadre.save()
    township_officer.username = "township"
    township_officer.save()
    home = HouseholdFactory(village=village, number="0042")
    head = ResidentFactory(household=home, relation="head")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    _value(_batch(county, "MZ", "2026-10"), head, "MZ01", 1)
    services.verify(
        alert=alert,
        user=village_cadre,
        visit_date=datetime.date(2026, 11, 20),
        findings="户主住院",
        income_estimate=None,
        recommendation="enrol",
        dibao="no",
    )
    Alert.objects.filter(pk=alert.pk).update(stage=Stage.TOWNSHIP)
    url = f"{live_server.url}/monitoring/alerts/{alert.pk}/"
    _login(page, live_server.url, "township")
    page.goto(url)
    assert "差异未说明" in page.locator("#topic-dibao").inner_text()
    step = page.locator("#step-review")
    step.get_by_label("同意：报县级审批").check()
    with page.expect_navigation():
        step.get_by_role("button", name="保存").click()
    assert "享受低保" in page.locator("#step-review").inner_text()  # the sentence names it
    assert Alert.objects.get(pk=alert.pk).stage == Stage.TOWNSHIP
    page.screenshot(path=str(ARTIFACTS / "method-review-refused.png"), full_page=True)
    _login(phone, live_server.url, "cadre")
    phone.goto(url)
    row = phone.locator("#topic-dibao")
    row.get_by_label("差异原因").fill("十月起已停保，民政名单尚未更新")
    _fits(phone, "method-explain-difference")
    with phone.expect_navigation():
        row.get_by_role("button", name="说明").click()
    assert "已说明" in phone.locator("#topic-dibao").inner_text()
    page.goto(url)
    step = page.locator("#step-review")
    step.get_by_label("同意：报县级审批").check()
    with page.expect_navigation():
        step.get_by_role("button", name="保存").click()
    assert Alert.objects.get(pk=alert.pk).stage == Stage.COUNTY
    assert page.console_errors == []
    assert phone.console_errors == []


def test_the_county_reminds_a_yellow_village_whose_cadre_goes_back_to_the_door(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    monitoring_catalogue,
    village,
    sibling_village,
    village_cadre,
    county_officer,
):
    """Item 5. An alert of 渡头村 is past its deadline: the portrait shows the village
    yellow; the county officer reminds the yellow villages from the portrait; the cadre
    finds the reminder in her inbox and home, records the revisit with one click on her
    phone; the county's list of reminders shows it made."""
    village_cadre.username = "cadre"
    village_cadre.save()
    county_officer.username = "county"
    county_officer.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    alert, _created = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    Alert.objects.filter(pk=alert.pk).update(due_date=datetime.date(2026, 11, 20))
    _login(page, live_server.url, "county")
    page.goto(f"{live_server.url}/monitoring/portrait/")
    assert "黄" in page.locator("#work-villages").inner_text()
    with page.expect_navigation():
        page.locator("#remind").click()
    assert "渡头村" in page.locator("#reminders").inner_text()
    _login(phone, live_server.url, "cadre")
    phone.goto(f"{live_server.url}/inbox/")
    with phone.expect_navigation():  # the message opens its link
        phone.get_by_role("button", name="渡头村画像为黄：需回访 1 户").click()
    row = phone.locator("#revisits tbody tr").first
    row.get_by_placeholder("回访情况").fill("已入户，户主已出院")
    _fits(phone, "method-revisit")
    with phone.expect_navigation():
        row.get_by_role("button", name="已走访").click()
    assert "已回访 1 / 1" in phone.locator("#revisit-progress").inner_text()
    page.goto(f"{live_server.url}/monitoring/reminders/")
    assert "1/1" in page.locator("#reminders").inner_text()
    page.screenshot(path=str(ARTIFACTS / "method-reminders.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []


def test_a_three_level_check_runs_from_the_county_to_the_villages_doors(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
    county_officer,
):
    """Item 6. The county officer starts a check campaign; the cadre, on her phone, checks
    her village's households: one is fine, one shows a risk, which raises an alert; the
    county sees the village's progress."""
    village_cadre.username = "cadre"
    village_cadre.save()
    county_officer.username = "county"
    county_officer.save()
    homes = [HouseholdFactory(village=village, number=n) for n in ("0001", "0002")]
    for home in homes:
        ResidentFactory(household=home, relation="head")
    _login(page, live_server.url, "county")
    page.goto(f"{live_server.url}/monitoring/checks/")
    form = page.locator("#start-check")
    page.screenshot(path=str(ARTIFACTS / "method-check-start.png"), full_page=True)
    form.get_by_label("排查名称").fill("冬季三级排查")
    form.get_by_label("开始日期").fill("2026-11-20")
    form.get_by_label("结束日期").fill("2026-12-20")
    with page.expect_navigation():
        form.get_by_role("button", name="开始排查").click()
    check_url = page.url
    _login(phone, live_server.url, "cadre")
    phone.goto(check_url)
    first = phone.locator(f"#h{homes[0].pk}")
    first.get_by_label("已排查：未发现风险").check()
    with phone.expect_navigation():
        first.get_by_role("button", name="保存").click()
    second = phone.locator(f"#h{homes[1].pk}")
    second.get_by_label("已排查：发现风险").check()
    second.get_by_placeholder("排查情况").fill("户主摔伤，暂不能务工")
    _fits(phone, "method-check")
    with phone.expect_navigation():
        second.get_by_role("button", name="保存").click()
    assert Alert.objects.filter(source=Source.CHECK, village=village).count() == 1
    page.goto(check_url)
    progress = page.locator("#check-progress").inner_text()
    assert "2/2" in progress
    assert "发现 1 项风险" in progress
    page.screenshot(path=str(ARTIFACTS / "method-check-progress.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []


def test_the_village_holds_its_month_and_the_township_reads_the_minutes(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
    township_officer,
):
    """Item 7. The cadre's home says this month's review meeting is due; on her phone she
    opens it, finds the household's self-report on the prepared agenda, records the
    minutes with a decision linked to it, and looks back at the monitored household; the
    township officer reads the minutes at a desk."""
    village_cadre.username = "cadre"
    village_cadre.save()
    township_officer.username = "township"
    township_officer.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    alert, _created = services.self_report(household=home, name="张三", text="家里有人住院")
    enrolled = HouseholdFactory(village=village, number="0007")
    ResidentFactory(household=enrolled, relation="head")
    old, _created = services.alert_raise(household=enrolled, source=Source.VISIT)
    Alert.objects.filter(pk=old.pk).update(stage=Stage.ENROLLED, closed_at=old.opened_at)
    monitored = Monitored.objects.create(
        household=enrolled,
        alert=old,
        category="sudden",
        causes=["illness"],
        enrolled_on=datetime.date(2026, 10, 1),
        approved_by=township_officer,
    )
    _login(phone, live_server.url, "cadre")
    with phone.expect_navigation():
        phone.locator("#meeting-due-stat").click()
    assert "0042 号户" in phone.locator("#agenda").inner_text()
    phone.get_by_label("参会人员").fill("第一书记、村支书、村委委员")
    phone.get_by_label("会议纪要").fill("研判群众申报一户，决定三日内入户核实。")
    phone.get_by_label("决定 1").fill("三日内入户核实")
    phone.locator("#link-0").select_option(f"a:{alert.pk}")
    _fits(phone, "method-meeting")
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存会议纪要").click()
    phone.goto(f"{live_server.url}/monitoring/lookback/")
    row = phone.locator(f"#m{monitored.pk}")
    row.locator("fieldset").nth(0).get_by_label("是").check()
    row.locator("fieldset").nth(1).get_by_label("是").check()
    row.locator("fieldset").nth(2).get_by_label("否").check()
    with phone.expect_navigation():
        row.get_by_role("button", name="保存").click()
    assert "仍有风险" in phone.locator(f"#m{monitored.pk}").inner_text()
    _login(page, live_server.url, "township")
    page.goto(f"{live_server.url}/monitoring/meetings/")
    with page.expect_navigation():
        page.locator("#meetings a").first.click()
    assert "研判群众申报一户" in page.locator("#minutes").inner_text()
    assert "0042 户的预警" in page.locator("#decisions").inner_text()
    page.screenshot(path=str(ARTIFACTS / "method-minutes.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []
